//! A test fixture for the local Lambda service (`cfp-local`): a real `lambda_runtime` function whose
//! behaviour the payload chooses, so the runner's tests can provoke every outcome Lambda knows.
//!
//! - `{"action":"sleep","ms":N}` sleeps N milliseconds, then answers `{"sleptMs": N, "pid": ..}`;
//! - `{"action":"crash"}` exits the process with code 1 in the middle of the invocation;
//! - `{"action":"fail"}` returns an error (the runtime reports it through `/invocation/{id}/error`);
//! - `{"action":"env"}` answers its whole environment (a fixture: there is nothing secret in it);
//! - any payload whose JSON text contains the value of `PROBE_FAIL_MARKER` (when that variable is
//!   set) fails like `fail`: how tests make an S3 or SNS event fail;
//! - anything else is echoed back as `{"echo": <payload>, "pid": .., "requestId": ..}`.
//!
//! `PROBE_ACTION` (and `PROBE_SLEEP_MS` for `sleep`), when set, choose the action instead of the
//! payload: how a function behind an HTTP route, whose payload the gateway makes, is told to
//! crash or to overrun its timeout.
//!
//! Every answer carries the process id, so a test can tell a warm instance from a new one.

use std::collections::BTreeMap;
use std::time::Duration;

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::{Value, json};

#[derive(Debug, thiserror::Error)]
enum ProbeError {
    #[error("the probe was asked to fail")]
    AskedToFail,
    #[error("`sleep` needs a whole number of milliseconds in `ms` (or in `PROBE_SLEEP_MS`)")]
    SleepWithoutMs,
}

async fn handle(event: LambdaEvent<Value>) -> Result<Value, Error> {
    let pid = std::process::id();
    if let Ok(marker) = std::env::var("PROBE_FAIL_MARKER")
        && !marker.is_empty()
        && event.payload.to_string().contains(&marker)
    {
        return Err(ProbeError::AskedToFail.into());
    }
    let forced = std::env::var("PROBE_ACTION").ok().filter(|a| !a.is_empty());
    let action = match &forced {
        Some(action) => Some(action.as_str()),
        None => event.payload.get("action").and_then(Value::as_str),
    };
    match action {
        Some("sleep") => {
            let ms = match &forced {
                Some(_) => std::env::var("PROBE_SLEEP_MS")
                    .ok()
                    .and_then(|ms| ms.parse().ok()),
                None => event.payload.get("ms").and_then(Value::as_u64),
            }
            .ok_or(ProbeError::SleepWithoutMs)?;
            tokio::time::sleep(Duration::from_millis(ms)).await;
            Ok(json!({ "sleptMs": ms, "pid": pid }))
        }
        Some("crash") => {
            eprintln!("probe: crashing on purpose");
            std::process::exit(1);
        }
        Some("fail") => Err(ProbeError::AskedToFail.into()),
        Some("env") => {
            let env: BTreeMap<String, String> = std::env::vars().collect();
            Ok(json!({ "pid": pid, "env": env }))
        }
        _ => Ok(json!({
            "echo": event.payload,
            "pid": pid,
            "requestId": event.context.request_id,
        })),
    }
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    println!("probe: cold start in pid {}", std::process::id());
    lambda_runtime::run(service_fn(handle)).await
}
