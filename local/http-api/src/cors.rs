//! An HTTP API's `CorsConfiguration`: API Gateway answers preflight requests itself (204, no
//! function invoked) and, on every other response to an allowed `Origin`, sets the
//! `access-control-*` headers from the configuration - replacing any the function set, since with
//! CORS configured API Gateway ignores the integration's own CORS headers.

use axum::body::Body;
use axum::response::Response;
use http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE,
    ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, ORIGIN,
};
use http::{HeaderMap, HeaderValue, Method, StatusCode};

use crate::config::CorsConfig;

pub struct Cors {
    config: CorsConfig,
}

impl Cors {
    pub fn new(config: CorsConfig) -> Self {
        Self { config }
    }

    /// A browser's preflight: `OPTIONS` with `Origin` and `Access-Control-Request-Method`.
    pub fn is_preflight(method: &Method, headers: &HeaderMap) -> bool {
        method == Method::OPTIONS
            && headers.contains_key(ORIGIN)
            && headers.contains_key(ACCESS_CONTROL_REQUEST_METHOD)
    }

    /// API Gateway's own answer to a preflight. An origin that is not allowed gets the 204 without
    /// any `access-control-*` header, so the browser refuses the request.
    pub fn preflight(&self, headers: &HeaderMap) -> Response {
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::NO_CONTENT;
        let Some(allow_origin) = self.allowed_origin(headers.get(ORIGIN)) else {
            return response;
        };
        let out = response.headers_mut();
        out.insert(ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin);
        if let Some(methods) = list_value(&self.config.allow_methods) {
            out.insert(ACCESS_CONTROL_ALLOW_METHODS, methods);
        }
        let allow_headers = if self.config.allow_headers.iter().any(|h| h == "*") {
            // A wildcard grants whatever the browser asks for.
            headers.get(ACCESS_CONTROL_REQUEST_HEADERS).cloned()
        } else {
            list_value(&self.config.allow_headers)
        };
        if let Some(allow_headers) = allow_headers {
            out.insert(ACCESS_CONTROL_ALLOW_HEADERS, allow_headers);
        }
        if let Some(max_age) = self.config.max_age {
            out.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from(max_age));
        }
        if self.config.allow_credentials {
            out.insert(
                ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
        }
        response
    }

    /// Sets the CORS headers of an actual (not preflight) response.
    pub fn apply(&self, origin: Option<&HeaderValue>, out: &mut HeaderMap) {
        for name in [
            ACCESS_CONTROL_ALLOW_ORIGIN,
            ACCESS_CONTROL_ALLOW_CREDENTIALS,
            ACCESS_CONTROL_EXPOSE_HEADERS,
            ACCESS_CONTROL_ALLOW_METHODS,
            ACCESS_CONTROL_ALLOW_HEADERS,
            ACCESS_CONTROL_MAX_AGE,
        ] {
            out.remove(name);
        }
        let Some(allow_origin) = self.allowed_origin(origin) else {
            return;
        };
        out.insert(ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin);
        if let Some(expose) = list_value(&self.config.expose_headers) {
            out.insert(ACCESS_CONTROL_EXPOSE_HEADERS, expose);
        }
        if self.config.allow_credentials {
            out.insert(
                ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
        }
    }

    /// The `access-control-allow-origin` value for `origin`, if it is allowed.
    fn allowed_origin(&self, origin: Option<&HeaderValue>) -> Option<HeaderValue> {
        let origin = origin?;
        let text = origin.to_str().ok()?;
        let wildcard = self.config.allow_origins.iter().any(|o| o == "*");
        // Credentials cannot go with `*`: name the origin instead.
        if wildcard && !self.config.allow_credentials {
            return Some(HeaderValue::from_static("*"));
        }
        let listed = self
            .config
            .allow_origins
            .iter()
            .any(|allowed| allowed.eq_ignore_ascii_case(text));
        (wildcard || listed).then(|| origin.clone())
    }
}

/// A comma-separated header value, or `None` for an empty list (or one that is no header value).
fn list_value(items: &[String]) -> Option<HeaderValue> {
    if items.is_empty() {
        return None;
    }
    HeaderValue::from_str(&items.join(",")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(origins: &[&str], credentials: bool) -> CorsConfig {
        CorsConfig {
            allow_origins: origins.iter().map(|o| o.to_string()).collect(),
            allow_methods: vec!["GET".into(), "POST".into()],
            allow_headers: vec!["authorization".into(), "content-type".into()],
            expose_headers: vec!["etag".into()],
            max_age: Some(600),
            allow_credentials: credentials,
        }
    }

    fn origin(value: &'static str) -> HeaderValue {
        HeaderValue::from_static(value)
    }

    #[test]
    fn wildcard_without_credentials_answers_star() {
        let cors = Cors::new(config(&["*"], false));
        assert_eq!(
            cors.allowed_origin(Some(&origin("https://a.example"))),
            Some(origin("*"))
        );
        assert_eq!(cors.allowed_origin(None), None);
    }

    #[test]
    fn listed_origins_are_echoed_others_refused() {
        let cors = Cors::new(config(&["https://a.example"], true));
        assert_eq!(
            cors.allowed_origin(Some(&origin("https://a.example"))),
            Some(origin("https://a.example"))
        );
        assert_eq!(
            cors.allowed_origin(Some(&origin("https://b.example"))),
            None
        );
    }

    #[test]
    fn apply_replaces_the_functions_cors_headers() {
        let cors = Cors::new(config(&["https://a.example"], false));
        let mut out = HeaderMap::new();
        out.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin("https://evil.example"));
        cors.apply(Some(&origin("https://b.example")), &mut out);
        assert!(out.get(ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
        cors.apply(Some(&origin("https://a.example")), &mut out);
        assert_eq!(out[ACCESS_CONTROL_ALLOW_ORIGIN], "https://a.example");
        assert_eq!(out[ACCESS_CONTROL_EXPOSE_HEADERS], "etag");
    }
}
