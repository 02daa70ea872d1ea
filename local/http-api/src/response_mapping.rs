//! Turns a function's payload-2.0 response into the HTTP response, as API Gateway does:
//! `statusCode`, `headers`, `multiValueHeaders`, `cookies` (each a `set-cookie`), `body` and
//! `isBase64Encoded`. Valid JSON without `statusCode` is inferred to be a 200
//! `application/json` body (a JSON string becomes the body's text, anything else its JSON).

use axum::body::Body;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http::header::{CONTENT_TYPE, SET_COOKIE};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use serde_json::{Map, Value};

/// Why a function's answer is not a response API Gateway can send.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidResponse(String);

fn invalid(reason: impl Into<String>) -> InvalidResponse {
    InvalidResponse(reason.into())
}

/// Headers that describe one connection or the framing of the body; the gateway sets its own.
const GATEWAY_OWNED: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
];

/// The HTTP response for a function's raw answer.
pub fn map_response(payload: &[u8]) -> Result<Response, InvalidResponse> {
    let value: Value = serde_json::from_slice(payload)
        .map_err(|error| invalid(format!("the response is not JSON: {error}")))?;
    match value {
        Value::Object(fields) if fields.contains_key("statusCode") => structured(&fields),
        Value::String(text) => Ok(inferred(Bytes::from(text))),
        _ => Ok(inferred(Bytes::copy_from_slice(payload.trim_ascii()))),
    }
}

/// API Gateway's inference for valid JSON without `statusCode`.
fn inferred(body: Bytes) -> Response {
    let mut response = Response::new(Body::from(body));
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

fn structured(fields: &Map<String, Value>) -> Result<Response, InvalidResponse> {
    let status = fields
        .get("statusCode")
        .and_then(Value::as_u64)
        .and_then(|code| u16::try_from(code).ok())
        .filter(|code| (100..=599).contains(code))
        .and_then(|code| StatusCode::from_u16(code).ok())
        .ok_or_else(|| invalid("statusCode must be an integer from 100 to 599"))?;

    let mut headers = HeaderMap::new();
    for (name, value) in object(fields, "headers")? {
        let value = value
            .as_str()
            .ok_or_else(|| invalid(format!("header {name} must be a string")))?;
        headers.insert(header_name(name)?, header_value(name, value)?);
    }
    // As with payload 1.0: for a name in both maps, the multi-value list wins.
    for (name, values) in object(fields, "multiValueHeaders")? {
        let values = values
            .as_array()
            .ok_or_else(|| invalid(format!("multiValueHeaders.{name} must be a list")))?;
        let header = header_name(name)?;
        headers.remove(&header);
        for value in values {
            let value = value
                .as_str()
                .ok_or_else(|| invalid(format!("multiValueHeaders.{name} must hold strings")))?;
            headers.append(header.clone(), header_value(name, value)?);
        }
    }
    for name in GATEWAY_OWNED {
        headers.remove(name);
    }
    match fields.get("cookies") {
        None | Some(Value::Null) => {}
        Some(Value::Array(cookies)) => {
            for cookie in cookies {
                let cookie = cookie
                    .as_str()
                    .ok_or_else(|| invalid("cookies must hold strings"))?;
                headers.append(SET_COOKIE, header_value("set-cookie", cookie)?);
            }
        }
        Some(_) => return Err(invalid("cookies must be a list of strings")),
    }

    let is_base64 = match fields.get("isBase64Encoded") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(flag)) => *flag,
        Some(_) => return Err(invalid("isBase64Encoded must be a boolean")),
    };
    let body = match fields.get("body") {
        None | Some(Value::Null) => Bytes::new(),
        Some(Value::String(text)) if is_base64 => STANDARD
            .decode(text)
            .map(Bytes::from)
            .map_err(|error| invalid(format!("body is not valid base64: {error}")))?,
        Some(Value::String(text)) => Bytes::from(text.clone()),
        Some(_) => return Err(invalid("body must be a string")),
    };

    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    Ok(response)
}

/// The object at `key`, or an empty one when absent or null.
fn object<'a>(
    fields: &'a Map<String, Value>,
    key: &str,
) -> Result<Box<dyn Iterator<Item = (&'a String, &'a Value)> + 'a>, InvalidResponse> {
    match fields.get(key) {
        None | Some(Value::Null) => Ok(Box::new(std::iter::empty())),
        Some(Value::Object(map)) => Ok(Box::new(map.iter())),
        Some(_) => Err(invalid(format!("{key} must be an object"))),
    }
}

fn header_name(name: &str) -> Result<HeaderName, InvalidResponse> {
    HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| invalid(format!("{name:?} is not a valid header name")))
}

fn header_value(name: &str, value: &str) -> Result<HeaderValue, InvalidResponse> {
    HeaderValue::from_str(value).map_err(|_| invalid(format!("header {name} has an invalid value")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::header::CONTENT_LENGTH;
    use http_body_util::BodyExt;

    async fn body_of(response: Response) -> Bytes {
        response
            .into_body()
            .collect()
            .await
            .expect("in-memory body")
            .to_bytes()
    }

    #[tokio::test]
    async fn structured_response_is_mapped() {
        let payload = br#"{
            "statusCode": 201,
            "headers": {"content-type": "application/json", "x-one": "1", "X-Multi": "a",
                        "content-length": "999", "connection": "close"},
            "multiValueHeaders": {"x-multi": ["b", "c"]},
            "cookies": ["a=1; Path=/", "b=2"],
            "body": "{\"id\":1}",
            "isBase64Encoded": false
        }"#;
        let response = map_response(payload).expect("valid");
        assert_eq!(response.status(), StatusCode::CREATED);
        let headers = response.headers();
        assert_eq!(headers["x-one"], "1");
        let multi: Vec<_> = headers.get_all("x-multi").iter().collect();
        assert_eq!(multi, ["b", "c"]);
        let cookies: Vec<_> = headers.get_all(SET_COOKIE).iter().collect();
        assert_eq!(cookies, ["a=1; Path=/", "b=2"]);
        assert!(headers.get(CONTENT_LENGTH).is_none());
        assert!(headers.get("connection").is_none());
        assert_eq!(body_of(response).await, r#"{"id":1}"#);
    }

    #[tokio::test]
    async fn base64_body_is_decoded() {
        let response =
            map_response(br#"{"statusCode":200,"body":"AAEC/w==","isBase64Encoded":true}"#)
                .expect("valid");
        assert_eq!(body_of(response).await, Bytes::from_static(&[0, 1, 2, 255]));
    }

    #[tokio::test]
    async fn json_without_status_code_is_inferred() {
        let response = map_response(br#" {"message": "hi"} "#).expect("valid");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
        assert_eq!(body_of(response).await, r#"{"message": "hi"}"#);

        let response = map_response(br#""Hello from Lambda!""#).expect("valid");
        assert_eq!(body_of(response).await, "Hello from Lambda!");
    }

    #[test]
    fn invalid_responses_are_rejected() {
        for payload in [
            &b"not json"[..],
            br#"{"statusCode":"200"}"#,
            br#"{"statusCode":99}"#,
            br#"{"statusCode":1000}"#,
            br#"{"statusCode":200,"headers":{"x":1}}"#,
            br#"{"statusCode":200,"headers":{"bad name":"x"}}"#,
            br#"{"statusCode":200,"headers":"x"}"#,
            br#"{"statusCode":200,"body":{"a":1}}"#,
            br#"{"statusCode":200,"body":"***","isBase64Encoded":true}"#,
            br#"{"statusCode":200,"cookies":"a=1"}"#,
            br#"{"statusCode":200,"multiValueHeaders":{"x":"y"}}"#,
        ] {
            assert!(
                map_response(payload).is_err(),
                "{}",
                String::from_utf8_lossy(payload)
            );
        }
    }
}
