//! An event as stored.

use std::collections::BTreeMap;

use cfp_domain::StoreError;
use cfp_domain::event::{
    CfpWindow, DurationMinutes, Event, EventDates, EventName, EventSlug, Room, RoomName,
    SessionType, SessionTypeName, TimeZone, Track, TrackName, parse_date,
};
use cfp_domain::team::{Role, Team, UserId};
use cfp_domain::version::Version;
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
    /// user id -> `organiser` | `reviewer`.
    pub team: BTreeMap<String, String>,
    /// Every team change is a write conditional on it. Items from before versions were stored
    /// have none: they are at version 1.
    #[serde(default = "first_version")]
    pub version: u64,
    pub created_at: String,
    /// Absent on items from before it was stored: then `createdAt`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
}

fn first_version() -> u64 {
    u64::from(Version::FIRST.get())
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

/// Stored times: RFC 3339 with milliseconds.
pub(crate) fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, false)
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
            version: u64::from(event.version.get()),
            created_at: time(event.created_at),
            updated_at: Some(time(event.updated_at)),
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
        let time = |field: &str, raw: &str| {
            DateTime::parse_from_rfc3339(raw)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| bad(field, &e))
        };
        let created_at = time("createdAt", &item.created_at)?;
        let updated_at = match &item.updated_at {
            Some(raw) => time("updatedAt", raw)?,
            None => created_at,
        };
        let slug = EventSlug::parse(&item.slug).map_err(|e| bad("slug", &e))?;
        // The key must agree with the content, or a read could serve another event.
        if item.pk != event_pk(&slug) || item.sk != EVENT_SK {
            return Err(bad("key", &"does not match the event's slug"));
        }
        Ok(Event {
            slug,
            name: EventName::parse(&item.name).map_err(|e| bad("name", &e))?,
            time_zone: TimeZone::parse(&item.time_zone).map_err(|e| bad("timeZone", &e))?,
            dates: EventDates::new(start, end).map_err(|e| bad("endDate", &e))?,
            cfp: CfpWindow::parse(&item.cfp_closes_at).map_err(|e| bad("cfpClosesAt", &e))?,
            rooms,
            tracks,
            session_types,
            team: Team::from_members(team),
            version: Version::new(item.version).map_err(|e| bad("version", &e))?,
            created_at,
            updated_at,
        })
    }
}

/// Whether an item image (a stream record's `NewImage` / `OldImage`) is an event's.
pub fn is_event_image(image: &serde_dynamo::Item) -> bool {
    matches!(image.get("entity"), Some(serde_dynamo::AttributeValue::S(entity)) if entity == EVENT_ENTITY)
}

/// Reads an event from a DynamoDB item image, such as a stream record's `NewImage`.
/// A missing or malformed attribute is [`StoreError::Corrupt`].
pub fn event_from_image(image: impl Into<serde_dynamo::Item>) -> Result<Event, StoreError> {
    let image: serde_dynamo::Item = image.into();
    let key = match (image.get("pk"), image.get("sk")) {
        (Some(serde_dynamo::AttributeValue::S(pk)), Some(serde_dynamo::AttributeValue::S(sk))) => {
            describe(pk, sk)
        }
        _ => "(an image without pk/sk)".to_owned(),
    };
    let item: EventItem = serde_dynamo::from_item(image).map_err(|e| corrupt(key, e))?;
    Event::try_from(item)
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
    fn version_and_update_time_are_stored() {
        let event = test_data::event();
        let team = event
            .team
            .with_member(test_data::reviewer().user_id, Role::Reviewer)
            .expect("team");
        let changed = event
            .with_team(team, test_data::before_close())
            .expect("v2");
        let item = EventItem::from(&changed);
        assert_eq!(item.version, 2);
        assert_eq!(
            item.updated_at.as_deref(),
            Some("2027-01-15T12:00:00.000+00:00")
        );
        let image: serde_dynamo::Item = serde_dynamo::to_item(item).expect("image");
        assert!(is_event_image(&image));
        assert_eq!(event_from_image(image), Ok(changed));
    }

    #[test]
    fn an_item_from_before_versions_is_at_version_one() {
        let event = test_data::event();
        let mut image: serde_dynamo::Item =
            serde_dynamo::to_item(EventItem::from(&event)).expect("image");
        image.remove("version");
        image.remove("updatedAt");
        let read = event_from_image(image).expect("an event");
        assert_eq!(read.version, Version::FIRST);
        assert_eq!(read.updated_at, read.created_at);
        assert_eq!(read, event);
    }

    #[test]
    fn other_images_are_not_events() {
        let image: serde_dynamo::Item = serde_dynamo::to_item(
            crate::proposal_item::ProposalItem::from(&test_data::proposal()),
        )
        .expect("image");
        assert!(!is_event_image(&image));
        assert!(matches!(
            event_from_image(image),
            Err(StoreError::Corrupt { .. })
        ));
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
        let mut item = EventItem::from(&test_data::event());
        item.version = 0;
        assert!(matches!(
            Event::try_from(item),
            Err(StoreError::Corrupt { .. })
        ));
        let mut item = EventItem::from(&test_data::event());
        item.pk = "EVENT#other-event".into();
        assert!(matches!(
            Event::try_from(item),
            Err(StoreError::Corrupt { .. })
        ));
    }
}
