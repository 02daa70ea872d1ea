//! Event snapshots: an event was created, or changed (its team). Each carries the whole event as
//! the schedule needs it (its frame and its organisers' user ids), so a consumer keeps the latest
//! version it has seen and never has to merge partial changes.
//!
//! No e-mail addresses and no reviewers: the schedule only needs to know who may build it.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::time;
use crate::dedupe::DedupeKey;
use crate::event::{Event, PublicSessionType};
use crate::team::Role;
use crate::validation::InvalidValue;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum EventSnapshotType {
    /// The event was set up.
    EventCreated,
    /// The event changed (a new version): today that is its team.
    EventUpdated,
}

impl EventSnapshotType {
    pub fn as_str(&self) -> &'static str {
        match self {
            EventSnapshotType::EventCreated => "EventCreated",
            EventSnapshotType::EventUpdated => "EventUpdated",
        }
    }
}

/// One message on the topic. Consumers keep the snapshot with the highest `version`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventSnapshot {
    #[serde(rename = "type")]
    pub kind: EventSnapshotType,
    pub event_slug: String,
    pub version: u32,
    pub occurred_at: String,
    pub event: SnapshotEvent,
}

/// The event as the schedule needs it. Without `organisers` it reads as the schedule's
/// `FrameSpec` (whose hours default).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotEvent {
    pub slug: String,
    pub name: String,
    pub time_zone: String,
    /// `YYYY-MM-DD`.
    pub start_date: String,
    pub end_date: String,
    pub rooms: Vec<String>,
    pub tracks: Vec<String>,
    pub session_types: Vec<PublicSessionType>,
    /// The user ids (token `sub`) of the organisers, sorted.
    pub organisers: Vec<String>,
}

impl From<&Event> for SnapshotEvent {
    fn from(event: &Event) -> Self {
        SnapshotEvent {
            slug: event.slug.to_string(),
            name: event.name.to_string(),
            time_zone: event.time_zone.name().to_owned(),
            start_date: event.dates.start().format("%Y-%m-%d").to_string(),
            end_date: event.dates.end().format("%Y-%m-%d").to_string(),
            rooms: event.rooms.iter().map(|r| r.name.to_string()).collect(),
            tracks: event.tracks.iter().map(|t| t.name.to_string()).collect(),
            session_types: event
                .session_types
                .iter()
                .map(|session_type| PublicSessionType {
                    name: session_type.name.to_string(),
                    duration_minutes: session_type.duration.get(),
                })
                .collect(),
            // The team is ordered by user id: the list is stable for equal teams.
            organisers: event
                .team
                .members()
                .filter(|(_, role)| *role == Role::Organiser)
                .map(|(user, _)| user.to_string())
                .collect(),
        }
    }
}

/// One change of an event item, as a stream record reports it. Events are never deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventChange {
    Inserted(Event),
    Modified { old: Event, new: Event },
}

fn snapshot(kind: EventSnapshotType, event: &Event, at: DateTime<Utc>) -> EventSnapshot {
    EventSnapshot {
        kind,
        event_slug: event.slug.to_string(),
        version: event.version.get(),
        occurred_at: time(at),
        event: SnapshotEvent::from(event),
    }
}

/// The snapshot a change makes, if any: every new event, and every change that made a new
/// version. A rewrite that kept the version (nothing changed for the event's readers) is none.
pub fn event_snapshot(change: &EventChange) -> Option<EventSnapshot> {
    match change {
        EventChange::Inserted(new) => Some(snapshot(
            EventSnapshotType::EventCreated,
            new,
            new.created_at,
        )),
        EventChange::Modified { old, new } => (old.slug == new.slug && new.version > old.version)
            .then(|| snapshot(EventSnapshotType::EventUpdated, new, new.updated_at)),
    }
}

impl EventSnapshot {
    /// One publication per event, version and type, however often the change is delivered.
    pub fn dedupe_key(&self) -> Result<DedupeKey, InvalidValue> {
        DedupeKey::parse(&format!(
            "cfp-event-snapshot#{}#{}#{}",
            self.event_slug,
            self.version,
            self.kind.as_str()
        ))
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::event::EventSlug;
    use crate::test_data;

    fn team_change(old: &Event, role: Role) -> Event {
        let team = old
            .team
            .with_member(test_data::other_admin().user_id, role)
            .expect("a valid team");
        old.with_team(team, old.created_at + Duration::hours(1))
            .expect("the next version")
    }

    #[test]
    fn a_new_event_is_created_at_version_one() {
        let event = test_data::event();
        let created = event_snapshot(&EventChange::Inserted(event.clone())).expect("a snapshot");
        assert_eq!(created.kind, EventSnapshotType::EventCreated);
        assert_eq!(created.version, 1);
        assert_eq!(created.event_slug, "devconf-2027");
        assert_eq!(created.occurred_at, "2026-11-02T09:00:00.000Z");
        assert_eq!(
            created.event.organisers,
            [test_data::admin().user_id.to_string()]
        );
    }

    #[test]
    fn a_team_change_is_an_update_at_the_next_version() {
        let old = test_data::event();
        let new = team_change(&old, Role::Organiser);
        let updated = event_snapshot(&EventChange::Modified {
            old,
            new: new.clone(),
        })
        .expect("a snapshot");
        assert_eq!(updated.kind, EventSnapshotType::EventUpdated);
        assert_eq!(updated.version, 2);
        assert_eq!(updated.occurred_at, "2026-11-02T10:00:00.000Z");
        let mut organisers = vec![
            test_data::admin().user_id.to_string(),
            test_data::other_admin().user_id.to_string(),
        ];
        organisers.sort();
        assert_eq!(updated.event.organisers, organisers);
    }

    #[test]
    fn no_new_version_no_snapshot() {
        let old = test_data::event();
        let same = old.clone();
        assert_eq!(
            event_snapshot(&EventChange::Modified {
                old: old.clone(),
                new: same
            }),
            None
        );
        // An older image after a newer one (a replayed change) is no news either.
        let newer = team_change(&old, Role::Reviewer);
        assert_eq!(
            event_snapshot(&EventChange::Modified {
                old: newer.clone(),
                new: old.clone()
            }),
            None
        );
        let mut elsewhere = newer;
        elsewhere.slug = EventSlug::parse("other-conf").expect("slug");
        assert_eq!(
            event_snapshot(&EventChange::Modified {
                old,
                new: elsewhere
            }),
            None
        );
    }

    #[test]
    fn reviewers_are_not_organisers() {
        let old = test_data::event();
        let new = team_change(&old, Role::Reviewer);
        let updated = event_snapshot(&EventChange::Modified { old, new }).expect("a new version");
        assert_eq!(updated.kind, EventSnapshotType::EventUpdated);
        assert_eq!(
            updated.event.organisers,
            [test_data::admin().user_id.to_string()],
            "the new reviewer is not among them"
        );
    }

    #[test]
    fn the_message_has_the_documented_shape_and_no_address() {
        let snapshot =
            event_snapshot(&EventChange::Inserted(test_data::event())).expect("a snapshot");
        let json = serde_json::to_value(&snapshot).expect("json");
        assert_eq!(
            json,
            serde_json::json!({
                "type": "EventCreated",
                "eventSlug": "devconf-2027",
                "version": 1,
                "occurredAt": "2026-11-02T09:00:00.000Z",
                "event": {
                    "slug": "devconf-2027",
                    "name": "DevConf 2027",
                    "timeZone": "Europe/Berlin",
                    "startDate": "2027-06-10",
                    "endDate": "2027-06-12",
                    "rooms": ["Main Hall", "Room 2"],
                    "tracks": ["Cloud", "Rust"],
                    "sessionTypes": [
                        {"name": "Talk", "durationMinutes": 30},
                        {"name": "Workshop", "durationMinutes": 120}
                    ],
                    "organisers": [test_data::admin().user_id.as_str()]
                }
            })
        );
        assert!(!json.to_string().contains('@'), "{json}");
    }

    #[test]
    fn the_dedupe_key_names_event_version_and_type() {
        let old = test_data::event();
        let new = team_change(&old, Role::Reviewer);
        let snapshot = event_snapshot(&EventChange::Modified { old, new }).expect("a snapshot");
        assert_eq!(
            snapshot.dedupe_key().map(|k| k.as_str().to_owned()),
            Ok("cfp-event-snapshot#devconf-2027#2#EventUpdated".to_owned())
        );
    }
}
