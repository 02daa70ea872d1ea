//! `createSchedule`: the organisers' side of the schedule.
//!
//! - `PUT /events/{event}/schedule` `{slots: [{talkId, room, start}]}` saves the draft when it
//!   has no conflict and answers it with every slot's computed end; otherwise 409 listing every
//!   conflict, each with the slots (talk, room, start, end) it is about, and nothing is saved.
//! - `GET /events/{event}/schedule/draft` answers the draft as it stands, with the conflicts it
//!   has now (a talk withdrawn or changed since it was saved).
//! - `POST /events/{event}/schedule/releases` `{name?}` freezes the draft as the next numbered
//!   release, which becomes the public schedule: 201 with a `Location` to it; 409 when the draft
//!   is empty or has conflicts, or another release was made at the same moment. An
//!   `Idempotency-Key` makes a retry answer the first result instead of releasing twice.
//!
//! Only the event's organisers (per the schedule's copy of the event) may call these; anyone
//! else signed in gets 403, an unknown event 404.

use cfp_domain::CfpError;
use cfp_domain::ports::IdempotencyStore;
use cfp_http::{
    ApiError, Body, JsonResponse, Request, Response, ScheduleApiError, caller, idempotent,
    json_body, json_body_within, path_parameter, respond_schedule, route_key,
};
use cfp_schedule::draft::SlotRequest;
use cfp_schedule::ports::ScheduleStore;
use cfp_schedule::use_cases::{release_draft, save_draft};
use cfp_schedule::{
    Draft, DraftRequest, DraftView, EventCopy, Release, ReleaseName, ScheduleError,
};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    SaveDraft,
    GetDraft,
    Release,
}

/// The routes template.yaml gives this function.
pub const ROUTES: [(&str, Route); 3] = [
    ("PUT /events/{event}/schedule", Route::SaveDraft),
    ("GET /events/{event}/schedule/draft", Route::GetDraft),
    ("POST /events/{event}/schedule/releases", Route::Release),
];

/// A draft of [`Draft::MAX_SLOTS`] slots takes about 550 KB of JSON; the API's usual
/// [`cfp_http::MAX_BODY_BYTES`] would stop it at a few hundred.
pub const MAX_DRAFT_BODY_BYTES: usize = 1024 * 1024;

/// The answer for any of the routes.
pub async fn handle(
    request: Request,
    store: &dyn ScheduleStore,
    idempotency: &dyn IdempotencyStore,
    now: DateTime<Utc>,
) -> Response<Body> {
    let route = match route(&request) {
        Ok(route) => route,
        Err(error) => return respond_schedule(Err(error.into())),
    };
    match route {
        Route::SaveDraft => respond_schedule(put_draft(&request, store).await),
        Route::GetDraft => respond_schedule(get_draft(&request, store).await),
        Route::Release => {
            idempotent(request, idempotency, now, |request| async move {
                respond_schedule(post_release(&request, store, now).await)
            })
            .await
        }
    }
}

/// Any other route is a wiring mistake in the template, not the caller's: a 500.
fn route(request: &Request) -> Result<Route, ApiError> {
    let key = route_key(request)?;
    ROUTES
        .iter()
        .find(|(route, _)| *route == key)
        .map(|(_, route)| *route)
        .ok_or_else(|| ApiError::UnservedRoute(key.to_owned()))
}

/// The event named by the path, if the caller organises it: 401 without a caller, 404 for an
/// event the schedule does not know, 403 for anyone but its organisers.
async fn organised_event(
    request: &Request,
    store: &dyn ScheduleStore,
) -> Result<EventCopy, ScheduleApiError> {
    let caller = caller(request)?;
    let slug = path_parameter(request, "event")?;
    let event = store
        .event_copy(&slug)
        .await
        .map_err(ScheduleError::from)?
        .ok_or(ScheduleError::UnknownEvent(slug))?;
    if !event.is_organiser(caller.user_id.as_str()) {
        return Err(
            CfpError::Forbidden("only the event's organisers may work on its schedule").into(),
        );
    }
    Ok(event)
}

/// The body of `PUT .../schedule`: refuses unknown fields like every body of the API; what
/// is missing or malformed in a slot is listed for every slot at once by [`Draft::parse`].
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DraftBody {
    slots: Vec<SlotBody>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SlotBody {
    talk_id: Option<String>,
    room: Option<String>,
    start: Option<String>,
}

impl From<DraftBody> for DraftRequest {
    fn from(body: DraftBody) -> DraftRequest {
        DraftRequest {
            slots: body
                .slots
                .into_iter()
                .map(|slot| SlotRequest {
                    talk_id: slot.talk_id,
                    room: slot.room,
                    start: slot.start,
                })
                .collect(),
        }
    }
}

async fn put_draft(
    request: &Request,
    store: &dyn ScheduleStore,
) -> Result<JsonResponse, ScheduleApiError> {
    let event = organised_event(request, store).await?;
    let body: DraftBody = json_body_within(request, MAX_DRAFT_BODY_BYTES)?;
    let draft = Draft::parse(body.into()).map_err(ScheduleError::from)?;
    let slug = event.frame.slug();
    match save_draft(store, slug, draft.clone()).await {
        Ok(saved) => {
            tracing::info!(event = slug, slots = saved.slots.len(), "draft saved");
            let talks = store
                .confirmed_talks(slug)
                .await
                .map_err(ScheduleError::from)?;
            Ok(JsonResponse::ok(&DraftView::new(
                &event.frame,
                &talks,
                &saved,
            ))?)
        }
        Err(ScheduleError::Conflicts(conflicts)) => {
            let talks = store
                .confirmed_talks(slug)
                .await
                .map_err(ScheduleError::from)?;
            let view = DraftView::with_conflicts(&event.frame, &talks, &draft, conflicts);
            Err(ScheduleApiError::Conflicts(view.conflicts))
        }
        Err(error) => Err(error.into()),
    }
}

async fn get_draft(
    request: &Request,
    store: &dyn ScheduleStore,
) -> Result<JsonResponse, ScheduleApiError> {
    let event = organised_event(request, store).await?;
    let slug = event.frame.slug();
    let draft = store.draft(slug).await.map_err(ScheduleError::from)?.draft;
    let talks = store
        .confirmed_talks(slug)
        .await
        .map_err(ScheduleError::from)?;
    Ok(JsonResponse::ok(&DraftView::new(
        &event.frame,
        &talks,
        &draft,
    ))?)
}

/// The body of `POST .../releases`; it may be left out altogether.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReleaseBody {
    name: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ReleaseCreated<'a> {
    version: u32,
    name: Option<&'a str>,
    released_at: String,
    /// How many talks the release holds.
    talks: usize,
}

async fn post_release(
    request: &Request,
    store: &dyn ScheduleStore,
    now: DateTime<Utc>,
) -> Result<JsonResponse, ScheduleApiError> {
    let event = organised_event(request, store).await?;
    let body: ReleaseBody = if request.body().is_empty() {
        ReleaseBody::default()
    } else {
        json_body(request)?
    };
    let name = body
        .name
        .as_deref()
        .map(ReleaseName::parse)
        .transpose()
        .map_err(ScheduleError::from)?;
    let slug = event.frame.slug();
    match release_draft(store, slug, name, now).await {
        Ok(release) => created(&release),
        Err(ScheduleError::Conflicts(conflicts)) => Err(described(store, &event, conflicts).await),
        Err(error) => Err(error.into()),
    }
}

fn created(release: &Release) -> Result<JsonResponse, ScheduleApiError> {
    let slug = release.frame.slug();
    tracing::info!(
        event = slug,
        release = release.number.get(),
        talks = release.talks.len(),
        "schedule released"
    );
    cfp_observability::metrics::schedule_released(slug);
    let body = ReleaseCreated {
        version: release.number.get(),
        name: release.name.as_ref().map(ReleaseName::as_str),
        released_at: release
            .released_at
            .to_rfc3339_opts(SecondsFormat::Secs, true),
        talks: release.talks.len(),
    };
    // The public schedule is the latest release: that is where this one is read.
    Ok(JsonResponse::created(
        format!("/events/{slug}/schedule"),
        &body,
    )?)
}

/// The release's conflicts with the slots they name. The draft is read again for that, so the
/// conflicts are found again on what was read (slot positions must match the draft shown); if
/// the draft was changed meanwhile and has none now, the conflicts as found are answered bare.
async fn described(
    store: &dyn ScheduleStore,
    event: &EventCopy,
    conflicts: Vec<cfp_schedule::Conflict>,
) -> ScheduleApiError {
    let slug = event.frame.slug();
    let (draft, talks) = match (store.draft(slug).await, store.confirmed_talks(slug).await) {
        (Ok(stored), Ok(talks)) => (stored.draft, talks),
        // The conflicts are known; their details are not worth a 500.
        _ => return ScheduleError::Conflicts(conflicts).into(),
    };
    let view = DraftView::new(&event.frame, &talks, &draft);
    if view.conflicts.is_empty() {
        ScheduleError::Conflicts(conflicts).into()
    } else {
        ScheduleApiError::Conflicts(view.conflicts)
    }
}

#[cfg(test)]
mod tests;
