//! updateTalkDetails, for event snapshots: keeps the schedule's copy of an event (frame and
//! organisers) at the newest version it has seen.

use crate::error::ScheduleError;
use crate::event_message::EventMessage;
use crate::ports::ScheduleStore;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventCopyOutcome {
    /// Redelivered or overtaken by a newer snapshot: nothing changed.
    Stale { stored: u32, received: u32 },
    /// The copy was written (the first one, or a newer version).
    Stored,
}

/// Applies one snapshot. Only a strictly newer version replaces the copy, with a write
/// conditional on the version read; a lost race is [`crate::StoreError::Concurrent`] and the
/// caller retries (the retry then finds the snapshot stale or applies it).
///
/// The draft is left alone when the frame changes: a slot in a room that no longer exists or
/// outside the new days is a conflict the organisers see on the draft and must resolve before
/// the next release.
pub async fn apply_event_message(
    store: &dyn ScheduleStore,
    message: &EventMessage,
) -> Result<EventCopyOutcome, ScheduleError> {
    let existing = store.event_copy(message.event_slug()).await?;
    let expected = match existing {
        Some(stored) if stored.version >= message.version() => {
            return Ok(EventCopyOutcome::Stale {
                stored: stored.version,
                received: message.version(),
            });
        }
        Some(stored) => Some(stored.version),
        None => None,
    };
    store.put_event_copy(&message.copy, expected).await?;
    Ok(EventCopyOutcome::Stored)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::in_memory::InMemoryScheduleStore;
    use crate::test_data;

    fn snapshot(version: u32, rooms: &[&str], organisers: &[&str]) -> EventMessage {
        let mut copy = crate::EventCopy {
            frame: test_data::frame(),
            organisers: organisers.iter().map(|o| (*o).to_owned()).collect(),
            version,
        };
        let mut spec = crate::FrameSpec::from(copy.frame);
        spec.rooms = rooms.iter().map(|r| (*r).to_owned()).collect();
        copy.frame = crate::EventFrame::new(spec).expect("a frame");
        EventMessage {
            kind: crate::event_message::EventMessageKind::EventUpdated,
            occurred_at: "2027-01-01T00:00:00Z".into(),
            copy,
        }
    }

    #[tokio::test]
    async fn keeps_the_newest_version_whatever_the_order() {
        let store = InMemoryScheduleStore::default();
        let slug = test_data::frame().slug().to_owned();
        let v1 = snapshot(1, &["Main"], &["ada"]);
        let v2 = snapshot(2, &["Main", "Side"], &["ada", "grace"]);
        let v3 = snapshot(3, &["Main", "Attic"], &["grace"]);

        assert_eq!(
            apply_event_message(&store, &v2).await,
            Ok(EventCopyOutcome::Stored)
        );
        // The creation arrives late, v2 is redelivered: neither rolls the copy back.
        for late in [&v1, &v2] {
            assert_eq!(
                apply_event_message(&store, late).await,
                Ok(EventCopyOutcome::Stale {
                    stored: 2,
                    received: late.version()
                })
            );
        }
        assert_eq!(store.event_copy(&slug).await, Ok(Some(v2.copy.clone())));
        assert_eq!(
            apply_event_message(&store, &v3).await,
            Ok(EventCopyOutcome::Stored)
        );
        let stored = store.event_copy(&slug).await.ok().flatten().expect("copy");
        assert_eq!(stored, v3.copy);
        assert!(!stored.is_organiser("ada"));
        assert_eq!(stored.frame.rooms(), ["Main", "Attic"]);
    }
}
