//! Reading one shard of the stream in order and handing its records to the function in batches, one
//! batch in flight at a time, the way Lambda's poller does for each shard.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_dynamodbstreams::error::DisplayErrorContext;
use aws_sdk_dynamodbstreams::types::ShardIteratorType;
use tokio::time::Instant;
use tracing::{debug, error, info, warn};

use crate::batch_delivery::{Delivered, deliver};
use crate::checkpoint_store::{CheckpointStore, ShardKey};
use crate::stream_mapping::StreamMapping;
use crate::stream_record::{EventRecord, to_event_record};
use crate::timing::Backoff;

/// GetRecords' own maximum.
const GET_RECORDS_LIMIT: i32 = 1000;
/// Lambda's limit on the payload of a synchronous invocation: a batch closes before exceeding it.
const MAX_PAYLOAD_BYTES: usize = 6 * 1024 * 1024;
/// `{"Records":[` and `]}` around the records.
const PAYLOAD_ENVELOPE_BYTES: usize = 14;

/// How many records from the front of `buffer` make the next batch: at most `batch_size`, and no
/// more than fit in Lambda's payload limit, but at least one.
fn next_batch_len(buffer: &VecDeque<EventRecord>, batch_size: usize) -> usize {
    let mut payload = PAYLOAD_ENVELOPE_BYTES;
    let mut count = 0;
    for record in buffer.iter().take(batch_size) {
        // Records are separated by commas.
        let added = record.encoded_len + usize::from(count > 0);
        if count > 0 && payload + added > MAX_PAYLOAD_BYTES {
            break;
        }
        payload += added;
        count += 1;
    }
    count
}

/// Where a shard reader starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ShardStart {
    TrimHorizon,
    Latest,
    /// Just after this sequence number (a checkpoint).
    After(String),
}

/// The last sequence number of a shard that is fully dealt with (delivered, reported as failed, or
/// filtered out). Shared with the poller so that a restarted reader resumes after it; when
/// persisted, also saved for the next run of the runner.
#[derive(Debug, Clone, Default)]
pub(crate) struct Checkpoint {
    value: Arc<Mutex<Option<String>>>,
    persisted: Option<(Arc<CheckpointStore>, ShardKey)>,
}

impl Checkpoint {
    /// A checkpoint saved in `store`, starting from what an earlier run saved there.
    pub(crate) fn persisted(store: Arc<CheckpointStore>, key: ShardKey) -> Self {
        Self {
            value: Arc::new(Mutex::new(store.get(&key))),
            persisted: Some((store, key)),
        }
    }

    pub(crate) fn get(&self) -> Option<String> {
        // A poisoned lock still holds a valid sequence number: a String is never half-written.
        self.value
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    fn set(&self, sequence_number: &str) {
        *self
            .value
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(sequence_number.to_owned());
        if let Some((store, key)) = &self.persisted
            && let Err(e) = store.save(key, sequence_number)
        {
            // The run goes on; a restart would only deliver these records again.
            warn!(shard = key.shard_id.as_str(), error = %e, "cannot save the stream checkpoint");
        }
    }
}

/// Reads `shard_id` from `start` until the shard is closed and fully delivered, then returns its id.
/// An open shard is read forever.
pub(crate) async fn read_shard(
    mapping: Arc<StreamMapping>,
    shard_id: String,
    start: ShardStart,
    checkpoint: Checkpoint,
    started: Option<tokio::sync::oneshot::Sender<()>>,
) -> String {
    let mut reader = ShardReader {
        started,
        mapping: &mapping,
        shard_id: &shard_id,
        start,
        iterator: None,
        buffer: VecDeque::new(),
        window_opened: None,
        ended: false,
        backoff: Backoff::new(&mapping.timing),
        checkpoint,
    };
    reader.run().await;
    shard_id
}

enum NewIterator {
    Ready(String),
    /// The shard is closed with nothing after the start, or gone.
    ShardDone,
    /// A transient failure, logged.
    RetryLater,
}

struct ShardReader<'a> {
    /// Told once the reader holds its first iterator (or knows the shard has nothing to read), so
    /// that records written from then on are sure to be read.
    started: Option<tokio::sync::oneshot::Sender<()>>,
    mapping: &'a StreamMapping,
    shard_id: &'a str,
    /// Where a new iterator starts: the original start, then after each record read.
    start: ShardStart,
    iterator: Option<String>,
    /// Records read and accepted by the filters, not yet delivered.
    buffer: VecDeque<EventRecord>,
    /// When the batching window of the buffered records opened.
    window_opened: Option<Instant>,
    /// The shard is closed and every record of it has been read.
    ended: bool,
    backoff: Backoff,
    checkpoint: Checkpoint,
}

impl ShardReader<'_> {
    async fn run(&mut self) {
        let batch_size = self.mapping.subscription.batch_size;
        loop {
            if self.mapping.stop.is_cancelled() {
                // Told to stop: what is buffered stays after the checkpoint for the next run.
                self.signal_started();
                return;
            }
            let batch_len = next_batch_len(&self.buffer, batch_size);
            // A batch is full at BatchSize records or at the payload limit.
            let full = self.buffer.len() >= batch_size || batch_len < self.buffer.len();
            if batch_len > 0 && (full || self.window_passed() || self.ended) {
                let batch: Vec<EventRecord> = self.buffer.drain(..batch_len).collect();
                let last = batch.last().map(|r| r.sequence_number.clone());
                for delivery in 0..self.mapping.delivery.count() {
                    if delivery > 0 {
                        info!(
                            function = self.mapping.function(),
                            shard = self.shard_id,
                            size = batch.len(),
                            "stream batch delivered again (duplicate deliveries)"
                        );
                    }
                    if deliver(self.mapping, self.shard_id, batch.clone()).await
                        == Delivered::Interrupted
                    {
                        // Stopped between retries: not dealt with, so not checkpointed.
                        return;
                    }
                }
                if let Some(last) = last {
                    self.checkpoint.set(&last);
                }
                // Lambda opens the next window once the previous invocation is complete.
                self.window_opened = (!self.buffer.is_empty()).then(Instant::now);
                continue;
            }
            if self.ended {
                debug!(
                    function = self.mapping.function(),
                    shard = self.shard_id,
                    "shard closed and fully delivered"
                );
                return;
            }
            self.poll().await;
        }
    }

    fn signal_started(&mut self) {
        if let Some(started) = self.started.take() {
            // Nobody waiting any more is fine.
            let _ = started.send(());
        }
    }

    fn window_passed(&self) -> bool {
        self.window_opened.is_some_and(|opened| {
            opened.elapsed() >= self.mapping.subscription.maximum_batching_window
        })
    }

    /// How long to wait after an empty read: the poll interval, cut short by an open window.
    fn idle_pause(&self) -> Duration {
        let poll = self.mapping.timing.poll_interval;
        match self.window_opened {
            Some(opened) => poll.min(
                self.mapping
                    .subscription
                    .maximum_batching_window
                    .saturating_sub(opened.elapsed()),
            ),
            None => poll,
        }
    }

    /// One GetRecords call (getting an iterator first if needed), buffering what it returns.
    async fn poll(&mut self) {
        let iterator = match self.iterator.take() {
            Some(iterator) => iterator,
            None => match self.new_iterator().await {
                NewIterator::Ready(iterator) => {
                    self.signal_started();
                    iterator
                }
                NewIterator::ShardDone => {
                    self.signal_started();
                    self.ended = true;
                    return;
                }
                NewIterator::RetryLater => {
                    let pause = self.backoff.next_delay();
                    self.pause(pause).await;
                    return;
                }
            },
        };
        let output = match self
            .mapping
            .clients
            .streams
            .get_records()
            .shard_iterator(iterator)
            .limit(GET_RECORDS_LIMIT)
            .send()
            .await
        {
            Ok(output) => output,
            Err(e) => {
                let service_error = e.as_service_error();
                if service_error.is_some_and(|se| se.is_expired_iterator_exception()) {
                    // The next loop takes a fresh iterator after the last record read.
                    debug!(
                        function = self.mapping.function(),
                        shard = self.shard_id,
                        "shard iterator expired; renewing it"
                    );
                } else if service_error.is_some_and(|se| se.is_trimmed_data_access_exception()) {
                    warn!(
                        function = self.mapping.function(),
                        shard = self.shard_id,
                        "records past the stream's retention were trimmed before they were read; resuming at the oldest record"
                    );
                    self.start = ShardStart::TrimHorizon;
                } else {
                    warn!(
                        function = self.mapping.function(),
                        shard = self.shard_id,
                        error = %DisplayErrorContext(&e),
                        "GetRecords failed; retrying"
                    );
                    let pause = self.backoff.next_delay();
                    self.pause(pause).await;
                }
                return;
            }
        };
        self.backoff.reset();
        self.iterator = output.next_shard_iterator;
        // No next iterator: the shard is closed and this was its last part.
        self.ended = self.iterator.is_none();
        let fetched = output.records.as_ref().map_or(0, Vec::len);
        for record in output.records.unwrap_or_default() {
            self.take(&record);
        }
        if fetched == 0 && !self.ended {
            self.pause(self.idle_pause()).await;
        }
    }

    /// Sleeps for `duration`, or less if the source is told to stop.
    async fn pause(&self, duration: Duration) {
        tokio::select! {
            () = tokio::time::sleep(duration) => {}
            () = self.mapping.stop.cancelled() => {}
        }
    }

    /// Converts and filters one record read from the shard.
    fn take(&mut self, record: &aws_sdk_dynamodbstreams::types::Record) {
        let sequence_number = record
            .dynamodb()
            .and_then(|d| d.sequence_number())
            .map(str::to_owned);
        if let Some(seq) = &sequence_number {
            self.start = ShardStart::After(seq.clone());
        }
        let subscription = &self.mapping.subscription;
        let converted =
            match to_event_record(record, &subscription.region, &subscription.stream_arn) {
                Ok(converted) => converted,
                Err(e) => {
                    error!(
                        function = self.mapping.function(),
                        shard = self.shard_id,
                        sequence_number = sequence_number.as_deref().unwrap_or("(none)"),
                        error = %e,
                        outcome = "dropped",
                        "a stream record cannot be turned into a Lambda event record; it is skipped"
                    );
                    self.mark_done_if_idle(sequence_number.as_deref());
                    return;
                }
            };
        if self.mapping.accepts(&converted.json) {
            if self.buffer.is_empty() {
                self.window_opened = Some(Instant::now());
            }
            self.buffer.push_back(converted);
        } else {
            debug!(
                function = self.mapping.function(),
                shard = self.shard_id,
                sequence_number = converted.sequence_number.as_str(),
                "record matches no filter; not delivered"
            );
            self.mark_done_if_idle(Some(&converted.sequence_number));
        }
    }

    /// A record that needs no delivery is done at once, unless earlier records still wait.
    fn mark_done_if_idle(&self, sequence_number: Option<&str>) {
        if let (true, Some(seq)) = (self.buffer.is_empty(), sequence_number) {
            self.checkpoint.set(seq);
        }
    }

    /// GetShardIterator for the current start.
    async fn new_iterator(&mut self) -> NewIterator {
        let request = self
            .mapping
            .clients
            .streams
            .get_shard_iterator()
            .stream_arn(self.mapping.stream_arn())
            .shard_id(self.shard_id);
        let request = match &self.start {
            ShardStart::TrimHorizon => request.shard_iterator_type(ShardIteratorType::TrimHorizon),
            ShardStart::Latest => request.shard_iterator_type(ShardIteratorType::Latest),
            ShardStart::After(seq) => request
                .shard_iterator_type(ShardIteratorType::AfterSequenceNumber)
                .sequence_number(seq),
        };
        match request.send().await {
            // No iterator: the shard is closed and there is nothing after the start.
            Ok(output) => output
                .shard_iterator
                .map_or(NewIterator::ShardDone, NewIterator::Ready),
            Err(e) => {
                let service_error = e.as_service_error();
                if service_error.is_some_and(|se| se.is_trimmed_data_access_exception()) {
                    warn!(
                        function = self.mapping.function(),
                        shard = self.shard_id,
                        "the checkpoint is past the stream's retention; resuming at the oldest record"
                    );
                    self.start = ShardStart::TrimHorizon;
                } else if service_error.is_some_and(|se| se.is_resource_not_found_exception()) {
                    warn!(
                        function = self.mapping.function(),
                        shard = self.shard_id,
                        "the shard no longer exists; reading it stops"
                    );
                    return NewIterator::ShardDone;
                } else {
                    warn!(
                        function = self.mapping.function(),
                        shard = self.shard_id,
                        error = %DisplayErrorContext(&e),
                        "GetShardIterator failed; retrying"
                    );
                }
                NewIterator::RetryLater
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use serde_json::json;

    use super::*;

    fn records(sizes: &[usize]) -> VecDeque<EventRecord> {
        sizes
            .iter()
            .enumerate()
            .map(|(i, &encoded_len)| EventRecord {
                sequence_number: i.to_string(),
                created_at: Utc::now(),
                json: json!({}),
                encoded_len,
            })
            .collect()
    }

    #[test]
    fn a_batch_holds_at_most_batch_size_records() {
        assert_eq!(next_batch_len(&records(&[10; 5]), 3), 3);
        assert_eq!(next_batch_len(&records(&[10; 2]), 3), 2);
        assert_eq!(next_batch_len(&records(&[]), 3), 0);
    }

    #[test]
    fn a_batch_stops_before_the_payload_limit() {
        let mb = 1024 * 1024;
        // Three of 2 MB fit with the envelope and commas only if the total stays within 6 MB.
        assert_eq!(next_batch_len(&records(&[2 * mb, 2 * mb, 2 * mb]), 10), 2);
        let exact = MAX_PAYLOAD_BYTES - PAYLOAD_ENVELOPE_BYTES - 1;
        assert_eq!(
            next_batch_len(&records(&[exact / 2, exact - exact / 2]), 10),
            2
        );
        assert_eq!(
            next_batch_len(&records(&[exact / 2, exact - exact / 2 + 1]), 10),
            1
        );
        // A record over the limit still goes, alone.
        assert_eq!(next_batch_len(&records(&[7 * mb, 1]), 10), 1);
    }
}
