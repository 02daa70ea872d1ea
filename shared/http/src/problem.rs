//! The one place where errors become HTTP statuses and RFC 9457 problem details.

use cfp_domain::{CfpError, FieldError};
use http::StatusCode;
use http::header::{CONTENT_TYPE, WWW_AUTHENTICATE};
use lambda_http::{Body, Response};
use serde::Serialize;

use crate::error::ApiError;

/// Problem types are tag URIs (RFC 4151): stable names that nobody is meant to dereference.
pub const PROBLEM_TYPE_BASE: &str = "tag:cfp.example.org,2026:problems/";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_: String,
    pub title: &'static str,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
}

impl Problem {
    pub(crate) fn new(
        status: StatusCode,
        name: &str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Problem {
        Problem {
            type_: format!("{PROBLEM_TYPE_BASE}{name}"),
            title,
            status: status.as_u16(),
            detail: detail.into(),
            errors: None,
        }
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl From<&ApiError> for Problem {
    fn from(error: &ApiError) -> Problem {
        let detail = error.to_string();
        match error {
            ApiError::MissingBody => Problem::new(
                StatusCode::BAD_REQUEST,
                "body-required",
                "A JSON body is required",
                detail,
            ),
            ApiError::MalformedJson(_) => Problem::new(
                StatusCode::BAD_REQUEST,
                "malformed-json",
                "The body is not valid JSON",
                detail,
            ),
            ApiError::UnsupportedMediaType(_) => Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "The body must be JSON",
                detail,
            ),
            ApiError::PayloadTooLarge { .. } => Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload-too-large",
                "The body is too large",
                detail,
            ),
            ApiError::InvalidIfMatch(_) => Problem::new(
                StatusCode::BAD_REQUEST,
                "invalid-if-match",
                "If-Match is not a proposal's ETag",
                detail,
            ),
            ApiError::InvalidIdempotencyKey(_) => Problem::new(
                StatusCode::BAD_REQUEST,
                "invalid-idempotency-key",
                "The Idempotency-Key is not valid",
                detail,
            ),
            ApiError::IdempotencyKeyReused => Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency-key-reused",
                "The Idempotency-Key was used for another request",
                detail,
            ),
            ApiError::IdempotencyInProgress => Problem::new(
                StatusCode::CONFLICT,
                "idempotency-in-progress",
                "The same request is still being processed",
                detail,
            ),
            ApiError::MissingPathParameter(_)
            | ApiError::MissingRouteKey
            | ApiError::UnservedRoute(_)
            | ApiError::Internal(_) => internal(),
            ApiError::Cfp(error) => match error {
                CfpError::Validation(errors) => Problem {
                    errors: Some(errors.clone()),
                    ..Problem::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "validation-failed",
                        "The request is not valid",
                        match errors.len() {
                            1 => "1 field is invalid".to_owned(),
                            n => format!("{n} fields are invalid"),
                        },
                    )
                },
                CfpError::Unauthenticated(_) => Problem::new(
                    StatusCode::UNAUTHORIZED,
                    "unauthenticated",
                    "Not signed in",
                    detail,
                ),
                CfpError::Forbidden(_) => {
                    Problem::new(StatusCode::FORBIDDEN, "forbidden", "Not allowed", detail)
                }
                CfpError::EventNotFound(_) => Problem::new(
                    StatusCode::NOT_FOUND,
                    "event-not-found",
                    "No such event",
                    detail,
                ),
                CfpError::ProposalNotFound => Problem::new(
                    StatusCode::NOT_FOUND,
                    "proposal-not-found",
                    "No such proposal",
                    detail,
                ),
                CfpError::SlugTaken(_) => Problem::new(
                    StatusCode::CONFLICT,
                    "slug-taken",
                    "The slug is taken",
                    detail,
                ),
                CfpError::CfpClosed { .. } => Problem::new(
                    StatusCode::CONFLICT,
                    "cfp-closed",
                    "The call for papers is closed",
                    detail,
                ),
                CfpError::InvalidTransition { .. } => Problem::new(
                    StatusCode::CONFLICT,
                    "invalid-transition",
                    "The proposal's state does not allow this",
                    detail,
                ),
                CfpError::PreconditionRequired(_) => Problem::new(
                    StatusCode::PRECONDITION_REQUIRED,
                    "precondition-required",
                    "If-Match is required",
                    detail,
                ),
                CfpError::VersionMismatch { .. } => Problem::new(
                    StatusCode::PRECONDITION_FAILED,
                    "version-mismatch",
                    "The proposal has changed",
                    detail,
                ),
                CfpError::InvalidQuery(errors) => Problem {
                    errors: Some(errors.clone()),
                    ..Problem::new(
                        StatusCode::BAD_REQUEST,
                        "invalid-query",
                        "The query parameters are not valid",
                        match errors.len() {
                            1 => "1 query parameter is invalid".to_owned(),
                            n => format!("{n} query parameters are invalid"),
                        },
                    )
                },
                CfpError::TeamConflict(_) => Problem::new(
                    StatusCode::CONFLICT,
                    "team-conflict",
                    "The team would be left without an organiser",
                    detail,
                ),
                CfpError::ConcurrentChange(_) => Problem::new(
                    StatusCode::CONFLICT,
                    "concurrent-change",
                    "Changed by another request at the same time",
                    detail,
                ),
                CfpError::Store(_) | CfpError::Mail(_) => internal(),
            },
        }
    }
}

/// The cause goes to the log, never to the caller.
pub(crate) fn internal() -> Problem {
    Problem::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal-error",
        "Something went wrong on our side",
        "The request could not be completed. Please try again later.",
    )
}

/// Renders `error` as an `application/problem+json` response, logging it.
pub(crate) fn problem_response(error: &ApiError) -> Response<Body> {
    let problem = Problem::from(error);
    let status = problem.status();
    if status.is_server_error() {
        tracing::error!(error = %error, "request failed");
    } else {
        // Problem type only: details may quote the caller's input.
        tracing::info!(status = status.as_u16(), problem = %problem.type_, "request refused");
    }
    let body = serde_json::to_vec(&problem).unwrap_or_else(|_| {
        // Serializing plain strings and numbers cannot fail; keep a body anyway.
        br#"{"type":"about:blank","title":"Internal Server Error","status":500}"#.to_vec()
    });
    let mut builder = Response::builder()
        .status(status)
        .header(CONTENT_TYPE, "application/problem+json");
    if status == StatusCode::UNAUTHORIZED {
        builder = builder.header(WWW_AUTHENTICATE, "Bearer");
    }
    builder.body(Body::from(body)).unwrap_or_else(|_| {
        let mut response = Response::new(Body::Empty);
        *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        response
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use cfp_domain::{MailError, StoreError};

    fn problem(error: ApiError) -> (u16, serde_json::Value) {
        let response = problem_response(&error);
        assert_eq!(
            response
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok()),
            Some("application/problem+json")
        );
        let body: serde_json::Value =
            serde_json::from_slice(response.body().as_ref()).expect("json");
        assert_eq!(body["status"], response.status().as_u16());
        assert!(
            body["title"].is_string() && body["detail"].is_string(),
            "{body}"
        );
        (response.status().as_u16(), body)
    }

    #[test]
    fn each_error_class_has_its_status() {
        let closed = CfpError::CfpClosed {
            closed_at: chrono::DateTime::parse_from_rfc3339("2027-03-31T23:59:00+02:00")
                .expect("time"),
        };
        let cases: Vec<(ApiError, u16, &str)> = vec![
            (ApiError::MissingBody, 400, "body-required"),
            (ApiError::MalformedJson("x".into()), 400, "malformed-json"),
            (
                ApiError::UnsupportedMediaType("x".into()),
                415,
                "unsupported-media-type",
            ),
            (
                ApiError::PayloadTooLarge { limit: 1 },
                413,
                "payload-too-large",
            ),
            (
                CfpError::Validation(vec![FieldError::new("title", "is required")]).into(),
                422,
                "validation-failed",
            ),
            (
                CfpError::Unauthenticated("x").into(),
                401,
                "unauthenticated",
            ),
            (CfpError::Forbidden("x").into(), 403, "forbidden"),
            (
                CfpError::EventNotFound("x".into()).into(),
                404,
                "event-not-found",
            ),
            (CfpError::ProposalNotFound.into(), 404, "proposal-not-found"),
            (CfpError::SlugTaken("x".into()).into(), 409, "slug-taken"),
            (closed.into(), 409, "cfp-closed"),
            (
                CfpError::InvalidTransition {
                    status: "confirmed",
                    action: "rejected",
                }
                .into(),
                409,
                "invalid-transition",
            ),
            (
                CfpError::PreconditionRequired("x").into(),
                428,
                "precondition-required",
            ),
            (
                CfpError::VersionMismatch {
                    expected: 1,
                    current: 2,
                }
                .into(),
                412,
                "version-mismatch",
            ),
            (
                CfpError::InvalidQuery(vec![FieldError::new("cursor", "x")]).into(),
                400,
                "invalid-query",
            ),
            (CfpError::TeamConflict("x").into(), 409, "team-conflict"),
            (
                CfpError::ConcurrentChange("x").into(),
                409,
                "concurrent-change",
            ),
            (
                ApiError::InvalidIfMatch("x".into()),
                400,
                "invalid-if-match",
            ),
            (
                ApiError::InvalidIdempotencyKey("x".into()),
                400,
                "invalid-idempotency-key",
            ),
            (
                ApiError::IdempotencyKeyReused,
                422,
                "idempotency-key-reused",
            ),
            (
                ApiError::IdempotencyInProgress,
                409,
                "idempotency-in-progress",
            ),
        ];
        for (error, status, name) in cases {
            let (actual, body) = problem(error);
            assert_eq!(actual, status, "{body}");
            assert_eq!(body["type"], format!("{PROBLEM_TYPE_BASE}{name}"));
        }
    }

    #[test]
    fn validation_problems_list_the_fields() {
        let (_, body) = problem(
            CfpError::Validation(vec![
                FieldError::new("title", "is required"),
                FieldError::new("speaker.name", "must not be empty"),
            ])
            .into(),
        );
        assert_eq!(body["detail"], "2 fields are invalid");
        assert_eq!(body["errors"][1]["field"], "speaker.name");
        assert_eq!(body["errors"][1]["message"], "must not be empty");
    }

    #[test]
    fn server_errors_say_nothing_of_their_cause() {
        let secret = "arn:aws:dynamodb:eu-central-1:123456789012:table/cfp throttled";
        for error in [
            ApiError::Cfp(CfpError::Store(StoreError::Backend {
                operation: "GetItem",
                message: secret.into(),
            })),
            ApiError::Cfp(CfpError::Mail(MailError(secret.into()))),
            ApiError::MissingPathParameter("event"),
            ApiError::MissingRouteKey,
            ApiError::UnservedRoute("POST /events/{event}/cfps/{id}/withdraw".into()),
        ] {
            let (status, body) = problem(error);
            assert_eq!(status, 500);
            assert!(!body.to_string().contains("arn:aws"), "{body}");
            assert!(body.get("errors").is_none());
        }
    }

    #[test]
    fn unauthenticated_asks_for_a_bearer_token() {
        let response = problem_response(&CfpError::Unauthenticated("x").into());
        assert_eq!(
            response
                .headers()
                .get(WWW_AUTHENTICATE)
                .and_then(|v| v.to_str().ok()),
            Some("Bearer")
        );
    }
}
