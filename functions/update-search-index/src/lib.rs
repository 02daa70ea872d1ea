//! `updateSearchIndex`: for each new release on the schedule table's stream (the template
//! selects INSERTs of `entity = release`), rebuilds the event's talk search index from the
//! event's latest release and stores it in S3, stamped with the release's number.
//!
//! It never goes backwards: a stored index of the same or a later release stays (redelivered and
//! out-of-order records), and the write is conditional on the blob's ETag as read, so a racing
//! invocation for the same event cannot be overwritten unknowingly. Records that fail are
//! reported as batch item failures and retried; a batch never fails as a whole.

mod release_record;
mod talk_documents;

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use cfp_dynamodb::{OnFailure, process_batch};
use cfp_observability::{Instrument, LogContext};
use cfp_schedule::ports::ScheduleStore;
use cfp_schedule::{ReleaseNumber, StoreError};
use cfp_search::{
    BlobStoreError, IndexBlobStore, IndexStamp, PublishError, Published, SearchError, SearchIndex,
    publish_if_newer,
};

pub use release_record::{MalformedImage, RELEASE_ENTITY, ReleaseRecord};
pub use talk_documents::talk_documents;

/// With the entity check, what the stream filter in template.yaml selects; anything else is
/// skipped, should it arrive anyway.
const INSERT: &str = "INSERT";

/// What this function needs from outside.
pub struct Dependencies<'a> {
    pub schedule: &'a dyn ScheduleStore,
    pub blobs: &'a dyn IndexBlobStore,
}

/// What became of one release record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Indexed {
    /// The index of this release (or of a later one that was already visible) is stored.
    Stored { release: ReleaseNumber },
    /// The store already held an index of this release or a later one.
    AlreadyCurrent { stored: Option<IndexStamp> },
}

/// Why one record failed (and will be retried).
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error(transparent)]
    Image(#[from] MalformedImage),
    #[error(transparent)]
    Schedule(#[from] StoreError),
    /// The header is on the stream but its release cannot be read (yet): retry rather than
    /// index an older release and miss this one.
    #[error("release {expected} of {event} is not readable yet (latest readable: {latest:?})")]
    ReleaseNotReadable {
        event: String,
        expected: ReleaseNumber,
        latest: Option<ReleaseNumber>,
    },
    #[error("building the index: {0}")]
    Build(#[from] SearchError),
    #[error(transparent)]
    Blobs(#[from] BlobStoreError),
    #[error(transparent)]
    Publish(#[from] PublishError),
}

/// Events are independent of each other, and each record of one event indexes the latest
/// release: a failed record holds back no other.
pub async fn handle(event: Event, dependencies: &Dependencies<'_>) -> DynamoDbEventResponse {
    process_batch(event, OnFailure::ContinueBatch, |record| {
        process(record, dependencies)
    })
    .await
}

async fn process(record: EventRecord, dependencies: &Dependencies<'_>) -> Result<(), RecordError> {
    if record.event_name != INSERT {
        tracing::debug!(event = %record.event_name, "not an insert; skipped");
        return Ok(());
    }
    // A malformed header fails the record rather than being dropped: after the retries it lands
    // in the on-failure queue where someone can look at it.
    let Some(release) = ReleaseRecord::from_image(&record.change.new_image)? else {
        tracing::debug!("not a release header; skipped");
        return Ok(());
    };
    let context = LogContext {
        event: Some(release.event.as_str()),
        ..LogContext::default()
    };
    log_indexed(dependencies, &release)
        .instrument(context.span())
        .await
}

/// Indexes one release, logged in its event's context.
async fn log_indexed(
    dependencies: &Dependencies<'_>,
    release: &ReleaseRecord,
) -> Result<(), RecordError> {
    match index_release(dependencies, &release.event, release.number).await? {
        Indexed::Stored { release: indexed } => {
            tracing::info!(event = %release.event, record = %release.number, %indexed, "search index stored")
        }
        Indexed::AlreadyCurrent { stored } => tracing::info!(
            event = %release.event,
            record = %release.number,
            stored = ?stored.map(|stamp| stamp.release),
            "search index already current; skipped"
        ),
    }
    Ok(())
}

/// Brings the event's index up to (at least) release `number`.
pub async fn index_release(
    dependencies: &Dependencies<'_>,
    event: &str,
    number: ReleaseNumber,
) -> Result<Indexed, RecordError> {
    let seen = dependencies.blobs.version(event).await?;
    if let Some(current) = seen
        .as_ref()
        .filter(|current| current.covers(IndexStamp::of_release(number.get())))
    {
        // Checked before the release is read: a redelivered record costs one HEAD.
        return Ok(Indexed::AlreadyCurrent {
            stored: current.stamp,
        });
    }
    let latest = dependencies.schedule.latest_release(event).await?;
    let release = match latest {
        Some(release) if release.number >= number => release,
        other => {
            return Err(RecordError::ReleaseNotReadable {
                event: event.to_owned(),
                expected: number,
                latest: other.map(|release| release.number),
            });
        }
    };
    let blob = SearchIndex::build(talk_documents(&release))?;
    let stamp = IndexStamp::of_release(release.number.get());
    match publish_if_newer(dependencies.blobs, event, &blob, stamp, seen).await? {
        Published::Stored { .. } => Ok(Indexed::Stored {
            release: release.number,
        }),
        Published::AlreadyCurrent { stored } => Ok(Indexed::AlreadyCurrent { stored }),
    }
}

#[cfg(test)]
mod tests;
