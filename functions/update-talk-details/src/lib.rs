//! `updateTalkDetails`: the schedule's side of the CfP events topic. Each SNS message is either a
//! talk event (`TalkConfirmed`, `TalkUpdated`, `TalkWithdrawn`), kept as the schedule's copy of
//! the talk (a withdrawn talk leaves the draft), or an event snapshot (`EventCreated`,
//! `EventUpdated`), kept as the schedule's copy of the event (frame and organisers).
//!
//! Delivery is at least once and in no particular order: every message carries a version, and
//! only a newer version changes a copy, so redelivered and overtaken messages roll nothing back.
//! A write that loses a race with a concurrent delivery is retried here from a fresh read.
//!
//! Failures fail the invocation: SNS invokes Lambda asynchronously, so Lambda retries it (twice,
//! per the template) and then sends it to the dead-letter queue. That is right for a store
//! failure (a retry may succeed) and also for a message that can never be read: such a message
//! means the two contexts disagree on the contract, and the queue keeps it for someone to look
//! at and replay after the fix, instead of dropping a change of the schedule on the floor. It
//! blocks nothing meanwhile: every message is an invocation of its own. Messages of a type this
//! function does not handle are skipped (the subscription's filter policy should keep them out).

use aws_lambda_events::event::sns::{SnsEvent, SnsRecord};
use cfp_observability::{Instrument, LogContext};
use cfp_schedule::ports::ScheduleStore;
use cfp_schedule::use_cases::{
    EventCopyOutcome, MessageOutcome, apply_event_message, apply_talk_message,
};
use cfp_schedule::{
    EventMessage, EventMessageKind, InvalidInput, ScheduleError, StoreError, TalkMessage,
};
use serde::Deserialize;

/// How often one message is applied when its conditional write keeps losing races.
pub const ATTEMPTS: usize = 3;

/// One message, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Talk(TalkMessage),
    Event(EventMessage),
    /// A type this function does not handle.
    Other {
        kind: String,
    },
}

/// What one message did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Talk(MessageOutcome),
    Event(EventCopyOutcome),
    /// A type this function does not handle.
    Skipped {
        kind: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum MessageError {
    /// Can never be applied, however often it is retried.
    #[error("the message cannot be read: {0}")]
    Unreadable(#[from] InvalidInput),
    /// The store failed (or the message kept losing races): a retry may succeed.
    #[error(transparent)]
    Schedule(#[from] ScheduleError),
}

/// The invocation fails so that Lambda retries it and then dead-letters it.
#[derive(Debug, thiserror::Error)]
#[error(
    "{failed} of {total} message(s) failed ({unreadable} unreadable); Lambda retries the \
     invocation, then sends it to the dead-letter queue"
)]
pub struct InvocationFailed {
    pub failed: usize,
    pub unreadable: usize,
    pub total: usize,
}

/// Applies every message of the invocation (normally one), each on its own: a failed one does
/// not keep the others from being applied, and applying them again on the retry changes nothing.
pub async fn handle(
    event: SnsEvent,
    store: &dyn ScheduleStore,
) -> Result<Vec<Outcome>, InvocationFailed> {
    let total = event.records.len();
    let mut outcomes = Vec::with_capacity(total);
    let (mut failed, mut unreadable) = (0, 0);
    for record in &event.records {
        let message = parse(&record.sns.message);
        let (event_slug, talk) = subject_of(record, message.as_ref().ok());
        // The talk is the proposal it was made from: both ids are the same.
        let context = LogContext {
            event: event_slug.as_deref(),
            proposal: talk.as_deref(),
            talk: talk.as_deref(),
        };
        match process(record, message, store)
            .instrument(context.span())
            .await
        {
            Ok(outcome) => outcomes.push(outcome),
            Err(error) => {
                failed += 1;
                if matches!(error, MessageError::Unreadable(_)) {
                    unreadable += 1;
                }
            }
        }
    }
    if failed == 0 {
        Ok(outcomes)
    } else {
        Err(InvocationFailed {
            failed,
            unreadable,
            total,
        })
    }
}

/// Applies one read message of `record` and logs what it did (in the record's log context).
async fn process(
    record: &SnsRecord,
    message: Result<Message, InvalidInput>,
    store: &dyn ScheduleStore,
) -> Result<Outcome, MessageError> {
    let result = match message {
        Ok(message) => apply_message(message, store).await,
        Err(error) => Err(error.into()),
    };
    match &result {
        Ok(outcome) => log_outcome(record, outcome),
        Err(error) => tracing::error!(
            message_id = %record.sns.message_id,
            event_type = event_type(record).unwrap_or("-"),
            %error,
            "message failed"
        ),
    }
    result
}

/// The event and the talk a message is about: from the message once read, else the event from
/// the publisher's `eventSlug` attribute.
fn subject_of(record: &SnsRecord, message: Option<&Message>) -> (Option<String>, Option<String>) {
    match message {
        Some(Message::Talk(talk)) => (
            Some(talk.event_slug.clone()),
            Some(talk.talk_id.to_string()),
        ),
        Some(Message::Event(event)) => (Some(event.copy.frame.slug().to_owned()), None),
        Some(Message::Other { .. }) | None => (
            record
                .sns
                .message_attributes
                .get("eventSlug")
                .map(|attribute| attribute.value.clone()),
            None,
        ),
    }
}

/// Reads one message body and applies it.
pub async fn apply(body: &str, store: &dyn ScheduleStore) -> Result<Outcome, MessageError> {
    apply_message(parse(body)?, store).await
}

/// Applies one read message.
async fn apply_message(
    message: Message,
    store: &dyn ScheduleStore,
) -> Result<Outcome, MessageError> {
    match message {
        Message::Talk(message) => Ok(Outcome::Talk(
            retrying(|| apply_talk_message(store, &message)).await?,
        )),
        Message::Event(message) => Ok(Outcome::Event(
            retrying(|| apply_event_message(store, &message)).await?,
        )),
        Message::Other { kind } => Ok(Outcome::Skipped { kind }),
    }
}

/// The `type` every message of the topic carries.
#[derive(Deserialize)]
struct Kind {
    #[serde(rename = "type")]
    kind: String,
}

const TALK_TYPES: [&str; 3] = ["TalkConfirmed", "TalkUpdated", "TalkWithdrawn"];

/// Reads a message body by its `type`; a malformed one is refused with the reasons.
pub fn parse(body: &str) -> Result<Message, InvalidInput> {
    let Kind { kind } = serde_json::from_str(body).map_err(|e| {
        InvalidInput::one("message", format!("is not a JSON object with a type: {e}"))
    })?;
    Ok(if TALK_TYPES.contains(&kind.as_str()) {
        Message::Talk(TalkMessage::parse(body)?)
    } else if EventMessageKind::TYPES.contains(&kind.as_str()) {
        Message::Event(EventMessage::parse(body)?)
    } else {
        Message::Other { kind }
    })
}

/// Runs `apply` again while it loses races: each attempt reads afresh, so the message is then
/// found stale or applied on top of the winner's write.
async fn retrying<T, F, Fut>(mut apply: F) -> Result<T, ScheduleError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ScheduleError>>,
{
    let mut attempt = 1;
    loop {
        match apply().await {
            Err(ScheduleError::Store(StoreError::Concurrent)) if attempt < ATTEMPTS => {
                tracing::info!(attempt, "lost a race with a concurrent write; retrying");
                attempt += 1;
            }
            result => return result,
        }
    }
}

fn event_type(record: &SnsRecord) -> Option<&str> {
    record
        .sns
        .message_attributes
        .get("eventType")
        .map(|attribute| attribute.value.as_str())
}

fn log_outcome(record: &SnsRecord, outcome: &Outcome) {
    let message_id = record.sns.message_id.as_str();
    match outcome {
        Outcome::Talk(MessageOutcome::Stale) => {
            tracing::info!(
                message_id,
                "talk message is not newer than the copy; skipped"
            )
        }
        Outcome::Talk(MessageOutcome::Stored { left_draft }) => {
            tracing::info!(message_id, left_draft, "talk copy stored")
        }
        Outcome::Event(EventCopyOutcome::Stale { stored, received }) => tracing::info!(
            message_id,
            stored,
            received,
            "event snapshot is not newer than the copy; skipped"
        ),
        Outcome::Event(EventCopyOutcome::Stored) => {
            tracing::info!(message_id, "event copy stored")
        }
        Outcome::Skipped { kind } => {
            tracing::warn!(
                message_id,
                kind,
                "a message type this function does not handle; skipped"
            )
        }
    }
}

#[cfg(test)]
mod tests;
