//! Talk events: a talk was confirmed, a confirmed talk changed, a confirmed talk was withdrawn,
//! derived from a proposal item's change (old image, new image).
//!
//! A message carries only what the public may see: never an e-mail address, never the owner.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::time;
use crate::dedupe::DedupeKey;
use crate::proposal::{Proposal, ProposalStatus};
use crate::validation::InvalidValue;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum TalkEventType {
    /// The proposal became confirmed: the talk may be scheduled.
    TalkConfirmed,
    /// A confirmed talk's public content changed (title, abstract, speaker, picture...).
    TalkUpdated,
    /// A confirmed talk is no longer confirmed (withdrawn, or its item removed): it leaves the
    /// schedule.
    TalkWithdrawn,
}

impl TalkEventType {
    pub fn as_str(&self) -> &'static str {
        match self {
            TalkEventType::TalkConfirmed => "TalkConfirmed",
            TalkEventType::TalkUpdated => "TalkUpdated",
            TalkEventType::TalkWithdrawn => "TalkWithdrawn",
        }
    }
}

/// One message on the topic. Consumers order a talk's events by `version`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TalkEvent {
    #[serde(rename = "type")]
    pub kind: TalkEventType,
    pub event_slug: String,
    pub talk_id: String,
    pub version: u32,
    pub occurred_at: String,
    pub talk: PublicTalk,
}

/// A talk as anyone may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicTalk {
    pub title: String,
    #[serde(rename = "abstract")]
    pub abstract_: String,
    pub description: Option<String>,
    pub session_type: String,
    pub track: Option<String>,
    pub language: Option<String>,
    pub speakers: Vec<PublicSpeaker>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicSpeaker {
    pub name: String,
    pub bio: Option<String>,
    /// The S3 key of the speaker's picture thumbnail, when there is one.
    pub thumbnail_key: Option<String>,
}

fn is_confirmed(proposal: &Proposal) -> bool {
    proposal.status == ProposalStatus::Confirmed
}

impl From<&Proposal> for PublicTalk {
    fn from(proposal: &Proposal) -> Self {
        PublicTalk {
            title: proposal.title.to_string(),
            abstract_: proposal.abstract_.to_string(),
            description: proposal.description.as_ref().map(ToString::to_string),
            session_type: proposal.session_type.to_string(),
            track: proposal.track.as_ref().map(ToString::to_string),
            language: proposal.language.as_ref().map(|l| l.as_str().to_owned()),
            speakers: vec![PublicSpeaker {
                name: proposal.speaker.name.to_string(),
                bio: proposal.speaker.bio.as_ref().map(ToString::to_string),
                thumbnail_key: proposal.picture.as_ref().map(|p| p.key.clone()),
            }],
        }
    }
}

/// One change of a proposal item, as a stream record reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[expect(
    clippy::large_enum_variant,
    reason = "one short-lived value per stream record, never stored in bulk"
)]
pub enum ProposalChange {
    Inserted(Proposal),
    Modified {
        old: Proposal,
        new: Proposal,
    },
    /// The item was deleted at `at` (the record's creation time).
    Removed {
        old: Proposal,
        at: DateTime<Utc>,
    },
}

fn event(kind: TalkEventType, proposal: &Proposal, version: u32, at: DateTime<Utc>) -> TalkEvent {
    TalkEvent {
        kind,
        event_slug: proposal.event.to_string(),
        talk_id: proposal.id.to_string(),
        version,
        occurred_at: time(at),
        talk: PublicTalk::from(proposal),
    }
}

/// The domain event a change makes, if any. Everything about proposals that are not (or were not)
/// confirmed talks stays inside the CfP context.
pub fn talk_event(change: &ProposalChange) -> Option<TalkEvent> {
    use TalkEventType::*;
    match change {
        ProposalChange::Inserted(new) => {
            is_confirmed(new).then(|| event(TalkConfirmed, new, new.version.get(), new.updated_at))
        }
        ProposalChange::Modified { old, new } => {
            if old.id != new.id {
                return None;
            }
            let kind = match (is_confirmed(old), is_confirmed(new)) {
                (false, true) => TalkConfirmed,
                (true, true) if PublicTalk::from(old) != PublicTalk::from(new) => TalkUpdated,
                (true, false) => TalkWithdrawn,
                _ => return None,
            };
            Some(event(kind, new, new.version.get(), new.updated_at))
        }
        // A deleted item has no version of its own: its deletion is the change after the last one.
        ProposalChange::Removed { old, at } => is_confirmed(old).then(|| {
            let version = old.version.get().saturating_add(1);
            event(TalkWithdrawn, old, version, *at)
        }),
    }
}

impl TalkEvent {
    /// One publication per talk, version and type, however often the change is delivered.
    pub fn dedupe_key(&self) -> Result<DedupeKey, InvalidValue> {
        DedupeKey::parse(&format!(
            "cfp-talk-event#{}#{}#{}",
            self.talk_id,
            self.version,
            self.kind.as_str()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proposal::{ProposalId, Thumbnail, Title, Version};
    use crate::test_data;

    const TALK_ID: &str = "019a4b2c-7d10-7e3a-9b1c-2d3e4f5a6b7c";

    fn snapshot(status: ProposalStatus, version: u64) -> Proposal {
        // One talk throughout: test_data makes a new id each time.
        let mut proposal = test_data::proposal();
        proposal.id = ProposalId::parse(TALK_ID).expect("id");
        proposal.status = status;
        proposal.version = Version::new(version).expect("version");
        proposal
    }

    fn modified(old: Proposal, new: Proposal) -> Option<TalkEvent> {
        talk_event(&ProposalChange::Modified { old, new })
    }

    fn kind(event: Option<TalkEvent>) -> Option<TalkEventType> {
        event.map(|e| e.kind)
    }

    #[test]
    fn every_status_transition_maps_to_at_most_one_event() {
        use ProposalStatus::*;
        use TalkEventType::*;
        let cases = [
            (Submitted, Submitted, None),
            (Submitted, Confirmed, Some(TalkConfirmed)),
            (Submitted, Rejected, None),
            (Submitted, Withdrawn, None),
            (Rejected, Confirmed, Some(TalkConfirmed)),
            (Withdrawn, Confirmed, Some(TalkConfirmed)),
            (Confirmed, Withdrawn, Some(TalkWithdrawn)),
            (Confirmed, Rejected, Some(TalkWithdrawn)),
            (Confirmed, Submitted, Some(TalkWithdrawn)),
            (Rejected, Withdrawn, None),
            (Rejected, Rejected, None),
            (Withdrawn, Withdrawn, None),
        ];
        for (old, new, expected) in cases {
            assert_eq!(
                kind(modified(snapshot(old, 1), snapshot(new, 2))),
                expected,
                "{old:?} -> {new:?}"
            );
        }
    }

    #[test]
    fn a_confirmed_talk_is_updated_only_when_its_public_content_changes() {
        use ProposalStatus::Confirmed;
        // A version bump alone (or a private change such as the speaker's address) is no news.
        let mut private_change = snapshot(Confirmed, 3);
        private_change.speaker.email =
            crate::EmailAddress::parse("other@example.org").expect("address");
        assert_eq!(kind(modified(snapshot(Confirmed, 2), private_change)), None);

        let mut retitled = snapshot(Confirmed, 3);
        retitled.title = Title::parse("A better title").expect("title");
        let event = modified(snapshot(Confirmed, 2), retitled).expect("an event");
        assert_eq!(event.kind, TalkEventType::TalkUpdated);
        assert_eq!(event.version, 3);
        assert_eq!(event.talk.title, "A better title");

        let mut pictured = snapshot(Confirmed, 3);
        pictured.picture = Some(Thumbnail {
            key: "pictures/thumbnails/devconf-2027/x/abc.webp".into(),
            content_type: "image/webp".into(),
            width: 400,
            height: 400,
            updated_at: Utc::now(),
        });
        let event = modified(snapshot(Confirmed, 2), pictured).expect("an event");
        assert_eq!(event.kind, TalkEventType::TalkUpdated);
        assert_eq!(
            event.talk.speakers[0].thumbnail_key.as_deref(),
            Some("pictures/thumbnails/devconf-2027/x/abc.webp")
        );
    }

    #[test]
    fn insertions_and_removals() {
        use ProposalStatus::*;
        assert_eq!(
            kind(talk_event(&ProposalChange::Inserted(snapshot(
                Submitted, 1
            )))),
            None
        );
        assert_eq!(
            kind(talk_event(&ProposalChange::Inserted(snapshot(
                Confirmed, 1
            )))),
            Some(TalkEventType::TalkConfirmed)
        );
        let at = Utc::now();
        let removed = talk_event(&ProposalChange::Removed {
            old: snapshot(Confirmed, 4),
            at,
        })
        .expect("an event");
        assert_eq!(removed.kind, TalkEventType::TalkWithdrawn);
        assert_eq!(removed.version, 5, "after the last stored version");
        assert_eq!(removed.occurred_at, time(at));
        for status in [Submitted, Rejected, Withdrawn] {
            assert_eq!(
                talk_event(&ProposalChange::Removed {
                    old: snapshot(status, 4),
                    at
                }),
                None
            );
        }
    }

    #[test]
    fn a_change_that_swaps_the_proposal_is_ignored() {
        let mut other = snapshot(ProposalStatus::Confirmed, 2);
        other.id = ProposalId::generate();
        assert_eq!(
            modified(snapshot(ProposalStatus::Submitted, 1), other),
            None
        );
    }

    #[test]
    fn the_message_has_the_documented_shape_and_no_address() {
        let new = snapshot(ProposalStatus::Confirmed, 2);
        let proposal = new.clone();
        let event = modified(snapshot(ProposalStatus::Submitted, 1), new).expect("an event");
        let json = serde_json::to_value(&event).expect("json");
        assert_eq!(
            json,
            serde_json::json!({
                "type": "TalkConfirmed",
                "eventSlug": "devconf-2027",
                "talkId": proposal.id.to_string(),
                "version": 2,
                "occurredAt": time(proposal.updated_at),
                "talk": {
                    "title": proposal.title.as_str(),
                    "abstract": proposal.abstract_.as_str(),
                    "description": proposal.description.as_ref().map(|d| d.as_str()),
                    "sessionType": proposal.session_type.to_string(),
                    "track": proposal.track.as_ref().map(ToString::to_string),
                    "language": proposal.language.as_ref().map(|l| l.as_str()),
                    "speakers": [{
                        "name": proposal.speaker.name.as_str(),
                        "bio": proposal.speaker.bio.as_ref().map(|b| b.as_str()),
                        "thumbnailKey": null
                    }]
                }
            })
        );
        let text = json.to_string();
        assert!(!text.contains('@'), "{text}");
        assert!(!text.contains(&proposal.owner.to_string()), "{text}");
    }

    #[test]
    fn the_dedupe_key_names_talk_version_and_type() {
        let event = modified(
            snapshot(ProposalStatus::Confirmed, 6),
            snapshot(ProposalStatus::Withdrawn, 7),
        )
        .expect("an event");
        assert_eq!(
            event.dedupe_key().map(|k| k.as_str().to_owned()),
            Ok(format!("cfp-talk-event#{}#7#TalkWithdrawn", event.talk_id))
        );
    }
}
