//! What the schedule's use cases need from the outside world. The DynamoDB adapter (ScheduleTable)
//! implements [`ScheduleStore`]; [`crate::in_memory`] is the fake for handler tests.
//!
//! Events are named by their slug.

use std::collections::HashMap;

use async_trait::async_trait;

use crate::draft::{Draft, StoredDraft};
use crate::error::StoreError;
use crate::event_copy::EventCopy;
use crate::frame::EventFrame;
use crate::release::{Release, ReleaseHeader};
use crate::talk::{Talk, TalkId, TalkNumber};
use crate::talk_message::TalkCopy;

#[async_trait]
pub trait ScheduleStore: Send + Sync {
    /// The schedule's copy of the event, `None` when the schedule has not heard of it.
    async fn event_copy(&self, event: &str) -> Result<Option<EventCopy>, StoreError>;

    /// Writes the event's copy if the stored one still has version `expected` (`None`: if there
    /// is none yet); otherwise [`StoreError::Concurrent`].
    async fn put_event_copy(
        &self,
        copy: &EventCopy,
        expected: Option<u32>,
    ) -> Result<(), StoreError>;

    /// The event's frame, `None` when there is no such event.
    async fn frame(&self, event: &str) -> Result<Option<EventFrame>, StoreError> {
        Ok(self.event_copy(event).await?.map(|copy| copy.frame))
    }

    async fn talk_copy(&self, event: &str, talk: TalkId) -> Result<Option<TalkCopy>, StoreError>;

    /// Writes a talk's copy if the stored one still has version `expected` (`None`: if there is
    /// none yet); otherwise [`StoreError::Concurrent`]. This is what makes applying messages safe
    /// when two deliveries race.
    async fn put_talk_copy(
        &self,
        event: &str,
        copy: &TalkCopy,
        expected: Option<u32>,
    ) -> Result<(), StoreError>;

    /// The next talk number of the event (1, 2, ...), atomically: never the same twice.
    async fn allocate_talk_number(&self, event: &str) -> Result<TalkNumber, StoreError>;

    /// Every confirmed talk of the event.
    async fn confirmed_talks(&self, event: &str) -> Result<HashMap<TalkId, Talk>, StoreError>;

    /// The draft as it stands with its version (empty, version 0, when none was saved).
    async fn draft(&self, event: &str) -> Result<StoredDraft, StoreError>;

    /// Writes the draft as version `expected + 1` if the stored one still has version
    /// `expected` (0: if none was saved); otherwise [`StoreError::Concurrent`]. Answers the
    /// new version.
    async fn put_draft(&self, event: &str, draft: &Draft, expected: u32)
    -> Result<u32, StoreError>;

    async fn latest_release(&self, event: &str) -> Result<Option<Release>, StoreError>;

    /// The latest release's header, `None` when nothing was released. A store that can read
    /// the header without the talks should: this is what a reader asks first, and most of the
    /// time it needs nothing more.
    async fn latest_release_header(
        &self,
        event: &str,
    ) -> Result<Option<ReleaseHeader>, StoreError> {
        Ok(self.latest_release(event).await?.map(|r| r.header()))
    }

    /// Stores a release unless one with its number exists ([`StoreError::Concurrent`]).
    async fn put_release(&self, event: &str, release: &Release) -> Result<(), StoreError>;
}
