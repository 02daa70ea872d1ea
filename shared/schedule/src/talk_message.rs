//! The CfP context's domain events as the schedule reads them (`TalkConfirmed`, `TalkUpdated`,
//! `TalkWithdrawn`; see cfp-domain's `domain_event`), and applying them to the schedule's copy.
//!
//! Messages may be redelivered or arrive out of order. Each carries the proposal's `version`;
//! the copy keeps the version it was last written from (also for a withdrawn talk, as a
//! tombstone), and a message that is not newer changes nothing.

use serde::{Deserialize, Serialize};

use crate::error::InvalidInput;
use crate::talk::{Speaker, Talk, TalkId, TalkNumber};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TalkMessageKind {
    TalkConfirmed,
    TalkUpdated,
    TalkWithdrawn,
}

/// One message from the topic. Unknown fields are ignored, so the CfP context may add some.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TalkMessage {
    #[serde(rename = "type")]
    pub kind: TalkMessageKind,
    pub event_slug: String,
    pub talk_id: TalkId,
    pub version: u32,
    pub occurred_at: String,
    pub talk: TalkContent,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TalkContent {
    pub title: String,
    #[serde(rename = "abstract")]
    pub abstract_: String,
    pub description: Option<String>,
    pub session_type: String,
    pub track: Option<String>,
    pub language: Option<String>,
    pub speakers: Vec<Speaker>,
}

impl TalkMessage {
    /// Parses a message body; anything malformed is refused with the reason.
    pub fn parse(json: &str) -> Result<TalkMessage, InvalidInput> {
        let message: TalkMessage = serde_json::from_str(json)
            .map_err(|e| InvalidInput::one("message", format!("is not a talk event: {e}")))?;
        let mut problems = Vec::new();
        if message.event_slug.trim().is_empty() {
            problems.push(("eventSlug", "must not be empty"));
        }
        if message.talk.title.trim().is_empty() {
            problems.push(("talk.title", "must not be empty"));
        }
        if message.talk.session_type.trim().is_empty() {
            problems.push(("talk.sessionType", "must not be empty"));
        }
        if message.talk.speakers.is_empty() {
            problems.push(("talk.speakers", "must name at least one speaker"));
        }
        if message
            .talk
            .speakers
            .iter()
            .any(|s| s.name.trim().is_empty())
        {
            problems.push(("talk.speakers", "must all have a name"));
        }
        if problems.is_empty() {
            Ok(message)
        } else {
            Err(InvalidInput(
                problems
                    .into_iter()
                    .map(|(f, m)| crate::error::InputProblem::new(f, m))
                    .collect(),
            ))
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CopyStatus {
    Confirmed,
    Withdrawn,
}

/// The schedule's stored copy of one talk, confirmed or withdrawn (a tombstone that remembers the
/// version and the talk's number).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TalkCopy {
    pub id: TalkId,
    pub number: TalkNumber,
    pub version: u32,
    pub status: CopyStatus,
    pub content: TalkContent,
}

/// What applying a message did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// The message is not newer than the copy: redelivered or overtaken. Nothing changes.
    Stale { stored: u32, received: u32 },
    /// The copy to store now. `left_schedule` says the talk must leave the draft.
    Changed { copy: TalkCopy, left_schedule: bool },
}

fn status_of(kind: TalkMessageKind) -> CopyStatus {
    match kind {
        // An update that overtook its confirmation still means the talk is confirmed.
        TalkMessageKind::TalkConfirmed | TalkMessageKind::TalkUpdated => CopyStatus::Confirmed,
        TalkMessageKind::TalkWithdrawn => CopyStatus::Withdrawn,
    }
}

impl TalkCopy {
    /// The first message about a talk; `number` is freshly allocated by the store.
    pub fn first(message: &TalkMessage, number: TalkNumber) -> TalkCopy {
        TalkCopy {
            id: message.talk_id,
            number,
            version: message.version,
            status: status_of(message.kind),
            content: message.talk.clone(),
        }
    }

    /// Applies a later message about the same talk. Only a strictly newer version changes it.
    pub fn apply(&self, message: &TalkMessage) -> Applied {
        if message.version <= self.version || message.talk_id != self.id {
            return Applied::Stale {
                stored: self.version,
                received: message.version,
            };
        }
        let status = status_of(message.kind);
        Applied::Changed {
            left_schedule: self.status == CopyStatus::Confirmed && status == CopyStatus::Withdrawn,
            copy: TalkCopy {
                id: self.id,
                number: self.number,
                version: message.version,
                status,
                content: message.talk.clone(),
            },
        }
    }

    /// The talk as the schedule shows it, if it is confirmed.
    pub fn confirmed(&self) -> Option<Talk> {
        (self.status == CopyStatus::Confirmed).then(|| Talk {
            id: self.id,
            number: self.number,
            title: self.content.title.clone(),
            abstract_: self.content.abstract_.clone(),
            description: self.content.description.clone(),
            session_type: self.content.session_type.clone(),
            track: self.content.track.clone(),
            language: self.content.language.clone(),
            speakers: self.content.speakers.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_data;

    fn message(kind: TalkMessageKind, version: u32, title: &str) -> TalkMessage {
        let mut m = test_data::message(kind, version);
        m.talk.title = title.into();
        m
    }

    #[test]
    fn newer_versions_apply_and_older_or_equal_ones_never_roll_back() {
        use TalkMessageKind::*;
        let copy = TalkCopy::first(&message(TalkConfirmed, 2, "v2"), TalkNumber::first());
        let Applied::Changed {
            copy: v4,
            left_schedule,
        } = copy.apply(&message(TalkUpdated, 4, "v4"))
        else {
            panic!("v4 applies");
        };
        assert!(!left_schedule);
        assert_eq!(v4.content.title, "v4");
        // Redelivered v4, late v3 and the original confirmation change nothing.
        for (kind, version) in [(TalkUpdated, 4), (TalkUpdated, 3), (TalkConfirmed, 2)] {
            assert_eq!(
                v4.apply(&message(kind, version, "old")),
                Applied::Stale {
                    stored: 4,
                    received: version
                }
            );
        }
        // A late withdrawal (v3) cannot withdraw the talk confirmed again at v4 either.
        assert!(matches!(
            v4.apply(&message(TalkWithdrawn, 3, "v3")),
            Applied::Stale { .. }
        ));
    }

    #[test]
    fn a_withdrawal_leaves_the_schedule_and_a_tombstone_that_remembers_the_number() {
        use TalkMessageKind::*;
        let number = TalkNumber::new(9).expect("number");
        let copy = TalkCopy::first(&message(TalkConfirmed, 1, "t"), number);
        let Applied::Changed {
            copy: gone,
            left_schedule,
        } = copy.apply(&message(TalkWithdrawn, 2, "t"))
        else {
            panic!("the withdrawal applies");
        };
        assert!(left_schedule);
        assert_eq!(gone.confirmed(), None);
        // A redelivered confirmation (v1) does not bring it back...
        assert!(matches!(
            gone.apply(&message(TalkConfirmed, 1, "t")),
            Applied::Stale { .. }
        ));
        // ...a new one (v3) does, with the same number.
        let Applied::Changed {
            copy: back,
            left_schedule,
        } = gone.apply(&message(TalkConfirmed, 3, "t"))
        else {
            panic!("the new confirmation applies");
        };
        assert!(!left_schedule);
        assert_eq!(back.confirmed().map(|t| t.number), Some(number));
    }

    #[test]
    fn an_update_that_overtook_its_confirmation_confirms() {
        let copy = TalkCopy::first(
            &message(TalkMessageKind::TalkUpdated, 3, "t"),
            TalkNumber::first(),
        );
        assert!(copy.confirmed().is_some());
        let withdrawn_first = TalkCopy::first(
            &message(TalkMessageKind::TalkWithdrawn, 5, "t"),
            TalkNumber::first(),
        );
        assert!(withdrawn_first.confirmed().is_none());
    }

    #[test]
    fn malformed_messages_are_refused_with_a_reason() {
        for bad in [
            "",
            "null",
            "{}",
            r#"{"type":"TalkExploded","eventSlug":"e","talkId":"019a4b2c-7d10-7e3a-9b1c-2d3e4f5a6b7c","version":1,"occurredAt":"x","talk":{}}"#,
            r#"{"type":"TalkConfirmed","eventSlug":"e","talkId":"42","version":1,"occurredAt":"x","talk":{"title":"t","abstract":"a","sessionType":"Talk","speakers":[{"name":"A"}]}}"#,
            r#"{"type":"TalkConfirmed","eventSlug":"e","talkId":"019a4b2c-7d10-7e3a-9b1c-2d3e4f5a6b7c","version":-1,"occurredAt":"x","talk":{"title":"t","abstract":"a","sessionType":"Talk","speakers":[{"name":"A"}]}}"#,
            r#"{"type":"TalkConfirmed","eventSlug":"e","talkId":"019a4b2c-7d10-7e3a-9b1c-2d3e4f5a6b7c","version":1,"occurredAt":"x","talk":{"title":" ","abstract":"a","sessionType":"Talk","speakers":[]}}"#,
        ] {
            assert!(TalkMessage::parse(bad).is_err(), "{bad}");
        }
    }

    /// The contract with the CfP context: what it publishes, the schedule reads.
    #[test]
    fn reads_what_the_cfp_context_publishes() {
        use cfp_domain::domain_event::{ProposalChange, talk_event};
        use cfp_domain::proposal::ProposalStatus;
        let old = cfp_domain::test_data::proposal();
        let mut new = old.clone();
        new.status = ProposalStatus::Confirmed;
        let event = talk_event(&ProposalChange::Modified {
            old,
            new: new.clone(),
        })
        .expect("a confirmation");
        let json = serde_json::to_string(&event).expect("json");
        let message = TalkMessage::parse(&json).expect("the schedule reads it");
        assert_eq!(message.kind, TalkMessageKind::TalkConfirmed);
        assert_eq!(message.talk_id.to_string(), new.id.to_string());
        assert_eq!(message.talk.title, new.title.to_string());
        assert_eq!(message.talk.speakers.len(), 1);
    }
}
