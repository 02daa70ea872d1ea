//! The exports checked by real validators: the c3voc JSON against its JSON Schema (jsonschema),
//! the frab XML against its XSD (python xmlschema in .venv/validators, made by `make test`), the
//! iCalendar parsed back by the `ical` crate.

use std::collections::HashMap;
use std::io::BufReader;

use cfp_schedule::export::validation::{c3voc_json_errors, frab_xml_errors};
use cfp_schedule::export::{ExportLinks, c3voc_json, etag, frab_xml, icalendar};
use cfp_schedule::{
    Draft, EventFrame, FrameSpec, Release, ReleaseName, SessionType, Slot, Speaker, Talk, TalkId,
    TalkNumber,
};
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde_json::Value;
use uuid::Uuid;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("time")
        .with_timezone(&Utc)
}

fn frame(start: &str, end: &str) -> EventFrame {
    EventFrame::new(FrameSpec {
        slug: "devconf-2027".into(),
        name: "DevConf 2027 & friends, \"the\" <conference>".into(),
        time_zone: "Europe/Berlin".into(),
        start_date: start.parse().expect("date"),
        end_date: end.parse().expect("date"),
        hours: None,
        day_hours: Default::default(),
        rooms: vec!["Main Hall".into(), "Room; B, 2".into(), "Empty".into()],
        tracks: vec!["Rust".into(), "Cloud".into()],
        session_types: vec![
            SessionType {
                name: "Talk".into(),
                duration_minutes: 30,
            },
            SessionType {
                name: "Workshop".into(),
                duration_minutes: 120,
            },
        ],
        default_language: Some("de".into()),
    })
    .expect("frame")
}

fn talk(n: u32, title: &str, session_type: &str, speakers: &[&str]) -> Talk {
    Talk {
        id: TalkId::new(Uuid::from_u128(
            0x0190_0000_0000_7000_8000_0000_0000_0000 | u128::from(n),
        )),
        number: TalkNumber::new(n).expect("number"),
        title: title.into(),
        abstract_: format!(
            "Abstract {n}: commas, semicolons; back\\slashes\nand a second line, with ünïcödé 🚀 — and enough words to need folding in iCalendar."
        ),
        description: n
            .is_multiple_of(2)
            .then(|| "<b>Not markup</b> & more".to_owned()),
        session_type: session_type.into(),
        track: (n != 3).then(|| "Rust".to_owned()),
        language: (n != 2).then(|| "en".to_owned()),
        speakers: speakers
            .iter()
            .map(|name| Speaker {
                name: (*name).into(),
                bio: Some("Bio".into()),
                thumbnail_key: Some(format!("pictures/thumbnails/devconf-2027/{n}.webp")),
            })
            .collect(),
    }
}

/// Talks over two days in two rooms, with text that needs escaping; optionally across the night
/// Berlin's clocks go back (31 October 2027).
fn release(dst: bool) -> Release {
    let (frame, day1, day2) = if dst {
        (
            frame("2027-10-30", "2027-10-31"),
            "2027-10-30",
            "2027-10-31",
        )
    } else {
        (
            frame("2027-06-10", "2027-06-11"),
            "2027-06-10",
            "2027-06-11",
        )
    };
    let talks = [
        talk(1, "Opening: why, how; and what", "Talk", &["Ada Lovelace"]),
        talk(
            2,
            "Ünïcode — everywhere 🚀",
            "Workshop",
            &["Grace Hopper", "Alan Turing"],
        ),
        talk(3, "A", "Talk", &["Barbara Liskov"]),
        talk(
            4,
            "Very long title ".repeat(8).trim(),
            "Talk",
            &["Ada Lovelace"],
        ),
    ];
    let slots = [
        (1, "Main Hall", format!("{day1}T09:00:00+02:00")),
        (2, "Room; B, 2", format!("{day1}T09:00:00+02:00")),
        (
            3,
            "Main Hall",
            format!("{day2}T10:00:00+0{}:00", if dst { 1 } else { 2 }),
        ),
        (
            4,
            "Main Hall",
            format!("{day2}T17:30:00+0{}:00", if dst { 1 } else { 2 }),
        ),
    ];
    let draft = Draft {
        slots: slots
            .iter()
            .map(|(n, room, start)| Slot {
                talk_id: talks[*n as usize - 1].id,
                room: (*room).into(),
                start: at(start),
            })
            .collect(),
    };
    let talks: HashMap<TalkId, Talk> = talks.into_iter().map(|t| (t.id, t)).collect();
    Release::freeze(
        &frame,
        &talks,
        &draft,
        None,
        Some(ReleaseName::parse("First, final").expect("name")),
        at("2027-05-01T12:00:00Z"),
    )
    .expect("a clean release")
}

fn links() -> ExportLinks {
    ExportLinks::new(
        "https://api.example.org/v1",
        Some("https://cdn.example.org/"),
    )
    .expect("links")
}

#[test]
fn c3voc_json_validates_against_the_schema() {
    for dst in [false, true] {
        let bytes = c3voc_json(&release(dst), &links()).expect("json");
        let instance: Value = serde_json::from_slice(&bytes).expect("json");
        assert_eq!(c3voc_json_errors(&instance), Vec::<String>::new());

        let conference = &instance["schedule"]["conference"];
        assert_eq!(conference["acronym"], "devconf_2027");
        assert_eq!(conference["time_zone_name"], "Europe/Berlin");
        assert_eq!(conference["daysCount"], 2);
        let day1 = &conference["days"][0];
        let event = &day1["rooms"]["Main Hall"][0];
        assert_eq!(event["id"], 1);
        assert_eq!(event["guid"], "01900000-0000-7000-8000-000000000001");
        assert_eq!(event["start"], event["date"]);
        assert!(
            event["date"]
                .as_str()
                .is_some_and(|d| d.ends_with("T09:00:00+02:00"))
        );
        assert_eq!(event["duration"], "00:30");
        assert_eq!(event["persons"][0]["name"], "Ada Lovelace");
        assert_eq!(
            event["persons"][0]["avatar"],
            "https://cdn.example.org/pictures/thumbnails/devconf-2027/1.webp"
        );
        assert_eq!(
            event["url"],
            "https://api.example.org/v1/events/devconf-2027/talks/01900000-0000-7000-8000-000000000001"
        );
        assert_eq!(day1["rooms"]["Room; B, 2"][0]["duration"], "02:00");
        assert_eq!(
            day1["rooms"]["Room; B, 2"][0]["language"], "de",
            "the default"
        );
        assert_eq!(day1["rooms"]["Empty"], serde_json::json!([]));
        assert_eq!(instance["schedule"]["version"], "1 (First, final)");
        if dst {
            // Day two starts at 09:00 CET, after the change.
            assert_eq!(
                conference["days"][1]["day_start"],
                "2027-10-31T09:00:00+01:00"
            );
            assert_eq!(
                conference["days"][1]["rooms"]["Main Hall"][0]["date"],
                "2027-10-31T10:00:00+01:00"
            );
        }
    }
}

#[test]
fn the_json_validator_is_real() {
    let bytes = c3voc_json(&release(false), &links()).expect("json");
    let good: Value = serde_json::from_slice(&bytes).expect("json");
    let mut no_guid = good.clone();
    let event = &mut no_guid["schedule"]["conference"]["days"][0]["rooms"]["Main Hall"][0];
    event.as_object_mut().expect("event").remove("guid");
    assert!(!c3voc_json_errors(&no_guid).is_empty());
    let mut bad_slug = good.clone();
    bad_slug["schedule"]["conference"]["days"][0]["rooms"]["Main Hall"][0]["slug"] =
        "Bad Slug-".into();
    assert!(!c3voc_json_errors(&bad_slug).is_empty());
    let mut bad_acronym = good;
    bad_acronym["schedule"]["conference"]["acronym"] = "devconf-2027".into();
    assert!(!c3voc_json_errors(&bad_acronym).is_empty());
}

#[test]
fn frab_xml_validates_against_the_xsd() {
    for dst in [false, true] {
        let xml = frab_xml(&release(dst), &links()).expect("xml");
        if let Err(problems) = frab_xml_errors(&xml) {
            panic!("{problems}\n{}", String::from_utf8_lossy(&xml));
        }
        let text = String::from_utf8(xml).expect("utf-8");
        assert!(text.contains("<room name=\"Room; B, 2\">"), "{text}");
        assert!(
            text.contains("&lt;b&gt;Not markup&lt;/b&gt; &amp; more"),
            "{text}"
        );
        assert!(text.contains("<person>Alan Turing</person>"), "{text}");
    }
}

#[test]
fn the_xsd_validator_is_real() {
    let xml = String::from_utf8(frab_xml(&release(false), &links()).expect("xml")).expect("utf-8");
    // Two events with the same id break the XSD's uniqueness rule.
    let duplicate_id = xml.replace("event id=\"2\"", "event id=\"1\"");
    assert!(frab_xml_errors(duplicate_id.as_bytes()).is_err());
    let bad_start = xml.replace("<start>09:00</start>", "<start>9 o'clock</start>");
    assert!(frab_xml_errors(bad_start.as_bytes()).is_err());
}

fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') | Some('N') => out.push('\n'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn icalendar_parses_back_with_one_vevent_per_talk() {
    for dst in [false, true] {
        let release = release(dst);
        let bytes = icalendar(&release, &links()).expect("ics");
        let text = String::from_utf8(bytes.clone()).expect("utf-8");
        for line in text.split("\r\n") {
            assert!(line.len() <= 75, "a line of {} octets: {line}", line.len());
        }
        assert!(
            !text.replace("\r\n", "").contains('\n'),
            "bare LF in the output"
        );
        let calendars: Vec<_> = ical::IcalParser::new(BufReader::new(bytes.as_slice()))
            .collect::<Result<_, _>>()
            .expect("a valid calendar");
        assert_eq!(calendars.len(), 1);
        let calendar = &calendars[0];
        assert_eq!(calendar.timezones.len(), 1);
        let tz_props = &calendar.timezones[0].properties;
        assert!(
            tz_props
                .iter()
                .any(|p| p.name == "TZID" && p.value.as_deref() == Some("Europe/Berlin"))
        );
        assert!(!calendar.timezones[0].transitions.is_empty());
        assert_eq!(calendar.events.len(), release.talks.len());
        let tz = release.frame.time_zone();
        for (event, scheduled) in calendar.events.iter().zip(&release.talks) {
            let prop = |name: &str| {
                event
                    .properties
                    .iter()
                    .find(|p| p.name == name)
                    .unwrap_or_else(|| panic!("{name} missing"))
            };
            assert_eq!(
                prop("UID").value.as_deref(),
                Some(format!("{}@api.example.org", scheduled.talk.guid()).as_str())
            );
            assert_eq!(prop("DTSTAMP").value.as_deref(), Some("20270501T120000Z"));
            assert_eq!(
                prop("SUMMARY").value.as_deref().map(unescape),
                Some(scheduled.talk.title.clone())
            );
            assert_eq!(
                prop("LOCATION").value.as_deref().map(unescape),
                Some(scheduled.room.clone())
            );
            let description = prop("DESCRIPTION")
                .value
                .as_deref()
                .map(unescape)
                .expect("text");
            assert!(
                description.starts_with(&scheduled.talk.abstract_),
                "{description}"
            );
            for (name, instant) in [("DTSTART", scheduled.start), ("DTEND", scheduled.end)] {
                let p = prop(name);
                let params = p.params.as_ref().expect("params");
                assert_eq!(
                    params,
                    &vec![("TZID".to_owned(), vec!["Europe/Berlin".to_owned()])]
                );
                let local = NaiveDateTime::parse_from_str(
                    p.value.as_deref().expect("value"),
                    "%Y%m%dT%H%M%S",
                )
                .expect("a local time");
                assert_eq!(
                    tz.from_local_datetime(&local)
                        .single()
                        .map(|t| t.with_timezone(&Utc)),
                    Some(instant)
                );
            }
        }
        if dst {
            assert!(text.contains("TZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\n"));
        }
    }
}

#[test]
fn uids_and_etags_are_stable() {
    let a = icalendar(&release(false), &links()).expect("ics");
    let b = icalendar(&release(false), &links()).expect("ics");
    assert_eq!(etag(&a), etag(&b));
    let json = c3voc_json(&release(false), &links()).expect("json");
    let xml = frab_xml(&release(false), &links()).expect("xml");
    assert_ne!(etag(&a), etag(&json));
    assert_ne!(etag(&json), etag(&xml));
    let _ = NaiveDate::MIN;
}
