//! The schedule context's errors: bad input (400), conflicts (409), missing things (404) and store
//! failures, mapped once to HTTP by the functions.

use serde::Serialize;

use crate::conflict::Conflict;

/// One problem with one field of the input, e.g. `slots[3].start`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputProblem {
    pub field: String,
    pub message: String,
}

impl InputProblem {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        InputProblem {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Every problem of one input, listed at once.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the input is invalid: {}", describe(.0))]
pub struct InvalidInput(pub Vec<InputProblem>);

fn describe(problems: &[InputProblem]) -> String {
    problems
        .iter()
        .map(|p| format!("{} {}", p.field, p.message))
        .collect::<Vec<_>>()
        .join("; ")
}

impl InvalidInput {
    pub fn one(field: impl Into<String>, message: impl Into<String>) -> Self {
        InvalidInput(vec![InputProblem::new(field, message)])
    }
}

/// The store port's failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// A conditional write lost a race (someone else wrote first); the caller may retry.
    #[error("the item was changed concurrently")]
    Concurrent,
    #[error("the store failed: {0}")]
    Unavailable(String),
    /// A stored item does not read back as what it should be (damaged, or written by something
    /// else); retrying will not help.
    #[error("the stored item {key} is damaged: {reason}")]
    Corrupt { key: String, reason: String },
    /// What was to be stored exceeds what the store can hold; retrying will not help.
    #[error("too large to store: {0}")]
    TooLarge(String),
}

/// What a schedule use case can answer besides success.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error(transparent)]
    Invalid(#[from] InvalidInput),
    #[error("the schedule has {} conflict(s)", .0.len())]
    Conflicts(Vec<Conflict>),
    #[error("there is no draft to release")]
    EmptyDraft,
    #[error("the event {0} does not exist")]
    UnknownEvent(String),
    #[error("the event {0} has no released schedule yet")]
    NotReleased(String),
    #[error("the release number would overflow")]
    TooManyReleases,
    #[error(transparent)]
    Store(#[from] StoreError),
}
