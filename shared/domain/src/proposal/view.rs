//! A proposal as its speaker and the event's team see it.

use chrono::SecondsFormat;
use serde::Serialize;

use super::Proposal;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProposalView {
    pub id: String,
    pub event: String,
    pub status: &'static str,
    pub version: u32,
    pub title: String,
    #[serde(rename = "abstract")]
    pub abstract_: String,
    pub description: Option<String>,
    pub session_type: String,
    pub track: Option<String>,
    pub language: Option<String>,
    pub speaker: SpeakerView,
    pub created_at: String,
    pub updated_at: String,
    /// When an organiser confirmed or rejected it; `null` before.
    pub decided_at: Option<String>,
    pub picture: Option<PictureView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PictureView {
    pub thumbnail_key: String,
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpeakerView {
    pub name: String,
    pub bio: Option<String>,
    pub email: String,
}

impl From<&Proposal> for ProposalView {
    fn from(proposal: &Proposal) -> Self {
        let time =
            |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(SecondsFormat::Millis, false);
        ProposalView {
            id: proposal.id.to_string(),
            event: proposal.event.to_string(),
            status: proposal.status.as_str(),
            version: proposal.version.get(),
            title: proposal.title.to_string(),
            abstract_: proposal.abstract_.to_string(),
            description: proposal.description.as_ref().map(ToString::to_string),
            session_type: proposal.session_type.to_string(),
            track: proposal.track.as_ref().map(ToString::to_string),
            language: proposal.language.as_ref().map(|l| l.as_str().to_owned()),
            speaker: SpeakerView {
                name: proposal.speaker.name.to_string(),
                bio: proposal.speaker.bio.as_ref().map(ToString::to_string),
                email: proposal.speaker.email.as_str().to_owned(),
            },
            created_at: time(proposal.created_at),
            updated_at: time(proposal.updated_at),
            decided_at: proposal.decided_at.map(time),
            picture: proposal.picture.as_ref().map(|picture| PictureView {
                thumbnail_key: picture.key.clone(),
                width: picture.width,
                height: picture.height,
            }),
        }
    }
}
