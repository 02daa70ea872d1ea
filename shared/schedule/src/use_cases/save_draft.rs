//! createSchedule, first half: organisers save the draft; a draft with conflicts is refused with
//! all of them and not saved.

use crate::conflict::check_draft;
use crate::draft::Draft;
use crate::error::{ScheduleError, StoreError};
use crate::ports::ScheduleStore;

/// How often a save (or a withdrawal's clean-up of the draft) starts again from a fresh read
/// after losing the draft to a concurrent write, before it gives up with
/// [`StoreError::Concurrent`].
pub(crate) const DRAFT_WRITE_ATTEMPTS: usize = 5;

/// Saves the draft if it has no conflict with the talks as they are when it is written. The
/// write is conditional on the draft's version, read before the talks: a withdrawal that
/// lands meanwhile always writes the draft too (see `apply_talk_message`), so this save then
/// loses, reads again and checks the draft against the talks without the withdrawn one.
pub async fn save_draft(
    store: &dyn ScheduleStore,
    event: &str,
    draft: Draft,
) -> Result<Draft, ScheduleError> {
    let frame = store
        .frame(event)
        .await?
        .ok_or_else(|| ScheduleError::UnknownEvent(event.to_owned()))?;
    for _ in 0..DRAFT_WRITE_ATTEMPTS {
        let version = store.draft(event).await?.version;
        let talks = store.confirmed_talks(event).await?;
        let conflicts = check_draft(&frame, &talks, &draft);
        if !conflicts.is_empty() {
            return Err(ScheduleError::Conflicts(conflicts));
        }
        match store.put_draft(event, &draft, version).await {
            Ok(_) => return Ok(draft),
            Err(StoreError::Concurrent) => continue,
            Err(error) => return Err(error.into()),
        }
    }
    Err(StoreError::Concurrent.into())
}
