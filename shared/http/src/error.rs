//! Everything an HTTP handler can fail with: the domain's errors and the request's own.

use cfp_domain::CfpError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Cfp(#[from] CfpError),
    #[error("the request has no body; send a JSON document")]
    MissingBody,
    #[error("the request body is not well-formed JSON: {0}")]
    MalformedJson(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("the request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("If-Match {0}")]
    InvalidIfMatch(String),
    #[error("the Idempotency-Key header {0}")]
    InvalidIdempotencyKey(String),
    #[error("this Idempotency-Key was already used for a different request; use a new key")]
    IdempotencyKeyReused,
    #[error("a request with this Idempotency-Key is still being processed; retry shortly")]
    IdempotencyInProgress,
    /// The route in the template and the handler disagree: a deployment mistake, not the caller's.
    #[error("the route gave no path parameter `{0}`")]
    MissingPathParameter(&'static str),
    /// The event carries no `routeKey`: the function is not behind an HTTP API route.
    #[error("the request names no route")]
    MissingRouteKey,
    /// The function was reached through a route it does not serve.
    #[error("this function serves no route `{0}`")]
    UnservedRoute(String),
    /// A failure of this service that is nobody's input (e.g. a response that cannot be built).
    #[error("internal failure: {0}")]
    Internal(String),
}
