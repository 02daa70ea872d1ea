//! The internal queues the S3 and SNS event sources read: moto delivers notifications to them, the
//! poller hands each message body on and deletes it once the asynchronous invocation has dealt
//! with its events. A runner stopped before that leaves the message in the queue, where it shows
//! again after the visibility timeout for the next runner: nothing accepted is lost in a restart.

use std::time::Duration;

use aws_sdk_sqs::error::DisplayErrorContext;
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, QueueAttributeName};
use tokio::sync::oneshot;
use tracing::{debug, warn};

use crate::timing::{Backoff, PollerTiming};

/// Messages per ReceiveMessage call (SQS's maximum).
const RECEIVE_BATCH: i32 = 10;
/// Long polling keeps the source quick without hammering the endpoint.
const WAIT_SECONDS: i32 = 1;
/// How long a message being delivered stays hidden: past the asynchronous retries of a function
/// with a long timeout, so that a slow delivery is seldom repeated, and short enough that a
/// message left by a stopped runner reaches the next one soon.
const VISIBILITY_SECONDS: i32 = 120;

/// SQS allows letters, digits, `-` and `_` in queue names, at most 80 of them.
pub(crate) fn queue_name(parts: &[&str]) -> String {
    let mut name: String = parts
        .join("-")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    name.truncate(80);
    name
}

/// Creates (or finds) the queue `name`; returns its URL and ARN.
pub(crate) async fn create_queue(
    sqs: &aws_sdk_sqs::Client,
    name: &str,
) -> Result<(String, String), String> {
    let url = sqs
        .create_queue()
        .queue_name(name)
        .send()
        .await
        .map_err(|e| format!("CreateQueue {name}: {}", DisplayErrorContext(&e)))?
        .queue_url
        .ok_or_else(|| format!("CreateQueue {name}: the answer has no QueueUrl"))?;
    let arn = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(|e| format!("GetQueueAttributes {name}: {}", DisplayErrorContext(&e)))?
        .attributes
        .and_then(|mut a| a.remove(&QueueAttributeName::QueueArn))
        .ok_or_else(|| format!("GetQueueAttributes {name}: the answer has no QueueArn"))?;
    Ok((url, arn))
}

/// Reads `queue_url` until the task is dropped, calling `handle` with each message body. The
/// message is deleted once every receiver `handle` returns is told its event was dealt with (at
/// once when there is none); a receiver dropped unanswered leaves the message in the queue.
pub(crate) async fn poll(
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
    source: String,
    mut handle: impl FnMut(&str) -> Vec<oneshot::Receiver<()>> + Send,
) {
    let timing = PollerTiming::default();
    let mut backoff = Backoff::new(&timing);
    loop {
        let received = match sqs
            .receive_message()
            .queue_url(&queue_url)
            .max_number_of_messages(RECEIVE_BATCH)
            .wait_time_seconds(WAIT_SECONDS)
            .visibility_timeout(VISIBILITY_SECONDS)
            .send()
            .await
        {
            Ok(received) => received,
            Err(e) => {
                warn!(source = source.as_str(), error = %DisplayErrorContext(&e), "ReceiveMessage failed; retrying");
                tokio::time::sleep(backoff.next_delay()).await;
                continue;
            }
        };
        backoff.reset();
        let messages = received.messages.unwrap_or_default();
        if messages.is_empty() {
            // moto may answer a long poll at once; do not spin.
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        }
        let mut entries = Vec::with_capacity(messages.len());
        for (n, message) in messages.iter().enumerate() {
            let pending = handle(message.body().unwrap_or_default());
            if !pending.is_empty() {
                if let Some(receipt) = message.receipt_handle() {
                    tokio::spawn(delete_when_dealt_with(
                        sqs.clone(),
                        queue_url.clone(),
                        receipt.to_owned(),
                        pending,
                        source.clone(),
                    ));
                }
                continue;
            }
            if let Some(receipt) = message.receipt_handle() {
                match DeleteMessageBatchRequestEntry::builder()
                    .id(n.to_string())
                    .receipt_handle(receipt)
                    .build()
                {
                    Ok(entry) => entries.push(entry),
                    Err(e) => {
                        warn!(source = source.as_str(), error = %e, "cannot delete a message")
                    }
                }
            }
        }
        debug!(
            source = source.as_str(),
            count = messages.len(),
            "notifications read"
        );
        if entries.is_empty() {
            continue;
        }
        if let Err(e) = sqs
            .delete_message_batch()
            .queue_url(&queue_url)
            .set_entries(Some(entries))
            .send()
            .await
        {
            // They come back after the visibility timeout and are delivered again: at-least-once,
            // as S3 and SNS promise.
            warn!(source = source.as_str(), error = %DisplayErrorContext(&e), "DeleteMessageBatch failed");
        }
    }
}

/// Deletes one message once all its events are dealt with; leaves it if any is not.
async fn delete_when_dealt_with(
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
    receipt: String,
    pending: Vec<oneshot::Receiver<()>>,
    source: String,
) {
    for dealt_with in pending {
        if dealt_with.await.is_err() {
            debug!(
                source = source.as_str(),
                "stopped before an event was dealt with; its message stays for the next run"
            );
            return;
        }
    }
    if let Err(e) = sqs
        .delete_message()
        .queue_url(&queue_url)
        .receipt_handle(&receipt)
        .send()
        .await
    {
        // It comes back after the visibility timeout and is delivered again: at-least-once,
        // as S3 and SNS promise.
        warn!(source = source.as_str(), error = %DisplayErrorContext(&e), "DeleteMessage failed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_names_are_valid() {
        assert_eq!(
            queue_name(&["cfp-local", "s3", "my.bucket"]),
            "cfp-local-s3-my-bucket"
        );
        assert_eq!(queue_name(&[&"x".repeat(100)]).len(), 80);
    }
}
