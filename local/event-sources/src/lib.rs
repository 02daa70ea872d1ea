//! Local event source mappings: poll a source the way the Lambda service does and invoke the
//! subscribed function through [`cfp_local_invoke::Invoke`].

pub mod config;

pub use config::*;

use std::sync::Arc;

use cfp_local_invoke::Invoke;

/// Polls the stream of `subscription` and delivers its records until the task is dropped.
pub async fn run_dynamodb_stream(
    subscription: DynamoDbStreamSubscription,
    clients: StreamClients,
    invoker: Arc<dyn Invoke>,
) -> anyhow_free::Result {
    let _ = (subscription, clients, invoker);
    Err(anyhow_free::Error::NotYetBuilt)
}

/// Placeholder error module until the poller exists (replaced by the real error type).
pub mod anyhow_free {
    #[derive(Debug, thiserror::Error)]
    pub enum Error {
        #[error("the stream poller is being built")]
        NotYetBuilt,
    }
    pub type Result = std::result::Result<(), Error>;
}
