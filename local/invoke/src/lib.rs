//! How the local stack's event sources (the HTTP API, the stream pollers, ...) call a function.
//!
//! The local Lambda service (`cfp-local`) implements [`Invoke`]; every event source only sees this
//! trait, exactly as in AWS the event sources only see the Lambda Invoke API.

use async_trait::async_trait;
use bytes::Bytes;

/// Why an invocation produced no successful response, in the terms Lambda itself reports.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum InvokeError {
    /// No function of that name is declared in the template.
    #[error("function not found: {0}")]
    FunctionNotFound(String),
    /// The handler returned an error through the Runtime API (`/invocation/{id}/error`), or the
    /// runtime reported an init error. `payload` is the JSON error document it posted.
    #[error("function error {error_type}")]
    FunctionError { error_type: String, payload: Bytes },
    /// The process exited (crash, panic=abort, OOM kill) while handling the invocation.
    #[error("runtime exited: {0}")]
    RuntimeExited(String),
    /// The invocation ran past the function's configured timeout; the instance was killed.
    #[error("task timed out after {0:?}")]
    Timeout(std::time::Duration),
    /// Every instance is busy and the function is at its concurrency limit for too long.
    #[error("too many concurrent invocations")]
    Throttled,
}

/// A synchronous (RequestResponse) invocation of a function by its logical id in template.yaml.
#[async_trait]
pub trait Invoke: Send + Sync + 'static {
    async fn invoke(&self, function: &str, payload: Bytes) -> Result<Bytes, InvokeError>;
}

impl InvokeError {
    /// Whether the function itself ran and failed (an error, a crash or a timeout), as opposed to
    /// never running at all (throttled, unknown function).
    pub fn is_function_failure(&self) -> bool {
        matches!(
            self,
            InvokeError::FunctionError { .. }
                | InvokeError::RuntimeExited(_)
                | InvokeError::Timeout(_)
        )
    }

    /// The JSON error document the Invoke API answers for a function failure (the payload the
    /// function posted, or Lambda's own `Sandbox.Timedout` / `Runtime.ExitError` document);
    /// `None` when the function never ran.
    pub fn error_document(&self, request_id: &str) -> Option<Bytes> {
        let (error_type, message) = match self {
            InvokeError::FunctionError { payload, .. } => return Some(payload.clone()),
            InvokeError::Timeout(timeout) => (
                "Sandbox.Timedout",
                format!(
                    "RequestId: {request_id} Error: Task timed out after {:.2} seconds",
                    timeout.as_secs_f64()
                ),
            ),
            InvokeError::RuntimeExited(description) => (
                "Runtime.ExitError",
                format!("RequestId: {request_id} Error: Runtime exited with error: {description}"),
            ),
            InvokeError::Throttled | InvokeError::FunctionNotFound(_) => return None,
        };
        Some(Bytes::from(
            serde_json::json!({ "errorType": error_type, "errorMessage": message }).to_string(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_documents_of_function_failures() {
        let posted = Bytes::from_static(br#"{"errorType":"Boom","errorMessage":"no"}"#);
        let error = InvokeError::FunctionError {
            error_type: "Boom".into(),
            payload: posted.clone(),
        };
        assert!(error.is_function_failure());
        assert_eq!(error.error_document("r1"), Some(posted));
        let timeout = InvokeError::Timeout(std::time::Duration::from_millis(1500));
        let document: serde_json::Value =
            serde_json::from_slice(&timeout.error_document("r1").expect("a document"))
                .expect("JSON");
        assert_eq!(document["errorType"], "Sandbox.Timedout");
        assert_eq!(
            document["errorMessage"],
            "RequestId: r1 Error: Task timed out after 1.50 seconds"
        );
        let exited = InvokeError::RuntimeExited("exit \"1\"".into());
        let document: serde_json::Value =
            serde_json::from_slice(&exited.error_document("r2").expect("a document"))
                .expect("JSON");
        assert_eq!(document["errorType"], "Runtime.ExitError");
        assert!(!InvokeError::Throttled.is_function_failure());
        assert_eq!(InvokeError::Throttled.error_document("r"), None);
        assert_eq!(
            InvokeError::FunctionNotFound("F".into()).error_document("r"),
            None
        );
    }
}
