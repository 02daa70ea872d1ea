//! `GET /openapi.json`: the API's OpenAPI 3.1 description, to anyone.
//!
//! The one source is `openapi/openapi.yaml`, embedded at build time, so the description always
//! ships with the code it describes (API Gateway serves it through this function, and so does the
//! local API). It is converted to JSON once per instance; the answer has a strong ETag (a digest
//! of the JSON), a `Cache-Control`, and a matching `If-None-Match` gets a 304.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cfp_http::{ApiError, Body, Request, Response, respond, route_key};
use headers::{ETag, HeaderMapExt, IfNoneMatch};
use http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use http::{HeaderValue, StatusCode};
use sha2::{Digest, Sha256};

/// The description as written, embedded at build time.
pub const OPENAPI_YAML: &str = include_str!("../../../openapi/openapi.yaml");

/// The only route this function serves (template.yaml routes it here).
pub const ROUTE: &str = "GET /openapi.json";

/// The description changes only with a deployment: browsers and a CDN may keep it for five
/// minutes, and revalidate (a 304) after that.
pub const CACHE_CONTROL_VALUE: &str = "public, max-age=300";

#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("the OpenAPI document is not valid YAML: {0}")]
    Yaml(#[from] serde_norway::Error),
    #[error("the OpenAPI document is not a mapping")]
    NotAMapping,
    #[error("the OpenAPI document cannot be written as JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// The description as served: its JSON bytes and their entity tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenApiDocument {
    json: Vec<u8>,
    etag: String,
}

impl OpenApiDocument {
    /// The embedded `openapi/openapi.yaml`.
    pub fn embedded() -> Result<OpenApiDocument, DocumentError> {
        OpenApiDocument::from_yaml(OPENAPI_YAML)
    }

    pub fn from_yaml(yaml: &str) -> Result<OpenApiDocument, DocumentError> {
        let value: serde_json::Value = serde_norway::from_str(yaml)?;
        if !value.is_object() {
            return Err(DocumentError::NotAMapping);
        }
        let json = serde_json::to_vec(&value)?;
        let digest = Sha256::digest(&json);
        let etag = format!("\"{}\"", URL_SAFE_NO_PAD.encode(&digest[..16]));
        Ok(OpenApiDocument { json, etag })
    }

    pub fn json(&self) -> &[u8] {
        &self.json
    }

    pub fn etag(&self) -> &str {
        &self.etag
    }

    /// Whether `request` holds a copy that is current (`If-None-Match`, weak comparison).
    fn is_current_for(&self, request: &Request) -> bool {
        if !request.headers().contains_key(IF_NONE_MATCH) {
            return false;
        }
        let Ok(etag) = self.etag.parse::<ETag>() else {
            return false;
        };
        // A header that is no list of entity tags matches nothing.
        request
            .headers()
            .typed_get::<IfNoneMatch>()
            .is_some_and(|condition| !condition.precondition_passes(&etag))
    }
}

/// 200 with the description, 304 when the client's copy is current, or a problem.
pub fn handle(request: &Request, document: &OpenApiDocument) -> Response<Body> {
    match route_key(request) {
        Ok(ROUTE) => {}
        // Any other route is a wiring mistake in the template, not the caller's: a 500.
        Ok(other) => return respond(Err(ApiError::UnservedRoute(other.to_owned()))),
        Err(error) => return respond(Err(error)),
    }
    let not_modified = document.is_current_for(request);
    let mut builder = Response::builder()
        .header(ETAG, document.etag.as_str())
        .header(CACHE_CONTROL, HeaderValue::from_static(CACHE_CONTROL_VALUE));
    let body = if not_modified {
        builder = builder.status(StatusCode::NOT_MODIFIED);
        Body::Empty
    } else {
        builder = builder
            .status(StatusCode::OK)
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        Body::from(document.json.clone())
    };
    builder.body(body).unwrap_or_else(|error| {
        // Only an invalid header value gets here, and the ETag is base64url in quotes.
        respond(Err(ApiError::Internal(format!(
            "building the response: {error}"
        ))))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use cfp_http::test_support::*;
    use serde_json::Value;

    fn sample() -> Value {
        sample_event("get-openapi")
    }

    fn document() -> OpenApiDocument {
        OpenApiDocument::embedded().expect("the embedded document converts")
    }

    fn with_if_none_match(value: &str) -> Value {
        let mut event = sample();
        event["headers"]["if-none-match"] = Value::String(value.to_owned());
        event
    }

    #[test]
    fn the_sample_event_gets_the_whole_description_as_json() {
        let document = document();
        let response = handle(&request(&sample()), &document);
        assert_eq!(response.status(), StatusCode::OK, "{response:?}");
        assert_eq!(header(&response, "content-type"), Some("application/json"));
        assert_eq!(
            header(&response, "cache-control"),
            Some(CACHE_CONTROL_VALUE)
        );
        assert_eq!(header(&response, "etag"), Some(document.etag()));
        let served = body_json(&response);
        let written: Value = serde_norway::from_str(OPENAPI_YAML).expect("YAML");
        assert_eq!(served, written);
        assert_eq!(served["openapi"], "3.1.0");
        assert!(
            served["paths"]["/openapi.json"]["get"].is_object(),
            "it describes itself"
        );
    }

    #[test]
    fn a_current_copy_gets_a_304_without_a_body() {
        let document = document();
        for value in [
            document.etag().to_owned(),
            format!("W/{}", document.etag()),
            format!("\"other\", {}", document.etag()),
            "*".to_owned(),
        ] {
            let response = handle(&request(&with_if_none_match(&value)), &document);
            assert_eq!(response.status(), StatusCode::NOT_MODIFIED, "{value}");
            assert_eq!(header(&response, "etag"), Some(document.etag()), "{value}");
            assert_eq!(
                header(&response, "cache-control"),
                Some(CACHE_CONTROL_VALUE)
            );
            assert!(response.body().is_empty(), "{value}");
        }
    }

    #[test]
    fn another_or_unreadable_tag_gets_the_description() {
        let document = document();
        for value in ["\"stale\"", "no quotes", ""] {
            let response = handle(&request(&with_if_none_match(value)), &document);
            assert_eq!(response.status(), StatusCode::OK, "{value}");
            assert!(!response.body().is_empty(), "{value}");
        }
    }

    #[test]
    fn the_tag_follows_the_content() {
        let one = OpenApiDocument::from_yaml("openapi: 3.1.0\ninfo: {title: a}\n").expect("yaml");
        let same = OpenApiDocument::from_yaml("{openapi: 3.1.0, info: {title: a}}").expect("yaml");
        let other = OpenApiDocument::from_yaml("openapi: 3.1.0\ninfo: {title: b}\n").expect("yaml");
        assert_eq!(one.etag(), same.etag());
        assert_ne!(one.etag(), other.etag());
        assert!(one.etag().starts_with('"') && one.etag().ends_with('"'));
    }

    #[test]
    fn a_broken_document_is_an_error_not_a_panic() {
        assert!(matches!(
            OpenApiDocument::from_yaml("openapi: [unclosed"),
            Err(DocumentError::Yaml(_))
        ));
        assert!(matches!(
            OpenApiDocument::from_yaml("- a list"),
            Err(DocumentError::NotAMapping)
        ));
    }

    #[test]
    fn another_route_is_a_500_not_a_panic() {
        let mut event = sample();
        event["routeKey"] = Value::String("GET /events/{event}".into());
        event["requestContext"]["routeKey"] = Value::String("GET /events/{event}".into());
        assert_problem(
            &handle(&request(&event), &document()),
            500,
            "internal-error",
        );
    }
}
