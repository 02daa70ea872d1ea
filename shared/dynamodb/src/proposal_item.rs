//! A proposal as stored, and as it arrives in a stream record's image.

use cfp_domain::event::{EventName, EventSlug, SessionTypeName, TrackName};
use cfp_domain::proposal::{
    Abstract, Bio, Description, Language, Proposal, ProposalId, ProposalStatus, Speaker,
    SpeakerName, Thumbnail, Title, Version,
};
use cfp_domain::team::UserId;
use cfp_domain::{EmailAddress, StoreError};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::error::corrupt;
use crate::keys::{PROPOSAL_ENTITY, describe, event_pk, event_status_key, proposal_sk};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ProposalItem {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub id: String,
    /// The event's slug.
    pub event: String,
    pub event_name: String,
    /// The speaker's user id (the token's `sub`): who owns the proposal. The partition key of
    /// the `ByOwner` index.
    pub owner_id: String,
    pub status: String,
    /// `<slug>#<status>`: the partition key of the `ByEventStatus` index. Derived, never read.
    #[serde(default, skip_deserializing)]
    pub event_status: String,
    pub version: u64,
    pub title: String,
    #[serde(rename = "abstract")]
    pub abstract_: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub session_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub track: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    pub speaker: SpeakerItem,
    pub created_at: String,
    pub updated_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    /// Written by the picture pipeline (an UpdateItem that also bumps `version`); carried here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<PictureItem>,
}

/// The `picture` map: `{thumbnailKey, contentType, width, height, updatedAt}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PictureItem {
    pub thumbnail_key: String,
    pub content_type: String,
    pub width: u32,
    pub height: u32,
    /// RFC 3339.
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct SpeakerItem {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bio: Option<String>,
    pub email: String,
}

impl From<&Proposal> for ProposalItem {
    fn from(proposal: &Proposal) -> Self {
        let time = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Millis, false);
        ProposalItem {
            pk: event_pk(&proposal.event),
            sk: proposal_sk(proposal.id),
            entity: PROPOSAL_ENTITY.to_owned(),
            id: proposal.id.to_string(),
            event: proposal.event.to_string(),
            event_name: proposal.event_name.to_string(),
            owner_id: proposal.owner.to_string(),
            status: proposal.status.as_str().to_owned(),
            event_status: event_status_key(&proposal.event, proposal.status),
            version: u64::from(proposal.version.get()),
            title: proposal.title.to_string(),
            abstract_: proposal.abstract_.to_string(),
            description: proposal.description.as_ref().map(ToString::to_string),
            session_type: proposal.session_type.to_string(),
            track: proposal.track.as_ref().map(ToString::to_string),
            language: proposal.language.as_ref().map(|l| l.as_str().to_owned()),
            speaker: SpeakerItem {
                name: proposal.speaker.name.to_string(),
                bio: proposal.speaker.bio.as_ref().map(ToString::to_string),
                email: proposal.speaker.email.as_str().to_owned(),
            },
            created_at: time(proposal.created_at),
            updated_at: time(proposal.updated_at),
            decided_at: proposal.decided_at.map(time),
            decided_by: proposal.decided_by.as_ref().map(ToString::to_string),
            picture: proposal.picture.as_ref().map(|picture| PictureItem {
                thumbnail_key: picture.key.clone(),
                content_type: picture.content_type.clone(),
                width: picture.width,
                height: picture.height,
                updated_at: time(picture.updated_at),
            }),
        }
    }
}

impl TryFrom<ProposalItem> for Proposal {
    type Error = StoreError;

    /// Through the domain's own parsers: a stored item is input like any other.
    fn try_from(item: ProposalItem) -> Result<Proposal, StoreError> {
        let key = describe(&item.pk, &item.sk);
        let bad = |field: &str, reason: &dyn std::fmt::Display| {
            corrupt(key.clone(), format!("{field} {reason}"))
        };
        if item.entity != PROPOSAL_ENTITY {
            return Err(bad(
                "entity",
                &format!("is {}, not {PROPOSAL_ENTITY}", item.entity),
            ));
        }
        let time = |field: &str, raw: &str| {
            DateTime::parse_from_rfc3339(raw)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| bad(field, &e))
        };
        let proposal = Proposal {
            id: ProposalId::parse(&item.id).map_err(|e| bad("id", &e))?,
            event: EventSlug::parse(&item.event).map_err(|e| bad("event", &e))?,
            event_name: EventName::parse(&item.event_name).map_err(|e| bad("eventName", &e))?,
            owner: UserId::parse(&item.owner_id).map_err(|e| bad("ownerId", &e))?,
            status: ProposalStatus::parse(&item.status).map_err(|e| bad("status", &e))?,
            version: Version::new(item.version).map_err(|e| bad("version", &e))?,
            title: Title::parse(&item.title).map_err(|e| bad("title", &e))?,
            abstract_: Abstract::parse(&item.abstract_).map_err(|e| bad("abstract", &e))?,
            description: item
                .description
                .as_deref()
                .map(Description::parse)
                .transpose()
                .map_err(|e| bad("description", &e))?,
            session_type: SessionTypeName::parse(&item.session_type)
                .map_err(|e| bad("sessionType", &e))?,
            track: item
                .track
                .as_deref()
                .map(TrackName::parse)
                .transpose()
                .map_err(|e| bad("track", &e))?,
            language: item
                .language
                .as_deref()
                .map(Language::parse)
                .transpose()
                .map_err(|e| bad("language", &e))?,
            speaker: Speaker {
                name: SpeakerName::parse(&item.speaker.name)
                    .map_err(|e| bad("speaker.name", &e))?,
                bio: item
                    .speaker
                    .bio
                    .as_deref()
                    .map(Bio::parse)
                    .transpose()
                    .map_err(|e| bad("speaker.bio", &e))?,
                email: EmailAddress::parse(&item.speaker.email)
                    .map_err(|e| bad("speaker.email", &e))?,
            },
            created_at: time("createdAt", &item.created_at)?,
            updated_at: time("updatedAt", &item.updated_at)?,
            decided_at: item
                .decided_at
                .as_deref()
                .map(|raw| time("decidedAt", raw))
                .transpose()?,
            decided_by: item
                .decided_by
                .as_deref()
                .map(UserId::parse)
                .transpose()
                .map_err(|e| bad("decidedBy", &e))?,
            picture: item
                .picture
                .as_ref()
                .map(|picture| {
                    Ok::<_, StoreError>(Thumbnail {
                        key: picture.thumbnail_key.clone(),
                        content_type: picture.content_type.clone(),
                        width: picture.width,
                        height: picture.height,
                        updated_at: time("picture.updatedAt", &picture.updated_at)?,
                    })
                })
                .transpose()?,
        };
        // The key must agree with the content, or a GET could serve another event's proposal.
        if item.pk != event_pk(&proposal.event) || item.sk != proposal_sk(proposal.id) {
            return Err(bad("key", &"does not match the proposal's event and id"));
        }
        Ok(proposal)
    }
}

/// Whether an item image (a stream record's `NewImage`) is a proposal's.
pub fn is_proposal_image(image: &serde_dynamo::Item) -> bool {
    matches!(image.get("entity"), Some(serde_dynamo::AttributeValue::S(entity)) if entity == PROPOSAL_ENTITY)
}

/// Reads a proposal from a DynamoDB item image, such as a stream record's `NewImage`.
/// A missing or malformed attribute is [`StoreError::Corrupt`].
pub fn proposal_from_image(image: impl Into<serde_dynamo::Item>) -> Result<Proposal, StoreError> {
    let image: serde_dynamo::Item = image.into();
    let key = match (image.get("pk"), image.get("sk")) {
        (Some(serde_dynamo::AttributeValue::S(pk)), Some(serde_dynamo::AttributeValue::S(sk))) => {
            describe(pk, sk)
        }
        _ => "(an image without pk/sk)".to_owned(),
    };
    let item: ProposalItem = serde_dynamo::from_item(image).map_err(|e| corrupt(key, e))?;
    Proposal::try_from(item)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cfp_domain::test_data;

    #[test]
    fn round_trips_through_the_item_with_optional_fields_left_out() {
        let mut proposal = test_data::proposal();
        let item = ProposalItem::from(&proposal);
        assert_eq!(item.pk, "EVENT#devconf-2027");
        assert_eq!(item.sk, format!("CFP#{}", proposal.id));
        assert_eq!(Proposal::try_from(item), Ok(proposal.clone()));

        proposal.description = None;
        proposal.track = None;
        proposal.language = None;
        proposal.speaker.bio = None;
        let image: serde_dynamo::Item =
            serde_dynamo::to_item(ProposalItem::from(&proposal)).expect("item");
        for absent in ["description", "track", "language"] {
            assert!(
                !image.contains_key(absent),
                "{absent} is left out, not NULL"
            );
        }
        assert_eq!(proposal_from_image(image), Ok(proposal));
    }

    #[test]
    fn decisions_and_pictures_round_trip_and_index_keys_follow_the_status() {
        let mut proposal = test_data::proposal()
            .decide(
                cfp_domain::proposal::Action::Confirm,
                &test_data::admin().user_id,
                test_data::before_close(),
            )
            .expect("confirmed");
        proposal.picture = Some(Thumbnail {
            key: "pictures/thumbnails/x.jpg".into(),
            content_type: "image/jpeg".into(),
            width: 256,
            height: 256,
            updated_at: test_data::before_close(),
        });
        let image: serde_dynamo::Item =
            serde_dynamo::to_item(ProposalItem::from(&proposal)).expect("item");
        assert!(matches!(
            image.get("eventStatus"),
            Some(serde_dynamo::AttributeValue::S(key)) if key == "devconf-2027#confirmed"
        ));
        assert!(matches!(
            image.get("decidedBy"),
            Some(serde_dynamo::AttributeValue::S(by)) if by == test_data::admin().user_id.as_str()
        ));
        assert_eq!(proposal_from_image(image), Ok(proposal));
    }

    #[test]
    fn an_image_missing_an_attribute_is_corrupt() {
        let mut image: serde_dynamo::Item =
            serde_dynamo::to_item(ProposalItem::from(&test_data::proposal())).expect("item");
        image.remove("title");
        let result = proposal_from_image(image);
        assert!(
            matches!(&result, Err(StoreError::Corrupt { key, reason }) if key.starts_with("EVENT#devconf-2027 / CFP#") && reason.contains("title")),
            "{result:?}"
        );
    }

    #[test]
    fn an_item_under_the_wrong_key_is_corrupt() {
        let mut item = ProposalItem::from(&test_data::proposal());
        item.pk = "EVENT#other-event".into();
        assert!(matches!(
            Proposal::try_from(item),
            Err(StoreError::Corrupt { .. })
        ));
    }
}
