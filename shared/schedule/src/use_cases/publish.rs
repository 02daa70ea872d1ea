//! createSchedule, second half (a release freezes the draft) and getSchedule (the latest release).

use chrono::{DateTime, Utc};

use crate::error::ScheduleError;
use crate::ports::ScheduleStore;
use crate::release::{Release, ReleaseHeader, ReleaseName};

/// Freezes the draft as the next release. The draft is checked again against the talks as they
/// are now: one withdrawn since it was saved is a conflict if it is still in the draft.
pub async fn release_draft(
    store: &dyn ScheduleStore,
    event: &str,
    name: Option<ReleaseName>,
    now: DateTime<Utc>,
) -> Result<Release, ScheduleError> {
    let frame = store
        .frame(event)
        .await?
        .ok_or_else(|| ScheduleError::UnknownEvent(event.to_owned()))?;
    let talks = store.confirmed_talks(event).await?;
    let draft = store.draft(event).await?.draft;
    // Only the number is needed: the header, not the whole latest release.
    let latest = store.latest_release_header(event).await?.map(|r| r.number);
    let release = Release::freeze(&frame, &talks, &draft, latest, name, now)?;
    store.put_release(event, &release).await?;
    Ok(release)
}

/// The public schedule: the latest release, never the draft.
pub async fn published_schedule(
    store: &dyn ScheduleStore,
    event: &str,
) -> Result<Release, ScheduleError> {
    match store.latest_release(event).await? {
        Some(release) => Ok(release),
        None => Err(nothing_published(store, event).await),
    }
}

/// The header of the public schedule, for readers that may need no more than that (whether
/// what they rendered from it is still current), with the same answers as
/// [`published_schedule`] when there is none.
pub async fn published_header(
    store: &dyn ScheduleStore,
    event: &str,
) -> Result<ReleaseHeader, ScheduleError> {
    match store.latest_release_header(event).await? {
        Some(header) => Ok(header),
        None => Err(nothing_published(store, event).await),
    }
}

/// Why an event has no release: it exists and nothing is released yet, or it does not exist.
async fn nothing_published(store: &dyn ScheduleStore, event: &str) -> ScheduleError {
    match store.frame(event).await {
        Ok(Some(_)) => ScheduleError::NotReleased(event.to_owned()),
        Ok(None) => ScheduleError::UnknownEvent(event.to_owned()),
        Err(error) => error.into(),
    }
}
