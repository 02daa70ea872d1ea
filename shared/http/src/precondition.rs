//! `If-Match`: the version a change is based on, as the strong ETag the API hands out (`"3"`).

use cfp_domain::proposal::Version;
use http::header::IF_MATCH;
use lambda_http::Request;

use crate::error::ApiError;

/// `None` without the header; a version for exactly one strong ETag of a version; else 400.
pub fn if_match(request: &Request) -> Result<Option<Version>, ApiError> {
    let mut values = request.headers().get_all(IF_MATCH).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    let refused = || {
        ApiError::InvalidIfMatch(
            "must be exactly one ETag of the proposal as it was read, such as \"3\"".to_owned(),
        )
    };
    if values.next().is_some() {
        return Err(refused());
    }
    let raw = value.to_str().map_err(|_| refused())?.trim();
    // Weak tags and `*` never prove which version the change is based on.
    let digits = raw
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
        .filter(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(refused)?;
    let number: u64 = digits.parse().map_err(|_| refused())?;
    Version::new(number).map(Some).map_err(|_| refused())
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_http::Body;

    fn with(values: &[&str]) -> Request {
        let mut builder = http::Request::builder().method("PATCH").uri("/x");
        for value in values {
            builder = builder.header(IF_MATCH, *value);
        }
        builder.body(Body::Empty).expect("request")
    }

    #[test]
    fn one_strong_etag_of_a_version() {
        assert_eq!(if_match(&with(&[])).ok(), Some(None));
        assert_eq!(
            if_match(&with(&["\"3\""])).ok().flatten().map(|v| v.get()),
            Some(3)
        );
        assert_eq!(
            if_match(&with(&[" \"12\" "]))
                .ok()
                .flatten()
                .map(|v| v.get()),
            Some(12)
        );
        for bad in [
            "3",
            "W/\"3\"",
            "*",
            "\"0\"",
            "\"-1\"",
            "\"\"",
            "\"3\", \"4\"",
            "\"99999999999999999999\"",
            "\"abc\"",
        ] {
            assert!(
                matches!(if_match(&with(&[bad])), Err(ApiError::InvalidIfMatch(_))),
                "{bad}"
            );
        }
        assert!(if_match(&with(&["\"1\"", "\"2\""])).is_err());
    }
}
