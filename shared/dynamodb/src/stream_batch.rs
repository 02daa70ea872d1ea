//! One batch of the CfP table's stream, record by record, answered with Lambda's partial batch
//! response (`batchItemFailures`, by sequence number): the loop every stream function shares.
//! A batch never fails as a whole; what is retried is said by the failures reported.

use std::fmt::Display;
use std::future::Future;

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};

/// What a failed record means for the records after it in the batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnFailure {
    /// Records are independent: report the failed one and go on, so only failures are retried.
    ContinueBatch,
    /// Order matters: report the failed record and stop. Lambda redelivers it and everything
    /// after it, so a later record never overtakes an earlier one that failed.
    StopBatch,
}

/// Runs `process` on each record of `event` in stream order, reporting failures as `policy` says.
pub async fn process_batch<F, Fut, E>(
    event: Event,
    policy: OnFailure,
    mut process: F,
) -> DynamoDbEventResponse
where
    F: FnMut(EventRecord) -> Fut,
    Fut: Future<Output = Result<(), E>>,
    E: Display,
{
    let mut response = DynamoDbEventResponse::default();
    for record in event.records {
        // Lambda identifies a stream record by its sequence number.
        let identifier = record
            .change
            .sequence_number
            .clone()
            .unwrap_or_else(|| record.event_id.clone());
        let Err(reason) = process(record).await else {
            continue;
        };
        let mut failure = DynamoDbBatchItemFailure::default();
        failure.item_identifier = Some(identifier.clone());
        response.batch_item_failures.push(failure);
        match policy {
            OnFailure::ContinueBatch => {
                tracing::error!(record = %identifier, %reason, "record failed; it will be retried");
            }
            OnFailure::StopBatch => {
                tracing::error!(record = %identifier, %reason, "record failed; it and the rest of the batch will be retried");
                break;
            }
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(event_id: &str) -> serde_json::Value {
        json!({
            "eventID": event_id,
            "eventName": "INSERT",
            "awsRegion": "eu-central-1",
            "dynamodb": {
                "ApproximateCreationDateTime": 1796121000,
                "Keys": {"pk": {"S": "x"}},
                "SizeBytes": 10,
                "StreamViewType": "NEW_AND_OLD_IMAGES"
            }
        })
    }

    /// Records with these sequence numbers; the last one has none, only an event id.
    fn batch(sequence_numbers: &[&str]) -> Event {
        let mut records: Vec<_> = sequence_numbers
            .iter()
            .map(|number| {
                let mut record = record(&format!("id-{number}"));
                record["dynamodb"]["SequenceNumber"] = json!(number);
                record
            })
            .collect();
        records.push(record("no-sequence-number"));
        serde_json::from_value(json!({ "Records": records })).expect("a stream event")
    }

    fn identifier(record: &EventRecord) -> String {
        record
            .change
            .sequence_number
            .clone()
            .unwrap_or_else(|| record.event_id.clone())
    }

    async fn run(policy: OnFailure, failing: &[&str]) -> (Vec<String>, Vec<String>) {
        let mut seen = Vec::new();
        let response = process_batch(batch(&["1", "2", "3"]), policy, |record| {
            let id = identifier(&record);
            seen.push(id.clone());
            let fails = failing.contains(&id.as_str());
            async move {
                if fails {
                    Err(format!("{id} failed"))
                } else {
                    Ok(())
                }
            }
        })
        .await;
        let reported = response
            .batch_item_failures
            .into_iter()
            .filter_map(|failure| failure.item_identifier)
            .collect();
        (seen, reported)
    }

    #[tokio::test]
    async fn a_batch_without_failures_reports_none() {
        for policy in [OnFailure::ContinueBatch, OnFailure::StopBatch] {
            let (seen, reported) = run(policy, &[]).await;
            assert_eq!(seen, ["1", "2", "3", "no-sequence-number"]);
            assert!(reported.is_empty(), "{reported:?}");
        }
    }

    #[tokio::test]
    async fn continue_batch_processes_every_record_and_reports_each_failure() {
        let (seen, reported) = run(OnFailure::ContinueBatch, &["1", "3"]).await;
        assert_eq!(seen, ["1", "2", "3", "no-sequence-number"]);
        assert_eq!(reported, ["1", "3"]);
    }

    #[tokio::test]
    async fn stop_batch_stops_at_the_first_failure_and_reports_only_it() {
        let (seen, reported) = run(OnFailure::StopBatch, &["2", "3"]).await;
        assert_eq!(seen, ["1", "2"]);
        assert_eq!(reported, ["2"]);
    }

    #[tokio::test]
    async fn a_record_without_a_sequence_number_is_reported_by_its_event_id() {
        let (_, reported) = run(OnFailure::ContinueBatch, &["no-sequence-number"]).await;
        assert_eq!(reported, ["no-sequence-number"]);
    }

    #[tokio::test]
    async fn the_response_serializes_as_lambda_expects() {
        let response = process_batch(batch(&["7"]), OnFailure::StopBatch, |_| async {
            Err::<(), _>("down")
        })
        .await;
        assert_eq!(
            serde_json::to_value(&response).expect("json"),
            json!({"batchItemFailures": [{"itemIdentifier": "7"}]})
        );
    }
}
