//! Support for the end-to-end tests: a client of a running local stack.
//!
//! `scripts/test.sh` starts the stack (`cfp-local up`) and points `CFP_STACK_FILE` at the stack file
//! it writes; everything here talks to that stack the way any client would: HTTP to the API, the
//! AWS SDK to moto, the Lambda Invoke API to the runner.

pub mod api;
pub mod fixtures;
pub mod idempotency;
pub mod openapi;
#[cfg(test)]
mod openapi_request_types;
pub mod pictures;
pub mod public_leaks;
pub mod released_talk;
pub mod stack;
pub mod template_routes;
pub mod tokens;
pub mod topic;
pub mod validators;
pub mod wait;

pub use api::{ApiResponse, Caller};
pub use stack::{Stack, User};
pub use wait::eventually;
