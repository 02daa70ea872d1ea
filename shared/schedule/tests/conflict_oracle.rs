//! The conflict checker against a brute-force oracle, over arbitrary frames, talks and drafts
//! (overlaps, duplicates, unconfirmed talks, unknown rooms and session types, times far outside
//! the event): it never panics, and the conflicts it lists are exactly the oracle's: so a draft
//! it accepts has none, and every conflict of one it refuses is real and listed once.
//!
//! The oracle compares every pair of slots and does its own time arithmetic. Its frames use
//! fixed-offset time zones (UTC, Etc/GMT-2, Etc/GMT+5) so that it needs no time zone database;
//! daylight saving is the unit tests' matter (conflict.rs, frame.rs).

use std::collections::{BTreeSet, HashMap};

use cfp_schedule::{
    Conflict, DayHours, Draft, EventFrame, FrameSpec, Release, ScheduleError, SessionType, Slot,
    Speaker, Talk, TalkId, TalkNumber, check_draft,
};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use proptest::prelude::*;
use uuid::Uuid;

const ROOMS: [&str; 5] = ["Main", "Side", "Hall A", "Hall B", "Attic"];
/// Rooms a draft may name: the frame's, and some it never has (names compare exactly).
const DRAFT_ROOMS: [&str; 7] = [
    "Main", "Side", "Hall A", "Hall B", "Attic", "main", "Basement",
];
const SESSION_TYPES: [&str; 4] = ["Talk", "Workshop", "Lightning", "Keynote"];
/// One person in several spellings, and others.
const SPEAKERS: [&str; 6] = [
    "Ada Lovelace",
    " ada   LOVELACE ",
    "Grace Hopper",
    "Linus",
    "Zoë Müller",
    "ZOË MÜLLER",
];
/// (time zone, its offset east of UTC in minutes, for all time).
const ZONES: [(&str, i64); 3] = [("UTC", 0), ("Etc/GMT-2", 120), ("Etc/GMT+5", -300)];

#[derive(Debug, Clone)]
struct Case {
    spec: FrameSpec,
    offset_minutes: i64,
    talks: HashMap<TalkId, Talk>,
    draft: Draft,
}

fn talk_id(n: u8) -> TalkId {
    TalkId::new(Uuid::from_u128(
        0x0190_0000_0000_7000_8000_0000_0000_0000 | u128::from(n),
    ))
}

fn time(minutes: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(minutes / 60, minutes % 60, 0).unwrap_or(NaiveTime::MIN)
}

/// Opening and closing minutes of a day, opening strictly first.
fn hours() -> impl Strategy<Value = DayHours> {
    (0u32..(23 * 60), 1u32..(14 * 60)).prop_map(|(opens, length)| {
        let closes = (opens + length).min(23 * 60 + 59);
        DayHours::new(time(opens), time(closes)).unwrap_or_default()
    })
}

fn frame_spec() -> impl Strategy<Value = (FrameSpec, i64)> {
    (
        0usize..ZONES.len(),
        0u32..365,
        1u32..=4,
        prop::option::of(hours()),
        prop::option::of((0u32..4, hours())),
        prop::sample::subsequence(ROOMS.to_vec(), 1..=ROOMS.len()),
        prop::collection::vec((0usize..SESSION_TYPES.len(), 5u16..=120), 1..=3),
    )
        .prop_map(
            |(zone, first, days, hours, day_hours, rooms, session_types)| {
                let start_date = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap_or_default()
                    + Duration::days(i64::from(first));
                let end_date = start_date + Duration::days(i64::from(days) - 1);
                let mut session_types: Vec<SessionType> = session_types
                    .into_iter()
                    .map(|(name, minutes)| SessionType {
                        name: SESSION_TYPES[name].to_owned(),
                        duration_minutes: minutes,
                    })
                    .collect();
                // One duration per name, as the CfP context guarantees; the first one wins here.
                let mut seen = BTreeSet::new();
                session_types.retain(|t| seen.insert(t.name.clone()));
                let spec = FrameSpec {
                    slug: "oracle-2027".into(),
                    name: "Oracle 2027".into(),
                    time_zone: ZONES[zone].0.into(),
                    start_date,
                    end_date,
                    hours,
                    day_hours: day_hours
                        .filter(|(day, _)| *day < days)
                        .map(|(day, h)| (start_date + Duration::days(i64::from(day)), h))
                        .into_iter()
                        .collect(),
                    rooms: rooms.into_iter().map(str::to_owned).collect(),
                    tracks: vec![],
                    session_types,
                    default_language: None,
                };
                (spec, ZONES[zone].1)
            },
        )
}

/// Up to ten talks, numbered from 0; their session types mostly the frame's.
fn talks(spec: &FrameSpec) -> impl Strategy<Value = HashMap<TalkId, Talk>> + use<> {
    let offered: Vec<String> = spec.session_types.iter().map(|t| t.name.clone()).collect();
    let any_type = (0..SESSION_TYPES.len()).prop_map(|i| SESSION_TYPES[i].to_owned());
    let session_type = prop_oneof![9 => prop::sample::select(offered), 1 => any_type];
    prop::collection::vec(
        (
            session_type,
            prop::collection::vec(0usize..SPEAKERS.len(), 1..=3),
        ),
        0..=10,
    )
    .prop_map(|talks| {
        talks
            .into_iter()
            .enumerate()
            .map(|(n, (session_type, speakers))| {
                let id = talk_id(n as u8);
                let talk = Talk {
                    id,
                    number: TalkNumber::new(n as u32 + 1).unwrap_or(TalkNumber::first()),
                    title: format!("Talk {n}"),
                    abstract_: "About it.".into(),
                    description: None,
                    session_type,
                    track: None,
                    language: None,
                    speakers: speakers
                        .into_iter()
                        .map(|s| Speaker {
                            name: SPEAKERS[s].into(),
                            bio: None,
                            thumbnail_key: None,
                        })
                        .collect(),
                };
                (id, talk)
            })
            .collect()
    })
}

/// A wild start: mostly on a 15-minute grid from the day before the event to the day after it
/// (so that overlaps, back-to-back slots and the edges of days and hours are common), sometimes
/// any second of the years RFC 3339 can write.
fn wild_start(first_day: NaiveDate, days: i64) -> impl Strategy<Value = DateTime<Utc>> {
    let base = (first_day - Duration::days(1))
        .and_time(NaiveTime::MIN)
        .and_utc();
    let near = (0..(days + 2) * 96, 0i64..3).prop_map(move |(quarter, jitter)| {
        base + Duration::minutes(quarter * 15 + [0, 0, 1][jitter as usize] * 7)
    });
    let min = NaiveDate::from_ymd_opt(1, 1, 1)
        .unwrap_or_default()
        .and_time(NaiveTime::MIN)
        .and_utc()
        .timestamp();
    let max = NaiveDate::from_ymd_opt(9999, 12, 31)
        .unwrap_or_default()
        .and_time(NaiveTime::MIN)
        .and_utc()
        .timestamp();
    let anywhere = (min..=max).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap_or_default());
    prop_oneof![9 => near, 1 => anywhere]
}

/// A plausible start: on one of the event's days, a multiple of 15 minutes after it opens (which
/// may still run past closing).
fn plausible_start(
    spec: &FrameSpec,
    offset_minutes: i64,
) -> impl Strategy<Value = DateTime<Utc>> + use<> {
    let days = (spec.end_date - spec.start_date).num_days() + 1;
    let spec = spec.clone();
    (0..days, 0i64..32).prop_map(move |(day, quarter)| {
        let day = spec.start_date + Duration::days(day);
        let hours = spec
            .day_hours
            .get(&day)
            .copied()
            .or(spec.hours)
            .unwrap_or_default();
        day.and_time(hours.opens()).and_utc() - Duration::minutes(offset_minutes)
            + Duration::minutes(quarter * 15)
    })
}

fn case() -> impl Strategy<Value = Case> {
    frame_spec().prop_flat_map(|(spec, offset_minutes)| {
        let days = (spec.end_date - spec.start_date).num_days() + 1;
        let wild = (
            0u8..14,
            0usize..DRAFT_ROOMS.len(),
            wild_start(spec.start_date, days),
        )
            .prop_map(|(talk, room, start)| Slot {
                talk_id: talk_id(talk),
                room: DRAFT_ROOMS[room].into(),
                start,
            });
        // Confirmed talks (ids below 10, renumbered below), the frame's rooms, the event's hours.
        let plausible = (
            0u8..10,
            prop::sample::select(spec.rooms.clone()),
            plausible_start(&spec, offset_minutes),
        )
            .prop_map(|(talk, room, start)| Slot {
                talk_id: talk_id(talk),
                room,
                start,
            });
        let slots = prop_oneof![
            prop::collection::vec(wild, 0..=14),
            prop::collection::vec(plausible, 0..=6),
        ];
        // Half the drafts place distinct talks (the first ids of a permutation), so that drafts
        // without conflicts are common enough; the other half keep theirs (duplicates).
        let talk_count = talks(&spec);
        (
            talk_count,
            slots,
            any::<bool>(),
            Just((0u8..10).collect::<Vec<u8>>()).prop_shuffle(),
        )
            .prop_map(move |(talks, mut slots, distinct, ids)| {
                if distinct {
                    let confirmed: Vec<u8> = ids
                        .into_iter()
                        .filter(|id| usize::from(*id) < talks.len())
                        .collect();
                    for (slot, id) in slots.iter_mut().zip(confirmed) {
                        slot.talk_id = talk_id(id);
                    }
                }
                Case {
                    spec: spec.clone(),
                    offset_minutes,
                    talks,
                    draft: Draft { slots },
                }
            })
    })
}

/// What the oracle and the checker are compared on: the kind, the slots, the talks, and the
/// room, speaker or day where the conflict names one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    RoomOverlap(String, [usize; 2], [TalkId; 2]),
    /// The speaker as the oracle normalises names.
    SpeakerOverlap(String, [usize; 2], [TalkId; 2]),
    PlacedTwice(usize, usize, TalkId),
    NotConfirmed(usize, TalkId),
    UnknownSessionType(usize, TalkId, String),
    UnknownRoom(usize, TalkId, String),
    OutsideDays(usize, TalkId),
    OutsideHours(usize, TalkId, NaiveDate),
}

fn identity(name: &str) -> String {
    let mut out = String::new();
    for word in name.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&word.to_lowercase());
    }
    out
}

fn key(conflict: &Conflict) -> Key {
    match conflict.clone() {
        Conflict::RoomOverlap { room, slots, talks } => Key::RoomOverlap(room, slots, talks),
        Conflict::SpeakerDoubleBooked {
            speaker,
            slots,
            talks,
        } => Key::SpeakerOverlap(identity(&speaker), slots, talks),
        Conflict::TalkPlacedTwice {
            slot,
            first_slot,
            talk,
        } => Key::PlacedTwice(slot, first_slot, talk),
        Conflict::TalkNotConfirmed { slot, talk } => Key::NotConfirmed(slot, talk),
        Conflict::UnknownSessionType {
            slot,
            talk,
            session_type,
        } => Key::UnknownSessionType(slot, talk, session_type),
        Conflict::UnknownRoom { slot, talk, room } => Key::UnknownRoom(slot, talk, room),
        Conflict::OutsideEventDays { slot, talk, .. } => Key::OutsideDays(slot, talk),
        Conflict::OutsideDayHours {
            slot, talk, day, ..
        } => Key::OutsideHours(slot, talk, day),
    }
}

/// A slot whose talk is confirmed and has a known session type; `room` only if the frame has it.
struct Placed<'a> {
    slot: usize,
    talk: &'a Talk,
    room: Option<&'a str>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

/// Every conflict of the case, found the slow, obvious way.
fn oracle(case: &Case) -> Vec<Key> {
    let spec = &case.spec;
    let offset = Duration::minutes(case.offset_minutes);
    let hours_of = |day: NaiveDate| {
        spec.day_hours
            .get(&day)
            .copied()
            .or(spec.hours)
            .unwrap_or_default()
    };
    let mut keys = Vec::new();
    let mut placed: Vec<Placed> = Vec::new();
    for (i, slot) in case.draft.slots.iter().enumerate() {
        if let Some(first) = case.draft.slots[..i]
            .iter()
            .position(|s| s.talk_id == slot.talk_id)
        {
            keys.push(Key::PlacedTwice(i, first, slot.talk_id));
            continue;
        }
        let Some(talk) = case.talks.get(&slot.talk_id) else {
            keys.push(Key::NotConfirmed(i, slot.talk_id));
            continue;
        };
        let Some(minutes) = spec
            .session_types
            .iter()
            .find(|t| t.name == talk.session_type)
            .map(|t| t.duration_minutes)
        else {
            keys.push(Key::UnknownSessionType(
                i,
                talk.id,
                talk.session_type.clone(),
            ));
            continue;
        };
        let end = slot.start + Duration::minutes(i64::from(minutes));
        let known = spec.rooms.contains(&slot.room);
        if !known {
            keys.push(Key::UnknownRoom(i, talk.id, slot.room.clone()));
        }
        let day = (slot.start + offset).date_naive();
        if day < spec.start_date || day > spec.end_date {
            keys.push(Key::OutsideDays(i, talk.id));
        } else {
            let hours = hours_of(day);
            let opens = day.and_time(hours.opens()).and_utc() - offset;
            let closes = day.and_time(hours.closes()).and_utc() - offset;
            if slot.start < opens || end > closes {
                keys.push(Key::OutsideHours(i, talk.id, day));
            }
        }
        placed.push(Placed {
            slot: i,
            talk,
            room: known.then_some(slot.room.as_str()),
            start: slot.start,
            end,
        });
    }
    for (a, x) in placed.iter().enumerate() {
        for y in &placed[a + 1..] {
            let overlap = x.start < y.end && y.start < x.end;
            if !overlap {
                continue;
            }
            let (slots, talks) = ([x.slot, y.slot], [x.talk.id, y.talk.id]);
            if let (Some(rx), Some(ry)) = (x.room, y.room)
                && rx == ry
            {
                keys.push(Key::RoomOverlap(rx.to_owned(), slots, talks));
            }
            let of_x: BTreeSet<String> =
                x.talk.speakers.iter().map(|s| identity(&s.name)).collect();
            let of_y: BTreeSet<String> =
                y.talk.speakers.iter().map(|s| identity(&s.name)).collect();
            for shared in of_x.intersection(&of_y) {
                keys.push(Key::SpeakerOverlap(shared.clone(), slots, talks));
            }
        }
    }
    keys.sort();
    keys
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn the_checker_lists_exactly_the_oracles_conflicts(case in case()) {
        let frame = EventFrame::new(case.spec.clone())
            .map_err(|e| TestCaseError::fail(format!("the generated frame is valid: {e}")))?;
        let conflicts = check_draft(&frame, &case.talks, &case.draft);
        let mut listed: Vec<Key> = conflicts.iter().map(key).collect();
        listed.sort();
        let expected = oracle(&case);
        // Nothing listed twice, nothing made up, nothing missed.
        prop_assert_eq!(&listed, &expected);
        for conflict in &conflicts {
            // Every conflict describes itself (the 409 answer lists the descriptions).
            let described = serde_json::to_value(conflict.described())
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert!(described["message"].as_str().is_some_and(|m| !m.is_empty()));
            if let Conflict::OutsideEventDays { first_day, last_day, .. } = conflict {
                prop_assert_eq!((*first_day, *last_day), (case.spec.start_date, case.spec.end_date));
            }
        }

        // Releasing agrees with the check: all of the draft, or refused with the same list.
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        match Release::freeze(&frame, &case.talks, &case.draft, None, None, now) {
            Ok(release) => {
                prop_assert!(expected.is_empty());
                prop_assert_eq!(release.talks.len(), case.draft.slots.len());
            }
            Err(ScheduleError::EmptyDraft) => prop_assert!(case.draft.slots.is_empty()),
            Err(ScheduleError::Conflicts(refused)) => prop_assert_eq!(refused, conflicts),
            Err(other) => prop_assert!(false, "unexpected refusal {:?}", other),
        }
    }
}

/// The generator reaches both answers often enough for the property to mean something.
#[test]
fn the_cases_include_accepted_and_refused_drafts() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = case();
    let (mut accepted, mut refused) = (0, 0);
    for _ in 0..2_000 {
        let case = strategy.new_tree(&mut runner).expect("a case").current();
        let frame = EventFrame::new(case.spec.clone()).expect("a valid frame");
        if case.draft.slots.is_empty() {
            continue;
        }
        if check_draft(&frame, &case.talks, &case.draft).is_empty() {
            accepted += 1;
        } else {
            refused += 1;
        }
    }
    println!("of 2,000 generated drafts: {accepted} accepted, {refused} refused");
    assert!(
        accepted >= 100 && refused >= 100,
        "accepted {accepted}, refused {refused}"
    );
}

/// The benches' drafts at scale (1,000 slots in Berlin in June: two hours east of UTC all
/// through the event) get the oracle's answer too: none for the clean one, all for the other.
#[test]
fn the_bench_drafts_at_scale_agree_with_the_oracle() {
    use cfp_schedule::bench_data::{BenchSchedule, Scale};
    let data = BenchSchedule::generate(Scale::ISSUE_6, 2027);
    let spec = FrameSpec::from(data.frame.clone());
    for (draft, clean) in [(&data.clean, true), (&data.conflicted, false)] {
        let case = Case {
            spec: spec.clone(),
            offset_minutes: 120,
            talks: data.talks.clone(),
            draft: draft.clone(),
        };
        let mut listed: Vec<Key> = check_draft(&data.frame, &data.talks, draft)
            .iter()
            .map(key)
            .collect();
        listed.sort();
        let expected = oracle(&case);
        assert_eq!(expected.is_empty(), clean);
        assert_eq!(listed, expected);
    }
}
