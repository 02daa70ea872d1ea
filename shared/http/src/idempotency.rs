//! `Idempotency-Key` for POST routes: wrap a handler in [`idempotent`] and a retried request
//! (same caller, same key, same method, path and body) gets the first answer again, with one
//! effect; the same key with another request is refused (422); a duplicate that arrives while the
//! first still runs is refused (409) rather than run twice.

use std::future::Future;

use cfp_domain::idempotency::{
    Fingerprint, IdempotencyClaim, IdempotencyKey, StoredResponse, Verdict, decide,
};
use cfp_domain::ports::{IdempotencyClaimOutcome, IdempotencyStore};
use chrono::{DateTime, Utc};
use http::{HeaderName, HeaderValue, StatusCode};
use lambda_http::{Body, Request, Response};

use crate::caller::caller;
use crate::error::ApiError;
use crate::problem::problem_response;

pub const IDEMPOTENCY_KEY_HEADER: &str = "idempotency-key";
/// Set on a replayed answer, so a client can tell (it changes nothing else).
pub const REPLAYED_HEADER: &str = "idempotent-replayed";
/// The headers that belong to an answer and are replayed with it.
const REPLAYED_HEADERS: [&str; 3] = ["content-type", "location", "etag"];

/// Runs `handler` at most once per (caller, key); without the header it simply runs it.
pub async fn idempotent<F, Fut>(
    request: Request,
    store: &dyn IdempotencyStore,
    now: DateTime<Utc>,
    handler: F,
) -> Response<Body>
where
    F: FnOnce(Request) -> Fut,
    Fut: Future<Output = Response<Body>>,
{
    let claim = match claim_for(&request, now) {
        Ok(Some(claim)) => claim,
        Ok(None) => return handler(request).await,
        Err(error) => return problem_response(&error),
    };
    match store.claim(&claim).await {
        Ok(IdempotencyClaimOutcome::Claimed) => {}
        Ok(IdempotencyClaimOutcome::Held(None)) => {
            return problem_response(&ApiError::IdempotencyInProgress);
        }
        Ok(IdempotencyClaimOutcome::Held(Some(existing))) => match decide(&existing, &claim, now) {
            Verdict::Replay(stored) => return replay(stored),
            Verdict::KeyReused => return problem_response(&ApiError::IdempotencyKeyReused),
            Verdict::InProgress => return problem_response(&ApiError::IdempotencyInProgress),
            Verdict::TakeOver => match store.take_over(&existing, &claim).await {
                Ok(true) => {}
                Ok(false) => return problem_response(&ApiError::IdempotencyInProgress),
                Err(error) => return problem_response(&ApiError::Cfp(error.into())),
            },
        },
        Err(error) => return problem_response(&ApiError::Cfp(error.into())),
    }

    let response = handler(request).await;
    if response.status().is_server_error() {
        // Nothing to remember: let a retry with the same key try again.
        if let Err(error) = store.release(&claim).await {
            tracing::warn!(%error, "could not release the idempotency record");
        }
        return response;
    }
    match store.complete(&claim, &stored_response(&response)).await {
        Ok(true) => {}
        Ok(false) => tracing::warn!("the idempotency lease ran out before the answer was stored"),
        Err(error) => tracing::warn!(%error, "could not store the answer for the idempotency key"),
    }
    response
}

/// `None` without the header; the caller's claim otherwise (401 unsigned, 400 for a bad key).
fn claim_for(request: &Request, now: DateTime<Utc>) -> Result<Option<IdempotencyClaim>, ApiError> {
    let mut values = request.headers().get_all(IDEMPOTENCY_KEY_HEADER).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(ApiError::InvalidIdempotencyKey("must be sent once".into()));
    }
    let key = value
        .to_str()
        .ok()
        .and_then(|raw| IdempotencyKey::parse(raw).ok())
        .ok_or_else(|| {
            ApiError::InvalidIdempotencyKey("must be 1 to 255 printable ASCII characters".into())
        })?;
    let caller = caller(request)?;
    let fingerprint = Fingerprint::of(
        request.method().as_str(),
        request.uri().path(),
        request.body().as_ref(),
    );
    Ok(Some(IdempotencyClaim::new(
        caller.user_id,
        key,
        fingerprint,
        now,
    )))
}

fn stored_response(response: &Response<Body>) -> StoredResponse {
    StoredResponse {
        status: response.status().as_u16(),
        headers: REPLAYED_HEADERS
            .iter()
            .filter_map(|name| {
                let value = response.headers().get(*name)?.to_str().ok()?;
                Some(((*name).to_owned(), value.to_owned()))
            })
            .collect(),
        body: response.body().as_ref().to_vec(),
    }
}

fn replay(stored: StoredResponse) -> Response<Body> {
    let mut response = Response::new(Body::from(stored.body));
    *response.status_mut() = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    for (name, value) in stored.headers {
        // Stored from a response this service built, so both parse; skip one that does not.
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response
        .headers_mut()
        .insert(REPLAYED_HEADER, HeaderValue::from_static("true"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{assert_problem, body_json, header};
    use cfp_domain::in_memory::InMemoryStore;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn request(key: Option<&str>, sub: Option<&str>, body: &str) -> Request {
        let mut event = serde_json::json!({
            "version": "2.0",
            "routeKey": "POST /things",
            "rawPath": "/things",
            "rawQueryString": "",
            "headers": {"content-type": "application/json"},
            "requestContext": {
                "accountId": "1", "apiId": "a", "domainName": "x", "domainPrefix": "x",
                "http": {"method": "POST", "path": "/things", "protocol": "HTTP/1.1", "sourceIp": "1.2.3.4", "userAgent": "t"},
                "requestId": "r", "routeKey": "POST /things", "stage": "$default", "time": "t", "timeEpoch": 0
            },
            "isBase64Encoded": false,
            "body": body
        });
        if let Some(key) = key {
            event["headers"]["idempotency-key"] = key.into();
        }
        if let Some(sub) = sub {
            event["requestContext"]["authorizer"] =
                serde_json::json!({"jwt": {"claims": {"sub": sub}, "scopes": null}});
        }
        crate::test_support::request(&event)
    }

    /// Counts its runs and answers 201 with the run number.
    async fn run(
        store: &InMemoryStore,
        runs: &AtomicUsize,
        request: Request,
        status: u16,
    ) -> Response<Body> {
        idempotent(request, store, Utc::now(), |_| async move {
            let run = runs.fetch_add(1, Ordering::SeqCst) + 1;
            let mut response = Response::new(Body::from(format!("{{\"run\":{run}}}")));
            *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            response
                .headers_mut()
                .insert("location", HeaderValue::from_static("/things/1"));
            response
                .headers_mut()
                .insert("x-other", HeaderValue::from_static("x"));
            response
        })
        .await
    }

    #[tokio::test]
    async fn the_same_request_is_answered_once_and_replayed() {
        let (store, runs) = (InMemoryStore::new(), AtomicUsize::new(0));
        let first = run(&store, &runs, request(Some("k1"), Some("ada"), "{}"), 201).await;
        let again = run(&store, &runs, request(Some("k1"), Some("ada"), "{}"), 201).await;
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert_eq!(again.status(), first.status());
        assert_eq!(body_json(&again), body_json(&first));
        assert_eq!(header(&again, "location"), Some("/things/1"));
        assert_eq!(header(&again, REPLAYED_HEADER), Some("true"));
        assert_eq!(header(&first, REPLAYED_HEADER), None);
        // Another caller's key is another key.
        run(&store, &runs, request(Some("k1"), Some("grace"), "{}"), 201).await;
        assert_eq!(runs.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn the_same_key_with_another_body_is_422() {
        let (store, runs) = (InMemoryStore::new(), AtomicUsize::new(0));
        run(&store, &runs, request(Some("k1"), Some("ada"), "{}"), 201).await;
        let other = run(
            &store,
            &runs,
            request(Some("k1"), Some("ada"), "{\"a\":1}"),
            201,
        )
        .await;
        assert_problem(&other, 422, "idempotency-key-reused");
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_duplicate_while_the_first_runs_is_409_and_a_server_error_is_forgotten() {
        let (store, runs) = (InMemoryStore::new(), AtomicUsize::new(0));
        let claim = claim_for(&request(Some("k1"), Some("ada"), "{}"), Utc::now())
            .expect("claim")
            .expect("a key");
        store.claim(&claim).await.expect("claimed");
        let busy = run(&store, &runs, request(Some("k1"), Some("ada"), "{}"), 201).await;
        assert_problem(&busy, 409, "idempotency-in-progress");
        assert_eq!(runs.load(Ordering::SeqCst), 0);

        let failed = run(&store, &runs, request(Some("k2"), Some("ada"), "{}"), 500).await;
        assert_eq!(failed.status().as_u16(), 500);
        let retried = run(&store, &runs, request(Some("k2"), Some("ada"), "{}"), 201).await;
        assert_eq!(retried.status().as_u16(), 201);
        assert_eq!(runs.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn no_key_runs_every_time_and_bad_keys_or_no_caller_are_refused() {
        let (store, runs) = (InMemoryStore::new(), AtomicUsize::new(0));
        run(&store, &runs, request(None, Some("ada"), "{}"), 201).await;
        run(&store, &runs, request(None, Some("ada"), "{}"), 201).await;
        assert_eq!(runs.load(Ordering::SeqCst), 2);
        let too_long = "k".repeat(256);
        for bad in ["", too_long.as_str(), "tab\tkey"] {
            let response = run(&store, &runs, request(Some(bad), Some("ada"), "{}"), 201).await;
            assert_problem(&response, 400, "invalid-idempotency-key");
        }
        let anonymous = run(&store, &runs, request(Some("k"), None, "{}"), 201).await;
        assert_problem(&anonymous, 401, "unauthenticated");
        assert_eq!(runs.load(Ordering::SeqCst), 2);
    }
}
