//! From the template and the created resources to what runs: the functions the Lambda service
//! runs, the HTTP APIs' routes, the stream subscriptions, the S3 and SNS notification sources. Everything comes from the template.

pub mod error;
pub mod functions;
pub mod http_api;
pub mod notification_sources;
pub mod stream_subscriptions;

pub use error::WiringError;
pub use functions::{
    LocatedFunction, ResolvedFunction, check_binaries, function_configs, locate_functions,
    resolve_functions,
};
pub use http_api::{http_api_configs, http_api_ids, uses_implicit_api};
pub use notification_sources::{async_invoke_configs, s3_notification_sources, sns_subscriptions};
pub use stream_subscriptions::{dynamodb_stream_subscriptions, undriven_events};

#[cfg(test)]
mod function_builds_tests;
#[cfg(test)]
mod real_template_tests;
#[cfg(test)]
mod stream_filter_tests;
