//! The schedule context's errors as HTTP statuses and problem details. Ideas the CfP context has
//! too (invalid input, unknown event, not allowed) go through [`crate::problem`] and keep its
//! problem types; what only a schedule has (conflicts, an empty draft, nothing released) is
//! mapped here, once.

use cfp_domain::{CfpError, FieldError};
use cfp_schedule::{ConflictReport, ScheduleError, StoreError};
use http::StatusCode;
use http::header::CONTENT_TYPE;
use lambda_http::{Body, Response};
use serde::Serialize;

use crate::error::ApiError;
use crate::problem::{Problem, internal};
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

/// The one mapping of the schedule's errors to problem details, for every function of the
/// context (getSchedule renders them with its own caching headers). Server errors say nothing
/// of their cause; conflicts come out as a summary here, and [`respond_schedule`] lists them.
pub fn schedule_problem(error: &ScheduleError) -> Problem {
    let detail = error.to_string();
    let refuse = |status, name, title| Problem::new(status, name, title, detail.clone());
    match error {
        ScheduleError::Invalid(invalid) => Problem::from(&ApiError::Cfp(CfpError::Validation(
            invalid
                .0
                .iter()
                .map(|p| FieldError::new(&p.field, &p.message))
                .collect(),
        ))),
        ScheduleError::UnknownEvent(slug) => {
            Problem::from(&ApiError::Cfp(CfpError::EventNotFound(slug.clone())))
        }
        ScheduleError::Conflicts(found) => Problem::new(
            StatusCode::CONFLICT,
            CONFLICTS,
            CONFLICTS_TITLE,
            conflicts_detail(found.iter().map(ToString::to_string)),
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
        ScheduleError::Store(StoreError::Unavailable(_) | StoreError::Corrupt { .. }) => internal(),
    }
}

const CONFLICTS: &str = "schedule-conflicts";
const CONFLICTS_TITLE: &str = "The schedule has conflicts";

fn conflicts_detail(mut details: impl ExactSizeIterator<Item = String>) -> String {
    match (details.len(), details.next()) {
        (1, Some(only)) => format!("1 conflict: {only}"),
        (n, _) => format!("{n} conflicts; each is listed under `conflicts`"),
    }
}

fn schedule_error(error: ScheduleError) -> Response<Body> {
    match error {
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
        error => {
            let problem = schedule_problem(&error);
            if problem.status().is_server_error() {
                tracing::error!(error = %error, "request failed");
            }
            problem_response(ScheduleProblem {
                problem,
                conflicts: None,
            })
        }
    }
}

fn conflicts(reports: Vec<ConflictReport>) -> Response<Body> {
    let detail = conflicts_detail(reports.iter().map(|r| r.detail.clone()));
    problem_response(ScheduleProblem {
        problem: Problem::new(StatusCode::CONFLICT, CONFLICTS, CONFLICTS_TITLE, detail),
        conflicts: Some(reports),
    })
}

/// Refusals are logged by their type only (details may quote the caller's input); a server
/// error's cause was logged by the caller.
fn problem_response(problem: ScheduleProblem) -> Response<Body> {
    let status = problem.problem.status();
    if !status.is_server_error() {
        tracing::info!(status = status.as_u16(), problem = %problem.problem.type_, "request refused");
    }
    let body = serde_json::to_vec(&problem).unwrap_or_else(|_| {
        // Plain strings and numbers always serialize; keep a body anyway.
        br#"{"type":"about:blank","title":"Internal Server Error","status":500}"#.to_vec()
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
    fn schedule_problem_is_what_the_response_carries() {
        let secret = "arn:aws:dynamodb:eu-central-1:123456789012:table/schedule throttled";
        let errors = [
            ScheduleError::UnknownEvent("nope".into()),
            ScheduleError::NotReleased("devconf".into()),
            ScheduleError::EmptyDraft,
            StoreError::Concurrent.into(),
            StoreError::Unavailable(secret.into()).into(),
            InvalidInput::one("slots[0].start", "is required").into(),
            ScheduleError::Conflicts(vec![Conflict::UnknownRoom {
                slot: 0,
                talk: talk(1),
                room: "Attic".into(),
            }]),
        ];
        for schedule_error in errors {
            let problem = schedule_problem(&schedule_error);
            let expected = serde_json::to_value(&problem).expect("json");
            let response = error(schedule_error.clone());
            assert_eq!(response.status(), problem.status(), "{schedule_error:?}");
            let mut answered: serde_json::Value =
                serde_json::from_slice(response.body().as_ref()).expect("json");
            // Only the response lists the conflicts themselves.
            if let Some(fields) = answered.as_object_mut() {
                fields.remove("conflicts");
            }
            assert_eq!(answered, expected, "{schedule_error:?}");
        }
        let internal = schedule_problem(&StoreError::Unavailable(secret.into()).into());
        assert_eq!(internal.status, 500);
        assert!(internal.type_.ends_with("internal-error"));
        assert!(!internal.detail.contains("arn:aws"), "{internal:?}");
        let not_released = schedule_problem(&ScheduleError::NotReleased("devconf".into()));
        assert_eq!(
            (not_released.status, not_released.type_.as_str()),
            (
                404,
                "tag:cfp.example.org,2026:problems/schedule-not-released"
            )
        );
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
