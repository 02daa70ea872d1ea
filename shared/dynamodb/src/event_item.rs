//! An event as stored.

use std::collections::BTreeMap;

use cfp_domain::StoreError;
use cfp_domain::event::{
    CfpWindow, DurationMinutes, Event, EventDates, EventName, EventSlug, Room, RoomName,
    SessionType, SessionTypeName, TimeZone, Track, TrackName, parse_date,
};
use cfp_domain::team::{Role, Team, UserId};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::error::corrupt;
use crate::keys::{EVENT_ENTITY, EVENT_SK, describe, event_pk};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EventItem {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub slug: String,
    pub name: String,
    pub time_zone: String,
    pub start_date: String,
    pub end_date: String,
    pub cfp_closes_at: String,
    pub rooms: Vec<NameItem>,
    pub tracks: Vec<NameItem>,
    pub session_types: Vec<SessionTypeItem>,
    /// user id -> `organiser` | `reviewer`; a map so one member can be set with one update.
    pub team: BTreeMap<String, String>,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct NameItem {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SessionTypeItem {
    pub name: String,
    pub duration_minutes: u64,
}

impl From<&Event> for EventItem {
    fn from(event: &Event) -> Self {
        let name = |name: &str| NameItem {
            name: name.to_owned(),
        };
        EventItem {
            pk: event_pk(&event.slug),
            sk: EVENT_SK.to_owned(),
            entity: EVENT_ENTITY.to_owned(),
            slug: event.slug.to_string(),
            name: event.name.to_string(),
            time_zone: event.time_zone.name().to_owned(),
            start_date: event.dates.start().format("%Y-%m-%d").to_string(),
            end_date: event.dates.end().format("%Y-%m-%d").to_string(),
            cfp_closes_at: event
                .cfp
                .closes_at()
                .to_rfc3339_opts(SecondsFormat::AutoSi, false),
            rooms: event
                .rooms
                .iter()
                .map(|room| name(room.name.as_str()))
                .collect(),
            tracks: event
                .tracks
                .iter()
                .map(|track| name(track.name.as_str()))
                .collect(),
            session_types: event
                .session_types
                .iter()
                .map(|session_type| SessionTypeItem {
                    name: session_type.name.to_string(),
                    duration_minutes: u64::from(session_type.duration.get()),
                })
                .collect(),
            team: event
                .team
                .members()
                .map(|(user, role)| (user.to_string(), role.as_str().to_owned()))
                .collect(),
            created_at: event
                .created_at
                .to_rfc3339_opts(SecondsFormat::Millis, false),
        }
    }
}

impl TryFrom<EventItem> for Event {
    type Error = StoreError;

    /// Through the domain's own parsers: a stored item is input like any other.
    fn try_from(item: EventItem) -> Result<Event, StoreError> {
        let key = describe(&item.pk, &item.sk);
        let bad = |field: &str, reason: &dyn std::fmt::Display| {
            corrupt(key.clone(), format!("{field} {reason}"))
        };
        if item.entity != EVENT_ENTITY {
            return Err(bad(
                "entity",
                &format!("is {}, not {EVENT_ENTITY}", item.entity),
            ));
        }
        let start = parse_date(&item.start_date).map_err(|e| bad("startDate", &e))?;
        let end = parse_date(&item.end_date).map_err(|e| bad("endDate", &e))?;
        let rooms = item
            .rooms
            .iter()
            .map(|room| RoomName::parse(&room.name).map(|name| Room { name }))
            .collect::<Result<_, _>>()
            .map_err(|e| bad("rooms", &e))?;
        let tracks = item
            .tracks
            .iter()
            .map(|track| TrackName::parse(&track.name).map(|name| Track { name }))
            .collect::<Result<_, _>>()
            .map_err(|e| bad("tracks", &e))?;
        let session_types = item
            .session_types
            .iter()
            .map(|session_type| {
                Ok(SessionType {
                    name: SessionTypeName::parse(&session_type.name)?,
                    duration: DurationMinutes::new(session_type.duration_minutes)?,
                })
            })
            .collect::<Result<_, cfp_domain::InvalidValue>>()
            .map_err(|e| bad("sessionTypes", &e))?;
        let team = item
            .team
            .iter()
            .map(|(user, role)| Ok((UserId::parse(user)?, Role::parse(role)?)))
            .collect::<Result<Vec<_>, cfp_domain::InvalidValue>>()
            .map_err(|e| bad("team", &e))?;
        Ok(Event {
            slug: EventSlug::parse(&item.slug).map_err(|e| bad("slug", &e))?,
            name: EventName::parse(&item.name).map_err(|e| bad("name", &e))?,
            time_zone: TimeZone::parse(&item.time_zone).map_err(|e| bad("timeZone", &e))?,
            dates: EventDates::new(start, end).map_err(|e| bad("endDate", &e))?,
            cfp: CfpWindow::parse(&item.cfp_closes_at).map_err(|e| bad("cfpClosesAt", &e))?,
            rooms,
            tracks,
            session_types,
            team: Team::from_members(team),
            created_at: DateTime::parse_from_rfc3339(&item.created_at)
                .map_err(|e| bad("createdAt", &e))?
                .with_timezone(&Utc),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cfp_domain::test_data;

    #[test]
    fn round_trips_through_the_item() {
        let event = test_data::event();
        let item = EventItem::from(&event);
        assert_eq!(item.pk, "EVENT#devconf-2027");
        assert_eq!(item.sk, "EVENT");
        assert_eq!(item.team.values().collect::<Vec<_>>(), ["organiser"]);
        assert_eq!(Event::try_from(item), Ok(event));
    }

    #[test]
    fn a_damaged_item_is_corrupt_not_a_panic() {
        let mut item = EventItem::from(&test_data::event());
        item.time_zone = "Atlantis/Capital".into();
        assert!(matches!(
            Event::try_from(item),
            Err(StoreError::Corrupt { .. })
        ));
        let mut item = EventItem::from(&test_data::event());
        item.team.insert("someone".into(), "king".into());
        assert!(matches!(
            Event::try_from(item),
            Err(StoreError::Corrupt { .. })
        ));
    }
}
