//! The local HTTP API: serves the routes of template.yaml on loopback the way API Gateway HTTP APIs
//! do (JWT authorizer, payload format 2.0, CORS) and invokes functions through [`Invoke`].

pub mod config;

pub use config::*;

use std::sync::Arc;

use cfp_local_invoke::Invoke;

/// Serves `config` on `listener` until the task is dropped.
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: HttpApiConfig,
    invoker: Arc<dyn Invoke>,
) -> std::io::Result<()> {
    let _ = (listener, config, invoker);
    Err(std::io::Error::other("the local HTTP API is being built"))
}
