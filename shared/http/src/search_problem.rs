//! Talk search's errors as HTTP statuses and problem details. A bad `q` or `limit` is the same
//! `invalid-query` problem as any other query parameter's (with the parameter named under
//! `errors`); what only search has (no index for the event) is mapped here, once.

use cfp_domain::{CfpError, FieldError};
use cfp_search::{SearchError, SearchTalksError};
use http::StatusCode;
use http::header::CONTENT_TYPE;
use lambda_http::{Body, Response};

use crate::error::ApiError;
use crate::problem::{PROBLEM_TYPE_BASE, Problem};
use crate::response::{JsonResponse, respond};

/// Everything a search handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum SearchApiError {
    /// The request's own problems (route, a parameter given twice).
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Search(#[from] SearchTalksError),
}

/// The response for a search handler's result: the JSON, or the error as problem+json.
pub fn respond_search(result: Result<JsonResponse, SearchApiError>) -> Response<Body> {
    match result {
        Ok(response) => respond(Ok(response)),
        Err(SearchApiError::Api(error)) => respond(Err(error)),
        Err(SearchApiError::Search(error)) => search_error(error),
    }
}

fn search_error(error: SearchTalksError) -> Response<Body> {
    let detail = error.to_string();
    let invalid = |parameter: &str| {
        respond(Err(ApiError::Cfp(CfpError::InvalidQuery(vec![
            FieldError::new(parameter, detail.clone()),
        ]))))
    };
    match error {
        SearchTalksError::InvalidParameter { parameter, .. } => invalid(parameter),
        SearchTalksError::Search(SearchError::QueryTooLong { .. })
        | SearchTalksError::Search(SearchError::ControlCharacter { .. }) => invalid("q"),
        SearchTalksError::Search(SearchError::LimitOutOfRange { .. }) => invalid("limit"),
        SearchTalksError::NotIndexed(_) => not_indexed(detail),
        // A damaged blob, a store outage or an engine failure: ours, not the caller's. `respond`
        // logs the cause and answers without it.
        SearchTalksError::Search(
            SearchError::InvalidTalk { .. }
            | SearchError::CorruptBlob(_)
            | SearchError::IncompatibleFormat { .. }
            | SearchError::Engine(_),
        )
        | SearchTalksError::Index(_) => respond(Err(ApiError::Internal(detail))),
    }
}

/// 404: the event has no index, which is all search can know (an unknown event and an event
/// with nothing released look the same from here); the type is getSchedule's for the latter.
fn not_indexed(detail: String) -> Response<Body> {
    let status = StatusCode::NOT_FOUND;
    let problem = Problem {
        type_: format!("{PROBLEM_TYPE_BASE}schedule-not-released"),
        title: "No schedule has been released for this event yet",
        status: status.as_u16(),
        detail,
        errors: None,
    };
    tracing::info!(status = status.as_u16(), problem = %problem.type_, "request refused");
    let body = serde_json::to_vec(&problem).unwrap_or_else(|_| {
        // Plain strings and numbers always serialize; keep a body anyway.
        br#"{"type":"about:blank","title":"Not Found","status":404}"#.to_vec()
    });
    Response::builder()
        .status(status)
        .header(CONTENT_TYPE, "application/problem+json")
        .body(Body::from(body))
        .unwrap_or_else(|_| {
            let mut response = Response::new(Body::Empty);
            *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            response
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::assert_problem;
    use cfp_search::{BlobStoreError, IndexCacheError, TalkSearch};

    fn error(error: impl Into<SearchApiError>) -> Response<Body> {
        respond_search(Err(error.into()))
    }

    fn parse_error(query: Option<&str>, limit: Option<&str>) -> SearchTalksError {
        match TalkSearch::parse(query, limit) {
            Err(error) => error,
            Ok(search) => panic!("{search:?} was accepted"),
        }
    }

    #[test]
    fn bad_parameters_are_400s_naming_the_parameter() {
        let long = "rust ".repeat(100);
        let cases = [
            (parse_error(None, None), "q"),
            (parse_error(Some(" "), None), "q"),
            (parse_error(Some(&long), None), "q"),
            (parse_error(Some("a\u{0}b"), None), "q"),
            (parse_error(Some("rust"), Some("x")), "limit"),
            (parse_error(Some("rust"), Some("0")), "limit"),
            (parse_error(Some("rust"), Some("1000")), "limit"),
        ];
        for (search_error, parameter) in cases {
            let problem = assert_problem(&error(search_error), 400, "invalid-query");
            assert_eq!(problem["errors"][0]["field"], parameter, "{problem}");
            assert!(problem["errors"][0]["message"].is_string(), "{problem}");
        }
    }

    #[test]
    fn an_event_without_an_index_is_a_404() {
        let problem = assert_problem(
            &error(SearchTalksError::NotIndexed("devconf-2027".into())),
            404,
            "schedule-not-released",
        );
        assert!(
            problem["detail"]
                .as_str()
                .is_some_and(|d| d.contains("devconf-2027")),
            "{problem}"
        );
    }

    #[test]
    fn failures_of_ours_are_500s_that_say_nothing_of_their_cause() {
        let secret = "arn:aws:s3:::cfp-search-index AccessDenied";
        for failure in [
            SearchTalksError::Index(IndexCacheError::Store(BlobStoreError(secret.into()))),
            SearchTalksError::Search(SearchError::CorruptBlob(secret.into())),
            SearchTalksError::Index(IndexCacheError::Blob(SearchError::IncompatibleFormat {
                found: 0,
                expected: 1,
            })),
        ] {
            let problem = assert_problem(&error(failure), 500, "internal-error");
            assert!(!problem.to_string().contains("arn:aws"), "{problem}");
        }
    }

    #[test]
    fn request_errors_keep_their_own_problems() {
        assert_problem(
            &error(ApiError::MissingPathParameter("event")),
            500,
            "internal-error",
        );
        assert_problem(
            &error(ApiError::Cfp(CfpError::InvalidQuery(vec![
                FieldError::new("q", "must be given once"),
            ]))),
            400,
            "invalid-query",
        );
    }
}
