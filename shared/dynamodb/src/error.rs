//! SDK failures as the domain's store errors.

use aws_sdk_dynamodb::error::DisplayErrorContext;
use cfp_domain::StoreError;

/// The full error chain goes into the message: it ends up in the log, never in a response.
pub(crate) fn backend<E: std::error::Error>(operation: &'static str, error: E) -> StoreError {
    StoreError::Backend {
        operation,
        message: DisplayErrorContext(&error).to_string(),
    }
}

pub(crate) fn corrupt(key: String, reason: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        key,
        reason: reason.to_string(),
    }
}
