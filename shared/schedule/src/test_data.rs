//! Known-good values for tests, here and in the function crates (feature `in-memory`).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::frame::{EventFrame, FrameSpec, SessionType};
use crate::talk::{Speaker, Talk, TalkId, TalkNumber};
use crate::talk_message::{TalkContent, TalkMessage, TalkMessageKind};

/// An instant from RFC 3339 text. Panics on bad test input only.
pub fn at(rfc3339: &str) -> DateTime<Utc> {
    match DateTime::parse_from_rfc3339(rfc3339) {
        Ok(t) => t.with_timezone(&Utc),
        Err(e) => panic!("bad test time {rfc3339:?}: {e}"),
    }
}

/// devconf-2027: 10 to 12 June 2027 in Berlin, rooms Main and Side, 09:00-18:00.
pub fn frame_spec() -> FrameSpec {
    FrameSpec {
        slug: "devconf-2027".into(),
        name: "DevConf 2027".into(),
        time_zone: "Europe/Berlin".into(),
        start_date: chrono::NaiveDate::from_ymd_opt(2027, 6, 10).unwrap_or_default(),
        end_date: chrono::NaiveDate::from_ymd_opt(2027, 6, 12).unwrap_or_default(),
        hours: None,
        day_hours: Default::default(),
        rooms: vec!["Main".into(), "Side".into()],
        tracks: vec!["Rust".into(), "Cloud".into()],
        session_types: vec![
            SessionType {
                name: "Talk".into(),
                duration_minutes: 30,
            },
            SessionType {
                name: "Workshop".into(),
                duration_minutes: 90,
            },
        ],
        default_language: None,
    }
}

pub fn frame() -> EventFrame {
    match EventFrame::new(frame_spec()) {
        Ok(frame) => frame,
        Err(e) => panic!("the test frame is valid: {e}"),
    }
}

/// The id of test talk `n`: the same for the same `n`.
pub fn talk_id(n: u32) -> TalkId {
    TalkId::new(Uuid::from_u128(
        0x0190_0000_0000_7000_8000_0000_0000_0000 | u128::from(n),
    ))
}

/// Talk `n`: a 30-minute talk by "Speaker n" in the Rust track.
pub fn talk(n: u32) -> Talk {
    Talk {
        id: talk_id(n),
        number: TalkNumber::new(n).unwrap_or(TalkNumber::first()),
        title: format!("Talk number {n}"),
        abstract_: format!("What talk {n} is about."),
        description: None,
        session_type: "Talk".into(),
        track: Some("Rust".into()),
        language: Some("en".into()),
        speakers: vec![Speaker {
            name: format!("Speaker {n}"),
            bio: Some("Writes Rust.".into()),
            thumbnail_key: None,
        }],
    }
}

pub fn message(kind: TalkMessageKind, version: u32) -> TalkMessage {
    let talk = talk(1);
    TalkMessage {
        kind,
        event_slug: "devconf-2027".into(),
        talk_id: talk.id,
        version,
        occurred_at: "2027-01-01T00:00:00.000Z".into(),
        talk: TalkContent {
            title: talk.title,
            abstract_: talk.abstract_,
            description: talk.description,
            session_type: talk.session_type,
            track: talk.track,
            language: talk.language,
            speakers: talk.speakers,
        },
    }
}

/// A release of the given talks `(n, room, start)` in the test frame, released at noon on
/// 1 May 2027.
pub fn release(slots: &[(u32, &str, &str)]) -> crate::release::Release {
    let talks = slots
        .iter()
        .map(|(n, _, _)| {
            let t = talk(*n);
            (t.id, t)
        })
        .collect();
    let draft = crate::draft::Draft {
        slots: slots
            .iter()
            .map(|(n, room, start)| crate::draft::Slot {
                talk_id: talk_id(*n),
                room: (*room).to_owned(),
                start: at(start),
            })
            .collect(),
    };
    match crate::release::Release::freeze(
        &frame(),
        &talks,
        &draft,
        None,
        None,
        at("2027-05-01T12:00:00Z"),
    ) {
        Ok(release) => release,
        Err(e) => panic!("the test release is clean: {e:?}"),
    }
}
