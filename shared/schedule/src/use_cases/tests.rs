//! The use cases together over the in-memory store: from confirmed talks to a release, and what
//! a withdrawal does to the draft and the next release.

use chrono::Utc;

use super::*;
use crate::draft::{Draft, Slot};
use crate::error::ScheduleError;
use crate::in_memory::InMemoryScheduleStore;
use crate::ports::ScheduleStore;
use crate::talk_message::{TalkMessage, TalkMessageKind};
use crate::test_data::{self, at};

const EVENT: &str = "devconf-2027";

fn message(n: u32, kind: TalkMessageKind, version: u32) -> TalkMessage {
    let mut m = test_data::message(kind, version);
    let talk = test_data::talk(n);
    m.talk_id = talk.id;
    m.talk.title = talk.title;
    m.talk.speakers = talk.speakers;
    m
}

fn slot(n: u32, room: &str, start: &str) -> Slot {
    Slot {
        talk_id: test_data::talk_id(n),
        room: room.into(),
        start: at(start),
    }
}

#[tokio::test]
async fn confirmed_talks_are_released_and_a_withdrawn_one_leaves_the_draft() {
    use TalkMessageKind::*;
    let store = InMemoryScheduleStore::with_frame(test_data::frame());
    for n in 1..=2 {
        let outcome = apply_talk_message(&store, &message(n, TalkConfirmed, 2)).await;
        assert_eq!(outcome, Ok(MessageOutcome::Stored { left_draft: false }));
    }
    // Redelivered: stale. Numbers are allocated once per talk.
    assert_eq!(
        apply_talk_message(&store, &message(1, TalkConfirmed, 2)).await,
        Ok(MessageOutcome::Stale)
    );
    let mut numbers: Vec<u32> = store
        .talk_copies(EVENT)
        .iter()
        .map(|c| c.number.get())
        .collect();
    numbers.sort_unstable();
    assert_eq!(numbers, [1, 2]);

    assert_eq!(
        published_schedule(&store, EVENT).await,
        Err(ScheduleError::NotReleased(EVENT.into()))
    );
    let draft = Draft {
        slots: vec![
            slot(1, "Main", "2027-06-10T09:00:00+02:00"),
            slot(2, "Side", "2027-06-10T09:00:00+02:00"),
        ],
    };
    save_draft(&store, EVENT, draft).await.expect("saved");
    let first = release_draft(&store, EVENT, None, Utc::now())
        .await
        .expect("released");
    assert_eq!(first.number.get(), 1);
    assert_eq!(first.talks.len(), 2);

    // Talk 2 is withdrawn: it leaves the draft, not the published release.
    assert_eq!(
        apply_talk_message(&store, &message(2, TalkWithdrawn, 3)).await,
        Ok(MessageOutcome::Stored { left_draft: true })
    );
    assert_eq!(store.draft(EVENT).await.map(|d| d.draft.slots.len()), Ok(1));
    assert_eq!(
        published_schedule(&store, EVENT)
            .await
            .map(|r| r.talks.len()),
        Ok(2)
    );
    let second = release_draft(&store, EVENT, None, Utc::now())
        .await
        .expect("released");
    assert_eq!(second.number.get(), 2);
    assert_eq!(second.talks.len(), 1);
    assert_eq!(published_schedule(&store, EVENT).await, Ok(second));
}

#[tokio::test]
async fn a_conflicting_draft_is_refused_and_not_saved() {
    let store = InMemoryScheduleStore::with_frame(test_data::frame());
    apply_talk_message(&store, &message(1, TalkMessageKind::TalkConfirmed, 1))
        .await
        .expect("applied");
    let draft = Draft {
        slots: vec![
            slot(1, "Main", "2027-06-10T09:00:00+02:00"),
            slot(7, "Attic", "2027-06-10T09:00:00+02:00"),
        ],
    };
    let Err(ScheduleError::Conflicts(conflicts)) = save_draft(&store, EVENT, draft).await else {
        panic!("refused");
    };
    assert_eq!(conflicts.len(), 1, "talk 7 is unknown: {conflicts:?}");
    assert_eq!(
        store.draft(EVENT).await.map(|d| d.draft),
        Ok(Draft::default())
    );
    assert_eq!(
        release_draft(&store, EVENT, None, Utc::now()).await,
        Err(ScheduleError::EmptyDraft)
    );
    assert_eq!(
        save_draft(&store, "nope", Draft::default()).await,
        Err(ScheduleError::UnknownEvent("nope".into()))
    );
}

#[tokio::test]
async fn a_talk_withdrawn_while_still_in_the_draft_blocks_the_release() {
    // The withdrawal's copy was written but the draft not yet cleaned (the two raced).
    let store = InMemoryScheduleStore::with_frame(test_data::frame());
    apply_talk_message(&store, &message(1, TalkMessageKind::TalkConfirmed, 1))
        .await
        .expect("applied");
    save_draft(
        &store,
        EVENT,
        Draft {
            slots: vec![slot(1, "Main", "2027-06-10T09:00:00+02:00")],
        },
    )
    .await
    .expect("saved");
    let copy = store
        .talk_copy(EVENT, test_data::talk_id(1))
        .await
        .ok()
        .flatten()
        .expect("copy");
    let mut withdrawn = copy.clone();
    withdrawn.version = 2;
    withdrawn.status = crate::talk_message::CopyStatus::Withdrawn;
    store
        .put_talk_copy(EVENT, &withdrawn, Some(1))
        .await
        .expect("written");
    let result = release_draft(&store, EVENT, None, Utc::now()).await;
    assert!(
        matches!(&result, Err(ScheduleError::Conflicts(c)) if matches!(c[..], [crate::Conflict::TalkNotConfirmed { .. }])),
        "{result:?}"
    );
}
