//! What anyone may see of an event: no team, no user ids.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use super::Event;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicEvent {
    pub slug: String,
    pub name: String,
    pub time_zone: String,
    pub start_date: String,
    pub end_date: String,
    pub cfp_closes_at: String,
    pub cfp_open: bool,
    pub rooms: Vec<PublicName>,
    pub tracks: Vec<PublicName>,
    pub session_types: Vec<PublicSessionType>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicName {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicSessionType {
    pub name: String,
    pub duration_minutes: u16,
}

impl PublicEvent {
    /// `now` decides `cfpOpen`.
    pub fn of(event: &Event, now: DateTime<Utc>) -> PublicEvent {
        let name = |name: &str| PublicName {
            name: name.to_owned(),
        };
        PublicEvent {
            slug: event.slug.to_string(),
            name: event.name.to_string(),
            time_zone: event.time_zone.name().to_owned(),
            start_date: event.dates.start().format("%Y-%m-%d").to_string(),
            end_date: event.dates.end().format("%Y-%m-%d").to_string(),
            cfp_closes_at: event
                .cfp
                .closes_at()
                .to_rfc3339_opts(SecondsFormat::AutoSi, false),
            cfp_open: event.cfp.is_open(now),
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
                .map(|session_type| PublicSessionType {
                    name: session_type.name.to_string(),
                    duration_minutes: session_type.duration.get(),
                })
                .collect(),
        }
    }
}
