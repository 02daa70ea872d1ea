//! A real function process behind an HTTP API route (`tests/fixtures/http-faults.yaml`): one that
//! exits mid-invocation is a 502 and one that overruns its Timeout a 504, each with API Gateway's
//! `{"message": ...}` body, and the instance is gone; the route then works again with a new one.

use std::path::Path;

use crate::common::{TestStack, pid_of, process_exists};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A GET of `path` on the stack's HTTP API: the status and the body as JSON.
async fn get(test: &TestStack, path: &str) -> (StatusCode, Value) {
    let api = test
        .stack
        .info
        .api_url
        .as_deref()
        .expect("the fixture has an HTTP API");
    let response = test
        .http
        .get(format!("{}{path}", api.trim_end_matches('/')))
        .send()
        .await
        .expect("the HTTP API answers");
    let status = response.status();
    let body = response.bytes().await.expect("a body");
    let json = serde_json::from_slice(&body)
        .unwrap_or_else(|e| panic!("{path}: {status} {body:?} is not JSON: {e}"));
    (status, json)
}

/// The outcomes of the function's invocations, oldest first, and the pid of each instance that
/// took one (as the runner logged it).
async fn outcomes(test: &TestStack, function: &str) -> Vec<(Value, Option<u64>)> {
    test.recent_invocations(function)
        .await
        .into_iter()
        .map(|r| (r["outcome"].clone(), r["instancePid"].as_u64()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_is_502_and_an_overrun_504_through_the_http_api() {
    let template = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/http-faults.yaml");
    let test = TestStack::start_with(|options| options.template = template).await;

    // The control: the same probe answering is a 200 with its answer as the body.
    let (status, answer) = get(&test, "/answer").await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["echo"]["rawPath"], "/answer", "{answer}");
    pid_of(&answer);

    let (status, body) = get(&test, "/crash").await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert_eq!(body, json!({"message": "Internal Server Error"}));
    let crashed = outcomes(&test, "CrashingProbeFunction").await;
    assert_eq!(crashed.len(), 1, "{crashed:?}");
    assert_eq!(crashed[0].0, "RuntimeExited", "{crashed:?}");

    let (status, body) = get(&test, "/overrun").await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT, "{body}");
    assert_eq!(body, json!({"message": "Service Unavailable"}));
    let overran = outcomes(&test, "OverrunningProbeFunction").await;
    assert_eq!(overran.len(), 1, "{overran:?}");
    assert_eq!(overran[0].0, "Timeout", "{overran:?}");
    let pid = overran[0].1.expect("the instance's pid is logged");
    assert!(!process_exists(pid), "the timed-out instance was killed");

    // Each failure took its instance with it: the next request starts a new one, and fails the
    // same way rather than hanging on the dead one.
    let (status, _) = get(&test, "/crash").await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    let crashed = outcomes(&test, "CrashingProbeFunction").await;
    assert_eq!(crashed.len(), 2, "{crashed:?}");
    assert_eq!(crashed[1].0, "RuntimeExited", "{crashed:?}");
    let (first, second) = (crashed[0].1, crashed[1].1);
    assert!(first.is_some_and(|pid| !process_exists(pid)), "{crashed:?}");
    assert_ne!(first, second, "a new instance took the second request");

    test.stop().await;
}
