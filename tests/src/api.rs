//! What a test sends as credentials and what it gets back.

use serde_json::Value;

/// Who calls: nobody, or a bearer token (real, expired, forged...).
#[derive(Debug, Clone)]
pub enum Caller {
    Anonymous,
    Token(String),
    /// A raw `Authorization` header value, for malformed ones.
    Header(String),
}

impl Caller {
    pub fn authorization(&self) -> Option<String> {
        match self {
            Caller::Anonymous => None,
            Caller::Token(token) => Some(format!("Bearer {token}")),
            Caller::Header(value) => Some(value.clone()),
        }
    }
}

/// A response, read whole.
#[derive(Debug, Clone)]
pub struct ApiResponse {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
    /// The body as JSON, `Null` when it isn't JSON.
    pub json: Value,
}

impl ApiResponse {
    pub async fn read(response: reqwest::Response) -> ApiResponse {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.expect("response body").to_vec();
        let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
        ApiResponse {
            status,
            headers,
            body,
            json,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts an RFC 9457 problem with this status, and returns it.
    pub fn problem(&self, status: u16) -> &Value {
        assert_eq!(self.status, status, "expected {status}, got {self:?}");
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "{self:?}"
        );
        assert_eq!(self.json["status"], status, "{self:?}");
        assert!(
            self.json["title"].is_string(),
            "a problem has a title: {self:?}"
        );
        assert!(
            self.json["type"].is_string(),
            "a problem has a type: {self:?}"
        );
        &self.json
    }
}
