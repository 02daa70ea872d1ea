//! A proposal (a CfP submission): what a speaker offers to present at one event.

mod changes;
mod id;
mod language;
mod lifecycle;
mod new_proposal;
mod status;
mod thumbnail;
mod view;

/// A proposal's version: 1 when submitted, one more with every change (the `ETag`).
pub use crate::version::Version;
pub use changes::{ProposalChangesRequest, SpeakerChangesRequest};
pub use id::ProposalId;
pub use language::Language;
pub use lifecycle::Action;
pub use new_proposal::{NewProposal, NewProposalRequest, SpeakerRequest};
pub use status::ProposalStatus;
pub use thumbnail::Thumbnail;
pub use view::{PictureView, ProposalView, SpeakerView};

use chrono::{DateTime, SubsecRound, Utc};

use crate::email_address::EmailAddress;
use crate::event::{Event, EventName, EventSlug, SessionTypeName, TrackName};
use crate::team::UserId;
use crate::text::bounded_text;

bounded_text!(
    /// 1..=200 characters, one line.
    Title, min = 1, max = 200, Single
);
bounded_text!(
    /// 1..=2,000 characters.
    Abstract, min = 1, max = 2_000, Multi
);
bounded_text!(
    /// Up to 10,000 characters.
    Description, min = 0, max = 10_000, Multi
);
bounded_text!(
    /// 1..=100 characters, one line.
    SpeakerName, min = 1, max = 100, Single
);
bounded_text!(
    /// Up to 2,000 characters.
    Bio, min = 0, max = 2_000, Multi
);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Speaker {
    pub name: SpeakerName,
    pub bio: Option<Bio>,
    /// From the token, never from the body: mail about the proposal goes there.
    pub email: EmailAddress,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub id: ProposalId,
    pub event: EventSlug,
    /// Copied from the event so that mail about the proposal needs no second read.
    pub event_name: EventName,
    pub owner: UserId,
    pub status: ProposalStatus,
    pub version: Version,
    pub title: Title,
    pub abstract_: Abstract,
    pub description: Option<Description>,
    pub session_type: SessionTypeName,
    pub track: Option<TrackName>,
    pub language: Option<Language>,
    pub speaker: Speaker,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When and by which organiser it was confirmed or rejected.
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<UserId>,
    /// The speaker's picture, once the picture pipeline has made a thumbnail.
    pub picture: Option<Thumbnail>,
}

impl Proposal {
    /// A freshly submitted proposal to `event` by `owner`.
    pub fn submit(
        new: NewProposal,
        event: &Event,
        owner: UserId,
        email: EmailAddress,
        now: DateTime<Utc>,
    ) -> Proposal {
        // Stored times have millisecond precision; keep the same here so a read gives back an
        // equal proposal.
        let now = now.trunc_subsecs(3);
        Proposal {
            id: ProposalId::generate(),
            event: event.slug.clone(),
            event_name: event.name.clone(),
            owner,
            status: ProposalStatus::Submitted,
            version: Version::FIRST,
            title: new.title,
            abstract_: new.abstract_,
            description: new.description,
            session_type: new.session_type,
            track: new.track,
            language: new.language,
            speaker: Speaker {
                name: new.speaker_name,
                bio: new.speaker_bio,
                email,
            },
            created_at: now,
            updated_at: now,
            decided_at: None,
            decided_by: None,
            picture: None,
        }
    }
}
