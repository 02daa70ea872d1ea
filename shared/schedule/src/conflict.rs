//! The conflict checker: every reason a draft cannot be released, all listed at once, each typed
//! and describable (the 409 answer lists them).
//!
//! Overlaps are found by sorting each room's and each speaker's slots by start and sweeping once,
//! keeping only the slots still running: O(n log n) plus one step per reported pair.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;

use crate::draft::{Draft, rfc3339};
use crate::frame::EventFrame;
use crate::talk::{Talk, TalkId};

/// One conflict. Slots are named by their position in the draft (0-based). The `kind` names
/// are the API's (kebab-case, like its problem types).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(
    tag = "kind",
    rename_all = "kebab-case",
    rename_all_fields = "camelCase"
)]
pub enum Conflict {
    #[error("slots {} and {} overlap in room {room}", slots[0], slots[1])]
    #[serde(rename = "room-overlap")]
    RoomOverlap {
        room: String,
        slots: [usize; 2],
        talks: [TalkId; 2],
    },
    #[error("{speaker} would be in two places at once (slots {} and {})", slots[0], slots[1])]
    #[serde(rename = "speaker-overlap")]
    SpeakerDoubleBooked {
        speaker: String,
        slots: [usize; 2],
        talks: [TalkId; 2],
    },
    #[error("slot {slot} places talk {talk} again (it is already in slot {first_slot})")]
    #[serde(rename = "placed-twice")]
    TalkPlacedTwice {
        slot: usize,
        first_slot: usize,
        talk: TalkId,
    },
    #[error("slot {slot}: talk {talk} is not a confirmed talk")]
    #[serde(rename = "not-confirmed")]
    TalkNotConfirmed { slot: usize, talk: TalkId },
    #[error(
        "slot {slot}: talk {talk} has session type {session_type}, which the event does not offer"
    )]
    UnknownSessionType {
        slot: usize,
        talk: TalkId,
        session_type: String,
    },
    #[error("slot {slot}: the event has no room {room}")]
    UnknownRoom {
        slot: usize,
        talk: TalkId,
        room: String,
    },
    #[error("slot {slot}: {start} is not on one of the event's days ({first_day} to {last_day})")]
    OutsideEventDays {
        slot: usize,
        talk: TalkId,
        start: String,
        first_day: NaiveDate,
        last_day: NaiveDate,
    },
    #[error("slot {slot}: {start} to {end} is outside the hours of {day} ({opens} to {closes})")]
    OutsideDayHours {
        slot: usize,
        talk: TalkId,
        day: NaiveDate,
        start: String,
        end: String,
        opens: String,
        closes: String,
    },
}

/// A conflict with its description, as listed in a problem+json answer.
#[derive(Debug, Clone, Serialize)]
pub struct DescribedConflict<'a> {
    #[serde(flatten)]
    pub conflict: &'a Conflict,
    pub message: String,
}

impl Conflict {
    pub fn described(&self) -> DescribedConflict<'_> {
        DescribedConflict {
            conflict: self,
            message: self.to_string(),
        }
    }
}

/// A slot whose talk is confirmed and whose end is known.
#[derive(Debug, Clone)]
pub(crate) struct Placement<'a> {
    pub index: usize,
    pub talk: &'a Talk,
    pub room: &'a str,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// Every conflict of a draft, given the event's frame and the confirmed talks.
pub fn check_draft(
    frame: &EventFrame,
    talks: &HashMap<TalkId, Talk>,
    draft: &Draft,
) -> Vec<Conflict> {
    place(frame, talks, draft).1
}

pub(crate) fn place<'a>(
    frame: &EventFrame,
    talks: &'a HashMap<TalkId, Talk>,
    draft: &'a Draft,
) -> (Vec<Placement<'a>>, Vec<Conflict>) {
    let tz = frame.time_zone();
    let mut conflicts = Vec::new();
    let mut placements = Vec::with_capacity(draft.slots.len());
    let mut first_slot: HashMap<TalkId, usize> = HashMap::with_capacity(draft.slots.len());
    // Rooms known to the frame; only these take part in the room sweep.
    let mut in_known_room = Vec::with_capacity(draft.slots.len());
    // Each day's window once (at most 14 days), not two time zone look-ups per slot.
    let windows: Vec<Option<(DateTime<Utc>, DateTime<Utc>)>> =
        frame.days().map(|day| frame.day_window(day)).collect();

    for (index, slot) in draft.slots.iter().enumerate() {
        let talk_id = slot.talk_id;
        if let Some(&first) = first_slot.get(&talk_id) {
            // Checked once, at its first place: a second placement would only repeat conflicts.
            conflicts.push(Conflict::TalkPlacedTwice {
                slot: index,
                first_slot: first,
                talk: talk_id,
            });
            continue;
        }
        first_slot.insert(talk_id, index);
        let Some(talk) = talks.get(&talk_id) else {
            conflicts.push(Conflict::TalkNotConfirmed {
                slot: index,
                talk: talk_id,
            });
            continue;
        };
        let Some(minutes) = frame.duration_minutes(&talk.session_type) else {
            conflicts.push(Conflict::UnknownSessionType {
                slot: index,
                talk: talk_id,
                session_type: talk.session_type.clone(),
            });
            continue;
        };
        let start = slot.start;
        let end = start + Duration::minutes(i64::from(minutes));
        let known_room = frame.has_room(&slot.room);
        if !known_room {
            conflicts.push(Conflict::UnknownRoom {
                slot: index,
                talk: talk_id,
                room: slot.room.clone(),
            });
        }
        let day = frame.local_day(start);
        let window = usize::try_from((day - frame.first_day()).num_days())
            .ok()
            .and_then(|i| windows.get(i).copied().flatten());
        match window {
            None => conflicts.push(Conflict::OutsideEventDays {
                slot: index,
                talk: talk_id,
                start: rfc3339(start.with_timezone(&tz)),
                first_day: frame.first_day(),
                last_day: frame.last_day(),
            }),
            Some((opens, closes)) if start < opens || end > closes => {
                let hours = frame.hours(day);
                conflicts.push(Conflict::OutsideDayHours {
                    slot: index,
                    talk: talk_id,
                    day,
                    start: rfc3339(start.with_timezone(&tz)),
                    end: rfc3339(end.with_timezone(&tz)),
                    opens: hours.opens().format("%H:%M").to_string(),
                    closes: hours.closes().format("%H:%M").to_string(),
                });
            }
            Some(_) => {}
        }
        in_known_room.push(known_room);
        placements.push(Placement {
            index,
            talk,
            room: &slot.room,
            start,
            end,
        });
    }

    let mut by_room: HashMap<&str, Vec<Span>> = HashMap::new();
    let mut by_speaker: HashMap<String, (&str, Vec<Span>)> = HashMap::new();
    for (p, known_room) in placements.iter().zip(&in_known_room) {
        let span = Span {
            start: p.start,
            end: p.end,
            index: p.index,
            talk: p.talk.id,
        };
        if *known_room {
            by_room.entry(p.room).or_default().push(span);
        }
        for (i, speaker) in p.talk.speakers.iter().enumerate() {
            let identity = speaker.identity();
            // The same person named twice on one talk counts once.
            if p.talk.speakers[..i]
                .iter()
                .any(|other| other.identity() == identity)
            {
                continue;
            }
            match by_speaker.get_mut(&identity) {
                Some((_, spans)) => spans.push(span),
                None => {
                    by_speaker.insert(identity, (speaker.name.as_str(), vec![span]));
                }
            }
        }
    }

    let mut room_conflicts = Vec::new();
    for (room, spans) in &mut by_room {
        sweep(spans, |a, b| {
            room_conflicts.push(Conflict::RoomOverlap {
                room: (*room).to_owned(),
                slots: [a.index, b.index],
                talks: [a.talk, b.talk],
            })
        });
    }
    let mut speaker_conflicts = Vec::new();
    for (name, spans) in by_speaker.values_mut() {
        sweep(spans, |a, b| {
            speaker_conflicts.push(Conflict::SpeakerDoubleBooked {
                speaker: (*name).to_owned(),
                slots: [a.index, b.index],
                talks: [a.talk, b.talk],
            })
        });
    }
    // Hash maps iterate in no particular order: sort for a stable answer. Two slots may share
    // more than one speaker, so the speaker is part of the key.
    room_conflicts.sort_by(|a, b| pair_key(a).cmp(&pair_key(b)));
    speaker_conflicts.sort_by(|a, b| pair_key(a).cmp(&pair_key(b)));
    conflicts.extend(room_conflicts);
    conflicts.extend(speaker_conflicts);
    (placements, conflicts)
}

fn pair_key(conflict: &Conflict) -> ([usize; 2], &str) {
    match conflict {
        Conflict::RoomOverlap { slots, room, .. } => (*slots, room),
        Conflict::SpeakerDoubleBooked { slots, speaker, .. } => (*slots, speaker),
        _ => ([usize::MAX; 2], ""),
    }
}

#[derive(Debug, Clone, Copy)]
struct Span {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    index: usize,
    talk: TalkId,
}

/// Reports every overlapping pair (half-open intervals: back to back is fine), the earlier slot
/// index first.
fn sweep(spans: &mut [Span], mut report: impl FnMut(Span, Span)) {
    spans.sort_unstable_by_key(|s| (s.start, s.index));
    let mut running: Vec<Span> = Vec::new();
    for &span in spans.iter() {
        running.retain(|r| r.end > span.start);
        for &r in &running {
            if r.index < span.index {
                report(r, span);
            } else {
                report(span, r);
            }
        }
        running.push(span);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draft::Slot;
    use crate::talk::Speaker;
    use crate::test_data::{self, at};

    fn slot(talk: &Talk, room: &str, start: &str) -> Slot {
        Slot {
            talk_id: talk.id,
            room: room.into(),
            start: at(start),
        }
    }

    fn check(talks: &[Talk], slots: Vec<Slot>) -> Vec<Conflict> {
        let frame = test_data::frame();
        let talks = talks.iter().map(|t| (t.id, t.clone())).collect();
        check_draft(&frame, &talks, &Draft { slots })
    }

    fn talks(n: u32) -> Vec<Talk> {
        (1..=n).map(test_data::talk).collect()
    }

    #[test]
    fn a_clean_draft_has_no_conflict() {
        let t = talks(4);
        // Back to back in one room, in parallel in two, first and last minute of the day.
        let conflicts = check(
            &t,
            vec![
                slot(&t[0], "Main", "2027-06-10T09:00:00+02:00"),
                slot(&t[1], "Main", "2027-06-10T09:30:00+02:00"),
                slot(&t[2], "Side", "2027-06-10T09:00:00+02:00"),
                slot(&t[3], "Side", "2027-06-12T17:30:00+02:00"),
            ],
        );
        assert_eq!(conflicts, []);
        assert_eq!(check(&t, vec![]), []);
    }

    #[test]
    fn overlaps_in_a_room_are_reported_pairwise() {
        let t = talks(3);
        let conflicts = check(
            &t,
            vec![
                slot(&t[0], "Main", "2027-06-10T10:00:00+02:00"),
                slot(&t[1], "Main", "2027-06-10T10:15:00+02:00"),
                slot(&t[2], "Main", "2027-06-10T08:20:00Z"),
            ],
        );
        assert_eq!(
            conflicts,
            [
                Conflict::RoomOverlap {
                    room: "Main".into(),
                    slots: [0, 1],
                    talks: [t[0].id, t[1].id]
                },
                Conflict::RoomOverlap {
                    room: "Main".into(),
                    slots: [0, 2],
                    talks: [t[0].id, t[2].id]
                },
                Conflict::RoomOverlap {
                    room: "Main".into(),
                    slots: [1, 2],
                    talks: [t[1].id, t[2].id]
                },
            ]
        );
        assert_eq!(
            conflicts[0].to_string(),
            "slots 0 and 1 overlap in room Main"
        );
    }

    #[test]
    fn a_speaker_cannot_be_in_two_rooms_at_once() {
        let mut t = talks(2);
        t[1].speakers.push(Speaker {
            name: " ADA  lovelace".into(),
            bio: None,
            thumbnail_key: None,
        });
        t[0].speakers[0].name = "Ada Lovelace".into();
        let conflicts = check(
            &t,
            vec![
                slot(&t[0], "Main", "2027-06-10T10:00:00+02:00"),
                slot(&t[1], "Side", "2027-06-10T10:29:00+02:00"),
            ],
        );
        assert_eq!(
            conflicts,
            [Conflict::SpeakerDoubleBooked {
                speaker: "Ada Lovelace".into(),
                slots: [0, 1],
                talks: [t[0].id, t[1].id]
            }]
        );
    }

    #[test]
    fn two_slots_sharing_two_speakers_are_listed_in_one_order() {
        let mut t = talks(2);
        for talk in &mut t {
            talk.speakers = ["Grace Hopper", "Ada Lovelace"]
                .map(|name| Speaker {
                    name: name.into(),
                    bio: None,
                    thumbnail_key: None,
                })
                .to_vec();
        }
        let slots = vec![
            slot(&t[0], "Main", "2027-06-10T10:00:00+02:00"),
            slot(&t[1], "Side", "2027-06-10T10:00:00+02:00"),
        ];
        // Each check builds new hash maps with new random seeds: the order must not follow them.
        for _ in 0..20 {
            let speakers: Vec<String> = check(&t, slots.clone())
                .into_iter()
                .filter_map(|c| match c {
                    Conflict::SpeakerDoubleBooked { speaker, .. } => Some(speaker),
                    _ => None,
                })
                .collect();
            assert_eq!(speakers, ["Ada Lovelace", "Grace Hopper"]);
        }
    }

    #[test]
    fn unknown_talks_rooms_and_session_types() {
        let mut t = talks(3);
        t[2].session_type = "Keynote".into();
        let stranger = test_data::talk(99);
        let conflicts = check(
            &t[..],
            vec![
                slot(&stranger, "Main", "2027-06-10T10:00:00+02:00"),
                slot(&t[0], "Basement", "2027-06-10T10:00:00+02:00"),
                slot(&t[2], "Main", "2027-06-10T10:00:00+02:00"),
            ],
        );
        assert_eq!(
            conflicts,
            [
                Conflict::TalkNotConfirmed {
                    slot: 0,
                    talk: stranger.id
                },
                Conflict::UnknownRoom {
                    slot: 1,
                    talk: t[0].id,
                    room: "Basement".into()
                },
                Conflict::UnknownSessionType {
                    slot: 2,
                    talk: t[2].id,
                    session_type: "Keynote".into()
                },
            ]
        );
    }

    #[test]
    fn a_talk_placed_twice_is_reported_once_per_extra_place() {
        let t = talks(1);
        let conflicts = check(
            &t,
            vec![
                slot(&t[0], "Main", "2027-06-10T10:00:00+02:00"),
                slot(&t[0], "Main", "2027-06-10T10:00:00+02:00"),
                slot(&t[0], "Side", "2027-06-11T10:00:00+02:00"),
            ],
        );
        assert_eq!(
            conflicts,
            [
                Conflict::TalkPlacedTwice {
                    slot: 1,
                    first_slot: 0,
                    talk: t[0].id
                },
                Conflict::TalkPlacedTwice {
                    slot: 2,
                    first_slot: 0,
                    talk: t[0].id
                },
            ]
        );
    }

    #[test]
    fn slots_outside_the_days_or_hours_in_the_event_time_zone() {
        let t = talks(5);
        let conflicts = check(
            &t,
            vec![
                // 23:30 UTC on the 12th is already the 13th in Berlin.
                slot(&t[0], "Main", "2027-06-12T23:30:00Z"),
                slot(&t[1], "Main", "2027-06-09T10:00:00+02:00"),
                // Starts before opening.
                slot(&t[2], "Main", "2027-06-10T06:59:00Z"),
                // Ends after closing (17:45 + 30 minutes).
                slot(&t[3], "Side", "2027-06-11T17:45:00+02:00"),
                // 07:00 UTC is 09:00 in Berlin: fine.
                slot(&t[4], "Side", "2027-06-11T07:00:00Z"),
            ],
        );
        let kinds: Vec<_> = conflicts
            .iter()
            .map(|c| serde_json::to_value(c).expect("json")["kind"].clone())
            .collect();
        assert_eq!(
            kinds,
            [
                "outside-event-days",
                "outside-event-days",
                "outside-day-hours",
                "outside-day-hours"
            ]
        );
        assert_eq!(
            conflicts[3].to_string(),
            "slot 3: 2027-06-11T17:45:00+02:00 to 2027-06-11T18:15:00+02:00 is outside the hours of 2027-06-11 (09:00 to 18:00)"
        );
    }

    #[test]
    fn hours_are_checked_across_daylight_saving_changes() {
        // 2027-10-31: Berlin's clocks go back from 03:00 CEST to 02:00 CET; the day's 09:00 is CET.
        let mut spec = test_data::frame_spec();
        spec.start_date = "2027-10-30".parse().expect("date");
        spec.end_date = "2027-10-31".parse().expect("date");
        let frame = EventFrame::new(spec).expect("frame");
        let t = talks(2);
        let talks_by_id = t.iter().map(|t| (t.id, t.clone())).collect();
        let draft = Draft {
            slots: vec![
                // 09:00 CEST would be 08:00 CET: before opening on the 31st.
                slot(&t[0], "Main", "2027-10-31T09:00:00+02:00"),
                slot(&t[1], "Main", "2027-10-31T09:00:00+01:00"),
            ],
        };
        let conflicts = check_draft(&frame, &talks_by_id, &draft);
        assert!(
            matches!(
                conflicts.as_slice(),
                [Conflict::OutsideDayHours { slot: 0, .. }]
            ),
            "{conflicts:?}"
        );
    }

    #[test]
    fn every_conflict_is_listed_at_once_and_described_as_json() {
        let t = talks(3);
        let stranger = test_data::talk(42);
        let conflicts = check(
            &t,
            vec![
                slot(&t[0], "Main", "2027-06-10T10:00:00+02:00"),
                slot(&t[1], "Main", "2027-06-10T10:10:00+02:00"),
                slot(&stranger, "Main", "2027-06-10T11:00:00+02:00"),
                slot(&t[2], "Attic", "2027-06-20T10:00:00+02:00"),
            ],
        );
        assert_eq!(conflicts.len(), 4, "{conflicts:?}");
        let overlap = conflicts
            .iter()
            .find(|c| matches!(c, Conflict::RoomOverlap { .. }))
            .expect("the overlap");
        let json = serde_json::to_value(overlap.described()).expect("json");
        assert_eq!(json["kind"], "room-overlap");
        assert_eq!(json["slots"], serde_json::json!([0, 1]));
        assert_eq!(json["message"], "slots 0 and 1 overlap in room Main");
    }
}
