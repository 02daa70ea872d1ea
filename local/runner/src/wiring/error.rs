//! Why the template cannot be wired into a local stack.

use std::path::PathBuf;

use crate::template::functions::FunctionError;
use crate::template::{PropertyError, ResolveError};

#[derive(Debug, thiserror::Error)]
pub enum WiringError {
    #[error("{resource}: {source}")]
    Resolve {
        resource: String,
        source: ResolveError,
    },
    #[error(transparent)]
    Function(#[from] FunctionError),
    #[error(transparent)]
    Property(#[from] PropertyError),
    #[error("function binaries are missing (build them with `{build_command}`):\n{}", missing.iter().map(|(f, p)| format!("  {f}: {}", p.display())).collect::<Vec<_>>().join("\n"))]
    MissingBinaries {
        missing: Vec<(String, PathBuf)>,
        build_command: String,
    },
    #[error("{function}: Environment sets {keys:?}, which Lambda reserves for itself")]
    ReservedEnvironment { function: String, keys: Vec<String> },
    #[error(
        "{function}.Events.{event}: ApiId `{api_id}` is no AWS::Serverless::HttpApi of the template"
    )]
    UnknownApi {
        function: String,
        event: String,
        api_id: String,
    },
    #[error("{api}: authorizer `{authorizer}` is not declared in Auth.Authorizers{}", route.as_ref().map(|r| format!(" (used by {r})")).unwrap_or_default())]
    UnknownAuthorizer {
        api: String,
        authorizer: String,
        route: Option<String>,
    },
    #[error(
        "{api}: authorizer `{authorizer}` is not a JWT authorizer; the local HTTP API emulates JWT authorizers only"
    )]
    UnsupportedAuthorizer { api: String, authorizer: String },
    #[error(
        "{function}.Events.{event}: on-failure destination `{destination}` is no SQS queue of the template"
    )]
    OnFailureDestination {
        function: String,
        event: String,
        destination: String,
    },
    #[error(
        "{function}.Events.{event}: Bucket `{bucket}` is no AWS::S3::Bucket of the template (SAM wants a !Ref to one)"
    )]
    UnknownBucket {
        function: String,
        event: String,
        bucket: String,
    },
    #[error("{function}.{property}: `{destination}` is no SQS queue of the template")]
    AsyncDestination {
        function: String,
        property: String,
        destination: String,
    },
}
