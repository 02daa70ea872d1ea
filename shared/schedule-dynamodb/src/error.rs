//! SDK failures as the schedule's store errors.

use aws_sdk_dynamodb::error::DisplayErrorContext;
use cfp_schedule::StoreError;

/// The full error chain goes into the message: it ends up in the log, never in a response.
pub(crate) fn unavailable<E: std::error::Error>(operation: &'static str, error: E) -> StoreError {
    StoreError::Unavailable(format!("{operation}: {}", DisplayErrorContext(&error)))
}

pub(crate) fn corrupt(key: impl Into<String>, reason: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        key: key.into(),
        reason: reason.to_string(),
    }
}
