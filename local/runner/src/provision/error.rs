//! Why a resource of the template could not be created locally.

use crate::template::dependencies::DependencyCycle;
use crate::template::{PropertyError, ResolveError};

#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    #[error("{resource}: {source}")]
    Resolve {
        resource: String,
        source: ResolveError,
    },
    #[error(transparent)]
    Property(#[from] PropertyError),
    #[error("{resource}: {operation} failed: {message}")]
    Aws {
        resource: String,
        operation: &'static str,
        message: String,
    },
    #[error(transparent)]
    Cycle(#[from] DependencyCycle),
}

/// Maps an SDK error of `operation` on `resource` to a [`ProvisionError`] with the whole cause chain.
pub(crate) fn aws_error<E>(
    resource: &str,
    operation: &'static str,
) -> impl FnOnce(E) -> ProvisionError
where
    E: std::error::Error,
{
    let resource = resource.to_owned();
    move |err| ProvisionError::Aws {
        resource,
        operation,
        message: aws_sdk_sqs::error::DisplayErrorContext(&err).to_string(),
    }
}

/// A required field the SDK's builder refused (only when the template lacks it).
pub(crate) fn build_error(
    resource: &str,
    what: &'static str,
) -> impl FnOnce(aws_sdk_sqs::error::BuildError) -> ProvisionError {
    let resource = resource.to_owned();
    move |err| ProvisionError::Aws {
        resource,
        operation: what,
        message: err.to_string(),
    }
}
