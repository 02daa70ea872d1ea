//! The schedule's use cases, over [`crate::ports::ScheduleStore`].

mod apply_event_message;
mod apply_talk_message;
mod publish;
pub(crate) mod save_draft;

pub use apply_event_message::{EventCopyOutcome, apply_event_message};
pub use apply_talk_message::{MessageOutcome, apply_talk_message};
pub use publish::{published_header, published_schedule, release_draft};
pub use save_draft::save_draft;

#[cfg(test)]
mod draft_races;
#[cfg(test)]
mod tests;
