//! The local HTTP API: serves the routes of template.yaml on loopback the way API Gateway HTTP APIs
//! do (JWT authorizer, payload format 2.0, CORS) and invokes functions through [`Invoke`].
//!
//! Conventions of [`HttpApiConfig`] beyond its field docs: a [`RouteConfig`] whose `path` is
//! `$default` is the API's catch-all route; an authorizer's `identity_source` is
//! `$request.header.<name>` or `$request.querystring.<name>`. Gateway answers use API Gateway's
//! statuses and `{"message": ...}` bodies; every response carries `apigw-requestid`.

mod authorizer;
mod body_encoding;
mod claims;
pub mod config;
mod cors;
mod errors;
mod gateway;
mod jwks;
mod request_event;
mod request_ids;
mod response_mapping;
mod routing;

pub use config::*;
pub use gateway::MAX_PAYLOAD_BYTES;

use std::net::SocketAddr;
use std::sync::Arc;

use cfp_local_invoke::Invoke;

use crate::gateway::{Gateway, handle};

/// Serves `config` on `listener` until the task is dropped.
///
/// Fails at once, before serving anything, when the configuration cannot be served (an invalid
/// or conflicting route template).
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: HttpApiConfig,
    invoker: Arc<dyn Invoke>,
) -> std::io::Result<()> {
    let local_port = listener.local_addr()?.port();
    let gateway = Gateway::new(config, invoker, local_port).map_err(std::io::Error::other)?;
    let app = axum::Router::new()
        .fallback(handle)
        .with_state(Arc::new(gateway));
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await
}
