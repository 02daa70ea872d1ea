//! getSchedule's errors as RFC 9457 problem+json. The schedule's errors (unknown event, nothing
//! released, store failures) and the request's are mapped by cfp-http, as for every function;
//! what is getSchedule's own (query, path, host, a talk not released, sizes) is mapped here,
//! in the same shape, and so are the Cache-Control headers of its refusals.

use cfp_domain::FieldError;
use cfp_http::{PROBLEM_TYPE_BASE, Problem, schedule_problem};
use cfp_schedule::InvalidInput;
use http::StatusCode;
use http::header::{CACHE_CONTROL, CONTENT_TYPE};
use lambda_http::{Body, Response};

use crate::error::GetScheduleError;

/// Refusals of a public GET are the same for everyone: a CDN may keep them briefly (a 404 before
/// the first release must not outlive it by much). Server errors are never stored.
const CACHE_REFUSAL: &str = "public, max-age=10";
const CACHE_NOTHING: &str = "no-store";

pub fn problem(error: &GetScheduleError) -> Problem {
    let detail = error.to_string();
    let problem = |status, name: &str, title, detail: String| Problem {
        type_: format!("{PROBLEM_TYPE_BASE}{name}"),
        title,
        status: StatusCode::as_u16(&status),
        detail,
        errors: None,
    };
    let with_fields = |name: &str, title, summary: &str, input: &InvalidInput| Problem {
        errors: Some(
            input
                .0
                .iter()
                .map(|p| FieldError::new(&p.field, &p.message))
                .collect(),
        ),
        ..problem(
            StatusCode::BAD_REQUEST,
            name,
            title,
            match input.0.len() {
                1 => format!("1 {summary} is invalid"),
                n => format!("{n} {summary}s are invalid"),
            },
        )
    };
    match error {
        GetScheduleError::Request(api) => Problem::from(api),
        GetScheduleError::InvalidQuery(input) => with_fields(
            "invalid-query",
            "The query parameters are not valid",
            "query parameter",
            input,
        ),
        GetScheduleError::InvalidPath(input) => with_fields(
            "invalid-path-parameter",
            "The path names nothing that can exist",
            "path parameter",
            input,
        ),
        GetScheduleError::InvalidHost(input) => with_fields(
            "invalid-host",
            "The request's host cannot be used in links",
            "header",
            input,
        ),
        GetScheduleError::Schedule(error) => schedule_problem(error),
        GetScheduleError::TalkNotReleased { .. } => problem(
            StatusCode::NOT_FOUND,
            "talk-not-found",
            "No such talk in the published schedule",
            detail,
        ),
        GetScheduleError::TooLargeUncompressed { .. } => problem(
            StatusCode::NOT_ACCEPTABLE,
            "gzip-required",
            "This representation is only sent gzip-compressed",
            detail,
        ),
        GetScheduleError::TooLarge { .. } | GetScheduleError::Render(_) => problem(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal-error",
            "Something went wrong on our side",
            "The request could not be completed. Please try again later.".to_owned(),
        ),
    }
}

/// Renders `error` as an `application/problem+json` response, logging it.
pub fn problem_response(error: &GetScheduleError) -> Response<Body> {
    let problem = problem(error);
    let status = problem.status();
    if status.is_server_error() {
        tracing::error!(error = %error, "request failed");
    } else {
        // The problem type only: details may quote the caller's input.
        tracing::info!(status = status.as_u16(), problem = %problem.type_, "request refused");
    }
    let body = serde_json::to_vec(&problem).unwrap_or_else(|_| {
        // Serializing plain strings and numbers cannot fail; keep a body anyway.
        br#"{"type":"about:blank","title":"Internal Server Error","status":500}"#.to_vec()
    });
    let cache = if status.is_server_error() {
        CACHE_NOTHING
    } else {
        CACHE_REFUSAL
    };
    Response::builder()
        .status(status)
        .header(CONTENT_TYPE, "application/problem+json")
        .header(CACHE_CONTROL, cache)
        .body(Body::from(body))
        .unwrap_or_else(|_| {
            let mut response = Response::new(Body::Empty);
            *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            response
        })
}
