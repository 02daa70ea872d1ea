//! The Lambda Invoke API on loopback, as AWS serves it (`POST /2015-03-31/functions/{name}/invocations`),
//! so `cargo lambda invoke`, `aws lambda invoke --endpoint-url` and the SDK work against the runner;
//! plus the runner's read-outs `GET /_local/functions[/{name}/invocations]`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use bytes::Bytes;
use cfp_local_event_sources::{AsyncInvoker, EnqueueError};
use cfp_local_invoke::InvokeError;
use serde_json::json;

use super::pool::InvokeRequest;
use super::service::LambdaService;

/// Lambda's limit on a synchronous request payload.
pub const MAX_REQUEST_BYTES: usize = 6 * 1024 * 1024;
/// Lambda's limit on an asynchronous (`Event`) request payload.
pub const MAX_EVENT_BYTES: usize = 1024 * 1024;

fn body_too_large_for_event(payload: &Bytes) -> bool {
    payload.len() > MAX_EVENT_BYTES
}

/// What the Invoke API serves: synchronous calls go to the Lambda service, `Event` calls to the
/// asynchronous invoker (retries, on-failure destination, dead-letter queue).
#[derive(Clone)]
pub struct InvokeApi {
    pub service: Arc<LambdaService>,
    pub async_invoker: Arc<AsyncInvoker>,
}

/// The routes of the Invoke API.
pub fn router(api: InvokeApi) -> Router {
    Router::new()
        .route("/2015-03-31/functions/{name}/invocations", post(invoke))
        .route("/_local/functions", get(list_functions))
        .route(
            "/_local/functions/{name}/invocations",
            get(recent_invocations),
        )
        .fallback(unknown_route)
        // Oversized payloads are read and refused with Lambda's own error.
        .layer(DefaultBodyLimit::max(4 * MAX_REQUEST_BYTES))
        .with_state(api)
}

/// Serves the Invoke API on `listener` until the task is dropped.
pub async fn serve(
    listener: tokio::net::TcpListener,
    service: Arc<LambdaService>,
    async_invoker: Arc<AsyncInvoker>,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(InvokeApi {
            service,
            async_invoker,
        }),
    )
    .await
}

/// An error of the API itself, in the shape the AWS SDKs parse (`x-amzn-ErrorType` + `message`).
fn api_error(
    status: StatusCode,
    error_type: &str,
    message: &str,
    extra: Option<(&str, &str)>,
) -> Response {
    let mut body = json!({ "Type": "User", "message": message });
    if let Some((key, value)) = extra {
        body[key] = json!(value);
    }
    let mut response = (status, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    if let Ok(value) = HeaderValue::from_str(error_type) {
        headers.insert("x-amzn-errortype", value);
    }
    headers.insert(
        "x-amzn-requestid",
        request_id_header(&uuid::Uuid::new_v4().to_string()),
    );
    response
}

fn request_id_header(id: &str) -> HeaderValue {
    HeaderValue::from_str(id).unwrap_or_else(|_| HeaderValue::from_static("unknown"))
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

async fn invoke(
    State(InvokeApi {
        service,
        async_invoker,
    }): State<InvokeApi>,
    Path(name): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(qualifier) = query.get("Qualifier").filter(|q| *q != "$LATEST") {
        return api_error(
            StatusCode::NOT_FOUND,
            "ResourceNotFoundException",
            &format!("Function not found: {name}:{qualifier} (the local stack runs $LATEST only)"),
            None,
        );
    }
    let Some(logical_id) = service.logical_id(&name).map(str::to_owned) else {
        return api_error(
            StatusCode::NOT_FOUND,
            "ResourceNotFoundException",
            &format!("Function not found: {name}"),
            None,
        );
    };
    if body.len() > MAX_REQUEST_BYTES {
        return api_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestTooLargeException",
            &format!(
                "Request must be smaller than {MAX_REQUEST_BYTES} bytes for the InvokeFunction operation"
            ),
            None,
        );
    }
    // An absent payload reaches the function as an empty JSON object, as with the AWS CLI.
    let payload = if body.iter().all(u8::is_ascii_whitespace) {
        Bytes::from_static(b"{}")
    } else {
        body
    };
    if let Err(err) = serde_json::from_slice::<serde_json::Value>(&payload) {
        return api_error(
            StatusCode::BAD_REQUEST,
            "InvalidRequestContentException",
            &format!("Could not parse request body into json: {err}"),
            None,
        );
    }
    let client_context = match header_text(&headers, "x-amz-client-context") {
        Some(encoded) => match base64::engine::general_purpose::STANDARD.decode(encoded.trim()) {
            Ok(decoded) => Some(String::from_utf8_lossy(&decoded).into_owned()),
            Err(_) => {
                return api_error(
                    StatusCode::BAD_REQUEST,
                    "InvalidRequestContentException",
                    "X-Amz-Client-Context must be base64-encoded JSON",
                    None,
                );
            }
        },
        // cargo lambda sends the context as plain JSON under the runtime's header name.
        None => header_text(&headers, "lambda-runtime-client-context"),
    };
    let request = InvokeRequest {
        payload,
        client_context,
        cognito_identity: header_text(&headers, "lambda-runtime-cognito-identity"),
        ..InvokeRequest::default()
    };

    match header_text(&headers, "x-amz-invocation-type").as_deref() {
        None | Some("RequestResponse") => {}
        Some("Event") => {
            if body_too_large_for_event(&request.payload) {
                return api_error(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "RequestTooLargeException",
                    &format!(
                        "Request must be smaller than {MAX_EVENT_BYTES} bytes for the InvokeFunction operation"
                    ),
                    None,
                );
            }
            return match async_invoker.enqueue(&logical_id, request.payload) {
                Ok(request_id) => {
                    let mut response = StatusCode::ACCEPTED.into_response();
                    response
                        .headers_mut()
                        .insert("x-amzn-requestid", request_id_header(&request_id));
                    response
                }
                Err(EnqueueError::FunctionNotFound(name)) => api_error(
                    StatusCode::NOT_FOUND,
                    "ResourceNotFoundException",
                    &format!("Function not found: {name}"),
                    None,
                ),
                Err(EnqueueError::ShuttingDown) => api_error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "ServiceException",
                    "the local Lambda service is shutting down",
                    None,
                ),
            };
        }
        Some("DryRun") => return StatusCode::NO_CONTENT.into_response(),
        Some(other) => {
            return api_error(
                StatusCode::BAD_REQUEST,
                "InvalidParameterValueException",
                &format!("X-Amz-Invocation-Type `{other}` is not RequestResponse, Event or DryRun"),
                None,
            );
        }
    }

    let outcome = service.invoke_request(&logical_id, request).await;
    let request_id = outcome.request_id;
    let (status, function_error, body) = match outcome.result {
        Ok(body) => (StatusCode::OK, false, body),
        Err(
            error @ (InvokeError::FunctionError { .. }
            | InvokeError::Timeout(_)
            | InvokeError::RuntimeExited(_)),
        ) => (
            StatusCode::OK,
            true,
            error.error_document(&request_id).unwrap_or_default(),
        ),
        Err(InvokeError::Throttled) => {
            return api_error(
                StatusCode::TOO_MANY_REQUESTS,
                "TooManyRequestsException",
                "Rate Exceeded.",
                Some((
                    "Reason",
                    "ReservedFunctionConcurrentInvocationLimitExceeded",
                )),
            );
        }
        Err(InvokeError::FunctionNotFound(name)) => {
            return api_error(
                StatusCode::NOT_FOUND,
                "ResourceNotFoundException",
                &format!("Function not found: {name}"),
                None,
            );
        }
    };
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    headers.insert(
        "x-amz-executed-version",
        HeaderValue::from_static("$LATEST"),
    );
    headers.insert("x-amzn-requestid", request_id_header(&request_id));
    if function_error {
        headers.insert(
            "x-amz-function-error",
            HeaderValue::from_static("Unhandled"),
        );
    }
    response
}

async fn list_functions(State(api): State<InvokeApi>) -> Response {
    axum::Json(api.service.functions()).into_response()
}

async fn recent_invocations(
    State(InvokeApi { service, .. }): State<InvokeApi>,
    Path(name): Path<String>,
) -> Response {
    match service.recent_invocations(&name) {
        Some(records) => axum::Json(records).into_response(),
        None => api_error(
            StatusCode::NOT_FOUND,
            "ResourceNotFoundException",
            &format!("Function not found: {name}"),
            None,
        ),
    }
}

async fn unknown_route() -> Response {
    api_error(
        StatusCode::NOT_FOUND,
        "UnknownOperationException",
        "not an operation of the local Lambda API",
        None,
    )
}
