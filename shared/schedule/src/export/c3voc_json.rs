//! c3voc `schedule.json` (https://c3voc.de/schedule/schema.json), the format conference apps and
//! the recording teams read. Persons are written in the pretalx form (`name`, `biography`,
//! `avatar`): the frab form needs a person id that the schedule does not have.

use serde::{Serialize, Serializer};

use super::{
    ExportError, ExportLinks, TalkUrls, acronym, by_day_and_room, hours_minutes, local, room_guid,
};
use crate::draft::rfc3339;
use crate::release::{Release, ScheduledTalk};

#[derive(Serialize)]
struct Document<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    generator: Generator,
    schedule: Schedule<'a>,
}

#[derive(Serialize)]
struct Generator {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Schedule<'a> {
    version: String,
    base_url: String,
    conference: Conference<'a>,
}

#[derive(Serialize)]
struct Conference<'a> {
    acronym: String,
    title: &'a str,
    start: String,
    end: String,
    #[serde(rename = "daysCount")]
    days_count: u32,
    timeslot_duration: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    time_zone_name: Option<&'static str>,
    url: String,
    rooms: Vec<Room<'a>>,
    tracks: Vec<Named<'a>>,
    days: Vec<Day<'a>>,
}

#[derive(Serialize)]
struct Room<'a> {
    name: &'a str,
    guid: uuid::Uuid,
}

#[derive(Serialize)]
struct Named<'a> {
    name: &'a str,
}

#[derive(Serialize)]
struct Day<'a> {
    index: usize,
    date: String,
    day_start: String,
    day_end: String,
    rooms: RoomsOfDay<'a>,
}

/// A JSON object whose keys keep the frame's room order.
struct RoomsOfDay<'a>(Vec<(&'a str, Vec<Event<'a>>)>);

impl Serialize for RoomsOfDay<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(room, events)| (room, events)))
    }
}

#[derive(Serialize)]
struct Event<'a> {
    id: u32,
    guid: uuid::Uuid,
    date: String,
    start: String,
    duration: String,
    room: &'a str,
    slug: String,
    url: String,
    title: &'a str,
    subtitle: Option<&'a str>,
    track: Option<&'a str>,
    #[serde(rename = "type")]
    kind: &'a str,
    language: &'a str,
    #[serde(rename = "abstract")]
    abstract_: &'a str,
    description: Option<&'a str>,
    persons: Vec<Person<'a>>,
    links: [(); 0],
    attachments: [(); 0],
}

#[derive(Serialize)]
struct Person<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    biography: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    avatar: Option<String>,
}

/// c3voc's `time_zone_name` pattern, `^([A-Z][a-z]+/[A-Z][a-z]+)|UTC$`, admits only some IANA
/// names (not `Etc/GMT+1`, say); the field is optional, so names it refuses are left out.
fn c3voc_time_zone_name(name: &'static str) -> Option<&'static str> {
    let word = |s: &str| {
        let mut chars = s.chars();
        chars.next().is_some_and(|c| c.is_ascii_uppercase())
            && chars.next().is_some_and(|c| c.is_ascii_lowercase())
    };
    let fits = name.ends_with("UTC")
        || name.split_once('/').is_some_and(|(area, place)| {
            area.chars().skip(1).all(|c| c.is_ascii_lowercase()) && word(area) && word(place)
        });
    fits.then_some(name)
}

fn event<'a>(
    release: &'a Release,
    links: &ExportLinks,
    urls: &TalkUrls,
    t: &'a ScheduledTalk,
) -> Event<'a> {
    let frame = &release.frame;
    let start = local(release, t.start);
    Event {
        id: t.talk.number.get(),
        guid: t.talk.guid(),
        date: rfc3339(start),
        // The schema wants a date-time here (frab XML has `HH:MM`).
        start: rfc3339(start),
        duration: hours_minutes(t),
        room: &t.room,
        slug: t.talk.slug(frame.slug()),
        url: urls.of(t),
        title: &t.talk.title,
        subtitle: None,
        track: t.talk.track.as_deref(),
        kind: &t.talk.session_type,
        language: t
            .talk
            .language
            .as_deref()
            .unwrap_or(frame.default_language()),
        abstract_: &t.talk.abstract_,
        description: t.talk.description.as_deref(),
        persons: t
            .talk
            .speakers
            .iter()
            .map(|s| Person {
                name: &s.name,
                biography: s.bio.as_deref(),
                avatar: s
                    .thumbnail_key
                    .as_deref()
                    .and_then(|k| links.picture_url(k)),
            })
            .collect(),
        links: [],
        attachments: [],
    }
}

/// The release as c3voc `schedule.json`.
pub fn c3voc_json(release: &Release, links: &ExportLinks) -> Result<Vec<u8>, ExportError> {
    let frame = &release.frame;
    let tz = frame.time_zone();
    let grouped = by_day_and_room(release);
    let urls = links.talk_urls(frame.slug());
    let days = frame
        .days()
        .enumerate()
        .map(|(i, day)| {
            let (opens, closes) = frame.day_window(day).unwrap_or_default();
            Day {
                index: i + 1,
                date: day.to_string(),
                day_start: rfc3339(opens.with_timezone(&tz)),
                day_end: rfc3339(closes.with_timezone(&tz)),
                rooms: RoomsOfDay(
                    frame
                        .rooms()
                        .iter()
                        .map(|room| {
                            let events = grouped
                                .get(&(day, room.as_str()))
                                .into_iter()
                                .flatten()
                                .map(|t| event(release, links, &urls, t))
                                .collect();
                            (room.as_str(), events)
                        })
                        .collect(),
                ),
            }
        })
        .collect();
    let document = Document {
        schema: "https://c3voc.de/schedule/schema.json",
        generator: Generator {
            name: "cfp",
            version: env!("CARGO_PKG_VERSION"),
        },
        schedule: Schedule {
            version: release.version_label(),
            base_url: links.schedule_url(frame.slug()),
            conference: Conference {
                acronym: acronym(frame.slug()),
                title: frame.name(),
                start: frame.first_day().to_string(),
                end: frame.last_day().to_string(),
                days_count: frame.day_count(),
                timeslot_duration: "00:05",
                time_zone_name: c3voc_time_zone_name(tz.name()),
                url: links.schedule_url(frame.slug()),
                rooms: frame
                    .rooms()
                    .iter()
                    .map(|name| Room {
                        name,
                        guid: room_guid(links, frame.slug(), name),
                    })
                    .collect(),
                tracks: frame.tracks().iter().map(|name| Named { name }).collect(),
                days,
            },
        },
    };
    serde_json::to_vec(&document).map_err(|e| ExportError::Write(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_zone_names_are_kept_only_when_c3voc_admits_them() {
        assert_eq!(c3voc_time_zone_name("Europe/Berlin"), Some("Europe/Berlin"));
        assert_eq!(
            c3voc_time_zone_name("America/New_York"),
            Some("America/New_York")
        );
        assert_eq!(c3voc_time_zone_name("UTC"), Some("UTC"));
        assert_eq!(c3voc_time_zone_name("Etc/GMT+1"), None);
        assert_eq!(c3voc_time_zone_name("EST5EDT"), None);
    }
}
