//! JSON responses, and turning a handler's result into the response Lambda returns.

use http::header::{CONTENT_TYPE, ETAG, LOCATION};
use http::{HeaderValue, StatusCode};
use lambda_http::{Body, Response};
use serde::Serialize;

use crate::error::ApiError;
use crate::problem::problem_response;

/// A JSON response being put together.
#[derive(Debug)]
pub struct JsonResponse {
    status: StatusCode,
    body: Vec<u8>,
    location: Option<String>,
    etag: Option<String>,
}

impl JsonResponse {
    pub fn new(status: StatusCode, body: &impl Serialize) -> Result<JsonResponse, ApiError> {
        let body = serde_json::to_vec(body)
            .map_err(|error| ApiError::Internal(format!("serializing the response: {error}")))?;
        Ok(JsonResponse {
            status,
            body,
            location: None,
            etag: None,
        })
    }

    pub fn ok(body: &impl Serialize) -> Result<JsonResponse, ApiError> {
        JsonResponse::new(StatusCode::OK, body)
    }

    pub fn created(location: String, body: &impl Serialize) -> Result<JsonResponse, ApiError> {
        let mut response = JsonResponse::new(StatusCode::CREATED, body)?;
        response.location = Some(location);
        Ok(response)
    }

    /// A strong entity tag from a version number: `"3"`.
    pub fn with_version(mut self, version: u32) -> JsonResponse {
        self.etag = Some(format!("\"{version}\""));
        self
    }

    fn into_response(self) -> Result<Response<Body>, http::Error> {
        let mut builder = Response::builder()
            .status(self.status)
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if let Some(location) = self.location {
            builder = builder.header(LOCATION, location);
        }
        if let Some(etag) = self.etag {
            builder = builder.header(ETAG, etag);
        }
        builder.body(Body::from(self.body))
    }
}

/// The response for a handler's result: the JSON, or the error as problem+json.
pub fn respond(result: Result<JsonResponse, ApiError>) -> Response<Body> {
    match result {
        Ok(response) => response.into_response().unwrap_or_else(|error| {
            // Only an invalid header value gets here (a Location built from a validated slug
            // and id cannot be one); answer 500 rather than panic.
            tracing::error!(%error, "could not build the response");
            problem_response(&ApiError::Internal(format!(
                "building the response: {error}"
            )))
        }),
        Err(error) => problem_response(&error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_has_location_and_etag() {
        let response = respond(
            JsonResponse::created("/events/x".into(), &serde_json::json!({"a": 1}))
                .map(|r| r.with_version(1)),
        );
        assert_eq!(response.status(), StatusCode::CREATED);
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
        };
        assert_eq!(header(LOCATION), Some("/events/x"));
        assert_eq!(header(ETAG), Some("\"1\""));
        assert_eq!(header(CONTENT_TYPE), Some("application/json"));
        assert_eq!(response.body().as_ref(), br#"{"a":1}"#);
    }

    #[test]
    fn an_invalid_header_is_a_500_not_a_panic() {
        let response = respond(JsonResponse::created("/events/\n".into(), &1));
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
