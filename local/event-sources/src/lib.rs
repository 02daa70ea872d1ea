//! Local event source mappings: poll a source the way the Lambda service does and invoke the
//! subscribed function through [`cfp_local_invoke::Invoke`].
//!
//! DynamoDB streams: [`run_dynamodb_stream`] reads every shard of the stream (parents before
//! children), filters the records with the mapping's `FilterCriteria` ([`event_pattern`]), invokes
//! the function with batches of Lambda's DynamoDB event, and handles failures as Lambda does:
//! partial batch responses, retries with backoff, bisection, `MaximumRetryAttempts`,
//! `MaximumRecordAge` and the on-failure destination.
//!
//! S3 notifications ([`start_s3_notifications`]) and SNS subscriptions ([`start_sns_subscription`])
//! go through moto's own delivery to internal queues, then to the function through
//! [`AsyncInvoker`], Lambda's asynchronous invocation: retries, on-failure destination,
//! dead-letter queue.

pub mod async_invocation;
pub mod batch_response;
pub mod checkpoint_store;
pub mod config;
pub mod error;
pub mod event_pattern;
pub mod on_failure;
pub mod s3_event;
pub mod s3_notifications;
pub mod sns_event;
pub mod sns_subscriptions;
pub mod stream_record;
pub mod timing;

mod batch_delivery;
mod queue_poller;
mod shard_reader;
mod stream_mapping;
mod stream_poller;

pub use async_invocation::{AsyncInvokeConfig, AsyncInvoker, AsyncTiming, EnqueueError};
pub use checkpoint_store::{CheckpointError, CheckpointStore, ShardKey};
pub use config::*;
pub use error::Error;
pub use event_pattern::{EventPattern, PatternError};
pub use s3_notifications::{S3NotificationSource, S3NotificationTarget, start_s3_notifications};
pub use sns_subscriptions::{SnsSubscription, start_sns_subscription};
pub use timing::PollerTiming;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tokio_util::task::AbortOnDropHandle;

use cfp_local_invoke::Invoke;

/// How a stream event source runs, beyond what the template says.
#[derive(Debug, Clone, Default)]
pub struct StreamSourceOptions {
    pub timing: PollerTiming,
    pub delivery: Delivery,
    /// Where shard checkpoints are kept across runs; `None` keeps them in memory only.
    pub checkpoints: Option<Arc<CheckpointStore>>,
    /// Cancelled to stop gracefully: the invocation in flight ends, nothing new starts, and the
    /// source's future returns. Records not fully dealt with stay after the checkpoint.
    pub stop: CancellationToken,
}

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
    let options = StreamSourceOptions {
        timing,
        ..StreamSourceOptions::default()
    };
    let mapping = stream_mapping::StreamMapping::new(subscription, clients, invoker, options)?;
    stream_poller::run(Arc::new(mapping), None).await
}

/// How long a stream event source may take to hold an iterator on every shard.
const STREAM_START_TIMEOUT: Duration = Duration::from_secs(30);

/// Starts the stream event source and returns once it reads every shard (so that, with `LATEST`,
/// nothing written from now on is missed); the returned future keeps it running until dropped.
/// Fails like [`run_dynamodb_stream`], or if the shards cannot be read within 30 s. The future
/// ends once `options.stop` is cancelled and the batch in flight is over.
pub async fn start_dynamodb_stream(
    subscription: DynamoDbStreamSubscription,
    clients: StreamClients,
    invoker: Arc<dyn Invoke>,
    options: StreamSourceOptions,
) -> Result<impl Future<Output = ()> + Send + 'static, Error> {
    let function = subscription.function.clone();
    let stream_arn = subscription.stream_arn.clone();
    let mapping = stream_mapping::StreamMapping::new(subscription, clients, invoker, options)?;
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
    let mut task = AbortOnDropHandle::new(tokio::spawn(stream_poller::run(
        Arc::new(mapping),
        Some(ready_tx),
    )));
    let start_error = |message: String| Error::StreamStart {
        function: function.clone(),
        stream_arn: stream_arn.clone(),
        message,
    };
    tokio::select! {
        ready = tokio::time::timeout(STREAM_START_TIMEOUT, ready_rx) => match ready {
            Ok(Ok(())) => {}
            Ok(Err(_)) => return Err(start_error("it stopped before reading the stream".into())),
            Err(_) => return Err(start_error(format!("its shards could not be read within {STREAM_START_TIMEOUT:?}"))),
        },
        ended = &mut task => return match ended {
            Ok(Err(e)) => Err(e),
            Ok(Ok(())) => Err(start_error("it stopped at once".into())),
            Err(e) => Err(start_error(e.to_string())),
        },
    }
    Ok(async move {
        match task.await {
            Ok(Err(e)) => {
                tracing::error!(%function, stream = %stream_arn, error = %e, "a DynamoDB stream event source stopped")
            }
            Ok(Ok(())) => {}
            Err(e) => {
                tracing::error!(%function, stream = %stream_arn, error = %e, "a DynamoDB stream event source died")
            }
        }
    })
}
