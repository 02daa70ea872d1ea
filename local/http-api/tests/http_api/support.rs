//! Test doubles and helpers: a scripted function side ([`ScriptedInvoker`]), the API served on
//! loopback ([`TestApi`]), a JWKS endpoint ([`JwksServer`]) and token signing with the test-only
//! keys under `tests/fixtures/`.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use bytes::Bytes;
use cfp_local_http_api::{CorsConfig, HttpApiConfig, JwtAuthorizerConfig, RouteConfig, serve};
use cfp_local_invoke::{Invoke, InvokeError};
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use tokio::task::JoinHandle;

pub const KEY_A_PEM: &[u8] = include_bytes!("../fixtures/test-only-rsa-key-a.pem");
pub const KEY_A_PUBLIC_PEM: &[u8] = include_bytes!("../fixtures/test-only-rsa-key-a.pub.pem");
pub const KEY_B_PEM: &[u8] = include_bytes!("../fixtures/test-only-rsa-key-b.pem");
pub const KID_A: &str = "test-key-a";

pub const ISSUER: &str = "https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_TestPool";
pub const CLIENT_ID: &str = "test-client-id";

/// One invocation the API made.
#[derive(Debug, Clone)]
pub struct Call {
    pub function: String,
    pub payload: Value,
    pub raw: Bytes,
}

/// The function side: records each invocation and answers from a script (the last answer repeats).
pub struct ScriptedInvoker {
    calls: Mutex<Vec<Call>>,
    answers: Mutex<VecDeque<Result<Bytes, InvokeError>>>,
}

impl ScriptedInvoker {
    pub fn new() -> Self {
        Self {
            calls: Mutex::new(Vec::new()),
            answers: Mutex::new(VecDeque::from([Ok(Bytes::from_static(
                br#"{"statusCode":200,"body":"ok"}"#,
            ))])),
        }
    }

    /// From now on, answer every invocation with `answer`.
    pub fn answer(&self, answer: Result<Bytes, InvokeError>) {
        let mut answers = self.answers.lock().expect("answers lock");
        answers.clear();
        answers.push_back(answer);
    }

    /// Answer the next invocation with a payload-2.0 response given as JSON.
    pub fn answer_json(&self, response: Value) {
        self.answer(Ok(Bytes::from(response.to_string())));
    }

    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().expect("calls lock").clone()
    }

    /// The single invocation made so far.
    pub fn only_call(&self) -> Call {
        let calls = self.calls();
        assert_eq!(
            calls.len(),
            1,
            "expected exactly one invocation: {calls:#?}"
        );
        calls.into_iter().next().expect("one call")
    }
}

#[async_trait]
impl Invoke for ScriptedInvoker {
    async fn invoke(&self, function: &str, payload: Bytes) -> Result<Bytes, InvokeError> {
        let parsed = serde_json::from_slice(&payload).expect("the API sends JSON events");
        self.calls.lock().expect("calls lock").push(Call {
            function: function.to_owned(),
            payload: parsed,
            raw: payload,
        });
        let mut answers = self.answers.lock().expect("answers lock");
        if answers.len() > 1 {
            answers.pop_front().expect("non-empty")
        } else {
            answers.front().cloned().expect("an answer is scripted")
        }
    }
}

/// Aborts the spawned server when the test ends.
pub struct AbortOnDrop<T>(pub JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The API served on 127.0.0.1 with a [`ScriptedInvoker`] behind it.
pub struct TestApi {
    pub base: String,
    pub invoker: Arc<ScriptedInvoker>,
    pub client: reqwest::Client,
    _server: AbortOnDrop<std::io::Result<()>>,
}

impl TestApi {
    pub async fn start(config: HttpApiConfig) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let address = listener.local_addr().expect("local address");
        let invoker = Arc::new(ScriptedInvoker::new());
        let server = tokio::spawn(serve(listener, config, invoker.clone()));
        Self {
            base: format!("http://{address}"),
            invoker,
            client: client(),
            _server: AbortOnDrop(server),
        }
    }

    pub fn url(&self, path_and_query: &str) -> String {
        format!("{}{}", self.base, path_and_query)
    }

    pub fn get(&self, path_and_query: &str) -> reqwest::RequestBuilder {
        self.client.get(self.url(path_and_query))
    }

    pub fn request(&self, method: &str, path_and_query: &str) -> reqwest::RequestBuilder {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("valid method");
        self.client.request(method, self.url(path_and_query))
    }
}

/// A client that never uses a proxy: every test request stays on loopback.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("reqwest client")
}

pub fn api(routes: Vec<RouteConfig>) -> HttpApiConfig {
    HttpApiConfig {
        api_id: "testapi01".into(),
        stage: "$default".into(),
        account_id: "123456789012".into(),
        region: "eu-central-1".into(),
        routes,
        cors: None,
    }
}

pub fn route(method: &str, path: &str, function: &str) -> RouteConfig {
    RouteConfig {
        method: method.into(),
        path: path.into(),
        function: function.into(),
        authorizer: None,
        authorization_scopes: Vec::new(),
    }
}

pub fn cors_config() -> CorsConfig {
    CorsConfig {
        allow_origins: vec!["https://app.example".into()],
        allow_methods: vec!["GET".into(), "POST".into(), "OPTIONS".into()],
        allow_headers: vec!["authorization".into(), "content-type".into()],
        expose_headers: vec!["etag".into(), "location".into()],
        max_age: Some(600),
        allow_credentials: true,
    }
}

pub async fn json_body(response: reqwest::Response) -> Value {
    response.json().await.expect("a JSON body")
}

/// Serves a JSON Web Key Set on loopback and counts how often it is fetched.
pub struct JwksServer {
    pub uri: String,
    keys: Arc<Mutex<Value>>,
    hits: Arc<AtomicUsize>,
    _server: AbortOnDrop<()>,
}

impl JwksServer {
    /// Serves key A's public half as `KID_A`.
    pub async fn start() -> Self {
        let keys = Arc::new(Mutex::new(
            json!({ "keys": [public_jwk(KEY_A_PEM, KID_A)] }),
        ));
        let hits = Arc::new(AtomicUsize::new(0));
        let app = {
            let keys = keys.clone();
            let hits = hits.clone();
            axum::Router::new().route(
                "/pool/.well-known/jwks.json",
                axum::routing::get(move || {
                    let keys = keys.clone();
                    let hits = hits.clone();
                    async move {
                        hits.fetch_add(1, Ordering::SeqCst);
                        let body = keys.lock().expect("keys lock").clone();
                        axum::Json(body)
                    }
                }),
            )
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let address = listener.local_addr().expect("local address");
        let server = tokio::spawn(async move {
            // The server only stops when the test drops it.
            let _ = axum::serve(listener, app).await;
        });
        Self {
            uri: format!("http://{address}/pool/.well-known/jwks.json"),
            keys,
            hits,
            _server: AbortOnDrop(server),
        }
    }

    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    /// Replaces the served key set (key rotation).
    pub fn serve_keys(&self, keys: Value) {
        *self.keys.lock().expect("keys lock") = keys;
    }

    pub fn authorizer(&self) -> JwtAuthorizerConfig {
        JwtAuthorizerConfig {
            name: "CognitoAuthorizer".into(),
            identity_source: "$request.header.Authorization".into(),
            issuer: ISSUER.into(),
            audience: vec![CLIENT_ID.into()],
            jwks_uri: self.uri.clone(),
        }
    }
}

/// The public JWK (with `kid`, `use: sig`, `alg: RS256`) of a private key PEM.
pub fn public_jwk(private_pem: &[u8], kid: &str) -> Value {
    let key = EncodingKey::from_rsa_pem(private_pem).expect("test key PEM");
    let mut jwk = Jwk::from_encoding_key(&key, Algorithm::RS256).expect("JWK of the test key");
    jwk.common.key_id = Some(kid.into());
    let mut value = serde_json::to_value(&jwk).expect("JWK serializes");
    value["use"] = json!("sig");
    value
}

pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Claims like a Cognito ID token's.
pub fn id_token_claims() -> Value {
    let now = now();
    json!({
        "sub": "5b1c9f3e-0000-4000-8000-000000000001",
        "cognito:groups": ["admins", "speakers"],
        "email_verified": true,
        "iss": ISSUER,
        "cognito:username": "5b1c9f3e-0000-4000-8000-000000000001",
        "aud": CLIENT_ID,
        "event_id": "e1",
        "token_use": "id",
        "auth_time": now - 5,
        "exp": now + 3600,
        "iat": now - 5,
        "email": "speaker@example.org"
    })
}

/// Claims like a Cognito access token's (no `aud`, a `client_id` and scopes).
pub fn access_token_claims() -> Value {
    let now = now();
    json!({
        "sub": "5b1c9f3e-0000-4000-8000-000000000001",
        "cognito:groups": ["speakers"],
        "iss": ISSUER,
        "client_id": CLIENT_ID,
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin cfp/read",
        "auth_time": now - 5,
        "exp": now + 3600,
        "iat": now - 5,
        "jti": "6f0d7c1e-0000-4000-8000-000000000002",
        "username": "5b1c9f3e-0000-4000-8000-000000000001"
    })
}

/// An RS256 token signed with `private_pem`, with `kid` in its header.
pub fn sign_rs256(claims: &Value, private_pem: &[u8], kid: Option<&str>) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = kid.map(str::to_owned);
    let key = EncodingKey::from_rsa_pem(private_pem).expect("test key PEM");
    jsonwebtoken::encode(&header, claims, &key).expect("sign test token")
}

/// A good ID token signed by the issuer's key.
pub fn good_id_token() -> String {
    sign_rs256(&id_token_claims(), KEY_A_PEM, Some(KID_A))
}
