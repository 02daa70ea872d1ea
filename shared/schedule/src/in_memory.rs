//! An in-memory [`ScheduleStore`] for tests, with the same conditional-write rules as the real one.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;

use crate::draft::{Draft, StoredDraft};
use crate::error::StoreError;
use crate::event_copy::EventCopy;
use crate::frame::EventFrame;
use crate::ports::ScheduleStore;
use crate::release::{Release, ReleaseNumber};
use crate::talk::{Talk, TalkId, TalkNumber};
use crate::talk_message::TalkCopy;

#[derive(Default)]
struct EventState {
    event: Option<EventCopy>,
    talks: HashMap<TalkId, TalkCopy>,
    last_number: u32,
    draft: StoredDraft,
    releases: BTreeMap<ReleaseNumber, Release>,
}

#[derive(Default)]
pub struct InMemoryScheduleStore {
    events: Mutex<HashMap<String, EventState>>,
}

impl InMemoryScheduleStore {
    /// A store that knows one event: `frame`, organised by `organisers`, at version 1.
    pub fn with_frame(frame: EventFrame) -> Self {
        Self::with_event(EventCopy {
            frame,
            organisers: BTreeSet::new(),
            version: 1,
        })
    }

    pub fn with_event(copy: EventCopy) -> Self {
        let store = InMemoryScheduleStore::default();
        if let Ok(mut events) = store.events.lock() {
            let slug = copy.frame.slug().to_owned();
            events.entry(slug).or_default().event = Some(copy);
        }
        store
    }

    fn lock(&self) -> Result<MutexGuard<'_, HashMap<String, EventState>>, StoreError> {
        self.events
            .lock()
            .map_err(|_| StoreError::Unavailable("the in-memory store is poisoned".into()))
    }

    /// Every copy of the event's talks, withdrawn ones included.
    pub fn talk_copies(&self, event: &str) -> Vec<TalkCopy> {
        self.lock()
            .map(|events| {
                events
                    .get(event)
                    .map(|e| e.talks.values().cloned().collect())
                    .unwrap_or_default()
            })
            .unwrap_or_default()
    }
}

#[async_trait]
impl ScheduleStore for InMemoryScheduleStore {
    async fn event_copy(&self, event: &str) -> Result<Option<EventCopy>, StoreError> {
        Ok(self.lock()?.get(event).and_then(|e| e.event.clone()))
    }

    async fn put_event_copy(
        &self,
        copy: &EventCopy,
        expected: Option<u32>,
    ) -> Result<(), StoreError> {
        let mut events = self.lock()?;
        let state = events.entry(copy.frame.slug().to_owned()).or_default();
        if state.event.as_ref().map(|c| c.version) != expected {
            return Err(StoreError::Concurrent);
        }
        state.event = Some(copy.clone());
        Ok(())
    }

    async fn talk_copy(&self, event: &str, talk: TalkId) -> Result<Option<TalkCopy>, StoreError> {
        Ok(self
            .lock()?
            .get(event)
            .and_then(|e| e.talks.get(&talk).cloned()))
    }

    async fn put_talk_copy(
        &self,
        event: &str,
        copy: &TalkCopy,
        expected: Option<u32>,
    ) -> Result<(), StoreError> {
        let mut events = self.lock()?;
        let state = events.entry(event.to_owned()).or_default();
        if state.talks.get(&copy.id).map(|c| c.version) != expected {
            return Err(StoreError::Concurrent);
        }
        state.talks.insert(copy.id, copy.clone());
        Ok(())
    }

    async fn allocate_talk_number(&self, event: &str) -> Result<TalkNumber, StoreError> {
        let mut events = self.lock()?;
        let state = events.entry(event.to_owned()).or_default();
        state.last_number = state
            .last_number
            .checked_add(1)
            .ok_or_else(|| StoreError::Unavailable("talk numbers exhausted".into()))?;
        TalkNumber::new(state.last_number)
            .ok_or_else(|| StoreError::Unavailable("talk numbers exhausted".into()))
    }

    async fn confirmed_talks(&self, event: &str) -> Result<HashMap<TalkId, Talk>, StoreError> {
        Ok(self
            .lock()?
            .get(event)
            .map(|e| {
                e.talks
                    .values()
                    .filter_map(TalkCopy::confirmed)
                    .map(|t| (t.id, t))
                    .collect()
            })
            .unwrap_or_default())
    }

    async fn draft(&self, event: &str) -> Result<StoredDraft, StoreError> {
        Ok(self
            .lock()?
            .get(event)
            .map(|e| e.draft.clone())
            .unwrap_or_default())
    }

    async fn put_draft(
        &self,
        event: &str,
        draft: &Draft,
        expected: u32,
    ) -> Result<u32, StoreError> {
        let mut events = self.lock()?;
        let state = events.entry(event.to_owned()).or_default();
        if state.draft.version != expected {
            return Err(StoreError::Concurrent);
        }
        let version = expected
            .checked_add(1)
            .ok_or_else(|| StoreError::Unavailable("draft versions exhausted".into()))?;
        state.draft = StoredDraft {
            draft: draft.clone(),
            version,
        };
        Ok(version)
    }

    async fn latest_release(&self, event: &str) -> Result<Option<Release>, StoreError> {
        Ok(self
            .lock()?
            .get(event)
            .and_then(|e| e.releases.values().next_back().cloned()))
    }

    async fn put_release(&self, event: &str, release: &Release) -> Result<(), StoreError> {
        let mut events = self.lock()?;
        let state = events.entry(event.to_owned()).or_default();
        if state.releases.contains_key(&release.number) {
            return Err(StoreError::Concurrent);
        }
        state.releases.insert(release.number, release.clone());
        Ok(())
    }
}
