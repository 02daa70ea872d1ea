//! createSchedule, second half (a release freezes the draft) and getSchedule (the latest release).

use chrono::{DateTime, Utc};

use crate::error::ScheduleError;
use crate::ports::ScheduleStore;
use crate::release::{Release, ReleaseName};

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
    let draft = store.draft(event).await?;
    let latest = store.latest_release(event).await?.map(|r| r.number);
    let release = Release::freeze(&frame, &talks, &draft, latest, name, now)?;
    store.put_release(event, &release).await?;
    Ok(release)
}

/// The public schedule: the latest release, never the draft.
pub async fn published_schedule(
    store: &dyn ScheduleStore,
    event: &str,
) -> Result<Release, ScheduleError> {
    if let Some(release) = store.latest_release(event).await? {
        return Ok(release);
    }
    match store.frame(event).await? {
        Some(_) => Err(ScheduleError::NotReleased(event.to_owned())),
        None => Err(ScheduleError::UnknownEvent(event.to_owned())),
    }
}
