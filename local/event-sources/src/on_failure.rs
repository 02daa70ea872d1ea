//! The invocation record Lambda sends to a stream mapping's on-failure destination when it gives up
//! on a batch: which records (by shard and sequence numbers, not their content), why, and how the
//! last invocation ended.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::stream_record::EventRecord;

/// Why Lambda gave up on the records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum FailureCondition {
    RetryAttemptsExhausted,
    RecordAgeExceeded,
}

/// How the last invocation of the records ended, as the Invoke API would have answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResponseContext {
    pub status_code: u16,
    pub executed_version: &'static str,
    /// `Unhandled` when the function failed; absent when it answered with failed items.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function_error: Option<&'static str>,
}

impl ResponseContext {
    pub fn new(status_code: u16, function_error: Option<&'static str>) -> Self {
        Self {
            status_code,
            executed_version: "$LATEST",
            function_error,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestContext {
    pub request_id: String,
    pub function_arn: String,
    pub condition: FailureCondition,
    pub approximate_invoke_count: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DdbStreamBatchInfo {
    pub shard_id: String,
    pub start_sequence_number: String,
    pub end_sequence_number: String,
    pub approximate_arrival_of_first_record: String,
    pub approximate_arrival_of_last_record: String,
    pub batch_size: usize,
    pub stream_arn: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OnFailureRecord {
    pub request_context: RequestContext,
    /// Absent when the records expired before any invocation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_context: Option<ResponseContext>,
    pub version: &'static str,
    pub timestamp: String,
    #[serde(rename = "DDBStreamBatchInfo")]
    pub ddb_stream_batch_info: DdbStreamBatchInfo,
}

/// The records given up on, with what is known about their delivery.
#[derive(Debug, Clone, Copy)]
pub struct FailedBatch<'a> {
    pub function_arn: &'a str,
    pub stream_arn: &'a str,
    pub shard_id: &'a str,
    pub records: &'a [EventRecord],
    pub condition: FailureCondition,
    pub invoke_count: u32,
    pub last_response: Option<&'a ResponseContext>,
}

impl OnFailureRecord {
    /// `None` for an empty batch: there is nothing to report.
    pub fn new(batch: FailedBatch<'_>, request_id: String, now: DateTime<Utc>) -> Option<Self> {
        let (first, last) = (batch.records.first()?, batch.records.last()?);
        Some(Self {
            request_context: RequestContext {
                request_id,
                function_arn: batch.function_arn.to_owned(),
                condition: batch.condition,
                approximate_invoke_count: batch.invoke_count,
            },
            response_context: batch.last_response.cloned(),
            version: "1.0",
            timestamp: now.to_rfc3339_opts(SecondsFormat::Millis, true),
            ddb_stream_batch_info: DdbStreamBatchInfo {
                shard_id: batch.shard_id.to_owned(),
                start_sequence_number: first.sequence_number.clone(),
                end_sequence_number: last.sequence_number.clone(),
                approximate_arrival_of_first_record: first
                    .created_at
                    .to_rfc3339_opts(SecondsFormat::Secs, true),
                approximate_arrival_of_last_record: last
                    .created_at
                    .to_rfc3339_opts(SecondsFormat::Secs, true),
                batch_size: batch.records.len(),
                stream_arn: batch.stream_arn.to_owned(),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde_json::json;

    use super::*;

    fn record(seq: &str, secs: i64) -> EventRecord {
        EventRecord {
            sequence_number: seq.to_owned(),
            created_at: match Utc.timestamp_opt(secs, 0).single() {
                Some(t) => t,
                None => panic!("bad test timestamp"),
            },
            json: json!({}),
            encoded_len: 2,
        }
    }

    #[test]
    fn has_lambdas_shape() {
        let records = [record("100", 1_573_690_399), record("105", 1_573_690_400)];
        let response = ResponseContext::new(200, Some("Unhandled"));
        let now = match Utc.timestamp_millis_opt(1_573_690_429_717).single() {
            Some(t) => t,
            None => panic!("bad test timestamp"),
        };
        let document = OnFailureRecord::new(
            FailedBatch {
                function_arn: "arn:aws:lambda:eu-central-1:123456789012:function:Mail",
                stream_arn: "arn:aws:dynamodb:eu-central-1:123456789012:table/t/stream/label",
                shard_id: "shardId-1",
                records: &records,
                condition: FailureCondition::RetryAttemptsExhausted,
                invoke_count: 4,
                last_response: Some(&response),
            },
            "req-1".into(),
            now,
        );
        let value = match serde_json::to_value(document) {
            Ok(value) => value,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(
            value,
            json!({
                "requestContext": {
                    "requestId": "req-1",
                    "functionArn": "arn:aws:lambda:eu-central-1:123456789012:function:Mail",
                    "condition": "RetryAttemptsExhausted",
                    "approximateInvokeCount": 4
                },
                "responseContext": {
                    "statusCode": 200,
                    "executedVersion": "$LATEST",
                    "functionError": "Unhandled"
                },
                "version": "1.0",
                "timestamp": "2019-11-14T00:13:49.717Z",
                "DDBStreamBatchInfo": {
                    "shardId": "shardId-1",
                    "startSequenceNumber": "100",
                    "endSequenceNumber": "105",
                    "approximateArrivalOfFirstRecord": "2019-11-14T00:13:19Z",
                    "approximateArrivalOfLastRecord": "2019-11-14T00:13:20Z",
                    "batchSize": 2,
                    "streamArn": "arn:aws:dynamodb:eu-central-1:123456789012:table/t/stream/label"
                }
            })
        );
    }

    #[test]
    fn an_empty_batch_has_no_record() {
        let batch = FailedBatch {
            function_arn: "f",
            stream_arn: "s",
            shard_id: "x",
            records: &[],
            condition: FailureCondition::RecordAgeExceeded,
            invoke_count: 0,
            last_response: None,
        };
        assert!(OnFailureRecord::new(batch, "r".into(), Utc::now()).is_none());
    }
}
