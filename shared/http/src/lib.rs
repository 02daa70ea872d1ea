//! lambda_http glue shared by the HTTP functions: who is calling, JSON bodies in, JSON and
//! problem+json out. Handlers stay small: they read the request with these helpers, call a use
//! case of `cfp-domain` and hand the result to [`respond`].

mod body;
mod caller;
mod error;
mod idempotency;
mod path;
mod precondition;
mod problem;
mod query;
mod response;
#[cfg(any(test, feature = "test-support"))]
pub mod test_support;

pub use body::{MAX_BODY_BYTES, json_body};
pub use caller::{caller, parse_groups};
pub use error::ApiError;
pub use idempotency::{IDEMPOTENCY_KEY_HEADER, REPLAYED_HEADER, idempotent};
pub use path::path_parameter;
pub use precondition::if_match;
pub use problem::{PROBLEM_TYPE_BASE, Problem};
pub use query::query_parameter;
pub use response::{JsonResponse, respond};

pub use lambda_http::{Body, Request, Response};
