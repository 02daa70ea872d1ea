//! An organiser's save and a withdrawal's clean-up racing for the draft: neither overwrites the
//! other unseen. A store wrapper lets a competing writer in just before each draft write.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use async_trait::async_trait;

use super::*;
use crate::conflict::Conflict;
use crate::draft::{Draft, Slot, StoredDraft};
use crate::error::{ScheduleError, StoreError};
use crate::event_copy::EventCopy;
use crate::in_memory::InMemoryScheduleStore;
use crate::ports::ScheduleStore;
use crate::release::Release;
use crate::talk::{Talk, TalkId, TalkNumber};
use crate::talk_message::{TalkCopy, TalkMessage, TalkMessageKind};
use crate::test_data::{self, at};

const EVENT: &str = "devconf-2027";

/// What a competitor does just before one of the draft writes under test.
enum Competitor {
    /// The talk's withdrawal is applied in full (tombstone and clean-up).
    Withdraws(Box<TalkMessage>),
    /// Another organiser saves this draft over whatever is stored.
    Saves(Draft),
}

struct Racing {
    inner: InMemoryScheduleStore,
    competitors: Mutex<VecDeque<Competitor>>,
    draft_writes: Mutex<usize>,
}

impl Racing {
    fn new(inner: InMemoryScheduleStore, competitors: Vec<Competitor>) -> Self {
        Racing {
            inner,
            competitors: Mutex::new(competitors.into()),
            draft_writes: Mutex::new(0),
        }
    }

    fn draft_writes(&self) -> usize {
        *self.draft_writes.lock().expect("lock")
    }
}

#[async_trait]
impl ScheduleStore for Racing {
    async fn event_copy(&self, event: &str) -> Result<Option<EventCopy>, StoreError> {
        self.inner.event_copy(event).await
    }
    async fn put_event_copy(
        &self,
        copy: &EventCopy,
        expected: Option<u32>,
    ) -> Result<(), StoreError> {
        self.inner.put_event_copy(copy, expected).await
    }
    async fn talk_copy(&self, event: &str, talk: TalkId) -> Result<Option<TalkCopy>, StoreError> {
        self.inner.talk_copy(event, talk).await
    }
    async fn put_talk_copy(
        &self,
        event: &str,
        copy: &TalkCopy,
        expected: Option<u32>,
    ) -> Result<(), StoreError> {
        self.inner.put_talk_copy(event, copy, expected).await
    }
    async fn allocate_talk_number(&self, event: &str) -> Result<TalkNumber, StoreError> {
        self.inner.allocate_talk_number(event).await
    }
    async fn confirmed_talks(&self, event: &str) -> Result<HashMap<TalkId, Talk>, StoreError> {
        self.inner.confirmed_talks(event).await
    }
    async fn draft(&self, event: &str) -> Result<StoredDraft, StoreError> {
        self.inner.draft(event).await
    }
    async fn put_draft(
        &self,
        event: &str,
        draft: &Draft,
        expected: u32,
    ) -> Result<u32, StoreError> {
        *self.draft_writes.lock().expect("lock") += 1;
        let competitor = self.competitors.lock().expect("lock").pop_front();
        match competitor {
            Some(Competitor::Withdraws(message)) => {
                apply_talk_message(&self.inner, &message)
                    .await
                    .expect("the competing withdrawal");
            }
            Some(Competitor::Saves(theirs)) => {
                let version = self.inner.draft(event).await?.version;
                self.inner.put_draft(event, &theirs, version).await?;
            }
            None => {}
        }
        self.inner.put_draft(event, draft, expected).await
    }
    async fn latest_release(&self, event: &str) -> Result<Option<Release>, StoreError> {
        self.inner.latest_release(event).await
    }
    async fn put_release(&self, event: &str, release: &Release) -> Result<(), StoreError> {
        self.inner.put_release(event, release).await
    }
}

fn message(n: u32, kind: TalkMessageKind, version: u32) -> TalkMessage {
    let mut m = test_data::message(kind, version);
    let talk = test_data::talk(n);
    m.talk_id = talk.id;
    m.talk.title = talk.title;
    m.talk.speakers = talk.speakers;
    m
}

fn draft(talks: &[u32]) -> Draft {
    let rooms = ["Main", "Side"];
    Draft {
        slots: talks
            .iter()
            .enumerate()
            .map(|(i, n)| Slot {
                talk_id: test_data::talk_id(*n),
                room: rooms[i % 2].into(),
                start: at(if i < 2 {
                    "2027-06-10T09:00:00+02:00"
                } else {
                    "2027-06-10T10:00:00+02:00"
                }),
            })
            .collect(),
    }
}

/// Talks 1..=n confirmed, each by its own speaker.
async fn confirmed(n: u32) -> InMemoryScheduleStore {
    let store = InMemoryScheduleStore::with_frame(test_data::frame());
    for talk in 1..=n {
        apply_talk_message(&store, &message(talk, TalkMessageKind::TalkConfirmed, 1))
            .await
            .expect("confirmed");
    }
    store
}

async fn stored(store: &dyn ScheduleStore) -> StoredDraft {
    store.draft(EVENT).await.expect("the draft")
}

#[tokio::test]
async fn a_save_that_loses_to_a_withdrawal_is_checked_again_against_the_talks_now() {
    // The organiser read the talks while talk 2 was still confirmed; its withdrawal is applied
    // before the organiser's write. Talk 2 was in no saved draft: the clean-up had nothing to
    // take out and still made the organiser's write lose.
    let store = Racing::new(
        confirmed(2).await,
        vec![Competitor::Withdraws(Box::new(message(
            2,
            TalkMessageKind::TalkWithdrawn,
            2,
        )))],
    );
    let result = save_draft(&store, EVENT, draft(&[1, 2])).await;
    let Err(ScheduleError::Conflicts(conflicts)) = &result else {
        panic!("refused on the second look: {result:?}");
    };
    assert!(
        matches!(conflicts[..], [Conflict::TalkNotConfirmed { talk, .. }] if talk == test_data::talk_id(2)),
        "{conflicts:?}"
    );
    assert_eq!(
        stored(&store).await,
        StoredDraft {
            draft: Draft::default(),
            version: 1
        }
    );
    // The same save without talk 2 goes through on the fresh version.
    assert_eq!(
        save_draft(&store, EVENT, draft(&[1])).await,
        Ok(draft(&[1]))
    );
    assert_eq!(stored(&store).await.version, 2);
}

#[tokio::test]
async fn a_clean_up_that_loses_to_a_save_cleans_the_new_draft() {
    let inner = confirmed(3).await;
    save_draft(&inner, EVENT, draft(&[1, 2]))
        .await
        .expect("saved");
    // Between the clean-up's read of the draft and its write, an organiser saves talks 1, 2
    // and 3 (having read the talks before the withdrawal's tombstone).
    let store = Racing::new(inner, vec![Competitor::Saves(draft(&[1, 2, 3]))]);
    assert_eq!(
        apply_talk_message(&store, &message(2, TalkMessageKind::TalkWithdrawn, 2)).await,
        Ok(MessageOutcome::Stored { left_draft: true })
    );
    assert_eq!(store.draft_writes(), 2, "one lost write, one retry");
    let now = stored(&store).await;
    assert_eq!(now.version, 3);
    let talks: Vec<TalkId> = now.draft.slots.iter().map(|s| s.talk_id).collect();
    assert_eq!(talks, [test_data::talk_id(1), test_data::talk_id(3)]);
}

#[tokio::test]
async fn writers_that_keep_losing_give_up_with_a_concurrent_change() {
    let others = |n| (0..n).map(|_| Competitor::Saves(draft(&[1]))).collect();
    let store = Racing::new(confirmed(2).await, others(save_draft::DRAFT_WRITE_ATTEMPTS));
    assert_eq!(
        save_draft(&store, EVENT, draft(&[1, 2])).await,
        Err(ScheduleError::Store(StoreError::Concurrent))
    );
    assert_eq!(store.draft_writes(), save_draft::DRAFT_WRITE_ATTEMPTS);
    assert_eq!(stored(&store).await.draft, draft(&[1]));

    // A withdrawal's clean-up the same: the message fails and is delivered again, and the
    // redelivery (the tombstone is already written) finishes the clean-up.
    let withdrawal = message(1, TalkMessageKind::TalkWithdrawn, 2);
    let store = Racing::new(store.inner, others(save_draft::DRAFT_WRITE_ATTEMPTS));
    assert_eq!(
        apply_talk_message(&store, &withdrawal).await,
        Err(ScheduleError::Store(StoreError::Concurrent))
    );
    assert_eq!(stored(&store).await.draft, draft(&[1]));
    assert_eq!(
        apply_talk_message(&store, &withdrawal).await,
        Ok(MessageOutcome::Stored { left_draft: true })
    );
    assert_eq!(stored(&store).await.draft, Draft::default());
}
