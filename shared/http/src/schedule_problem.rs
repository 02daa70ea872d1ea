//! The schedule context's errors as HTTP statuses and problem details. Ideas the CfP context has
//! too (invalid input, unknown event, not allowed) go through [`crate::problem`] and keep its
//! problem types; what only a schedule has (conflicts, an empty draft, nothing released) is
//! mapped here, once.

use std::fmt;

use cfp_domain::{CfpError, FieldError};
use cfp_schedule::{ConflictReport, ScheduleError, StoreError};
use http::StatusCode;
use http::header::CONTENT_TYPE;
use lambda_http::{Body, Response};
use serde::Serialize;

use crate::error::ApiError;
use crate::problem::{PROBLEM_TYPE_BASE, Problem};
use crate::response::{JsonResponse, respond};

/// Everything a schedule handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ScheduleApiError {
    /// The request's own problems (body, caller, route) and the shared ones (403, 404...).
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Schedule(#[from] ScheduleError),
    /// Conflicts described with the slots they name (`cfp_schedule::DraftView`), for a 409 that
    /// says where and when.
    #[error("the schedule has {} conflict(s)", .0.len())]
    Conflicts(Vec<ConflictReport>),
}

impl From<CfpError> for ScheduleApiError {
    fn from(error: CfpError) -> Self {
        ScheduleApiError::Api(ApiError::Cfp(error))
    }
}

/// A problem with, for conflicts, the list of them.
#[derive(Debug, Serialize)]
struct ScheduleProblem {
    #[serde(flatten)]
    problem: Problem,
    #[serde(skip_serializing_if = "Option::is_none")]
    conflicts: Option<Vec<ConflictReport>>,
}

/// The response for a schedule handler's result: the JSON, or the error as problem+json.
pub fn respond_schedule(result: Result<JsonResponse, ScheduleApiError>) -> Response<Body> {
    match result {
        Ok(response) => respond(Ok(response)),
        Err(ScheduleApiError::Api(error)) => respond(Err(error)),
        Err(ScheduleApiError::Conflicts(reports)) => conflicts(reports),
        Err(ScheduleApiError::Schedule(error)) => schedule_error(error),
    }
}

fn schedule_error(error: ScheduleError) -> Response<Body> {
    let detail = error.to_string();
    let refuse = |status, name, title| problem_response(problem(status, name, title, &detail));
    match error {
        ScheduleError::Invalid(invalid) => respond(Err(ApiError::Cfp(CfpError::Validation(
            invalid
                .0
                .into_iter()
                .map(|p| FieldError::new(p.field, p.message))
                .collect(),
        )))),
        ScheduleError::UnknownEvent(slug) => {
            respond(Err(ApiError::Cfp(CfpError::EventNotFound(slug))))
        }
        ScheduleError::Conflicts(found) => conflicts(
            found
                .into_iter()
                .map(|conflict| ConflictReport {
                    detail: conflict.to_string(),
                    conflict,
                    placements: Vec::new(),
                })
                .collect(),
        ),
        ScheduleError::EmptyDraft => refuse(
            StatusCode::CONFLICT,
            "empty-draft",
            "The draft is empty; there is nothing to release",
        ),
        ScheduleError::NotReleased(_) => refuse(
            StatusCode::NOT_FOUND,
            "schedule-not-released",
            "No schedule has been released for this event yet",
        ),
        ScheduleError::TooManyReleases => refuse(
            StatusCode::CONFLICT,
            "too-many-releases",
            "The event has as many releases as it can have",
        ),
        ScheduleError::Store(StoreError::Concurrent) => refuse(
            StatusCode::CONFLICT,
            "concurrent-change",
            "Changed by another request at the same time",
        ),
        ScheduleError::Store(StoreError::TooLarge(_)) => refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "schedule-too-large",
            "The schedule is larger than can be stored",
        ),
        ScheduleError::Store(StoreError::Unavailable(_) | StoreError::Corrupt { .. }) => {
            respond(Err(ApiError::Internal(detail)))
        }
    }
}

fn conflicts(reports: Vec<ConflictReport>) -> Response<Body> {
    let detail = match reports.len() {
        1 => format!("1 conflict: {}", reports[0].detail),
        n => format!("{n} conflicts; each is listed under `conflicts`"),
    };
    problem_response(ScheduleProblem {
        conflicts: Some(reports),
        ..problem(
            StatusCode::CONFLICT,
            "schedule-conflicts",
            "The schedule has conflicts",
            &detail,
        )
    })
}

fn problem(
    status: StatusCode,
    name: &str,
    title: &'static str,
    detail: &impl fmt::Display,
) -> ScheduleProblem {
    ScheduleProblem {
        problem: Problem {
            type_: format!("{PROBLEM_TYPE_BASE}{name}"),
            title,
            status: status.as_u16(),
            detail: detail.to_string(),
            errors: None,
        },
        conflicts: None,
    }
}

/// Only 4xx get here (server errors go through [`respond`], which logs their cause).
fn problem_response(problem: ScheduleProblem) -> Response<Body> {
    let status = problem.problem.status();
    tracing::info!(status = status.as_u16(), problem = %problem.problem.type_, "request refused");
    let body = serde_json::to_vec(&problem).unwrap_or_else(|_| {
        // Plain strings and numbers always serialize; keep a body anyway.
        br#"{"type":"about:blank","title":"Conflict","status":409}"#.to_vec()
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
    use cfp_schedule::{Conflict, InvalidInput, TalkId};

    fn talk(n: u8) -> TalkId {
        TalkId::parse(&format!("01900000-0000-7000-8000-0000000000{n:02x}")).expect("a talk id")
    }

    fn error(error: impl Into<ScheduleApiError>) -> Response<Body> {
        respond_schedule(Err(error.into()))
    }

    #[test]
    fn each_schedule_error_has_its_status() {
        let cases: Vec<(ScheduleError, u16, &str)> = vec![
            (
                InvalidInput::one("slots[0].start", "is required").into(),
                422,
                "validation-failed",
            ),
            (
                ScheduleError::UnknownEvent("nope".into()),
                404,
                "event-not-found",
            ),
            (ScheduleError::EmptyDraft, 409, "empty-draft"),
            (
                ScheduleError::NotReleased("x".into()),
                404,
                "schedule-not-released",
            ),
            (ScheduleError::TooManyReleases, 409, "too-many-releases"),
            (StoreError::Concurrent.into(), 409, "concurrent-change"),
            (
                StoreError::TooLarge("x".into()).into(),
                422,
                "schedule-too-large",
            ),
            (
                StoreError::Unavailable("x".into()).into(),
                500,
                "internal-error",
            ),
        ];
        for (schedule_error, status, name) in cases {
            assert_problem(&error(schedule_error), status, name);
        }
        let forbidden = error(CfpError::Forbidden("only organisers"));
        assert_problem(&forbidden, 403, "forbidden");
    }

    #[test]
    fn invalid_input_lists_every_field() {
        let problem = assert_problem(
            &error(ScheduleError::Invalid(InvalidInput(vec![
                cfp_schedule::InputProblem::new("slots[0].start", "is required"),
                cfp_schedule::InputProblem::new("slots[1].talkId", "must be a UUID"),
            ]))),
            422,
            "validation-failed",
        );
        assert_eq!(problem["errors"][1]["field"], "slots[1].talkId");
        assert_eq!(problem["errors"][1]["message"], "must be a UUID");
    }

    #[test]
    fn conflicts_are_listed_typed_and_described() {
        let found = vec![
            Conflict::UnknownRoom {
                slot: 0,
                talk: talk(1),
                room: "Attic".into(),
            },
            Conflict::RoomOverlap {
                room: "Main".into(),
                slots: [1, 2],
                talks: [talk(2), talk(3)],
            },
        ];
        let problem = assert_problem(
            &error(ScheduleError::Conflicts(found)),
            409,
            "schedule-conflicts",
        );
        assert_eq!(
            problem["detail"],
            "2 conflicts; each is listed under `conflicts`"
        );
        let listed = &problem["conflicts"];
        assert_eq!(listed[0]["kind"], "unknown-room");
        assert_eq!(listed[0]["room"], "Attic");
        assert_eq!(listed[0]["detail"], "slot 0: the event has no room Attic");
        assert_eq!(listed[1]["kind"], "room-overlap");
        assert_eq!(listed[1]["talks"][1], talk(3).to_string());
        assert_eq!(listed[1]["slots"], serde_json::json!([1, 2]));
    }

    #[test]
    fn server_errors_say_nothing_of_their_cause() {
        let secret = "arn:aws:dynamodb:eu-central-1:123456789012:table/schedule throttled";
        for store_error in [
            StoreError::Unavailable(secret.into()),
            StoreError::Corrupt {
                key: secret.into(),
                reason: "bad gzip".into(),
            },
        ] {
            let response = error(ScheduleError::Store(store_error));
            let problem = assert_problem(&response, 500, "internal-error");
            assert!(!problem.to_string().contains("arn:aws"), "{problem}");
        }
    }
}
