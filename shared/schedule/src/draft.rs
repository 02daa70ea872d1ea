//! The organisers' draft: which talk goes in which room when. The end of a slot follows from the
//! talk's session type, so the draft holds only the start.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{InputProblem, InvalidInput};
use crate::talk::TalkId;

/// The body of `PUT /events/{event}/schedule`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DraftRequest {
    pub slots: Vec<SlotRequest>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlotRequest {
    pub talk_id: Option<String>,
    pub room: Option<String>,
    pub start: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Slot {
    pub talk_id: TalkId,
    pub room: String,
    pub start: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    pub slots: Vec<Slot>,
}

/// The draft as stored, with its version: every save makes it one higher, and a save is
/// conditional on the version it was read at, so that an organiser's PUT and a withdrawal's
/// clean-up cannot overwrite each other unseen. Version 0 is the empty draft never saved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredDraft {
    pub draft: Draft,
    pub version: u32,
}

impl Draft {
    pub const MAX_SLOTS: usize = 5_000;

    /// Parses a request body; every malformed field is listed at once. (Conflicts are a separate
    /// matter: a well-formed draft may still conflict.)
    pub fn parse_json(body: &[u8]) -> Result<Draft, InvalidInput> {
        let request: DraftRequest = serde_json::from_slice(body)
            .map_err(|e| InvalidInput::one("body", format!("is not a draft: {e}")))?;
        Draft::parse(request)
    }

    pub fn parse(request: DraftRequest) -> Result<Draft, InvalidInput> {
        if request.slots.len() > Self::MAX_SLOTS {
            return Err(InvalidInput::one(
                "slots",
                format!("may hold at most {} slots", Self::MAX_SLOTS),
            ));
        }
        let mut problems = Vec::new();
        let mut slots = Vec::with_capacity(request.slots.len());
        for (i, slot) in request.slots.into_iter().enumerate() {
            let field = |name: &str| format!("slots[{i}].{name}");
            let talk_id = match slot.talk_id.as_deref().map(TalkId::parse) {
                Some(Ok(id)) => Some(id),
                Some(Err(_)) => {
                    problems.push(InputProblem::new(field("talkId"), "must be a UUID"));
                    None
                }
                None => {
                    problems.push(InputProblem::new(field("talkId"), "is required"));
                    None
                }
            };
            let room = match slot.room {
                Some(room) if !room.trim().is_empty() => Some(room),
                Some(_) => {
                    problems.push(InputProblem::new(field("room"), "must not be empty"));
                    None
                }
                None => {
                    problems.push(InputProblem::new(field("room"), "is required"));
                    None
                }
            };
            let start = match slot.start.as_deref().map(DateTime::parse_from_rfc3339) {
                Some(Ok(start)) => Some(start.with_timezone(&Utc)),
                Some(Err(_)) => {
                    problems.push(InputProblem::new(
                        field("start"),
                        "must be an RFC 3339 time with an offset, e.g. 2027-06-10T09:00:00+02:00",
                    ));
                    None
                }
                None => {
                    problems.push(InputProblem::new(field("start"), "is required"));
                    None
                }
            };
            if let (Some(talk_id), Some(room), Some(start)) = (talk_id, room, start) {
                slots.push(Slot {
                    talk_id,
                    room,
                    start,
                });
            }
        }
        if problems.is_empty() {
            Ok(Draft { slots })
        } else {
            Err(InvalidInput(problems))
        }
    }

    /// The draft without a talk (it was withdrawn). `None` when the talk was not in it.
    pub fn without_talk(&self, talk: TalkId) -> Option<Draft> {
        let slots: Vec<Slot> = self
            .slots
            .iter()
            .filter(|s| s.talk_id != talk)
            .cloned()
            .collect();
        (slots.len() != self.slots.len()).then_some(Draft { slots })
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
}

pub(crate) fn rfc3339(t: DateTime<chrono_tz::Tz>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_well_formed_draft_in_any_offset() {
        let draft = Draft::parse_json(
            br#"{"slots":[{"talkId":"019a4b2c-7d10-7e3a-9b1c-2d3e4f5a6b7c","room":"Main","start":"2027-06-10T09:00:00+02:00"},
                          {"talkId":"019a4b2c-7d10-7e3a-9b1c-2d3e4f5a6b7d","room":"Main","start":"2027-06-10T08:00:00Z"}]}"#,
        )
        .expect("a draft");
        assert_eq!(draft.slots.len(), 2);
        assert_eq!(
            draft.slots[0].start,
            draft.slots[1].start - chrono::Duration::hours(1)
        );
    }

    #[test]
    fn lists_every_malformed_field() {
        let Err(InvalidInput(problems)) = Draft::parse_json(
            br#"{"slots":[{"talkId":"42","room":"","start":"2027-06-10 09:00"},{},
                          {"talkId":"019a4b2c-7d10-7e3a-9b1c-2d3e4f5a6b7c","room":"Main","start":"2027-06-10T09:00:00"}]}"#,
        ) else {
            panic!("refused");
        };
        let fields: Vec<_> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "slots[0].talkId",
                "slots[0].room",
                "slots[0].start",
                "slots[1].talkId",
                "slots[1].room",
                "slots[1].start",
                "slots[2].start"
            ]
        );
        for bad in [&b""[..], b"[]", b"{}", b"{\"slots\":3}", b"\xff"] {
            assert!(Draft::parse_json(bad).is_err());
        }
    }
}
