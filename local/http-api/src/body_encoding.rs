//! Whether a request body reaches the function as text or base64.
//!
//! AWS documents only that binary bodies are base64-encoded. Observed on real HTTP APIs (payload
//! 2.0): the body stays text for `text/*`, `application/json`, `application/xml` and
//! `application/javascript`; everything else - a missing content type and even
//! `application/x-www-form-urlencoded` - arrives base64-encoded. On top of that, a body must be
//! valid UTF-8 (and declare no other charset) to travel as a JSON string at all.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// The `body` and `isBase64Encoded` of the event.
pub fn encode_body(content_type: Option<&str>, body: &[u8]) -> (Option<String>, bool) {
    if body.is_empty() {
        return (None, false);
    }
    if is_text_type(content_type)
        && let Ok(text) = std::str::from_utf8(body)
    {
        return (Some(text.to_owned()), false);
    }
    (Some(STANDARD.encode(body)), true)
}

fn is_text_type(content_type: Option<&str>) -> bool {
    let Some(parsed) = content_type.and_then(|value| value.parse::<mime::Mime>().ok()) else {
        return false;
    };
    let textual = parsed.type_() == mime::TEXT
        || (parsed.type_() == mime::APPLICATION
            && ["json", "xml", "javascript"].contains(&parsed.subtype().as_str())
            && parsed.suffix().is_none());
    let utf8_charset = parsed.get_param(mime::CHARSET).is_none_or(|charset| {
        charset == mime::UTF_8 || charset.as_str().eq_ignore_ascii_case("us-ascii")
    });
    textual && utf8_charset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_types_stay_text() {
        for content_type in [
            "text/plain",
            "text/html; charset=utf-8",
            "application/json",
            "application/json; charset=UTF-8",
            "application/xml",
            "application/javascript",
            "TEXT/CSV",
        ] {
            assert_eq!(
                encode_body(Some(content_type), b"hello"),
                (Some("hello".to_owned()), false),
                "{content_type}"
            );
        }
    }

    #[test]
    fn other_types_are_base64() {
        for content_type in [
            None,
            Some("application/octet-stream"),
            Some("image/png"),
            Some("application/x-www-form-urlencoded"),
            Some("application/problem+json"),
            Some("text/plain; charset=iso-8859-1"),
            Some("not a content type"),
        ] {
            assert_eq!(
                encode_body(content_type, b"hello"),
                (Some("aGVsbG8=".to_owned()), true),
                "{content_type:?}"
            );
        }
    }

    #[test]
    fn invalid_utf8_is_base64_even_for_text() {
        assert_eq!(
            encode_body(Some("text/plain"), &[0xff, 0xfe]),
            (Some("//4=".to_owned()), true)
        );
    }

    #[test]
    fn empty_body_is_absent() {
        assert_eq!(encode_body(Some("application/json"), b""), (None, false));
    }
}
