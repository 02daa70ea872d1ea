//! Local event source mappings: poll a source the way the Lambda service does and invoke the
//! subscribed function through [`cfp_local_invoke::Invoke`].
//!
//! DynamoDB streams: [`run_dynamodb_stream`] reads every shard of the stream (parents before
//! children), filters the records with the mapping's `FilterCriteria` ([`event_pattern`]), invokes
//! the function with batches of Lambda's DynamoDB event, and handles failures as Lambda does:
//! partial batch responses, retries with backoff, bisection, `MaximumRetryAttempts`,
//! `MaximumRecordAge` and the on-failure destination.

pub mod batch_response;
pub mod config;
pub mod error;
pub mod event_pattern;
pub mod on_failure;
pub mod stream_record;
pub mod timing;

mod batch_delivery;
mod shard_reader;
mod stream_mapping;
mod stream_poller;

pub use config::*;
pub use error::Error;
pub use event_pattern::{EventPattern, PatternError};
pub use timing::PollerTiming;

use std::sync::Arc;

use cfp_local_invoke::Invoke;

/// Polls the stream of `subscription` and delivers its records until the task is dropped.
///
/// Returns only for a mapping that cannot run: an invalid filter pattern, batch size or stream ARN,
/// or a stream that does not exist. Everything else (failed polls, failing functions, an unreachable
/// destination) is logged and retried.
pub async fn run_dynamodb_stream(
    subscription: DynamoDbStreamSubscription,
    clients: StreamClients,
    invoker: Arc<dyn Invoke>,
) -> Result<(), Error> {
    run_dynamodb_stream_with_timing(subscription, clients, invoker, PollerTiming::default()).await
}

/// [`run_dynamodb_stream`] with its own polling and retry pacing.
pub async fn run_dynamodb_stream_with_timing(
    subscription: DynamoDbStreamSubscription,
    clients: StreamClients,
    invoker: Arc<dyn Invoke>,
    timing: PollerTiming,
) -> Result<(), Error> {
    let mapping = stream_mapping::StreamMapping::new(subscription, clients, invoker, timing)?;
    stream_poller::run(Arc::new(mapping)).await
}
