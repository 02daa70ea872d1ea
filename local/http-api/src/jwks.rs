//! The signing keys of each issuer, fetched from its `jwks_uri` and kept. A token naming a key we do
//! not know triggers one refetch (keys rotate), but no more often than `min_refetch_interval`, so a
//! stream of tokens with made-up key ids cannot hammer the identity provider.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use jsonwebtoken::DecodingKey;
use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet, PublicKeyUse};
use tokio::sync::Mutex;

/// How long a fetch of the key set may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// The key set could not be had.
#[derive(Debug, thiserror::Error)]
pub enum JwksError {
    #[error("fetching {uri} failed: {source}")]
    Fetch {
        uri: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("{uri} answered {status}")]
    Status {
        uri: String,
        status: reqwest::StatusCode,
    },
    #[error("{uri} is not a JSON Web Key Set: {source}")]
    Parse {
        uri: String,
        #[source]
        source: serde_json::Error,
    },
}

#[derive(Default)]
struct KeySet {
    keys: HashMap<String, DecodingKey>,
    last_fetch: Option<Instant>,
}

/// Cached RSA signing keys by `jwks_uri` and `kid`.
pub struct JwksCache {
    client: reqwest::Client,
    min_refetch_interval: Duration,
    // One lock for all issuers: held across a fetch so concurrent misses share one request.
    sets: Mutex<HashMap<String, KeySet>>,
}

impl JwksCache {
    pub fn new(min_refetch_interval: Duration) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            // The keys live on loopback (moto); a proxy from the environment must not get them.
            .no_proxy()
            .timeout(FETCH_TIMEOUT)
            .build()?;
        Ok(Self {
            client,
            min_refetch_interval,
            sets: Mutex::new(HashMap::new()),
        })
    }

    /// The key `kid` of the set at `uri`; `Ok(None)` when the set (even freshly fetched, or not
    /// refetched because of the rate limit) has no such key.
    pub async fn key(&self, uri: &str, kid: &str) -> Result<Option<DecodingKey>, JwksError> {
        let mut sets = self.sets.lock().await;
        let set = sets.entry(uri.to_owned()).or_default();
        if let Some(key) = set.keys.get(kid) {
            return Ok(Some(key.clone()));
        }
        let may_fetch = set.keys.is_empty()
            || set
                .last_fetch
                .is_none_or(|at| at.elapsed() >= self.min_refetch_interval);
        if !may_fetch {
            tracing::debug!(uri, kid, "unknown key id; refetch is rate-limited");
            return Ok(None);
        }
        set.last_fetch = Some(Instant::now());
        set.keys = self.fetch(uri).await?;
        Ok(set.keys.get(kid).cloned())
    }

    async fn fetch(&self, uri: &str) -> Result<HashMap<String, DecodingKey>, JwksError> {
        tracing::debug!(uri, "fetching signing keys");
        let response = self
            .client
            .get(uri)
            .send()
            .await
            .map_err(|source| JwksError::Fetch {
                uri: uri.to_owned(),
                source,
            })?;
        let status = response.status();
        if !status.is_success() {
            return Err(JwksError::Status {
                uri: uri.to_owned(),
                status,
            });
        }
        let body = response.bytes().await.map_err(|source| JwksError::Fetch {
            uri: uri.to_owned(),
            source,
        })?;
        let set: JwkSet = serde_json::from_slice(&body).map_err(|source| JwksError::Parse {
            uri: uri.to_owned(),
            source,
        })?;

        let mut keys = HashMap::new();
        for jwk in &set.keys {
            let Some(kid) = jwk.common.key_id.clone() else {
                continue;
            };
            // Only RSA signing keys can verify the RS256 tokens we accept.
            let is_rsa = matches!(jwk.algorithm, AlgorithmParameters::RSA(_));
            let for_signing = !matches!(jwk.common.public_key_use, Some(PublicKeyUse::Encryption));
            if !(is_rsa && for_signing) {
                continue;
            }
            match DecodingKey::from_jwk(jwk) {
                Ok(key) => {
                    keys.insert(kid, key);
                }
                Err(error) => tracing::warn!(uri, kid, %error, "skipping an unusable key"),
            }
        }
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::jwk::Jwk;
    use jsonwebtoken::{Algorithm, EncodingKey};
    use serde_json::{Value, json};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const KEY_A: &[u8] = include_bytes!("../tests/fixtures/test-only-rsa-key-a.pem");
    const KEY_B: &[u8] = include_bytes!("../tests/fixtures/test-only-rsa-key-b.pem");

    fn jwk(pem: &[u8], kid: &str) -> Value {
        let key = EncodingKey::from_rsa_pem(pem).expect("test key");
        let mut jwk = Jwk::from_encoding_key(&key, Algorithm::RS256).expect("jwk");
        jwk.common.key_id = Some(kid.into());
        serde_json::to_value(jwk).expect("serializes")
    }

    struct KeyServer {
        uri: String,
        keys: Arc<std::sync::Mutex<Value>>,
        hits: Arc<AtomicUsize>,
        task: tokio::task::JoinHandle<()>,
    }

    impl Drop for KeyServer {
        fn drop(&mut self) {
            self.task.abort();
        }
    }

    async fn key_server(keys: Value) -> KeyServer {
        let keys = Arc::new(std::sync::Mutex::new(keys));
        let hits = Arc::new(AtomicUsize::new(0));
        let app = {
            let (keys, hits) = (keys.clone(), hits.clone());
            axum::Router::new().route(
                "/jwks.json",
                axum::routing::get(move || {
                    let (keys, hits) = (keys.clone(), hits.clone());
                    async move {
                        hits.fetch_add(1, Ordering::SeqCst);
                        let body = keys.lock().expect("lock").clone();
                        axum::Json(body)
                    }
                }),
            )
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let uri = format!("http://{}/jwks.json", listener.local_addr().expect("addr"));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        KeyServer {
            uri,
            keys,
            hits,
            task,
        }
    }

    #[tokio::test]
    async fn keys_are_cached_and_an_unknown_kid_is_refetched_once_allowed() {
        let server = key_server(json!({"keys": [jwk(KEY_A, "a")]})).await;
        let cache = JwksCache::new(Duration::from_secs(1)).expect("client");

        assert!(cache.key(&server.uri, "a").await.expect("fetch").is_some());
        assert!(cache.key(&server.uri, "a").await.expect("cached").is_some());
        assert_eq!(server.hits.load(Ordering::SeqCst), 1);

        // The issuer rotates in key b; right after a fetch the refetch is rate-limited.
        *server.keys.lock().expect("lock") = json!({"keys": [jwk(KEY_A, "a"), jwk(KEY_B, "b")]});
        assert!(
            cache
                .key(&server.uri, "b")
                .await
                .expect("no fetch")
                .is_none()
        );
        assert_eq!(server.hits.load(Ordering::SeqCst), 1);

        tokio::time::sleep(Duration::from_millis(1100)).await;
        assert!(
            cache
                .key(&server.uri, "b")
                .await
                .expect("refetch")
                .is_some()
        );
        assert_eq!(server.hits.load(Ordering::SeqCst), 2);

        // A kid the issuer does not have: one refetch after the interval, then none.
        tokio::time::sleep(Duration::from_millis(1100)).await;
        assert!(
            cache
                .key(&server.uri, "zzz")
                .await
                .expect("refetch")
                .is_none()
        );
        assert!(
            cache
                .key(&server.uri, "zzz")
                .await
                .expect("limited")
                .is_none()
        );
        assert_eq!(server.hits.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn non_rsa_and_encryption_keys_are_skipped() {
        let mut encryption = jwk(KEY_B, "enc");
        encryption["use"] = json!("enc");
        let secret = json!({"kty": "oct", "k": "c2VjcmV0", "kid": "hmac"});
        let server = key_server(json!({"keys": [jwk(KEY_A, "a"), encryption, secret]})).await;
        let cache = JwksCache::new(Duration::from_secs(60)).expect("client");
        assert!(cache.key(&server.uri, "a").await.expect("fetch").is_some());
        assert!(
            cache
                .key(&server.uri, "enc")
                .await
                .expect("cached")
                .is_none()
        );
        assert!(
            cache
                .key(&server.uri, "hmac")
                .await
                .expect("cached")
                .is_none()
        );
    }

    #[tokio::test]
    async fn a_bad_key_set_is_an_error() {
        let server = key_server(json!({"not": "a key set"})).await;
        let cache = JwksCache::new(Duration::from_secs(60)).expect("client");
        let error = cache.key(&server.uri, "a").await.expect_err("not a JWKS");
        assert!(matches!(error, JwksError::Parse { .. }), "{error}");
    }
}
