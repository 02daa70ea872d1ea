//! Properties of the conflict checker: a draft built to be clean has no conflict, in any slot
//! order; and whatever single conflict is injected into it is reported.

use std::collections::HashMap;

use chrono::Duration;
use proptest::prelude::*;

use crate::conflict::{Conflict, check_draft};
use crate::draft::{Draft, Slot};
use crate::talk::{Talk, TalkId};
use crate::test_data::{self, at};

/// Talk `i` (1-based) in a grid cell of its own: two rooms, three days, 18 half hours a day.
fn clean(n: u32) -> (HashMap<TalkId, Talk>, Vec<Slot>) {
    let mut talks = HashMap::new();
    let mut slots = Vec::new();
    for i in 0..n {
        let talk = test_data::talk(i + 1);
        let room = if i % 2 == 0 { "Main" } else { "Side" };
        let day = (i / 2) % 3;
        let half_hour = i / 6;
        let start = at(&format!("2027-06-1{day}T09:00:00+02:00"))
            + Duration::minutes(30 * i64::from(half_hour));
        slots.push(Slot {
            talk_id: talk.id,
            room: room.into(),
            start,
        });
        talks.insert(talk.id, talk);
    }
    (talks, slots)
}

fn shuffled(n: u32) -> impl Strategy<Value = (HashMap<TalkId, Talk>, Vec<Slot>)> {
    Just(clean(n).1)
        .prop_shuffle()
        .prop_map(move |slots| (clean(n).0, slots))
}

proptest! {
    #[test]
    fn a_clean_draft_has_no_conflict((talks, slots) in (1u32..=108).prop_flat_map(shuffled)) {
        let conflicts = check_draft(&test_data::frame(), &talks, &Draft { slots });
        prop_assert_eq!(conflicts, vec![]);
    }

    #[test]
    fn every_injected_conflict_is_reported(
        (talks, slots) in (1u32..=60).prop_flat_map(shuffled),
        kind in 0usize..7,
        victim in any::<prop::sample::Index>(),
        position in any::<prop::sample::Index>(),
    ) {
        let mut talks = talks;
        let mut slots = slots;
        let victim = slots[victim.index(slots.len())].clone();
        let mut newcomer = test_data::talk(1_000);
        let other_room = if victim.room == "Main" { "Side" } else { "Main" };
        let (room, start) = match kind {
            0 => (victim.room.clone(), victim.start + Duration::minutes(10)),
            1 => {
                newcomer.speakers = talks[&victim.talk_id].speakers.clone();
                (other_room.to_owned(), victim.start + Duration::minutes(29))
            }
            3 => ("Main".to_owned(), at("2027-06-20T10:00:00+02:00")),
            4 => ("Main".to_owned(), at("2027-06-10T17:31:00+02:00")),
            5 => ("Attic".to_owned(), at("2027-06-10T10:00:00+02:00")),
            _ => ("Main".to_owned(), at("2027-06-10T10:00:00+02:00")),
        };
        let injected_talk = match kind {
            6 => victim.talk_id,
            2 => test_data::talk_id(2_000), // never confirmed
            _ => newcomer.id,
        };
        if kind != 2 {
            talks.insert(newcomer.id, newcomer.clone());
        }
        let at_index = position.index(slots.len() + 1);
        slots.insert(at_index, Slot { talk_id: injected_talk, room, start });
        let conflicts = check_draft(&test_data::frame(), &talks, &Draft { slots: slots.clone() });
        let pair = |a: TalkId, b: TalkId, talks: &[TalkId; 2]| {
            talks.contains(&a) && talks.contains(&b)
        };
        let reported = conflicts.iter().any(|c| match (kind, c) {
            (0, Conflict::RoomOverlap { talks, .. }) => pair(victim.talk_id, newcomer.id, talks),
            (1, Conflict::SpeakerDoubleBooked { talks, .. }) => pair(victim.talk_id, newcomer.id, talks),
            (2, Conflict::TalkNotConfirmed { talk, .. }) => *talk == injected_talk,
            (3, Conflict::OutsideEventDays { talk, .. }) => *talk == newcomer.id,
            (4, Conflict::OutsideDayHours { talk, .. }) => *talk == newcomer.id,
            (5, Conflict::UnknownRoom { talk, .. }) => *talk == newcomer.id,
            (6, Conflict::TalkPlacedTwice { talk, .. }) => *talk == victim.talk_id,
            _ => false,
        });
        prop_assert!(reported, "kind {} not reported: {:?}", kind, conflicts);
        // Nothing else of the clean draft is reported: every conflict involves the injected slot
        // (or, for a talk placed twice, the talk's first place).
        for c in &conflicts {
            let json = serde_json::to_value(c).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let slots_of = |key: &str| json[key].as_u64().map(|s| s as usize);
            let involved = match slots_of("slot") {
                Some(s) => s == at_index || slots_of("firstSlot") == Some(at_index),
                None => json["slots"].as_array().is_some_and(|s| s.iter().any(|v| v.as_u64() == Some(at_index as u64))),
            };
            prop_assert!(involved, "unexpected {:?} (injected at {})", c, at_index);
        }
    }
}
