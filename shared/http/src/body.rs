//! JSON request bodies: content type, size, syntax, then shape, each with its own status.

use http::header::CONTENT_TYPE;
use lambda_http::Request;
use serde::de::DeserializeOwned;

use cfp_domain::{CfpError, FieldError};

use crate::error::ApiError;

/// Far more than any valid request of this API needs.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Reads the body as `T`: 400 for no body or broken JSON, 415 for another content type, 413 for
/// a body over [`MAX_BODY_BYTES`], 422 (with the field) for wrong types and unknown fields.
pub fn json_body<T: DeserializeOwned>(request: &Request) -> Result<T, ApiError> {
    json_body_within(request, MAX_BODY_BYTES)
}

/// [`json_body`] for the few routes whose valid bodies need more than [`MAX_BODY_BYTES`] (a
/// schedule draft of thousands of slots): 413 over `limit` bytes.
pub fn json_body_within<T: DeserializeOwned>(
    request: &Request,
    limit: usize,
) -> Result<T, ApiError> {
    let body: &[u8] = request.body().as_ref();
    if body.is_empty() {
        return Err(ApiError::MissingBody);
    }
    check_content_type(request)?;
    if body.len() > limit {
        return Err(ApiError::PayloadTooLarge { limit });
    }

    // serde lets a struct be read from an array of its fields in order; nobody means that.
    if body.iter().find(|byte| !byte.is_ascii_whitespace()) == Some(&b'[') {
        serde_json::from_slice::<serde::de::IgnoredAny>(body)
            .map_err(|error| ApiError::MalformedJson(error.to_string()))?;
        return Err(ApiError::Cfp(CfpError::Validation(vec![FieldError::new(
            "",
            "invalid type: array, expected a JSON object",
        )])));
    }

    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let field = field_path(error.path());
        let inner = error.into_inner();
        let shape = |message: String| {
            ApiError::Cfp(CfpError::Validation(vec![FieldError::new(field, message)]))
        };
        match inner.classify() {
            serde_json::error::Category::Data => shape(without_position(&inner)),
            // A nested object sent as an array longer than its fields ends in a "trailing
            // characters" syntax error, though the document is well-formed: a wrong shape.
            // (`Value`, not `IgnoredAny`: only `Value` checks that strings are valid UTF-8.)
            serde_json::error::Category::Syntax
                if serde_json::from_slice::<serde_json::Value>(body).is_ok() =>
            {
                shape("invalid type: array, expected a JSON object".to_owned())
            }
            _ => ApiError::MalformedJson(inner.to_string()),
        }
    })?;
    // Trailing garbage after the document.
    deserializer
        .end()
        .map_err(|error| ApiError::MalformedJson(error.to_string()))?;
    Ok(value)
}

fn check_content_type(request: &Request) -> Result<(), ApiError> {
    let refused = |what: &str| {
        ApiError::UnsupportedMediaType(format!(
            "the request body must be application/json (UTF-8), not {what}"
        ))
    };
    let Some(value) = request.headers().get(CONTENT_TYPE) else {
        return Err(refused("a body without a Content-Type"));
    };
    let media_type: mime::Mime = value
        .to_str()
        .ok()
        .and_then(|value| value.parse().ok())
        .ok_or_else(|| refused("an unreadable Content-Type"))?;
    let is_json = media_type.type_() == mime::APPLICATION
        && (media_type.subtype() == mime::JSON || media_type.suffix() == Some(mime::JSON));
    let charset_ok = media_type
        .get_param(mime::CHARSET)
        .is_none_or(|charset| charset == mime::UTF_8);
    if is_json && charset_ok {
        Ok(())
    } else {
        Err(refused(media_type.essence_str()))
    }
}

/// serde_path_to_error writes the root as "."; a field path starts at a field.
fn field_path(path: &serde_path_to_error::Path) -> String {
    let path = path.to_string();
    if path == "." { String::new() } else { path }
}

/// serde_json appends " at line L column C" to its messages; the field says where already.
fn without_position(error: &serde_json::Error) -> String {
    let message = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    message.strip_suffix(&suffix).unwrap_or(&message).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_http::Body;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Outer {
        name: Option<String>,
        inner: Option<Inner>,
        items: Option<Vec<Inner>>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        count: Option<u32>,
    }

    fn request(content_type: Option<&str>, body: impl Into<Body>) -> Request {
        let mut builder = http::Request::builder().method("POST").uri("/x");
        if let Some(content_type) = content_type {
            builder = builder.header(CONTENT_TYPE, content_type);
        }
        builder.body(body.into()).expect("request")
    }

    fn parse(content_type: Option<&str>, body: &str) -> Result<Outer, ApiError> {
        json_body(&request(content_type, body.to_owned()))
    }

    fn field_errors(result: Result<Outer, ApiError>) -> Vec<FieldError> {
        match result {
            Err(ApiError::Cfp(CfpError::Validation(errors))) => errors,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn a_nested_object_sent_as_a_longer_array_is_a_wrong_shape_not_broken_json() {
        let errors = field_errors(parse(Some("application/json"), r#"{"inner":[1,2,3]}"#));
        assert_eq!(errors[0].field, "inner");
        assert!(
            errors[0].message.contains("expected a JSON object"),
            "{errors:?}"
        );
        // Broken JSON stays broken, invalid UTF-8 in a string too.
        assert!(matches!(
            parse(Some("application/json"), r#"{"inner":[1,2,3"#),
            Err(ApiError::MalformedJson(_))
        ));
        let invalid_utf8 = b"{\"name\": \"\xff\xfe\"}".to_vec();
        assert!(matches!(
            json_body::<Outer>(&request(Some("application/json"), invalid_utf8)),
            Err(ApiError::MalformedJson(_))
        ));
    }

    #[test]
    fn json_with_parameters_and_suffixes_is_json() {
        let expected = Outer {
            name: Some("x".into()),
            inner: None,
            items: None,
        };
        for content_type in [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON",
            "application/merge-patch+json",
        ] {
            assert_eq!(
                parse(Some(content_type), r#"{"name":"x"}"#).ok().as_ref(),
                Some(&expected),
                "{content_type}"
            );
        }
    }

    #[test]
    fn other_content_types_are_415() {
        for content_type in [
            None,
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
            Some("application/json; charset=latin1"),
            Some("not a media type"),
        ] {
            let result = parse(content_type, r#"{"name":"x"}"#);
            assert!(
                matches!(result, Err(ApiError::UnsupportedMediaType(_))),
                "{content_type:?}: {result:?}"
            );
        }
    }

    #[test]
    fn no_body_and_broken_json_are_400() {
        assert!(matches!(
            parse(Some("application/json"), ""),
            Err(ApiError::MissingBody)
        ));
        for broken in [
            "{",
            "{\"name\":}",
            "nul",
            "{\"name\":\"x\"} trailing",
            "   ",
        ] {
            let result = parse(Some("application/json"), broken);
            assert!(
                matches!(result, Err(ApiError::MalformedJson(_))),
                "{broken:?}: {result:?}"
            );
        }
        let not_utf8 = json_body::<Outer>(&request(
            Some("application/json"),
            vec![b'{', b'"', 0xff, b'"', b'}'],
        ));
        assert!(
            matches!(not_utf8, Err(ApiError::MalformedJson(_))),
            "{not_utf8:?}"
        );
    }

    #[test]
    fn too_large_is_413_even_when_valid() {
        let body = format!(r#"{{"name":"{}"}}"#, "x".repeat(MAX_BODY_BYTES));
        assert!(matches!(
            parse(Some("application/json"), &body),
            Err(ApiError::PayloadTooLarge { .. })
        ));
        let fits = format!(r#"{{"name":"{}"}}"#, "x".repeat(MAX_BODY_BYTES - 11));
        assert!(parse(Some("application/json"), &fits).is_ok());
    }

    #[test]
    fn wrong_types_and_unknown_fields_are_422_with_the_field() {
        let errors = field_errors(parse(
            Some("application/json"),
            r#"{"inner":{"count":"three"}}"#,
        ));
        assert_eq!(errors[0].field, "inner.count");
        assert!(
            errors[0]
                .message
                .starts_with("invalid type: string \"three\""),
            "{errors:?}"
        );
        assert!(!errors[0].message.contains("line"), "{errors:?}");

        let errors = field_errors(parse(
            Some("application/json"),
            r#"{"items":[{"count":1},{"count":-1}]}"#,
        ));
        assert_eq!(errors[0].field, "items[1].count");

        let errors = field_errors(parse(Some("application/json"), r#"{"inner":{"colour":1}}"#));
        assert_eq!(errors[0].field, "inner.colour");
        assert!(
            errors[0].message.starts_with("unknown field `colour`"),
            "{errors:?}"
        );

        for not_an_object in [
            r#"[1,2]"#,
            r#" ["x", null, null]"#,
            "42",
            r#""text""#,
            "null",
        ] {
            let errors = field_errors(parse(Some("application/json"), not_an_object));
            assert_eq!(errors[0].field, "", "{not_an_object}");
        }
        assert!(matches!(
            parse(Some("application/json"), "[1,"),
            Err(ApiError::MalformedJson(_))
        ));
    }
}
