//! Idempotent HTTP writes: the same `Idempotency-Key` with the same request from the same caller
//! gives the same answer and one effect. A record per (caller, key) holds a fingerprint of the
//! request and, once there is one, the response; it is claimed with a lease before the handler
//! runs, so a concurrent duplicate waits (409) instead of running the effect twice.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

use crate::dedupe::LeaseToken;
use crate::team::UserId;
use crate::validation::InvalidValue;

/// Far longer than one invocation may run (the functions' timeout is seconds).
pub const LEASE: Duration = Duration::seconds(60);
/// How long a key is remembered (the store's TTL).
pub const RETENTION: Duration = Duration::hours(24);

/// A client's key: 1..=255 printable ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub const MAX_CHARS: usize = 255;

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        if raw.is_empty() {
            return Err(InvalidValue::Empty);
        }
        if raw.len() > Self::MAX_CHARS {
            return Err(InvalidValue::TooLong {
                max: Self::MAX_CHARS,
            });
        }
        if !raw.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
            return Err(InvalidValue::invalid("must be printable ASCII"));
        }
        Ok(IdempotencyKey(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What makes two requests "the same": method, path and body, hashed (SHA-256, base64url).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Fingerprint(String);

impl Fingerprint {
    pub fn of(method: &str, path: &str, body: &[u8]) -> Self {
        let mut hasher = Sha256::new();
        // Length prefixes: no two different (method, path, body) triples hash the same input.
        for part in [method.as_bytes(), path.as_bytes(), body] {
            hasher.update((part.len() as u64).to_be_bytes());
            hasher.update(part);
        }
        Fingerprint(URL_SAFE_NO_PAD.encode(hasher.finalize()))
    }

    /// A fingerprint as stored.
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        match URL_SAFE_NO_PAD.decode(raw) {
            Ok(bytes) if bytes.len() == 32 => Ok(Fingerprint(raw.to_owned())),
            _ => Err(InvalidValue::invalid("must be a SHA-256 fingerprint")),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The answer given the first time, replayed for every duplicate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    /// Only the headers that belong to the answer (content type, location, entity tag).
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// A record as found in the store. `response` is `None` while the first request runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    pub caller: UserId,
    pub key: IdempotencyKey,
    pub fingerprint: Fingerprint,
    pub response: Option<StoredResponse>,
    pub lease_token: LeaseToken,
    pub lease_until: DateTime<Utc>,
}

/// This request's attempt to be the one that runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyClaim {
    pub caller: UserId,
    pub key: IdempotencyKey,
    pub fingerprint: Fingerprint,
    pub token: LeaseToken,
    pub lease_until: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl IdempotencyClaim {
    pub fn new(
        caller: UserId,
        key: IdempotencyKey,
        fingerprint: Fingerprint,
        now: DateTime<Utc>,
    ) -> Self {
        IdempotencyClaim {
            caller,
            key,
            fingerprint,
            token: LeaseToken::generate(),
            lease_until: now + LEASE,
            expires_at: now + RETENTION,
        }
    }
}

/// What to do when a record for the key exists already.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The same request was answered: give the same answer again.
    Replay(StoredResponse),
    /// The key was used for another request: refuse.
    KeyReused,
    /// The same request is running right now: refuse, the client may retry.
    InProgress,
    /// The same request was started but its holder vanished (crash, timeout): run it.
    TakeOver,
}

pub fn decide(
    existing: &IdempotencyRecord,
    claim: &IdempotencyClaim,
    now: DateTime<Utc>,
) -> Verdict {
    if existing.fingerprint != claim.fingerprint {
        return Verdict::KeyReused;
    }
    match &existing.response {
        Some(response) => Verdict::Replay(response.clone()),
        None if existing.lease_until > now => Verdict::InProgress,
        None => Verdict::TakeOver,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_data;

    fn claim(body: &[u8], now: DateTime<Utc>) -> IdempotencyClaim {
        IdempotencyClaim::new(
            test_data::speaker().user_id,
            IdempotencyKey::parse("key-1").expect("key"),
            Fingerprint::of("POST", "/events/devconf-2027/cfps", body),
            now,
        )
    }

    fn record(claim: &IdempotencyClaim, response: Option<StoredResponse>) -> IdempotencyRecord {
        IdempotencyRecord {
            caller: claim.caller.clone(),
            key: claim.key.clone(),
            fingerprint: claim.fingerprint.clone(),
            response,
            lease_token: claim.token,
            lease_until: claim.lease_until,
        }
    }

    #[test]
    fn keys_are_1_to_255_printable_ascii() {
        for ok in [
            "a",
            "8e1d2c3b-4a5f-4e6d-8c7b-9a0f1e2d3c4b",
            " ~!",
            &"k".repeat(255),
        ] {
            assert!(IdempotencyKey::parse(ok).is_ok(), "{ok:?}");
        }
        for bad in [
            "",
            &"k".repeat(256),
            "tab\there",
            "new\nline",
            "ümlaut",
            "\u{7f}",
        ] {
            assert!(IdempotencyKey::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_fingerprint_covers_method_path_and_body() {
        let base = Fingerprint::of("POST", "/a", b"{}");
        assert_eq!(base, Fingerprint::of("POST", "/a", b"{}"));
        assert_ne!(base, Fingerprint::of("POST", "/a", b"{ }"));
        assert_ne!(base, Fingerprint::of("POST", "/b", b"{}"));
        assert_ne!(base, Fingerprint::of("PUT", "/a", b"{}"));
        // No ambiguity where one part ends and the next begins.
        assert_ne!(
            Fingerprint::of("POST", "/a", b"b"),
            Fingerprint::of("POST", "/ab", b"")
        );
        assert_eq!(Fingerprint::parse(base.as_str()), Ok(base));
        assert!(Fingerprint::parse("short").is_err());
    }

    #[test]
    fn same_request_replays_other_request_is_refused_running_waits() {
        let now = Utc::now();
        let first = claim(b"{\"title\":\"a\"}", now);
        let answer = StoredResponse {
            status: 201,
            headers: vec![("location".into(), "/x".into())],
            body: b"{}".to_vec(),
        };
        let done = record(&first, Some(answer.clone()));
        let again = claim(b"{\"title\":\"a\"}", now + Duration::hours(1));
        assert_eq!(decide(&done, &again, now), Verdict::Replay(answer));
        let other = claim(b"{\"title\":\"b\"}", now);
        assert_eq!(decide(&done, &other, now), Verdict::KeyReused);

        let running = record(&first, None);
        assert_eq!(
            decide(&running, &again, now + Duration::seconds(59)),
            Verdict::InProgress
        );
        assert_eq!(decide(&running, &other, now), Verdict::KeyReused);
        assert_eq!(decide(&running, &again, now + LEASE), Verdict::TakeOver);
    }

    #[test]
    fn a_claim_leases_briefly_and_is_kept_a_day() {
        let now = Utc::now();
        let claim = claim(b"", now);
        assert_eq!(claim.lease_until, now + LEASE);
        assert_eq!(claim.expires_at, now + Duration::hours(24));
    }
}
