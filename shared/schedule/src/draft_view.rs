//! The draft as organisers see it (the answer to `PUT /events/{event}/schedule` and
//! `GET .../schedule/draft`): every slot with its talk's title and its computed end, in the
//! event's time zone, and the conflicts the draft has, each with the slots it names - so a 409
//! says where and when, not only which slot numbers.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::conflict::{Conflict, check_draft};
use crate::draft::{Draft, rfc3339};
use crate::frame::EventFrame;
use crate::talk::{Talk, TalkId};

/// One slot of the draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlacedSlot {
    /// The slot's position in the draft (0-based), as conflicts name it.
    pub slot: usize,
    pub talk_id: TalkId,
    /// `None` when the talk is not (or no longer) a confirmed talk.
    pub title: Option<String>,
    pub room: String,
    /// RFC 3339 in the event's time zone.
    pub start: String,
    /// The start plus the talk's session length; `None` when that length is unknown (the talk
    /// is not confirmed, or the event does not offer its session type).
    pub end: Option<String>,
}

/// One conflict with a description and the slots it is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConflictReport {
    #[serde(flatten)]
    pub conflict: Conflict,
    /// What is wrong, in words.
    pub detail: String,
    pub placements: Vec<PlacedSlot>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DraftView {
    pub event: String,
    pub time_zone: &'static str,
    pub slots: Vec<PlacedSlot>,
    /// Empty when the draft could be released as it stands.
    pub conflicts: Vec<ConflictReport>,
}

impl DraftView {
    /// The draft with the conflicts it has now against the frame and the confirmed talks (a
    /// saved draft can gain some: a talk withdrawn, a session type or a room changed).
    pub fn new(frame: &EventFrame, talks: &HashMap<TalkId, Talk>, draft: &Draft) -> DraftView {
        let conflicts = check_draft(frame, talks, draft);
        DraftView::with_conflicts(frame, talks, draft, conflicts)
    }

    /// The draft with conflicts found already (by the use case that refused it).
    pub fn with_conflicts(
        frame: &EventFrame,
        talks: &HashMap<TalkId, Talk>,
        draft: &Draft,
        conflicts: Vec<Conflict>,
    ) -> DraftView {
        let tz = frame.time_zone();
        let slots: Vec<PlacedSlot> = draft
            .slots
            .iter()
            .enumerate()
            .map(|(index, slot)| {
                let talk = talks.get(&slot.talk_id);
                let end = talk
                    .and_then(|t| frame.duration_minutes(&t.session_type))
                    .map(|minutes| slot.start + Duration::minutes(i64::from(minutes)));
                PlacedSlot {
                    slot: index,
                    talk_id: slot.talk_id,
                    title: talk.map(|t| t.title.clone()),
                    room: slot.room.clone(),
                    start: local(slot.start, tz),
                    end: end.map(|end| local(end, tz)),
                }
            })
            .collect();
        let conflicts = conflicts
            .into_iter()
            .map(|conflict| {
                let placements: Vec<PlacedSlot> = slots_of(&conflict)
                    .into_iter()
                    .filter_map(|i| slots.get(i).cloned())
                    .collect();
                ConflictReport {
                    detail: describe(&conflict, &placements),
                    conflict,
                    placements,
                }
            })
            .collect();
        DraftView {
            event: frame.slug().to_owned(),
            time_zone: tz.name(),
            slots,
            conflicts,
        }
    }
}

fn local(t: DateTime<Utc>, tz: Tz) -> String {
    rfc3339(t.with_timezone(&tz))
}

/// The draft positions a conflict is about, earlier first.
pub fn slots_of(conflict: &Conflict) -> Vec<usize> {
    match conflict {
        Conflict::RoomOverlap { slots, .. } | Conflict::SpeakerDoubleBooked { slots, .. } => {
            slots.to_vec()
        }
        Conflict::TalkPlacedTwice {
            slot, first_slot, ..
        } => vec![*first_slot, *slot],
        Conflict::TalkNotConfirmed { slot, .. }
        | Conflict::UnknownSessionType { slot, .. }
        | Conflict::UnknownRoom { slot, .. }
        | Conflict::OutsideEventDays { slot, .. }
        | Conflict::OutsideDayHours { slot, .. } => vec![*slot],
    }
}

/// The conflict's own description; for two talks at once, with their titles and times.
fn describe(conflict: &Conflict, placements: &[PlacedSlot]) -> String {
    let what = match conflict {
        Conflict::RoomOverlap { room, .. } => format!("overlap in room {room}"),
        Conflict::SpeakerDoubleBooked { speaker, .. } => {
            format!("overlap, and {speaker} speaks at both")
        }
        _ => return conflict.to_string(),
    };
    match placements {
        [a, b] => format!("{} and {} {what}", placed(a), placed(b)),
        _ => conflict.to_string(),
    }
}

/// `slot 3 ("Title", 2027-06-10T09:00:00+02:00 to 2027-06-10T09:30:00+02:00)`
fn placed(slot: &PlacedSlot) -> String {
    let title = slot.title.as_deref().unwrap_or("an unconfirmed talk");
    match &slot.end {
        Some(end) => format!("slot {} ({title:?}, {} to {end})", slot.slot, slot.start),
        None => format!("slot {} ({title:?}, from {})", slot.slot, slot.start),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draft::Slot;
    use crate::test_data::{self, at};

    fn talks(n: u32) -> HashMap<TalkId, Talk> {
        (1..=n).map(test_data::talk).map(|t| (t.id, t)).collect()
    }

    fn slot(n: u32, room: &str, start: &str) -> Slot {
        Slot {
            talk_id: test_data::talk_id(n),
            room: room.into(),
            start: at(start),
        }
    }

    #[test]
    fn slots_show_their_end_in_the_events_time_zone() {
        let draft = Draft {
            slots: vec![
                slot(1, "Main", "2027-06-10T07:00:00Z"),
                slot(9, "Side", "2027-06-10T09:00:00+02:00"),
            ],
        };
        let view = DraftView::new(&test_data::frame(), &talks(1), &draft);
        assert_eq!(view.time_zone, "Europe/Berlin");
        assert_eq!(view.slots[0].start, "2027-06-10T09:00:00+02:00");
        assert_eq!(
            view.slots[0].end.as_deref(),
            Some("2027-06-10T09:30:00+02:00")
        );
        assert_eq!(view.slots[0].title.as_deref(), Some("Talk number 1"));
        // Talk 9 is not confirmed: no title, no end, and a conflict naming it.
        assert_eq!(view.slots[1].title, None);
        assert_eq!(view.slots[1].end, None);
        assert_eq!(view.conflicts.len(), 1);
        assert_eq!(view.conflicts[0].placements, [view.slots[1].clone()]);
    }

    #[test]
    fn an_overlap_says_which_talks_and_when() {
        let mut t = talks(2);
        // Both by the same speaker, in two rooms at once.
        let speaker = test_data::talk(1).speakers;
        if let Some(talk) = t.get_mut(&test_data::talk_id(2)) {
            talk.speakers = speaker;
        }
        let draft = Draft {
            slots: vec![
                slot(1, "Main", "2027-06-10T09:00:00+02:00"),
                slot(2, "Side", "2027-06-10T09:15:00+02:00"),
            ],
        };
        let view = DraftView::new(&test_data::frame(), &t, &draft);
        assert_eq!(view.conflicts.len(), 1, "{:?}", view.conflicts);
        let report = &view.conflicts[0];
        assert_eq!(
            report.detail,
            "slot 0 (\"Talk number 1\", 2027-06-10T09:00:00+02:00 to 2027-06-10T09:30:00+02:00) \
             and slot 1 (\"Talk number 2\", 2027-06-10T09:15:00+02:00 to \
             2027-06-10T09:45:00+02:00) overlap, and Speaker 1 speaks at both"
        );
        let json = serde_json::to_value(report).expect("json");
        assert_eq!(json["kind"], "speaker-overlap");
        assert_eq!(json["speaker"], "Speaker 1");
        assert_eq!(json["slots"], serde_json::json!([0, 1]));
        assert_eq!(json["placements"][1]["end"], "2027-06-10T09:45:00+02:00");
        assert_eq!(
            json["placements"][1]["talkId"],
            test_data::talk_id(2).to_string()
        );
    }

    #[test]
    fn a_talk_placed_twice_names_both_slots() {
        let draft = Draft {
            slots: vec![
                slot(1, "Main", "2027-06-10T09:00:00+02:00"),
                slot(1, "Main", "2027-06-10T11:00:00+02:00"),
            ],
        };
        let view = DraftView::new(&test_data::frame(), &talks(1), &draft);
        let slots: Vec<usize> = view.conflicts[0]
            .placements
            .iter()
            .map(|p| p.slot)
            .collect();
        assert_eq!(slots, [0, 1]);
    }
}
