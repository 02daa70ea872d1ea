//! Delivering one batch of a shard the way Lambda does: invoke, read the answer, and on failure
//! retry (with backoff), bisect, or give up and report the records to the on-failure destination.
//!
//! The rules, from the Lambda docs on stream error handling:
//! - a function error (or a response naming invalid failed items) fails the whole batch; with
//!   `BisectBatchOnFunctionError` the batch is split in two and each half retried on its own, which
//!   does not count as a retry; halves keep the retry count of the batch they came from;
//! - failed items reported by the function: the records before the lowest failed one are done, the
//!   rest is retried, and that counts as a retry;
//! - throttling or a function that cannot be invoked is retried without counting, until the records
//!   are too old;
//! - after `MaximumRetryAttempts` retries, or once records are older than `MaximumRecordAge`, the
//!   records are reported (or, without a destination, dropped with an error log) and the shard
//!   moves on.

use std::collections::VecDeque;
use std::time::Duration;

use aws_sdk_sqs::error::DisplayErrorContext;
use bytes::Bytes;
use cfp_local_invoke::InvokeError;
use chrono::{DateTime, Utc};
use serde_json::Value;
use tracing::{error, info, warn};

use crate::batch_response::{BatchVerdict, judge};
use crate::config::OnFailureDestination;
use crate::on_failure::{FailedBatch, FailureCondition, OnFailureRecord, ResponseContext};
use crate::stream_mapping::StreamMapping;
use crate::stream_record::EventRecord;
use crate::timing::Backoff;

/// How one invocation of a batch ended.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Attempt {
    Succeeded,
    /// Failed items reported: retry from this index.
    RetryFrom(usize),
    Failed(Failure),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Failure {
    response: ResponseContext,
    /// Whether this failure uses up one of `MaximumRetryAttempts`.
    counts_as_retry: bool,
    /// Whether the function failed on the records, so splitting the batch may isolate a bad one.
    bisectable: bool,
    reason: String,
}

impl Failure {
    fn from_invoke_error(error: &InvokeError) -> Self {
        let reason = error.to_string();
        match error {
            // Errors of the function itself: the Invoke API answers 200 with X-Amz-Function-Error.
            InvokeError::FunctionError { .. }
            | InvokeError::RuntimeExited(_)
            | InvokeError::Timeout(_) => Self {
                response: ResponseContext::new(200, Some("Unhandled")),
                counts_as_retry: true,
                bisectable: true,
                reason,
            },
            // The function never ran: Lambda retries these until the records expire.
            InvokeError::Throttled => Self {
                response: ResponseContext::new(429, None),
                counts_as_retry: false,
                bisectable: false,
                reason,
            },
            InvokeError::FunctionNotFound(_) => Self {
                response: ResponseContext::new(404, None),
                counts_as_retry: false,
                bisectable: false,
                reason,
            },
        }
    }

    fn invalid_response(why: &crate::batch_response::InvalidResponse) -> Self {
        Self {
            response: ResponseContext::new(200, None),
            counts_as_retry: true,
            bisectable: true,
            reason: format!("invalid batch item failures: {why}"),
        }
    }
}

/// A batch on its way through retries and bisection.
struct PendingBatch {
    records: Vec<EventRecord>,
    retries: u32,
    invokes: u32,
    last_response: Option<ResponseContext>,
}

impl PendingBatch {
    fn new(records: Vec<EventRecord>) -> Self {
        Self {
            records,
            retries: 0,
            invokes: 0,
            last_response: None,
        }
    }

    /// Two halves (the first one the larger), each carrying this batch's history.
    fn bisect(mut self) -> (Self, Self) {
        let second = self.records.split_off(self.records.len().div_ceil(2));
        let second = Self {
            records: second,
            retries: self.retries,
            invokes: self.invokes,
            last_response: self.last_response.clone(),
        };
        (self, second)
    }

    fn first_sequence_number(&self) -> &str {
        self.records
            .first()
            .map_or("", |r| r.sequence_number.as_str())
    }
}

/// How many records at the start of `records` (oldest first) are older than `max_age` at `now`.
fn expired_prefix(records: &[EventRecord], max_age: Duration, now: DateTime<Utc>) -> usize {
    records
        .iter()
        .take_while(|r| (now - r.created_at).to_std().is_ok_and(|age| age > max_age))
        .count()
}

fn retries_exhausted(retries: u32, maximum: Option<u32>) -> bool {
    maximum.is_some_and(|max| retries >= max)
}

/// Whether a batch was dealt with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Delivered {
    /// Every record processed or reported as failed.
    Done,
    /// The source was told to stop before the records were dealt with (never in the middle of an
    /// invocation): they are to be delivered again by the next run.
    Interrupted,
}

/// Sleeps for `pause` unless the source is told to stop first; `false` when it is.
async fn pause_unless_stopped(mapping: &StreamMapping, pause: Duration) -> bool {
    tokio::select! {
        () = tokio::time::sleep(pause) => !mapping.stop.is_cancelled(),
        () = mapping.stop.cancelled() => false,
    }
}

/// Delivers `records` (in order, at most BatchSize) and returns once every record is either
/// processed or reported as failed. It never gives up early: AWS trouble is retried. A stop
/// ends it between invocations, with [`Delivered::Interrupted`].
pub(crate) async fn deliver(
    mapping: &StreamMapping,
    shard_id: &str,
    records: Vec<EventRecord>,
) -> Delivered {
    let subscription = &mapping.subscription;
    let mut queue = VecDeque::from([PendingBatch::new(records)]);
    let mut backoff = Backoff::new(&mapping.timing);
    while let Some(mut batch) = queue.pop_front() {
        loop {
            if let Some(max_age) = subscription.maximum_record_age {
                let expired = expired_prefix(&batch.records, max_age, Utc::now());
                if expired > 0 {
                    let rest = batch.records.split_off(expired);
                    give_up(
                        mapping,
                        shard_id,
                        &batch,
                        FailureCondition::RecordAgeExceeded,
                    )
                    .await;
                    batch.records = rest;
                }
            }
            if batch.records.is_empty() {
                break;
            }
            batch.invokes += 1;
            match invoke(mapping, &batch.records).await {
                Attempt::Succeeded => {
                    info!(
                        function = mapping.function(),
                        shard = shard_id,
                        size = batch.records.len(),
                        first_sequence_number = batch.first_sequence_number(),
                        retries = batch.retries,
                        outcome = "succeeded",
                        "stream batch delivered"
                    );
                    backoff.reset();
                    break;
                }
                Attempt::RetryFrom(index) => {
                    warn!(
                        function = mapping.function(),
                        shard = shard_id,
                        size = batch.records.len(),
                        succeeded = index,
                        failed_sequence_number = batch
                            .records
                            .get(index)
                            .map_or("", |r| r.sequence_number.as_str()),
                        retries = batch.retries,
                        outcome = "partially failed",
                        "stream batch partially failed; retrying from the first failed record"
                    );
                    batch.last_response = Some(ResponseContext::new(200, None));
                    batch.records.drain(..index);
                    if retries_exhausted(batch.retries, subscription.maximum_retry_attempts) {
                        give_up(
                            mapping,
                            shard_id,
                            &batch,
                            FailureCondition::RetryAttemptsExhausted,
                        )
                        .await;
                        break;
                    }
                    batch.retries += 1;
                    if !pause_unless_stopped(mapping, backoff.next_delay()).await {
                        return Delivered::Interrupted;
                    }
                }
                Attempt::Failed(failure) => {
                    batch.last_response = Some(failure.response.clone());
                    let bisect = failure.bisectable
                        && subscription.bisect_batch_on_function_error
                        && batch.records.len() > 1;
                    warn!(
                        function = mapping.function(),
                        shard = shard_id,
                        size = batch.records.len(),
                        first_sequence_number = batch.first_sequence_number(),
                        retries = batch.retries,
                        reason = failure.reason.as_str(),
                        outcome = if bisect {
                            "failed, bisecting"
                        } else {
                            "failed"
                        },
                        "stream batch failed"
                    );
                    if bisect {
                        let (first, second) = batch.bisect();
                        queue.push_front(second);
                        queue.push_front(first);
                        break;
                    }
                    if failure.counts_as_retry {
                        if retries_exhausted(batch.retries, subscription.maximum_retry_attempts) {
                            give_up(
                                mapping,
                                shard_id,
                                &batch,
                                FailureCondition::RetryAttemptsExhausted,
                            )
                            .await;
                            break;
                        }
                        batch.retries += 1;
                    }
                    if !pause_unless_stopped(mapping, backoff.next_delay()).await {
                        return Delivered::Interrupted;
                    }
                }
            }
        }
    }
    Delivered::Done
}

async fn invoke(mapping: &StreamMapping, records: &[EventRecord]) -> Attempt {
    let payload = Value::Object(serde_json::Map::from_iter([(
        "Records".to_owned(),
        Value::Array(records.iter().map(|r| r.json.clone()).collect()),
    )]));
    let response = mapping
        .invoker
        .invoke(mapping.function(), Bytes::from(payload.to_string()))
        .await;
    match response {
        Err(error) => Attempt::Failed(Failure::from_invoke_error(&error)),
        Ok(_) if !mapping.subscription.report_batch_item_failures => Attempt::Succeeded,
        Ok(body) => {
            let sequence_numbers: Vec<&str> =
                records.iter().map(|r| r.sequence_number.as_str()).collect();
            match judge(&body, &sequence_numbers) {
                BatchVerdict::AllSucceeded => Attempt::Succeeded,
                BatchVerdict::RetryFrom(index) => Attempt::RetryFrom(index),
                BatchVerdict::WholeBatchFailed(why) => {
                    Attempt::Failed(Failure::invalid_response(&why))
                }
            }
        }
    }
}

/// Reports `batch` as given up on: to the destination if there is one (retrying until the queue
/// takes it), else with an error log.
async fn give_up(
    mapping: &StreamMapping,
    shard_id: &str,
    batch: &PendingBatch,
    condition: FailureCondition,
) {
    let failed = FailedBatch {
        function_arn: &mapping.function_arn,
        stream_arn: mapping.stream_arn(),
        shard_id,
        records: &batch.records,
        condition,
        invoke_count: batch.invokes,
        last_response: batch.last_response.as_ref(),
    };
    let Some(document) = OnFailureRecord::new(failed, uuid::Uuid::new_v4().to_string(), Utc::now())
    else {
        return;
    };
    let info = &document.ddb_stream_batch_info;
    let Some(destination) = &mapping.subscription.on_failure else {
        error!(
            function = mapping.function(),
            shard = shard_id,
            size = info.batch_size,
            start_sequence_number = info.start_sequence_number.as_str(),
            end_sequence_number = info.end_sequence_number.as_str(),
            condition = ?condition,
            invokes = batch.invokes,
            outcome = "dropped",
            "stream batch dropped: retries spent or records too old, and no on-failure destination"
        );
        return;
    };
    let body = match serde_json::to_string(&document) {
        Ok(body) => body,
        Err(e) => {
            error!(function = mapping.function(), shard = shard_id, error = %e, "cannot encode the on-failure record; batch dropped");
            return;
        }
    };
    let OnFailureDestination::Sqs {
        queue_url,
        queue_arn,
    } = destination;
    let mut backoff = Backoff::new(&mapping.timing);
    loop {
        match mapping
            .clients
            .sqs
            .send_message()
            .queue_url(queue_url)
            .message_body(&body)
            .send()
            .await
        {
            Ok(_) => {
                warn!(
                    function = mapping.function(),
                    shard = shard_id,
                    size = info.batch_size,
                    start_sequence_number = info.start_sequence_number.as_str(),
                    end_sequence_number = info.end_sequence_number.as_str(),
                    condition = ?condition,
                    invokes = batch.invokes,
                    destination = queue_arn.as_str(),
                    outcome = "sent to on-failure destination",
                    "stream batch given up"
                );
                return;
            }
            Err(e) => {
                error!(
                    function = mapping.function(),
                    shard = shard_id,
                    destination = queue_arn.as_str(),
                    error = %DisplayErrorContext(&e),
                    "cannot send the on-failure record; retrying"
                );
                tokio::time::sleep(backoff.next_delay()).await;
            }
        }
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
    fn only_the_expired_head_of_a_batch_is_cut() {
        let now = match Utc.timestamp_opt(1_000, 0).single() {
            Some(t) => t,
            None => panic!("bad test timestamp"),
        };
        let records = [
            record("1", 900),
            record("2", 939),
            record("3", 940),
            record("4", 999),
        ];
        assert_eq!(expired_prefix(&records, Duration::from_secs(60), now), 2);
        assert_eq!(expired_prefix(&records, Duration::from_secs(200), now), 0);
        assert_eq!(expired_prefix(&records, Duration::ZERO, now), 4);
        assert_eq!(expired_prefix(&[], Duration::ZERO, now), 0);
    }

    #[test]
    fn retry_quota() {
        assert!(!retries_exhausted(100, None));
        assert!(retries_exhausted(0, Some(0)));
        assert!(!retries_exhausted(2, Some(3)));
        assert!(retries_exhausted(3, Some(3)));
    }

    #[test]
    fn bisecting_keeps_order_and_history() {
        let mut batch = PendingBatch::new((1..=5).map(|i| record(&i.to_string(), 0)).collect());
        batch.retries = 2;
        batch.invokes = 3;
        let (first, second) = batch.bisect();
        let seqs = |b: &PendingBatch| {
            b.records
                .iter()
                .map(|r| r.sequence_number.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(seqs(&first), ["1", "2", "3"]);
        assert_eq!(seqs(&second), ["4", "5"]);
        assert_eq!((first.retries, first.invokes), (2, 3));
        assert_eq!((second.retries, second.invokes), (2, 3));
    }

    #[test]
    fn invoke_errors_map_to_lambdas_failure_kinds() {
        let function_error = Failure::from_invoke_error(&InvokeError::FunctionError {
            error_type: "Boom".into(),
            payload: Bytes::new(),
        });
        assert_eq!(
            function_error.response,
            ResponseContext::new(200, Some("Unhandled"))
        );
        assert!(function_error.counts_as_retry && function_error.bisectable);
        let timeout = Failure::from_invoke_error(&InvokeError::Timeout(Duration::from_secs(3)));
        assert!(timeout.counts_as_retry && timeout.bisectable);
        let crash = Failure::from_invoke_error(&InvokeError::RuntimeExited("signal 9".into()));
        assert!(crash.counts_as_retry && crash.bisectable);
        let throttled = Failure::from_invoke_error(&InvokeError::Throttled);
        assert_eq!(throttled.response.status_code, 429);
        assert!(!throttled.counts_as_retry && !throttled.bisectable);
        let missing = Failure::from_invoke_error(&InvokeError::FunctionNotFound("F".into()));
        assert_eq!(missing.response.status_code, 404);
        assert!(!missing.counts_as_retry);
    }
}
