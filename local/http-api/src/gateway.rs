//! One request through the HTTP API: CORS preflight, route selection, payload limit, JWT
//! authorizer, the 2.0 event, the invocation and the mapping of the function's answer.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::response::Response;
use bytes::Bytes;
use cfp_local_invoke::Invoke;
use http::header::{CONTENT_LENGTH, ORIGIN};
use http::{HeaderName, HeaderValue, Version};
use http_body_util::{BodyExt, LengthLimitError, Limited};

use crate::authorizer::{AuthError, JwtAuthorizer, is_supported_identity_source};
use crate::config::{HttpApiConfig, RouteConfig};
use crate::cors::Cors;
use crate::errors::GatewayError;
use crate::jwks::JwksCache;
use crate::request_event::{RequestFacts, build_event};
use crate::request_ids::RequestIds;
use crate::response_mapping::map_response;
use crate::routing::{RouteMatch, RouteTable, RouteTableError};

/// The largest request body an HTTP API accepts (10 MB).
pub const MAX_PAYLOAD_BYTES: usize = 10 * 1024 * 1024;

/// Refetch an issuer's keys for an unknown `kid` at most this often.
const JWKS_MIN_REFETCH_INTERVAL: Duration = Duration::from_secs(10);

/// The configuration cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(transparent)]
    Routes(#[from] RouteTableError),
    #[error("cannot build the HTTP client for the JWKS: {0}")]
    HttpClient(#[from] reqwest::Error),
    #[error(
        "authorizer {authorizer}: identity source {source_expr:?} is not supported (use $request.header.<name> or $request.querystring.<name>)"
    )]
    IdentitySource {
        authorizer: String,
        source_expr: String,
    },
}

pub struct Gateway {
    config: HttpApiConfig,
    routes: RouteTable,
    cors: Option<Cors>,
    authorizer: JwtAuthorizer,
    invoker: Arc<dyn Invoke>,
    local_port: u16,
}

impl Gateway {
    pub fn new(
        config: HttpApiConfig,
        invoker: Arc<dyn Invoke>,
        local_port: u16,
    ) -> Result<Self, SetupError> {
        let routes = RouteTable::new(&config.routes)?;
        for authorizer in config.routes.iter().filter_map(|r| r.authorizer.as_ref()) {
            if !is_supported_identity_source(&authorizer.identity_source) {
                return Err(SetupError::IdentitySource {
                    authorizer: authorizer.name.clone(),
                    source_expr: authorizer.identity_source.clone(),
                });
            }
        }
        let jwks = JwksCache::new(JWKS_MIN_REFETCH_INTERVAL)?;
        Ok(Self {
            cors: config.cors.clone().map(Cors::new),
            routes,
            authorizer: JwtAuthorizer::new(jwks),
            invoker,
            local_port,
            config,
        })
    }

    async fn process(
        &self,
        request: Request,
        peer: SocketAddr,
        ids: &RequestIds,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Response, GatewayError> {
        let (parts, body) = request.into_parts();
        // API Gateway answers preflights itself, for any path, without a route or a function.
        if let Some(cors) = &self.cors
            && Cors::is_preflight(&parts.method, &parts.headers)
        {
            return Ok(cors.preflight(&parts.headers));
        }

        let raw_path = parts.uri.path();
        let raw_query = parts.uri.query().unwrap_or_default();
        let matched = self.route(parts.method.as_str(), raw_path)?;
        let route =
            self.config.routes.get(matched.index).ok_or_else(|| {
                GatewayError::Internal("matched a route that does not exist".into())
            })?;

        let declared_length = parts
            .headers
            .get(CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse::<u64>().ok());
        if declared_length.is_some_and(|length| length > MAX_PAYLOAD_BYTES as u64) {
            return Err(GatewayError::PayloadTooLarge);
        }

        let authorizer = match &route.authorizer {
            None => None,
            Some(config) => Some(
                self.authorizer
                    .authorize(
                        config,
                        &route.authorization_scopes,
                        &parts.headers,
                        raw_query,
                    )
                    .await
                    .map_err(|error| auth_failure(&error, route))?,
            ),
        };

        let body = read_body(body).await?;
        let facts = RequestFacts {
            method: parts.method.as_str(),
            raw_path,
            raw_query,
            protocol: protocol(parts.version),
            headers: &parts.headers,
            source_ip: peer.ip(),
            local_port: self.local_port,
            body: &body,
            api_id: &self.config.api_id,
            account_id: &self.config.account_id,
            stage: &self.config.stage,
            request_id: &ids.request_id,
            trace_id: &ids.trace_id,
            now,
        };
        let event = build_event(&facts, &matched, authorizer);
        let payload = serde_json::to_vec(&event)
            .map_err(|error| GatewayError::Internal(format!("cannot encode the event: {error}")))?;

        tracing::debug!(
            request_id = ids.request_id,
            route = matched.route_key,
            function = route.function,
            "invoking"
        );
        let answer = self
            .invoker
            .invoke(&route.function, Bytes::from(payload))
            .await
            .map_err(|source| GatewayError::Invoke {
                function: route.function.clone(),
                source,
            })?;
        map_response(&answer).map_err(|error| GatewayError::InvalidFunctionResponse {
            function: route.function.clone(),
            reason: error.to_string(),
        })
    }

    /// The route for a request path; a stage other than `$default` is the path's first segment.
    fn route(&self, method: &str, raw_path: &str) -> Result<RouteMatch, GatewayError> {
        let path = if self.config.stage == "$default" {
            raw_path
        } else {
            let rest = raw_path
                .strip_prefix('/')
                .and_then(|p| p.strip_prefix(self.config.stage.as_str()))
                .ok_or(GatewayError::NotFound)?;
            match rest {
                "" => "/",
                rest if rest.starts_with('/') => rest,
                _ => return Err(GatewayError::NotFound),
            }
        };
        self.routes.find(method, path).ok_or(GatewayError::NotFound)
    }
}

fn auth_failure(error: &AuthError, route: &RouteConfig) -> GatewayError {
    let challenge = error.challenge(&route.authorization_scopes);
    match error {
        AuthError::InsufficientScope => GatewayError::Forbidden { challenge },
        AuthError::MissingToken | AuthError::InvalidToken(_) => {
            GatewayError::Unauthorized { challenge }
        }
    }
}

async fn read_body(body: Body) -> Result<Bytes, GatewayError> {
    match Limited::new(body, MAX_PAYLOAD_BYTES).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.is::<LengthLimitError>() => Err(GatewayError::PayloadTooLarge),
        Err(error) => Err(GatewayError::UnreadableBody(error.to_string())),
    }
}

fn protocol(version: Version) -> &'static str {
    match version {
        Version::HTTP_09 => "HTTP/0.9",
        Version::HTTP_10 => "HTTP/1.0",
        Version::HTTP_2 => "HTTP/2.0",
        Version::HTTP_3 => "HTTP/3.0",
        _ => "HTTP/1.1",
    }
}

/// The axum handler for every request.
pub async fn handle(
    State(gateway): State<Arc<Gateway>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let started = std::time::Instant::now();
    let now = chrono::Utc::now();
    let ids = RequestIds::new(now);
    let origin = request.headers().get(ORIGIN).cloned();
    let preflight = Cors::is_preflight(request.method(), request.headers());
    let method = request.method().clone();
    let path = request.uri().path().to_owned();

    let mut response = match gateway.process(request, peer, &ids, now).await {
        Ok(response) => response,
        Err(error) => error.into_response(&ids.request_id),
    };
    if let Some(cors) = &gateway.cors
        && !preflight
    {
        cors.apply(origin.as_ref(), response.headers_mut());
    }
    if let Ok(value) = HeaderValue::from_str(&ids.request_id) {
        response
            .headers_mut()
            .insert(HeaderName::from_static("apigw-requestid"), value);
    }
    tracing::info!(
        request_id = ids.request_id,
        %method,
        path,
        status = response.status().as_u16(),
        millis = started.elapsed().as_millis() as u64,
        "http api request"
    );
    response
}
