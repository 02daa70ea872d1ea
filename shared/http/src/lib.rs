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
mod proposal_response;
mod query;
mod response;
mod route;
#[cfg(feature = "schedule")]
mod schedule_problem;
#[cfg(feature = "search")]
mod search_problem;
#[cfg(any(test, feature = "test-support"))]
pub mod test_support;

pub use body::{MAX_BODY_BYTES, json_body, json_body_within};
pub use caller::{caller, parse_groups};
pub use error::ApiError;
pub use idempotency::{IDEMPOTENCY_KEY_HEADER, REPLAYED_HEADER, idempotent};
pub use path::{ProposalPath, path_parameter};
pub use precondition::if_match;
pub use problem::{PROBLEM_TYPE_BASE, Problem};
pub use proposal_response::{created_proposal_response, proposal_response};
pub use query::query_parameter;
pub use response::{JsonResponse, respond};
pub use route::route_key;
#[cfg(feature = "schedule")]
pub use schedule_problem::{ScheduleApiError, respond_schedule, schedule_problem};
#[cfg(feature = "search")]
pub use search_problem::{SearchApiError, respond_search};

pub use lambda_http::{Body, Request, Response};
