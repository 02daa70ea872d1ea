//! The one error type of the CfP context, and the errors its ports report.

use chrono::{DateTime, FixedOffset};

use crate::validation::FieldError;

/// Everything a CfP use case can fail with. The HTTP layer maps each variant to a status once.
#[derive(Debug, thiserror::Error)]
pub enum CfpError {
    #[error("the input is invalid")]
    Validation(Vec<FieldError>),
    #[error("{0}")]
    Unauthenticated(&'static str),
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("there is no event `{0}`")]
    EventNotFound(String),
    #[error("there is no such proposal")]
    ProposalNotFound,
    #[error("the slug `{0}` is taken")]
    SlugTaken(String),
    #[error("the call for papers closed at {closed_at}")]
    CfpClosed { closed_at: DateTime<FixedOffset> },
    /// The proposal's state does not allow this step (a decision on a decided proposal, an edit
    /// of a withdrawn one...), or another request changed the state first.
    #[error("a {status} proposal cannot be {action}")]
    InvalidTransition {
        status: &'static str,
        action: &'static str,
    },
    /// A change needs the version it is based on (`If-Match`).
    #[error("{0}")]
    PreconditionRequired(&'static str),
    /// The change was based on a version that is no longer the current one.
    #[error("the proposal is at version {current}, not {expected}; read it again and retry")]
    VersionMismatch { expected: u32, current: u32 },
    /// A query parameter (status, limit, cursor) is not acceptable.
    #[error("the query is invalid")]
    InvalidQuery(Vec<FieldError>),
    /// A change to an event's team that would leave it without an organiser.
    #[error("{0}")]
    TeamConflict(&'static str),
    /// Other requests kept changing the same thing while this one tried to; a retry later may
    /// succeed.
    #[error("{0}")]
    ConcurrentChange(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Mail(#[from] MailError),
}

/// A store port's failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// A conditional write found an item with the same key.
    #[error("an item with this key already exists")]
    AlreadyExists,
    /// A stored item does not parse into the domain: written by something else, or damaged.
    #[error("stored item {key} is corrupt: {reason}")]
    Corrupt { key: String, reason: String },
    /// The store itself failed (network, throttling, permissions...).
    #[error("{operation} failed: {message}")]
    Backend {
        operation: &'static str,
        message: String,
    },
}

/// The mail port's failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("sending the email failed: {0}")]
pub struct MailError(pub String);
