//! The functions' `DynamoDB` events as the event sources' stream subscriptions.

use cfp_local_event_sources::{DynamoDbStreamSubscription, OnFailureDestination, StartingPosition};

use super::error::WiringError;
use super::functions::ResolvedFunction;
use crate::provision::sqs::QUEUE_TYPE;
use crate::stack_resources::StackResources;
use crate::template::FunctionEvent;

/// One subscription per enabled `Type: DynamoDB` event; on-failure destinations are resolved to
/// the URL of the template's queue with that ARN.
pub fn dynamodb_stream_subscriptions(
    functions: &[ResolvedFunction],
    resources: &StackResources,
    region: &str,
) -> Result<Vec<DynamoDbStreamSubscription>, WiringError> {
    let mut subscriptions = Vec::new();
    for function in functions {
        let function_id = &function.located.logical_id;
        for event in &function.settings.events {
            let FunctionEvent::DynamoDb(event) = event else {
                continue;
            };
            if !event.enabled {
                tracing::info!(function = %function_id, event = %event.name, "stream event disabled (Enabled: false)");
                continue;
            }
            let on_failure = match &event.on_failure_destination {
                None => None,
                Some(arn) => {
                    let queue = resources
                        .find_by_attribute(QUEUE_TYPE, "Arn", arn)
                        .ok_or_else(|| WiringError::OnFailureDestination {
                            function: function_id.clone(),
                            event: event.name.clone(),
                            destination: arn.clone(),
                        })?;
                    Some(OnFailureDestination::Sqs {
                        queue_url: queue.reference.clone(),
                        queue_arn: arn.clone(),
                    })
                }
            };
            subscriptions.push(DynamoDbStreamSubscription {
                function: function_id.clone(),
                stream_arn: event.stream_arn.clone(),
                starting_position: if event.starting_position == "LATEST" {
                    StartingPosition::Latest
                } else {
                    StartingPosition::TrimHorizon
                },
                batch_size: usize::try_from(event.batch_size).unwrap_or(usize::MAX),
                maximum_batching_window: event.maximum_batching_window,
                maximum_retry_attempts: event.maximum_retry_attempts,
                maximum_record_age: event.maximum_record_age,
                bisect_batch_on_function_error: event.bisect_batch_on_function_error,
                report_batch_item_failures: event
                    .function_response_types
                    .iter()
                    .any(|t| t == "ReportBatchItemFailures"),
                filters: event.filter_patterns.clone(),
                on_failure,
                region: region.to_owned(),
            });
        }
    }
    Ok(subscriptions)
}

/// Events of types the local stack does not drive, as `(function, event, type)`.
pub fn undriven_events(functions: &[ResolvedFunction]) -> Vec<(String, String, String)> {
    functions
        .iter()
        .flat_map(|f| {
            f.settings.events.iter().filter_map(|event| match event {
                FunctionEvent::Other { name, event_type } => Some((
                    f.located.logical_id.clone(),
                    name.clone(),
                    event_type.clone(),
                )),
                _ => None,
            })
        })
        .collect()
}
