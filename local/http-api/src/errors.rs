//! Every answer the gateway gives itself, instead of a function's: one place maps each failure to the
//! status and `{"message": ...}` body API Gateway HTTP APIs send.

use axum::body::Body;
use axum::response::Response;
use cfp_local_invoke::InvokeError;
use http::header::{CONTENT_TYPE, WWW_AUTHENTICATE};
use http::{HeaderValue, StatusCode};

/// Why the gateway answered a request itself.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    #[error("no route matches the request")]
    NotFound,
    #[error("the request body is larger than the 10 MB an HTTP API accepts")]
    PayloadTooLarge,
    #[error("the request body could not be read: {0}")]
    UnreadableBody(String),
    /// The JWT authorizer refused the token (or there was none). `challenge` is the
    /// `www-authenticate` value.
    #[error("unauthorized: {challenge}")]
    Unauthorized { challenge: String },
    /// The token is valid but carries none of the route's authorization scopes.
    #[error("forbidden: {challenge}")]
    Forbidden { challenge: String },
    /// The function could not be called or did not answer.
    #[error("invocation of {function} failed: {source}")]
    Invoke {
        function: String,
        #[source]
        source: InvokeError,
    },
    /// The function answered with something that is not a payload-2.0 response.
    #[error("function {function} returned an invalid response: {reason}")]
    InvalidFunctionResponse { function: String, reason: String },
    /// A fault of the gateway itself (it could not encode the event).
    #[error("internal gateway fault: {0}")]
    Internal(String),
}

impl GatewayError {
    /// The status API Gateway answers with for this failure.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnreadableBody(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Self::Forbidden { .. } => StatusCode::FORBIDDEN,
            Self::Invoke { source, .. } => match source {
                InvokeError::FunctionError { .. } | InvokeError::FunctionNotFound(_) => {
                    StatusCode::INTERNAL_SERVER_ERROR
                }
                InvokeError::RuntimeExited(_) => StatusCode::BAD_GATEWAY,
                InvokeError::Timeout(_) => StatusCode::GATEWAY_TIMEOUT,
                InvokeError::Throttled => StatusCode::TOO_MANY_REQUESTS,
            },
            Self::InvalidFunctionResponse { .. } => StatusCode::BAD_GATEWAY,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The `message` of the JSON body, in API Gateway's wording.
    pub fn message(&self) -> &'static str {
        match self {
            Self::NotFound => "Not Found",
            Self::PayloadTooLarge => "Request Entity Too Large",
            Self::UnreadableBody(_) => "Bad Request",
            Self::Unauthorized { .. } => "Unauthorized",
            Self::Forbidden { .. } => "Forbidden",
            Self::Invoke { source, .. } => match source {
                InvokeError::Timeout(_) => "Service Unavailable",
                InvokeError::Throttled => "Too Many Requests",
                InvokeError::FunctionError { .. }
                | InvokeError::FunctionNotFound(_)
                | InvokeError::RuntimeExited(_) => "Internal Server Error",
            },
            Self::InvalidFunctionResponse { .. } | Self::Internal(_) => "Internal Server Error",
        }
    }

    /// Logs the failure (the client only sees API Gateway's terse body) and turns it into the
    /// response.
    pub fn into_response(self, request_id: &str) -> Response {
        match &self {
            Self::NotFound | Self::Unauthorized { .. } | Self::Forbidden { .. } => {
                tracing::info!(request_id, error = %self, "request refused")
            }
            Self::PayloadTooLarge | Self::UnreadableBody(_) => {
                tracing::warn!(request_id, error = %self, "request refused")
            }
            Self::Invoke { function, source } => {
                let detail = match source {
                    InvokeError::FunctionError { payload, .. } => {
                        String::from_utf8_lossy(payload).into_owned()
                    }
                    _ => String::new(),
                };
                tracing::error!(request_id, function, error = %source, detail, "invocation failed")
            }
            Self::InvalidFunctionResponse { .. } | Self::Internal(_) => {
                tracing::error!(request_id, error = %self, "request failed")
            }
        }
        let mut response = message_response(self.status(), self.message());
        let challenge = match &self {
            Self::Unauthorized { challenge } | Self::Forbidden { challenge } => Some(challenge),
            _ => None,
        };
        if let Some(challenge) = challenge {
            // A challenge we cannot put in a header is dropped rather than failing the answer.
            if let Ok(value) = HeaderValue::from_str(challenge) {
                response.headers_mut().insert(WWW_AUTHENTICATE, value);
            }
        }
        response
    }
}

/// `{"message": "..."}` with the given status, as API Gateway writes its own answers.
pub fn message_response(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({ "message": message }).to_string();
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use std::time::Duration;

    fn invoke(source: InvokeError) -> GatewayError {
        GatewayError::Invoke {
            function: "F".into(),
            source,
        }
    }

    #[test]
    fn invoke_errors_map_to_api_gateway_statuses() {
        let cases = [
            (
                invoke(InvokeError::FunctionError {
                    error_type: "Unhandled".into(),
                    payload: Bytes::new(),
                }),
                500,
                "Internal Server Error",
            ),
            (
                invoke(InvokeError::FunctionNotFound("F".into())),
                500,
                "Internal Server Error",
            ),
            (
                invoke(InvokeError::RuntimeExited("signal 9".into())),
                502,
                "Internal Server Error",
            ),
            (
                invoke(InvokeError::Timeout(Duration::from_secs(3))),
                504,
                "Service Unavailable",
            ),
            (invoke(InvokeError::Throttled), 429, "Too Many Requests"),
        ];
        for (error, status, message) in cases {
            assert_eq!(error.status().as_u16(), status, "{error}");
            assert_eq!(error.message(), message, "{error}");
        }
    }

    #[test]
    fn unauthorized_carries_the_challenge() {
        let response = GatewayError::Unauthorized {
            challenge: "Bearer".into(),
        }
        .into_response("id");
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()[WWW_AUTHENTICATE], "Bearer");
        assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
    }
}
