//! For handler tests: API Gateway payload-2.0 sample events (the repository's `events/` files)
//! turned into requests, with the changes a test needs, and responses read back.

use lambda_http::{Body, Request, Response};
use serde_json::Value;

pub use cfp_domain::test_data::sample_event;

/// The request Lambda would hand the function for `event`.
pub fn request(event: &Value) -> Request {
    lambda_http::request::from_str(&event.to_string())
        .unwrap_or_else(|error| panic!("not a payload-2.0 event: {error}"))
}

/// Replaces the body; `None` removes the content type.
pub fn set_body(event: &mut Value, body: &str, content_type: Option<&str>) {
    event["body"] = Value::String(body.to_owned());
    event["isBase64Encoded"] = Value::Bool(false);
    match content_type {
        Some(content_type) => {
            event["headers"]["content-type"] = Value::String(content_type.to_owned())
        }
        None => {
            if let Some(headers) = event["headers"].as_object_mut() {
                headers.remove("content-type");
            }
        }
    }
}

/// As if the route had no authorizer and no token was sent.
pub fn remove_authorizer(event: &mut Value) {
    if let Some(context) = event["requestContext"].as_object_mut() {
        context.remove("authorizer");
    }
    if let Some(headers) = event["headers"].as_object_mut() {
        headers.remove("authorization");
    }
}

/// Sets (`Some`) or removes (`None`) one claim.
pub fn set_claim(event: &mut Value, name: &str, value: Option<&str>) {
    let claims = &mut event["requestContext"]["authorizer"]["jwt"]["claims"];
    match value {
        Some(value) => claims[name] = Value::String(value.to_owned()),
        None => {
            if let Some(claims) = claims.as_object_mut() {
                claims.remove(name);
            }
        }
    }
}

pub fn set_path_parameter(event: &mut Value, name: &str, value: &str) {
    event["pathParameters"][name] = Value::String(value.to_owned());
}

pub fn body_json(response: &Response<Body>) -> Value {
    serde_json::from_slice(response.body().as_ref())
        .unwrap_or_else(|error| panic!("the response body is not JSON ({error}): {response:?}"))
}

pub fn header<'a>(response: &'a Response<Body>, name: &str) -> Option<&'a str> {
    response
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
}

/// Asserts a problem+json response with `status` and a type ending in `name`; returns its body.
pub fn assert_problem(response: &Response<Body>, status: u16, name: &str) -> Value {
    assert_eq!(response.status().as_u16(), status, "{response:?}");
    assert_eq!(
        header(response, "content-type"),
        Some("application/problem+json"),
        "{response:?}"
    );
    let problem = body_json(response);
    assert_eq!(problem["status"], status, "{problem}");
    assert!(
        problem["type"].as_str().is_some_and(|t| t.ends_with(name)),
        "expected a {name} problem, got {problem}"
    );
    assert!(
        problem["title"].is_string() && problem["detail"].is_string(),
        "{problem}"
    );
    problem
}
