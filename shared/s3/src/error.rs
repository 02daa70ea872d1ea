//! Why an upload form could not be made.

#[derive(Debug, thiserror::Error)]
pub enum PresignError {
    #[error("no credentials to sign with: {0}")]
    Credentials(String),
    #[error("the bucket's endpoint could not be resolved: {0}")]
    Endpoint(String),
    #[error("the POST policy could not be serialized: {0}")]
    Policy(String),
}
