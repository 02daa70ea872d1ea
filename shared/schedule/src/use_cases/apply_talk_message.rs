//! updateTalkDetails: keeps the schedule's copy of a talk current from the CfP context's events.

use crate::error::{ScheduleError, StoreError};
use crate::ports::ScheduleStore;
use crate::talk::TalkId;
use crate::talk_message::{Applied, CopyStatus, TalkCopy, TalkMessage};
use crate::use_cases::save_draft::DRAFT_WRITE_ATTEMPTS;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageOutcome {
    /// Redelivered or overtaken by a newer message: nothing changed.
    Stale,
    /// The copy was written; `left_draft` when the withdrawn talk was taken out of the draft
    /// (for a redelivered withdrawal, that clean-up may be all that happened).
    Stored { left_draft: bool },
}

/// Applies one message. A lost race (another delivery wrote first) is
/// [`crate::StoreError::Concurrent`]: the message is retried and then found stale or applied.
pub async fn apply_talk_message(
    store: &dyn ScheduleStore,
    message: &TalkMessage,
) -> Result<MessageOutcome, ScheduleError> {
    let event = message.event_slug.as_str();
    let existing = store.talk_copy(event, message.talk_id).await?;
    let (copy, left_schedule, expected) = match existing {
        None => {
            let number = store.allocate_talk_number(event).await?;
            (TalkCopy::first(message, number), false, None)
        }
        Some(stored) => match stored.apply(message) {
            // A withdrawn talk still in the draft: an earlier delivery wrote the tombstone and
            // failed before it cleaned the draft. Finish that job, or no retry ever would.
            Applied::Stale { .. } if stored.status == CopyStatus::Withdrawn => {
                let left_draft = remove_from_draft(store, event, message.talk_id).await?;
                return Ok(if left_draft {
                    MessageOutcome::Stored { left_draft }
                } else {
                    MessageOutcome::Stale
                });
            }
            Applied::Stale { .. } => return Ok(MessageOutcome::Stale),
            Applied::Changed {
                copy,
                left_schedule,
            } => (copy, left_schedule, Some(stored.version)),
        },
    };
    store.put_talk_copy(event, &copy, expected).await?;
    let left_draft = left_schedule && remove_from_draft(store, event, message.talk_id).await?;
    Ok(MessageOutcome::Stored { left_draft })
}

/// Takes the talk out of the draft; `false` when it was not in it. The draft is written (its
/// version raised) even then: an organiser's save that read the talks before the withdrawal
/// was stored must lose its conditional write and check again, or it could put the withdrawn
/// talk back. A lost race starts again from a fresh read of the draft.
async fn remove_from_draft(
    store: &dyn ScheduleStore,
    event: &str,
    talk: TalkId,
) -> Result<bool, ScheduleError> {
    for _ in 0..DRAFT_WRITE_ATTEMPTS {
        let stored = store.draft(event).await?;
        let (draft, removed) = match stored.draft.without_talk(talk) {
            Some(without) => (without, true),
            None => (stored.draft, false),
        };
        match store.put_draft(event, &draft, stored.version).await {
            Ok(_) => return Ok(removed),
            Err(StoreError::Concurrent) => continue,
            Err(error) => return Err(error.into()),
        }
    }
    Err(StoreError::Concurrent.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draft::{Draft, Slot};
    use crate::in_memory::InMemoryScheduleStore;
    use crate::talk_message::TalkMessageKind;
    use crate::test_data::{self, at};

    #[tokio::test]
    async fn a_redelivered_withdrawal_finishes_cleaning_the_draft() {
        let store = InMemoryScheduleStore::with_frame(test_data::frame());
        let event = test_data::frame().slug().to_owned();
        let confirmed = test_data::message(TalkMessageKind::TalkConfirmed, 1);
        apply_talk_message(&store, &confirmed)
            .await
            .expect("applied");
        let draft = Draft {
            slots: vec![Slot {
                talk_id: confirmed.talk_id,
                room: "Main".into(),
                start: at("2027-06-10T09:00:00+02:00"),
            }],
        };
        store.put_draft(&event, &draft, 0).await.expect("saved");
        // The first delivery of the withdrawal wrote the tombstone, then failed (say, the store
        // throttled) before it took the talk out of the draft.
        let withdrawn = test_data::message(TalkMessageKind::TalkWithdrawn, 2);
        let tombstone = match store.talk_copy(&event, confirmed.talk_id).await {
            Ok(Some(copy)) => match copy.apply(&withdrawn) {
                Applied::Changed { copy, .. } => copy,
                Applied::Stale { .. } => panic!("the withdrawal is newer"),
            },
            other => panic!("the confirmed copy: {other:?}"),
        };
        store
            .put_talk_copy(&event, &tombstone, Some(1))
            .await
            .expect("written");

        assert_eq!(
            apply_talk_message(&store, &withdrawn).await,
            Ok(MessageOutcome::Stored { left_draft: true })
        );
        assert_eq!(
            store.draft(&event).await.map(|d| d.draft),
            Ok(Draft::default())
        );
        // Once clean, further redeliveries (and late older messages) change nothing.
        for late in [&withdrawn, &confirmed] {
            assert_eq!(
                apply_talk_message(&store, late).await,
                Ok(MessageOutcome::Stale)
            );
        }
    }
}
