//! Conditional GET (RFC 9110 13.1): `If-None-Match` with the weak comparison, lists and `*`;
//! `If-Modified-Since` only when there is no `If-None-Match`.

use std::time::SystemTime;

use headers::{ETag, HeaderMapExt, IfModifiedSince, IfNoneMatch};
use http::HeaderMap;
use http::header::IF_NONE_MATCH;

/// Whether the client's copy is current, so a 304 answers it.
pub fn not_modified(headers: &HeaderMap, etag: &str, last_modified: SystemTime) -> bool {
    if headers.contains_key(IF_NONE_MATCH) {
        let Ok(etag) = etag.parse::<ETag>() else {
            return false;
        };
        // Entries that are no entity tag match nothing.
        return headers
            .typed_get::<IfNoneMatch>()
            .is_some_and(|condition| !condition.precondition_passes(&etag));
    }
    headers
        .typed_get::<IfModifiedSince>()
        .is_some_and(|condition| !condition.is_modified(last_modified))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;
    use http::header::IF_MODIFIED_SINCE;
    use std::time::Duration;

    const TAG: &str = "\"abc\"";

    fn released() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_809_000_000)
    }

    fn with(name: http::HeaderName, values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(&name, HeaderValue::from_str(value).expect("value"));
        }
        headers
    }

    #[test]
    fn if_none_match_uses_the_weak_comparison_over_lists_and_star() {
        let matches = |values: &[&str]| not_modified(&with(IF_NONE_MATCH, values), TAG, released());
        assert!(!matches(&[]));
        assert!(matches(&["\"abc\""]));
        assert!(matches(&["W/\"abc\""]));
        assert!(matches(&["\"x\", \"abc\""]));
        assert!(matches(&["\"x\"", "W/\"abc\""]));
        assert!(matches(&["*"]));
        assert!(!matches(&["\"abcd\""]));
        assert!(!matches(&["abc"]));
        assert!(!matches(&["\"x\", garbage"]));
        assert!(!matches(&["W/\"ab\""]));
    }

    #[test]
    fn if_modified_since_counts_only_without_if_none_match() {
        let date = |secs: u64| httpdate(SystemTime::UNIX_EPOCH + Duration::from_secs(secs));
        let since = |value: &str| not_modified(&with(IF_MODIFIED_SINCE, &[value]), TAG, released());
        assert!(since(&date(1_809_000_000)));
        assert!(since(&date(1_809_000_100)));
        assert!(!since(&date(1_808_999_999)));
        assert!(!since("yesterday"));
        let mut both = with(IF_MODIFIED_SINCE, &[&date(1_809_000_000)]);
        both.insert(IF_NONE_MATCH, HeaderValue::from_static("\"other\""));
        assert!(!not_modified(&both, TAG, released()));
    }

    fn httpdate(time: SystemTime) -> String {
        let mut headers = HeaderMap::new();
        headers.typed_insert(headers::LastModified::from(time));
        headers
            .get(http::header::LAST_MODIFIED)
            .and_then(|v| v.to_str().ok())
            .expect("a date")
            .to_owned()
    }
}
