//! A release: a numbered (1, 2, ...), optionally named, frozen copy of the draft with its talks
//! and the event's frame. The public schedule is the latest release, never the draft.
//!
//! A talk withdrawn after the draft was saved leaves the draft when its withdrawal is applied
//! (see `use_cases::apply_talk_message`). Should a release still meet a draft slot whose talk is
//! no longer confirmed (the two raced), that slot is a `TalkNotConfirmed` conflict and the
//! release is refused: nothing leaves the public schedule silently.

use std::collections::HashMap;
use std::fmt;
use std::num::NonZeroU32;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::conflict::place;
use crate::draft::Draft;
use crate::error::{InvalidInput, ScheduleError};
use crate::frame::EventFrame;
use crate::talk::{Talk, TalkId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ReleaseNumber(NonZeroU32);

impl ReleaseNumber {
    pub fn new(n: u32) -> Option<Self> {
        NonZeroU32::new(n).map(ReleaseNumber)
    }

    /// The number after `latest`, or 1 for the first release.
    pub fn after(latest: Option<ReleaseNumber>) -> Result<Self, ScheduleError> {
        match latest {
            None => Ok(ReleaseNumber(NonZeroU32::MIN)),
            Some(n) => {
                n.0.checked_add(1)
                    .map(ReleaseNumber)
                    .ok_or(ScheduleError::TooManyReleases)
            }
        }
    }

    pub fn get(&self) -> u32 {
        self.0.get()
    }
}

impl fmt::Display for ReleaseNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// 1..=100 characters, one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ReleaseName(String);

impl ReleaseName {
    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        let trimmed = raw.trim();
        let chars = trimmed.chars().count();
        if chars == 0 || chars > 100 {
            return Err(InvalidInput::one(
                "name",
                "must be 1 to 100 characters long",
            ));
        }
        if trimmed.chars().any(char::is_control) {
            return Err(InvalidInput::one(
                "name",
                "must not contain control characters",
            ));
        }
        Ok(ReleaseName(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A talk in a release: where and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduledTalk {
    pub talk: Talk,
    pub room: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Release {
    pub number: ReleaseNumber,
    pub name: Option<ReleaseName>,
    pub released_at: DateTime<Utc>,
    pub frame: EventFrame,
    /// Ordered by start, then by the room's place in the frame.
    pub talks: Vec<ScheduledTalk>,
}

/// What identifies a release and says when it was made, without its talks: enough for the
/// next release's number, and for a reader to know whether what it rendered is still current.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseHeader {
    pub number: ReleaseNumber,
    pub name: Option<ReleaseName>,
    pub released_at: DateTime<Utc>,
}

impl Release {
    pub fn header(&self) -> ReleaseHeader {
        ReleaseHeader {
            number: self.number,
            name: self.name.clone(),
            released_at: self.released_at,
        }
    }

    /// Freezes the draft. Refused when it is empty or has any conflict (all of them listed).
    pub fn freeze(
        frame: &EventFrame,
        talks: &HashMap<TalkId, Talk>,
        draft: &Draft,
        latest: Option<ReleaseNumber>,
        name: Option<ReleaseName>,
        now: DateTime<Utc>,
    ) -> Result<Release, ScheduleError> {
        if draft.is_empty() {
            return Err(ScheduleError::EmptyDraft);
        }
        let (placements, conflicts) = place(frame, talks, draft);
        if !conflicts.is_empty() {
            return Err(ScheduleError::Conflicts(conflicts));
        }
        let room_rank = |room: &str| frame.rooms().iter().position(|r| r == room);
        let mut scheduled: Vec<ScheduledTalk> = placements
            .into_iter()
            .map(|p| ScheduledTalk {
                talk: p.talk.clone(),
                room: p.room.to_owned(),
                start: p.start,
                end: p.end,
            })
            .collect();
        scheduled.sort_by_key(|s| (s.start, room_rank(&s.room), s.talk.number));
        Ok(Release {
            number: ReleaseNumber::after(latest)?,
            name,
            released_at: now,
            frame: frame.clone(),
            talks: scheduled,
        })
    }

    /// The version string of the exports: `3` or `3 (Final)`.
    pub fn version_label(&self) -> String {
        match &self.name {
            Some(name) => format!("{} ({})", self.number, name.as_str()),
            None => self.number.to_string(),
        }
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

    fn draft() -> Draft {
        Draft {
            slots: vec![
                Slot {
                    talk_id: test_data::talk_id(2),
                    room: "Side".into(),
                    start: at("2027-06-10T09:00:00+02:00"),
                },
                Slot {
                    talk_id: test_data::talk_id(1),
                    room: "Main".into(),
                    start: at("2027-06-10T09:00:00+02:00"),
                },
            ],
        }
    }

    #[test]
    fn a_clean_draft_is_frozen_with_the_next_number() {
        let now = at("2027-05-01T12:00:00Z");
        let first = Release::freeze(&test_data::frame(), &talks(2), &draft(), None, None, now)
            .expect("released");
        assert_eq!(first.number.get(), 1);
        assert_eq!(first.version_label(), "1");
        // Main comes before Side at the same time: the frame's room order.
        assert_eq!(first.talks[0].room, "Main");
        assert_eq!(first.talks[0].end, at("2027-06-10T09:30:00+02:00"));
        let name = ReleaseName::parse(" Final ").expect("name");
        let second = Release::freeze(
            &test_data::frame(),
            &talks(2),
            &draft(),
            Some(first.number),
            Some(name),
            now,
        )
        .expect("released");
        assert_eq!(second.version_label(), "2 (Final)");
    }

    #[test]
    fn conflicts_and_empty_drafts_are_refused() {
        let now = Utc::now();
        let frame = test_data::frame();
        // Talk 2 was withdrawn after the draft was saved (and the draft not yet cleaned up).
        let result = Release::freeze(&frame, &talks(1), &draft(), None, None, now);
        assert!(
            matches!(&result, Err(ScheduleError::Conflicts(c)) if c.len() == 1),
            "{result:?}"
        );
        assert_eq!(
            Release::freeze(&frame, &talks(2), &Draft::default(), None, None, now),
            Err(ScheduleError::EmptyDraft)
        );
        assert_eq!(
            ReleaseNumber::after(ReleaseNumber::new(u32::MAX)),
            Err(ScheduleError::TooManyReleases)
        );
    }

    #[test]
    fn release_names_are_one_short_line() {
        assert!(ReleaseName::parse("").is_err());
        assert!(ReleaseName::parse("a\nb").is_err());
        assert!(ReleaseName::parse(&"x".repeat(101)).is_err());
        assert!(ReleaseName::parse("Final – v2").is_ok());
    }
}
