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
