//! updateTalkDetails: keeps the schedule's copy of a talk current from the CfP context's events.

use crate::draft::Draft;
use crate::error::ScheduleError;
use crate::ports::ScheduleStore;
use crate::talk_message::{Applied, TalkCopy, TalkMessage};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageOutcome {
    /// Redelivered or overtaken by a newer message: nothing changed.
    Stale,
    /// The copy was written; `left_draft` when the withdrawn talk was taken out of the draft.
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
            Applied::Stale { .. } => return Ok(MessageOutcome::Stale),
            Applied::Changed {
                copy,
                left_schedule,
            } => (copy, left_schedule, Some(stored.version)),
        },
    };
    store.put_talk_copy(event, &copy, expected).await?;
    let mut left_draft = false;
    if left_schedule {
        let draft: Draft = store.draft(event).await?;
        if let Some(without) = draft.without_talk(message.talk_id) {
            store.put_draft(event, &without).await?;
            left_draft = true;
        }
    }
    Ok(MessageOutcome::Stored { left_draft })
}
