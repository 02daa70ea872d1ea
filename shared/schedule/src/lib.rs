//! The schedule context: pure domain logic. It keeps its own copy of every confirmed talk (fed by
//! the CfP context's domain events), checks the organisers' draft for conflicts, freezes numbered
//! releases and renders them as the JSON API view, c3voc JSON, frab XML and iCalendar.
//!
//! It knows nothing of Lambda or DynamoDB: the use cases reach storage only through
//! [`ports::ScheduleStore`].

#[cfg(any(test, feature = "bench-data"))]
pub mod bench_data;
pub mod conflict;
#[cfg(test)]
mod conflict_properties;
pub mod draft;
pub mod draft_view;
pub mod error;
pub mod event_copy;
pub mod event_message;
pub mod export;
pub mod frame;
pub mod ports;
pub mod release;
pub mod talk;
pub mod talk_message;
pub mod use_cases;
pub mod view;

#[cfg(any(test, feature = "in-memory"))]
pub mod in_memory;
#[cfg(any(test, feature = "in-memory"))]
pub mod test_data;

pub use conflict::{Conflict, DescribedConflict, check_draft};
pub use draft::{Draft, DraftRequest, Slot, StoredDraft};
pub use draft_view::{ConflictReport, DraftView, PlacedSlot};
pub use error::{InputProblem, InvalidInput, ScheduleError, StoreError};
pub use event_copy::EventCopy;
pub use event_message::{EventMessage, EventMessageKind};
pub use frame::{DayHours, EventFrame, FrameSpec, SessionType};
pub use release::{Release, ReleaseHeader, ReleaseName, ReleaseNumber, ScheduledTalk};
pub use talk::{Speaker, Talk, TalkId, TalkNumber};
pub use talk_message::{TalkCopy, TalkMessage, TalkMessageKind};
