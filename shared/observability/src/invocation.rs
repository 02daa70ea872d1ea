//! What every invocation does around its handler: the metrics it counted are written when it
//! ends, however it ends.

use std::convert::Infallible;
use std::future::Future;

use crate::metrics;

/// Writes the invocation's metrics when dropped: after the handler returned, and also when it
/// panicked (lambda_runtime catches the panic and reports it) or was cancelled.
struct FlushOnDrop;

impl Drop for FlushOnDrop {
    fn drop(&mut self) {
        metrics::flush();
    }
}

/// Runs one invocation's handler and then writes what it counted (one EMF flush per invocation).
pub async fn invocation<T>(handler: impl Future<Output = T>) -> T {
    let _flush = FlushOnDrop;
    handler.await
}

/// [`invocation`] for an HTTP API function: also counts a 4xx or 5xx answer
/// (`ProblemsReturned`), so no handler has to.
pub async fn http_invocation<B>(
    handler: impl Future<Output = lambda_http::http::Response<B>>,
) -> Result<lambda_http::http::Response<B>, Infallible> {
    let _flush = FlushOnDrop;
    let response = handler.await;
    metrics::problem_returned(response.status().as_u16());
    Ok(response)
}
