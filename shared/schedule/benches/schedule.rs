//! 1,000 talks in 20 rooms over 5 days: the conflict check and each export.

use std::collections::HashMap;
use std::hint::black_box;

use cfp_schedule::export::{ExportLinks, c3voc_json, frab_xml, icalendar};
use cfp_schedule::{
    Draft, EventFrame, FrameSpec, Release, SessionType, Slot, Speaker, Talk, TalkId, TalkNumber,
    check_draft,
};
use chrono::{Duration, NaiveDate, TimeZone};
use criterion::{Criterion, criterion_group, criterion_main};
use uuid::Uuid;

const ROOMS: usize = 20;
const DAYS: usize = 5;
const TALKS: usize = 1_000;

fn frame() -> EventFrame {
    let start = NaiveDate::from_ymd_opt(2027, 6, 7).expect("date");
    EventFrame::new(FrameSpec {
        slug: "bench-2027".into(),
        name: "Bench 2027".into(),
        time_zone: "Europe/Berlin".into(),
        start_date: start,
        end_date: start + Duration::days(DAYS as i64 - 1),
        hours: None,
        day_hours: Default::default(),
        rooms: (0..ROOMS).map(|r| format!("Room {r}")).collect(),
        tracks: vec!["Rust".into(), "Cloud".into()],
        session_types: vec![SessionType {
            name: "Talk".into(),
            duration_minutes: 30,
        }],
        default_language: None,
    })
    .expect("frame")
}

/// 1,000 talks; 10 per room and day, back to back from 09:00; every speaker gives one talk.
fn input() -> (EventFrame, HashMap<TalkId, Talk>, Draft) {
    let frame = frame();
    let tz = frame.time_zone();
    let mut talks = HashMap::new();
    let mut slots = Vec::new();
    for i in 0..TALKS {
        let id = TalkId::new(Uuid::from_u128(
            0x0190_0000_0000_7000_8000_0000_0000_0000 | i as u128,
        ));
        let day = i / (ROOMS * 10);
        let room = i % ROOMS;
        let hour = (i / ROOMS) % 10;
        let date = frame.first_day() + Duration::days(day as i64);
        let start = tz
            .from_local_datetime(
                &date
                    .and_hms_opt(9 + hour as u32 / 2, (hour as u32 % 2) * 30, 0)
                    .expect("time"),
            )
            .single()
            .expect("no DST change in June")
            .with_timezone(&chrono::Utc);
        talks.insert(
            id,
            Talk {
                id,
                number: TalkNumber::new(i as u32 + 1).expect("number"),
                title: format!("Talk {i}: something, with; characters & <markup> to escape"),
                abstract_: "An abstract long enough to need folding in iCalendar output, "
                    .repeat(3),
                description: Some("A description.".into()),
                session_type: "Talk".into(),
                track: Some(if i % 2 == 0 { "Rust" } else { "Cloud" }.into()),
                language: Some("en".into()),
                speakers: vec![Speaker {
                    name: format!("Speaker {i}"),
                    bio: Some("Bio.".into()),
                    thumbnail_key: Some(format!("pictures/thumbnails/{i}.webp")),
                }],
            },
        );
        slots.push(Slot {
            talk_id: id,
            room: format!("Room {room}"),
            start,
        });
    }
    (frame, talks, Draft { slots })
}

fn benches(c: &mut Criterion) {
    let (frame, talks, draft) = input();
    assert_eq!(
        check_draft(&frame, &talks, &draft),
        [],
        "the bench draft is clean"
    );
    c.bench_function("conflict check, 1000 slots", |b| {
        b.iter(|| check_draft(black_box(&frame), black_box(&talks), black_box(&draft)))
    });
    let release =
        Release::freeze(&frame, &talks, &draft, None, None, chrono::Utc::now()).expect("release");
    let links = ExportLinks::new("https://api.example.org", Some("https://cdn.example.org"))
        .expect("links");
    c.bench_function("c3voc json, 1000 talks", |b| {
        b.iter(|| c3voc_json(black_box(&release), &links))
    });
    c.bench_function("frab xml, 1000 talks", |b| {
        b.iter(|| frab_xml(black_box(&release), &links))
    });
    c.bench_function("icalendar, 1000 talks", |b| {
        b.iter(|| icalendar(black_box(&release), &links))
    });
}

criterion_group!(schedule, benches);
criterion_main!(schedule);
