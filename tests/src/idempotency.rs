//! `Idempotency-Key` retries as a client sends them, and what their answers must look like.

use serde_json::Value;

use crate::{ApiResponse, Caller, Stack};

impl Stack {
    /// A POST of `body` (none when `None`) with the `Idempotency-Key` header `key`.
    pub async fn post_with_key(
        &self,
        path: &str,
        caller: &Caller,
        body: Option<&Value>,
        key: &str,
    ) -> ApiResponse {
        self.send(
            reqwest::Method::POST,
            path,
            caller,
            body,
            &[("idempotency-key", key)],
        )
        .await
    }
}

/// Asserts that `again` is `first` replayed: the same status, body and answer headers, marked as
/// a replay.
pub fn assert_replayed(first: &ApiResponse, again: &ApiResponse) {
    assert_eq!(again.status, first.status, "{first:?}\n{again:?}");
    assert_eq!(again.json, first.json, "{first:?}\n{again:?}");
    for header in ["content-type", "location", "etag"] {
        assert_eq!(
            again.header(header),
            first.header(header),
            "{header}: {first:?}\n{again:?}"
        );
    }
    assert_eq!(
        again.header("idempotent-replayed"),
        Some("true"),
        "{again:?}"
    );
    assert_eq!(first.header("idempotent-replayed"), None, "{first:?}");
}

/// Asserts the problem a key sent again with another request gets (422 `idempotency-key-reused`).
pub fn assert_key_reused(response: &ApiResponse) {
    let problem = response.problem(422);
    assert!(
        problem["type"]
            .as_str()
            .is_some_and(|t| t.ends_with("idempotency-key-reused")),
        "{response:?}"
    );
}
