//! createSchedule, first half: organisers save the draft; a draft with conflicts is refused with
//! all of them and not saved.

use crate::conflict::check_draft;
use crate::draft::Draft;
use crate::error::ScheduleError;
use crate::ports::ScheduleStore;

pub async fn save_draft(
    store: &dyn ScheduleStore,
    event: &str,
    draft: Draft,
) -> Result<Draft, ScheduleError> {
    let frame = store
        .frame(event)
        .await?
        .ok_or_else(|| ScheduleError::UnknownEvent(event.to_owned()))?;
    let talks = store.confirmed_talks(event).await?;
    let conflicts = check_draft(&frame, &talks, &draft);
    if !conflicts.is_empty() {
        return Err(ScheduleError::Conflicts(conflicts));
    }
    store.put_draft(event, &draft).await?;
    Ok(draft)
}
