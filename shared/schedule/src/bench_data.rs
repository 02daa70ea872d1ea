//! A schedule at scale, generated deterministically from a seed: the data set of the criterion
//! benches (feature `bench-data`) and of this crate's scale tests. The same seed always gives the
//! same talks, so figures from different runs compare.
//!
//! The clean draft is conflict-free by construction (each room's day is filled back to back
//! within its hours; a speaker is only given a talk that does not overlap their others). The
//! conflicted draft is the clean one with a share of its slots broken in every way the checker
//! knows: room and speaker overlaps, unknown rooms and talks, talks placed twice, slots outside
//! the event's days and hours.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use uuid::Uuid;

use crate::draft::{Draft, Slot};
use crate::export::ExportLinks;
use crate::frame::{EventFrame, FrameSpec, SessionType};
use crate::release::Release;
use crate::talk::{Speaker, Talk, TalkId, TalkNumber};

/// When a speaker is busy: start and end.
type Span = (DateTime<Utc>, DateTime<Utc>);

/// The size of a generated schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scale {
    pub talks: usize,
    pub rooms: usize,
    pub days: usize,
}

impl Scale {
    /// Issue 6's figure: 1,000 talks in 20 rooms over 5 days.
    pub const ISSUE_6: Scale = Scale {
        talks: 1_000,
        rooms: 20,
        days: 5,
    };
}

/// A generated schedule.
#[derive(Debug, Clone)]
pub struct BenchSchedule {
    pub frame: EventFrame,
    pub talks: HashMap<TalkId, Talk>,
    /// Every talk placed once, no conflict.
    pub clean: Draft,
    /// The clean draft with about a third of its slots broken (see the module's comment).
    pub conflicted: Draft,
}

/// Session types and their durations; ten of the longest plus the gaps fit in a 09:00-18:00 day.
const SESSION_TYPES: [(&str, u16); 3] = [("Lightning talk", 15), ("Talk", 30), ("Long talk", 45)];
const TRACKS: [&str; 6] = ["Rust", "Cloud", "Data", "Security", "People", "Web"];
const WORDS: [&str; 40] = [
    "serverless",
    "lambda",
    "rust",
    "testing",
    "observability",
    "tracing",
    "distributed",
    "systems",
    "database",
    "streaming",
    "events",
    "security",
    "tokens",
    "compilers",
    "webassembly",
    "accessibility",
    "performance",
    "latency",
    "caching",
    "resilience",
    "machine",
    "learning",
    "privacy",
    "cryptography",
    "networking",
    "protocols",
    "migration",
    "microservices",
    "culture",
    "documentation",
    "community",
    "functional",
    "types",
    "concurrency",
    "async",
    "memory",
    "safety",
    "embedded",
    "energy",
    "cost",
];
/// Names with what the exports must escape or transliterate.
const FIRST: [&str; 16] = [
    "Ada", "Grace", "Linus", "Barbara", "Ken", "Margaret", "Dennis", "Frances", "Alan", "Radia",
    "Edsger", "Hedy", "Tim", "Sophie", "Jürgen", "Zoë",
];
const LAST: [&str; 16] = [
    "Lovelace",
    "Hopper",
    "Torvalds",
    "Liskov",
    "Thompson",
    "Hamilton",
    "Ritchie",
    "Allen",
    "Turing",
    "Perlman",
    "Dijkstra",
    "Lamarr",
    "O'Brien",
    "Wilson",
    "Schmidt & Co",
    "Müller",
];

/// SplitMix64: a tiny, well-spread deterministic sequence (no crate needed for picking words).
#[derive(Debug, Clone)]
pub struct Sequence(u64);

impl Sequence {
    pub fn new(seed: u64) -> Self {
        Sequence(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..below` (`below` > 0).
    pub fn below(&mut self, below: usize) -> usize {
        (self.next_u64() % below.max(1) as u64) as usize
    }

    fn words(&mut self, count: usize) -> String {
        (0..count)
            .map(|_| WORDS[self.below(WORDS.len())])
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The id of generated talk `i`; [`unknown_talk`] ids never collide with these.
pub fn talk_id(i: usize) -> TalkId {
    TalkId::new(Uuid::from_u128(
        0x0190_0000_0000_7000_8000_0000_0000_0000 | i as u128,
    ))
}

/// A talk id that no generated talk has.
pub fn unknown_talk(i: usize) -> TalkId {
    TalkId::new(Uuid::from_u128(
        0x0190_ffff_0000_7000_8000_0000_0000_0000 | i as u128,
    ))
}

/// The frame: `scale.days` days from Monday 7 June 2027 in Berlin (no daylight saving change),
/// 09:00-18:00, rooms `Room 1`...
pub fn frame(scale: Scale) -> EventFrame {
    let start = NaiveDate::from_ymd_opt(2027, 6, 7).unwrap_or_default();
    let spec = FrameSpec {
        slug: "benchconf-2027".into(),
        name: "BenchConf 2027 <& friends>".into(),
        time_zone: "Europe/Berlin".into(),
        start_date: start,
        end_date: start + Duration::days(scale.days.max(1) as i64 - 1),
        hours: None,
        day_hours: Default::default(),
        rooms: (1..=scale.rooms.max(1))
            .map(|r| format!("Room {r}"))
            .collect(),
        tracks: TRACKS.iter().map(|t| (*t).to_owned()).collect(),
        session_types: SESSION_TYPES
            .iter()
            .map(|(name, minutes)| SessionType {
                name: (*name).to_owned(),
                duration_minutes: *minutes,
            })
            .collect(),
        default_language: None,
    };
    match EventFrame::new(spec) {
        Ok(frame) => frame,
        Err(e) => panic!("the generated frame is valid: {e}"),
    }
}

impl BenchSchedule {
    /// Generates `scale.talks` talks, spread evenly over the rooms and days, from `seed`.
    ///
    /// Panics when the talks do not fit in the frame's hours (more than ten per room and day).
    pub fn generate(scale: Scale, seed: u64) -> BenchSchedule {
        let frame = frame(scale);
        let tz = frame.time_zone();
        let cells = scale.rooms.max(1) * scale.days.max(1);
        let per_cell = scale.talks.div_ceil(cells);
        assert!(
            per_cell <= 10,
            "{} talks do not fit in {} rooms over {} days",
            scale.talks,
            scale.rooms,
            scale.days
        );
        let mut sequence = Sequence::new(seed);
        // About 1.7 talks per speaker on average: many speakers give more than one talk, which
        // is what the speaker sweep has to work through.
        let speaker_pool = (scale.talks * 3 / 4).max(1);
        let mut busy: HashMap<usize, Vec<Span>> = HashMap::new();
        let mut talks = HashMap::with_capacity(scale.talks);
        let mut slots = Vec::with_capacity(scale.talks);
        let mut next_start: Vec<Option<DateTime<Utc>>> = vec![None; cells];
        for i in 0..scale.talks {
            let cell = i % cells;
            let (day, room) = (cell / scale.rooms.max(1), cell % scale.rooms.max(1));
            let date = frame.first_day() + Duration::days(day as i64);
            let opening = date.and_time(NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default());
            let day_start = tz
                .from_local_datetime(&opening)
                .earliest()
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_default();
            let gap = Duration::minutes(5 * sequence.below(2) as i64);
            let start = next_start[cell].unwrap_or(day_start) + gap;
            let (session_type, minutes) = SESSION_TYPES[sequence.below(SESSION_TYPES.len())];
            let end = start + Duration::minutes(i64::from(minutes));
            next_start[cell] = Some(end);

            let speaker_count = 1 + usize::from(sequence.below(4) == 0);
            let mut speakers: Vec<usize> = Vec::with_capacity(speaker_count);
            for _ in 0..speaker_count {
                // A few tries for a pooled speaker who is free then; else a newcomer.
                let pooled = (0..8).map(|_| sequence.below(speaker_pool)).find(|s| {
                    !speakers.contains(s)
                        && busy
                            .get(s)
                            .is_none_or(|spans| spans.iter().all(|(a, b)| *b <= start || *a >= end))
                });
                speakers.push(pooled.unwrap_or(speaker_pool + i * 2 + speakers.len()));
            }
            for s in &speakers {
                busy.entry(*s).or_default().push((start, end));
            }

            let id = talk_id(i);
            let title_words = 3 + sequence.below(5);
            let abstract_words = 40 + sequence.below(60);
            let talk = Talk {
                id,
                number: TalkNumber::new(i as u32 + 1).unwrap_or(TalkNumber::first()),
                title: format!(
                    "{} <{}> & \"more\"",
                    sequence.words(title_words),
                    WORDS[i % WORDS.len()]
                ),
                abstract_: format!(
                    "{}; with commas, semicolons; and a backslash \\ to escape.",
                    sequence.words(abstract_words)
                ),
                description: (sequence.below(2) == 0).then(|| sequence.words(30)),
                session_type: session_type.to_owned(),
                track: (sequence.below(8) != 0)
                    .then(|| TRACKS[sequence.below(TRACKS.len())].to_owned()),
                language: Some(if sequence.below(5) == 0 { "de" } else { "en" }.to_owned()),
                speakers: speakers
                    .iter()
                    .map(|s| Speaker {
                        name: speaker_name(*s),
                        bio: (s % 3 != 0).then(|| format!("Speaker {s} writes about systems.")),
                        thumbnail_key: (s % 2 == 0)
                            .then(|| format!("pictures/thumbnails/benchconf-2027/{s}.jpg")),
                    })
                    .collect(),
            };
            talks.insert(id, talk);
            slots.push(Slot {
                talk_id: id,
                room: frame.rooms()[room].clone(),
                start,
            });
        }
        let clean = Draft { slots };
        let conflicted = conflicted(&clean, &talks, &mut sequence);
        BenchSchedule {
            frame,
            talks,
            clean,
            conflicted,
        }
    }

    /// The clean draft released (number 1, at a fixed instant).
    pub fn release(&self) -> Release {
        let released_at = Utc
            .with_ymd_and_hms(2027, 5, 1, 12, 0, 0)
            .single()
            .unwrap_or_default();
        match Release::freeze(
            &self.frame,
            &self.talks,
            &self.clean,
            None,
            None,
            released_at,
        ) {
            Ok(release) => release,
            Err(e) => panic!("the generated clean draft releases: {e:?}"),
        }
    }
}

/// The links the exports are rendered with.
pub fn links() -> ExportLinks {
    match ExportLinks::new(
        "https://api.example.org/v1",
        Some("https://media.example.org"),
    ) {
        Ok(links) => links,
        Err(e) => panic!("the bench links are valid: {e}"),
    }
}

/// Distinct for distinct `s`; speakers beyond the 256 first/last combinations get a number.
fn speaker_name(s: usize) -> String {
    let combinations = FIRST.len() * LAST.len();
    let base = format!(
        "{} {}",
        FIRST[s % FIRST.len()],
        LAST[(s / FIRST.len()) % LAST.len()]
    );
    match s / combinations {
        0 => base,
        n => format!("{base} {n}"),
    }
}

/// The clean draft with about a third of its slots broken.
fn conflicted(clean: &Draft, talks: &HashMap<TalkId, Talk>, sequence: &mut Sequence) -> Draft {
    // Where each speaker's talks are, to move a talk onto another of its speaker's.
    let mut by_speaker: HashMap<String, Vec<usize>> = HashMap::new();
    for (index, slot) in clean.slots.iter().enumerate() {
        if let Some(talk) = talks.get(&slot.talk_id) {
            for speaker in &talk.speakers {
                by_speaker
                    .entry(speaker.identity())
                    .or_default()
                    .push(index);
            }
        }
    }
    let mut slots = Vec::with_capacity(clean.slots.len() + clean.slots.len() / 20);
    for (index, slot) in clean.slots.iter().enumerate() {
        let mut slot = slot.clone();
        match sequence.below(24) {
            // Into the next talk in its room (or past closing, for a day's last talk).
            0..=2 => slot.start += Duration::minutes(10),
            // At the same time as another talk of one of its speakers.
            3 | 4 => {
                let other = talks
                    .get(&slot.talk_id)
                    .and_then(|talk| talk.speakers.first())
                    .and_then(|speaker| by_speaker.get(&speaker.identity()))
                    .and_then(|places| places.iter().find(|i| **i != index));
                if let Some(other) = other {
                    slot.start = clean.slots[*other].start;
                }
            }
            5 => slot.room = "Basement".into(),
            6 => slots.push(slot.clone()),
            7 => slot.start -= Duration::days(7),
            8 => slot.talk_id = unknown_talk(index),
            // Every start is 09:00 to 17:20: nine hours earlier is before opening, same day.
            9 => slot.start -= Duration::hours(9),
            _ => {}
        }
        slots.push(slot);
    }
    Draft { slots }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conflict::{Conflict, check_draft};

    #[test]
    fn the_same_seed_gives_the_same_schedule() {
        let a = BenchSchedule::generate(Scale::ISSUE_6, 7);
        let b = BenchSchedule::generate(Scale::ISSUE_6, 7);
        assert_eq!(a.clean, b.clean);
        assert_eq!(a.conflicted, b.conflicted);
        assert_eq!(a.talks, b.talks);
        assert_ne!(
            BenchSchedule::generate(Scale::ISSUE_6, 8).conflicted,
            a.conflicted
        );
    }

    #[test]
    fn the_clean_draft_is_clean_and_releases_every_talk() {
        for seed in [1, 2, 3] {
            let data = BenchSchedule::generate(Scale::ISSUE_6, seed);
            assert_eq!(data.clean.slots.len(), 1_000);
            assert_eq!(check_draft(&data.frame, &data.talks, &data.clean), []);
            assert_eq!(data.release().talks.len(), 1_000);
        }
    }

    #[test]
    fn the_conflicted_draft_has_every_kind_of_conflict() {
        let data = BenchSchedule::generate(Scale::ISSUE_6, 1);
        let conflicts = check_draft(&data.frame, &data.talks, &data.conflicted);
        let count = |wanted: fn(&Conflict) -> bool| conflicts.iter().filter(|c| wanted(c)).count();
        for (kind, n) in [
            ("room", count(|c| matches!(c, Conflict::RoomOverlap { .. }))),
            (
                "speaker",
                count(|c| matches!(c, Conflict::SpeakerDoubleBooked { .. })),
            ),
            (
                "twice",
                count(|c| matches!(c, Conflict::TalkPlacedTwice { .. })),
            ),
            (
                "unconfirmed",
                count(|c| matches!(c, Conflict::TalkNotConfirmed { .. })),
            ),
            ("room", count(|c| matches!(c, Conflict::UnknownRoom { .. }))),
            (
                "days",
                count(|c| matches!(c, Conflict::OutsideEventDays { .. })),
            ),
            (
                "hours",
                count(|c| matches!(c, Conflict::OutsideDayHours { .. })),
            ),
        ] {
            assert!(n >= 10, "only {n} {kind} conflicts of {}", conflicts.len());
        }
    }
}
