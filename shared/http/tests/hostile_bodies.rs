//! Property tests: JSON request bodies of any bytes, shape and content type. Reading one never
//! panics; it gives the parsed value or an error whose response is a 4xx problem+json, and which
//! error is decided in a fixed order: no body, content type, size, syntax, then shape.

use http::header::CONTENT_TYPE;
use http::{HeaderValue, StatusCode};
use proptest::collection::vec;
use proptest::prelude::*;
use serde::de::{DeserializeOwned, IgnoredAny};
use serde_json::Value;

use cfp_domain::event::NewEventRequest;
use cfp_domain::proposal::{NewProposalRequest, ProposalChangesRequest};
use cfp_http::{
    ApiError, Body, MAX_BODY_BYTES, PROBLEM_TYPE_BASE, Request, json_body, json_body_within,
    respond,
};

/// What the test knows of a content type: JSON, not JSON, or made up (either may be right).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Json,
    NotJson,
    Unknown,
}

fn content_type() -> impl Strategy<Value = (Option<Vec<u8>>, Kind)> {
    let listed = |types: &'static [&'static str], kind: Kind| {
        proptest::sample::select(types).prop_map(move |t| (Some(t.as_bytes().to_vec()), kind))
    };
    prop_oneof![
        4 => listed(
            &[
                "application/json",
                "application/json; charset=utf-8",
                "Application/JSON",
                "application/merge-patch+json",
                "application/problem+json",
            ],
            Kind::Json,
        ),
        1 => Just((None, Kind::NotJson)),
        1 => listed(
            &[
                "text/plain",
                "text/json",
                "application/x-www-form-urlencoded",
                "application/json; charset=latin1",
                "application/xml",
                "multipart/form-data; boundary=x",
                "not a media type",
                "",
            ],
            Kind::NotJson,
        ),
        1 => "[a-z]{0,12}/[a-z+.\\-]{0,20}(; ?[a-z]{1,8}=[a-zA-Z0-9\\-\"]{0,10}){0,2}"
            .prop_map(|t| (Some(t.into_bytes()), Kind::Unknown)),
        // Any bytes a header value may carry, UTF-8 or not.
        1 => vec(
            any::<u8>().prop_filter("a header byte", |b| *b == b'\t' || (*b >= 0x20 && *b != 0x7f)),
            0..40,
        )
        .prop_map(|bytes| (Some(bytes), Kind::Unknown)),
    ]
}

/// Arbitrary JSON, its object keys often those of the API's requests.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        "\\PC{0,20}".prop_map(Value::String),
    ];
    let key = prop_oneof![
        3 => proptest::sample::select(vec![
            "slug", "name", "timeZone", "startDate", "endDate", "cfpClosesAt", "rooms", "tracks",
            "sessionTypes", "durationMinutes", "title", "abstract", "description", "sessionType",
            "track", "language", "speaker", "bio",
        ])
        .prop_map(str::to_owned),
        1 => any::<String>(),
    ];
    leaf.prop_recursive(4, 32, 6, move |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(key.clone(), inner, 0..8)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// Bodies: raw bytes, JSON of any shape (sometimes padded or with garbage after it), texts and
/// nesting deeper than any parser should follow.
fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        2 => vec(any::<u8>(), 0..300),
        4 => (json_value(), "[ \\t\\r\\n]{0,2}", "[ \\t\\r\\n]{0,2}").prop_map(|(json, before, after)| {
            format!("{before}{json}{after}").into_bytes()
        }),
        1 => (json_value(), "[^ \\t\\r\\n]{1,4}")
            .prop_map(|(json, garbage)| format!("{json}{garbage}").into_bytes()),
        1 => any::<String>().prop_map(String::into_bytes),
        1 => (1usize..400, proptest::sample::select(vec![("[", "]"), ("{\"a\":", "}")]))
            .prop_map(|(depth, (open, close))| {
                format!("{}1{}", open.repeat(depth), close.repeat(depth)).into_bytes()
            }),
    ]
}

fn request(content_type: Option<&[u8]>, body: Vec<u8>) -> Request {
    let mut request = http::Request::builder()
        .method("POST")
        .uri("/events")
        .body(Body::from(body))
        .expect("a request");
    if let Some(content_type) = content_type {
        let value = HeaderValue::from_bytes(content_type).expect("the strategy makes header bytes");
        request.headers_mut().insert(CONTENT_TYPE, value);
    }
    request
}

/// The error as the client sees it: a 4xx problem+json whose body agrees with the status.
/// Returns the status and the problem's type name.
fn assert_client_problem(error: ApiError) -> (StatusCode, String, Value) {
    let response = respond(Err(error));
    let status = response.status();
    assert!(status.is_client_error(), "{status}: {response:?}");
    assert_eq!(
        response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    let problem: Value =
        serde_json::from_slice(response.body().as_ref()).expect("the problem is JSON");
    assert_eq!(problem["status"], status.as_u16(), "{problem}");
    assert!(
        problem["title"].is_string() && problem["detail"].is_string(),
        "{problem}"
    );
    let name = problem["type"]
        .as_str()
        .and_then(|t| t.strip_prefix(PROBLEM_TYPE_BASE))
        .expect("a problem type of this API")
        .to_owned();
    if name == "validation-failed" {
        let errors = problem["errors"].as_array().expect("field errors");
        assert!(!errors.is_empty(), "{problem}");
        assert!(
            errors
                .iter()
                .all(|e| e["field"].is_string() && e["message"].is_string()),
            "{problem}"
        );
    }
    (status, name, problem)
}

/// Reads `body` as `T` and checks the outcome against what the order of checks demands.
fn check<T: DeserializeOwned + std::fmt::Debug + 'static>(
    content_type: &(Option<Vec<u8>>, Kind),
    body: &[u8],
    limit: Option<usize>,
) -> Result<T, (StatusCode, String)> {
    let reads_any_json = std::any::TypeId::of::<T>() == std::any::TypeId::of::<Value>();
    let request = request(content_type.0.as_deref(), body.to_vec());
    let result = match limit {
        Some(limit) => json_body_within::<T>(&request, limit),
        None => json_body::<T>(&request),
    };
    let outcome = result.map_err(|error| {
        let (status, name, _) = assert_client_problem(error);
        (status, name)
    });
    let problem = outcome.as_ref().err().map(|(_, name)| name.as_str());

    if body.is_empty() {
        assert_eq!(problem, Some("body-required"));
        return outcome;
    }
    match content_type.1 {
        Kind::NotJson => {
            assert_eq!(problem, Some("unsupported-media-type"));
            return outcome;
        }
        Kind::Unknown if problem == Some("unsupported-media-type") => return outcome,
        Kind::Json | Kind::Unknown => {}
    }
    if body.len() > limit.unwrap_or(MAX_BODY_BYTES) {
        assert_eq!(problem, Some("payload-too-large"));
        return outcome;
    }
    // serde_json's own reading, its nesting limit (128 levels) included: a deeper document is
    // refused as malformed, though it is well-formed JSON.
    let readable = serde_json::from_slice::<Value>(body).is_ok();
    if readable {
        // Readable JSON is never a 400: it is read, or refused for its shape with the field.
        assert!(
            matches!(problem, None | Some("validation-failed")),
            "readable JSON refused as {problem:?}: {outcome:?}"
        );
    } else if reads_any_json && serde_json::from_slice::<IgnoredAny>(body).is_err() {
        assert_eq!(problem, Some("malformed-json"), "{outcome:?}");
    } else {
        // Broken JSON read as a request type may stop at a wrong field before the syntax error
        // further on; well-formed JSON too deep to read is malformed, but a top-level array is
        // refused for its shape first (that check skips the document without a nesting limit).
        assert!(
            matches!(problem, Some("malformed-json" | "validation-failed")),
            "broken JSON refused as {problem:?}"
        );
    }
    outcome
}

proptest! {
    #[test]
    fn any_body_is_read_or_refused_with_a_client_problem(
        content_type in content_type(),
        body in body(),
        limit in proptest::option::of(0usize..400),
    ) {
        // As a plain JSON value, a well-formed document is read as it is (but a top-level array,
        // which a struct could be read from by position, is refused).
        if let Ok(value) = check::<Value>(&content_type, &body, limit) {
            let sent: Value = serde_json::from_slice(&body).expect("it was read, so it is JSON");
            prop_assert_eq!(&value, &sent);
            prop_assert!(!value.is_array());
        }
        // As the API's request types: read, or refused, never a panic.
        let _ = check::<NewEventRequest>(&content_type, &body, limit);
        let _ = check::<NewProposalRequest>(&content_type, &body, limit);
        let _ = check::<ProposalChangesRequest>(&content_type, &body, limit);
    }

    #[test]
    fn json_of_the_wrong_shape_is_refused_for_its_shape(json in json_value()) {
        let content_type = (Some(b"application/json".to_vec()), Kind::Json);
        let body = serde_json::to_vec(&json).expect("a JSON value serializes");
        for outcome in [
            check::<NewEventRequest>(&content_type, &body, None).map(|_| ()),
            check::<NewProposalRequest>(&content_type, &body, None).map(|_| ()),
            check::<ProposalChangesRequest>(&content_type, &body, None).map(|_| ()),
        ] {
            // Only objects can be requests.
            if !json.is_object() {
                let refused = outcome.err().map(|(status, _)| status);
                prop_assert_eq!(refused, Some(StatusCode::UNPROCESSABLE_ENTITY));
            }
        }
    }

    #[test]
    fn bodies_around_the_size_limit(extra in -2i64..3, content_type in content_type()) {
        // A JSON string of exactly MAX_BODY_BYTES + extra bytes.
        let length = usize::try_from(MAX_BODY_BYTES as i64 + extra - 2).expect("a length");
        let body = format!("\"{}\"", "x".repeat(length)).into_bytes();
        let outcome = check::<Value>(&content_type, &body, None);
        if content_type.1 == Kind::Json {
            prop_assert_eq!(outcome.is_ok(), extra <= 0);
        }
    }
}

/// The deepest nesting that fits in the size limit, closed or not, is refused without
/// overflowing the stack (the check for a top-level array skips the whole document).
#[test]
fn the_deepest_nesting_that_fits_is_refused_not_a_stack_overflow() {
    let json = (Some(b"application/json".to_vec()), Kind::Json);
    for (open, close) in [("[", "]"), ("{\"a\":", "}")] {
        let depth = (MAX_BODY_BYTES - 1) / (open.len() + close.len());
        let closed = format!("{}1{}", open.repeat(depth), close.repeat(depth)).into_bytes();
        let unclosed = open.repeat(MAX_BODY_BYTES / open.len()).into_bytes();
        for body in [closed, unclosed] {
            assert!(body.len() <= MAX_BODY_BYTES);
            assert!(check::<Value>(&json, &body, None).is_err());
            assert!(check::<NewEventRequest>(&json, &body, None).is_err());
            assert!(check::<ProposalChangesRequest>(&json, &body, None).is_err());
        }
    }
}
