//! The functions' `S3` and `SNS` events as the event sources' notification sources, and each
//! function's asynchronous invocation settings (retries, on-failure destination, dead-letter queue)
//! resolved to the template's queues.

use std::collections::BTreeMap;

use cfp_local_event_sources::{
    AsyncInvokeConfig, OnFailureDestination, S3NotificationSource, S3NotificationTarget,
    SnsSubscription,
};

use super::error::WiringError;
use super::functions::ResolvedFunction;
use crate::provision::s3::BUCKET_TYPE;
use crate::provision::sns::TOPIC_TYPE;
use crate::provision::sqs::QUEUE_TYPE;
use crate::stack_resources::StackResources;
use crate::template::FunctionEvent;

/// The template's queue with ARN `arn`, as an on-failure destination.
fn queue_destination(
    resources: &StackResources,
    function: &str,
    what: &str,
    arn: &str,
) -> Result<OnFailureDestination, WiringError> {
    let queue = resources
        .find_by_attribute(QUEUE_TYPE, "Arn", arn)
        .ok_or_else(|| WiringError::AsyncDestination {
            function: function.to_owned(),
            property: what.to_owned(),
            destination: arn.to_owned(),
        })?;
    Ok(OnFailureDestination::Sqs {
        queue_url: queue.reference.clone(),
        queue_arn: arn.to_owned(),
    })
}

/// Every function's asynchronous invocation settings.
pub fn async_invoke_configs(
    functions: &[ResolvedFunction],
    resources: &StackResources,
) -> Result<Vec<AsyncInvokeConfig>, WiringError> {
    functions
        .iter()
        .map(|f| {
            let id = &f.located.logical_id;
            let settings = &f.settings.async_invocation;
            Ok(AsyncInvokeConfig {
                function: id.clone(),
                function_arn: f.function_arn.clone(),
                maximum_retry_attempts: settings.maximum_retry_attempts,
                maximum_event_age: settings.maximum_event_age,
                on_failure: settings
                    .on_failure_destination
                    .as_deref()
                    .map(|arn| {
                        queue_destination(
                            resources,
                            id,
                            "EventInvokeConfig.DestinationConfig.OnFailure",
                            arn,
                        )
                    })
                    .transpose()?,
                dead_letter_queue: settings
                    .dead_letter_queue
                    .as_deref()
                    .map(|arn| queue_destination(resources, id, "DeadLetterQueue.TargetArn", arn))
                    .transpose()?,
            })
        })
        .collect()
}

/// One source per bucket that functions' `S3` events name; the bucket must be one of the
/// template's, as SAM requires.
pub fn s3_notification_sources(
    functions: &[ResolvedFunction],
    resources: &StackResources,
) -> Result<Vec<S3NotificationSource>, WiringError> {
    let mut by_bucket: BTreeMap<String, Vec<S3NotificationTarget>> = BTreeMap::new();
    for function in functions {
        let function_id = &function.located.logical_id;
        for event in &function.settings.events {
            let FunctionEvent::S3(event) = event else {
                continue;
            };
            if !resources
                .of_type(BUCKET_TYPE)
                .any(|bucket| bucket.reference == event.bucket)
            {
                return Err(WiringError::UnknownBucket {
                    function: function_id.clone(),
                    event: event.name.clone(),
                    bucket: event.bucket.clone(),
                });
            }
            by_bucket
                .entry(event.bucket.clone())
                .or_default()
                .push(S3NotificationTarget {
                    function: function_id.clone(),
                    event: event.name.clone(),
                    events: event.events.clone(),
                    prefix: event.prefix.clone(),
                    suffix: event.suffix.clone(),
                });
        }
    }
    Ok(by_bucket
        .into_iter()
        .map(|(bucket, targets)| S3NotificationSource { bucket, targets })
        .collect())
}

/// One subscription per `SNS` event on a topic of the template. Events on other topics (another
/// stack's or account's) and `SqsSubscription` events are not driven locally: warned about, skipped.
pub fn sns_subscriptions(
    functions: &[ResolvedFunction],
    resources: &StackResources,
) -> Vec<SnsSubscription> {
    let mut subscriptions = Vec::new();
    for function in functions {
        let function_id = &function.located.logical_id;
        for event in &function.settings.events {
            let FunctionEvent::Sns(event) = event else {
                continue;
            };
            if !resources
                .of_type(TOPIC_TYPE)
                .any(|topic| topic.reference == event.topic_arn)
            {
                tracing::warn!(function = %function_id, event = %event.name, topic = %event.topic_arn, "the topic is not one of the template's; this SNS event is not driven locally");
                continue;
            }
            if event.sqs_subscription {
                tracing::warn!(function = %function_id, event = %event.name, "SqsSubscription is not driven locally yet; the function only runs when invoked");
                continue;
            }
            subscriptions.push(SnsSubscription {
                function: function_id.clone(),
                event: event.name.clone(),
                topic_arn: event.topic_arn.clone(),
                filter_policy: event.filter_policy.clone(),
                filter_policy_scope: event.filter_policy_scope.clone(),
            });
        }
    }
    subscriptions
}
