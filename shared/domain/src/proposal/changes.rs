//! `PATCH /events/{event}/cfps/{id}`: a partial update with merge semantics (RFC 7396): a field
//! left out stays, a value replaces, `null` clears an optional field.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};

use super::lifecycle::Action;
use super::new_proposal::one_of;
use super::{Abstract, Bio, Description, Language, Proposal, SpeakerName, Title};
use crate::error::CfpError;
use crate::event::Event;
use crate::validation::{FieldErrors, InvalidValue};

/// The body as sent: `None` = left out, `Some(None)` = `null`, `Some(Some(v))` = a value.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ProposalChangesRequest {
    #[serde(default, deserialize_with = "present")]
    pub title: Option<Option<String>>,
    #[serde(default, rename = "abstract", deserialize_with = "present")]
    pub abstract_: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub session_type: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub track: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub language: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub speaker: Option<Option<SpeakerChangesRequest>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SpeakerChangesRequest {
    #[serde(default, deserialize_with = "present")]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub bio: Option<Option<String>>,
}

/// Called only for a field that is there, so `null` becomes `Some(None)`.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

impl ProposalChangesRequest {
    fn is_empty(&self) -> bool {
        let speaker_empty = match &self.speaker {
            None => true,
            Some(Some(speaker)) => speaker.name.is_none() && speaker.bio.is_none(),
            Some(None) => false,
        };
        self.title.is_none()
            && self.abstract_.is_none()
            && self.description.is_none()
            && self.session_type.is_none()
            && self.track.is_none()
            && self.language.is_none()
            && speaker_empty
    }
}

/// A required field: left out keeps `current`, `null` is refused, a value is parsed.
fn required<T: Clone>(
    errors: &mut FieldErrors,
    field: &str,
    change: Option<Option<String>>,
    current: &T,
    parse: impl FnOnce(&str) -> Result<T, InvalidValue>,
) -> Option<T> {
    match change {
        None => Some(current.clone()),
        Some(None) => {
            errors.add(
                field,
                InvalidValue::invalid("is required and cannot be null"),
            );
            None
        }
        Some(Some(raw)) => errors.check(field, parse(&raw)),
    }
}

/// An optional field: left out keeps `current`, `null` or blank clears it, a value is parsed.
fn optional<T: Clone>(
    errors: &mut FieldErrors,
    field: &str,
    change: Option<Option<String>>,
    current: &Option<T>,
    parse: impl FnOnce(&str) -> Result<T, InvalidValue>,
) -> Option<Option<T>> {
    match change {
        None => Some(current.clone()),
        Some(None) => Some(None),
        Some(Some(raw)) if raw.trim().is_empty() => Some(None),
        Some(Some(raw)) => errors.check(field, parse(&raw)).map(Some),
    }
}

impl Proposal {
    /// The proposal with `changes` merged in, one version on; only while it is submitted.
    /// Session type and track must be `event`'s.
    pub fn edit(
        &self,
        changes: ProposalChangesRequest,
        event: &Event,
        now: DateTime<Utc>,
    ) -> Result<Proposal, CfpError> {
        let mut next = self.step(Action::Edit, now)?;
        if changes.is_empty() {
            return Err(CfpError::Validation(vec![crate::FieldError::new(
                "",
                "send at least one field to change",
            )]));
        }
        let mut errors = FieldErrors::new();
        let title = required(
            &mut errors,
            "title",
            changes.title,
            &self.title,
            Title::parse,
        );
        let abstract_ = required(
            &mut errors,
            "abstract",
            changes.abstract_,
            &self.abstract_,
            Abstract::parse,
        );
        let description = optional(
            &mut errors,
            "description",
            changes.description,
            &self.description,
            Description::parse,
        );
        let session_type = required(
            &mut errors,
            "sessionType",
            changes.session_type,
            &self.session_type,
            |raw| {
                event
                    .session_type(raw.trim())
                    .map(|t| t.name.clone())
                    .ok_or_else(|| {
                        InvalidValue::invalid(one_of(
                            event.session_types.iter().map(|t| t.name.as_str()),
                        ))
                    })
            },
        );
        let track = optional(&mut errors, "track", changes.track, &self.track, |raw| {
            event
                .track(raw.trim())
                .map(|t| t.name.clone())
                .ok_or_else(|| {
                    InvalidValue::invalid(one_of(event.tracks.iter().map(|t| t.name.as_str())))
                })
        });
        let language = optional(
            &mut errors,
            "language",
            changes.language,
            &self.language,
            Language::parse,
        );
        let (speaker_name, speaker_bio) = match changes.speaker {
            None => (
                Some(self.speaker.name.clone()),
                Some(self.speaker.bio.clone()),
            ),
            Some(None) => {
                errors.add(
                    "speaker",
                    InvalidValue::invalid("is required and cannot be null"),
                );
                (None, None)
            }
            Some(Some(speaker)) => (
                required(
                    &mut errors,
                    "speaker.name",
                    speaker.name,
                    &self.speaker.name,
                    SpeakerName::parse,
                ),
                optional(
                    &mut errors,
                    "speaker.bio",
                    speaker.bio,
                    &self.speaker.bio,
                    Bio::parse,
                ),
            ),
        };
        let (
            Some(title),
            Some(abstract_),
            Some(description),
            Some(session_type),
            Some(track),
            Some(language),
            Some(speaker_name),
            Some(speaker_bio),
        ) = (
            title,
            abstract_,
            description,
            session_type,
            track,
            language,
            speaker_name,
            speaker_bio,
        )
        else {
            return Err(CfpError::Validation(errors.into_vec()));
        };
        next.title = title;
        next.abstract_ = abstract_;
        next.description = description;
        next.session_type = session_type;
        next.track = track;
        next.language = language;
        next.speaker.name = speaker_name;
        next.speaker.bio = speaker_bio;
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proposal::ProposalStatus;
    use crate::test_data;

    fn changes(json: serde_json::Value) -> ProposalChangesRequest {
        serde_json::from_value(json).expect("a changes request")
    }

    fn edit(json: serde_json::Value) -> Result<Proposal, CfpError> {
        test_data::proposal().edit(
            changes(json),
            &test_data::event(),
            test_data::before_close(),
        )
    }

    fn fields(result: Result<Proposal, CfpError>) -> Vec<String> {
        match result {
            Err(CfpError::Validation(errors)) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn left_out_stays_values_replace_null_clears() {
        let before = test_data::proposal();
        let after = edit(serde_json::json!({
            "title": "  A better title ",
            "description": null,
            "track": "Rust",
            "speaker": {"bio": null}
        }))
        .expect("edited");
        assert_eq!(after.title.as_str(), "A better title");
        assert_eq!(after.description, None);
        assert_eq!(after.track.as_ref().map(|t| t.as_str()), Some("Rust"));
        assert_eq!(after.speaker.bio, None);
        assert_eq!(after.speaker.name, before.speaker.name);
        assert_eq!(after.abstract_, before.abstract_);
        assert_eq!(after.language, before.language);
        assert_eq!(after.version.get(), 2);
        assert_eq!(after.status, ProposalStatus::Submitted);
        assert_eq!(after.created_at, before.created_at);
    }

    #[test]
    fn required_fields_cannot_be_cleared_and_values_are_checked() {
        assert_eq!(
            fields(edit(serde_json::json!({
                "title": null,
                "abstract": "",
                "sessionType": "Keynote",
                "track": "Cooking",
                "speaker": {"name": null}
            }))),
            ["title", "abstract", "sessionType", "track", "speaker.name"]
        );
        assert_eq!(
            fields(edit(serde_json::json!({"speaker": null}))),
            ["speaker"]
        );
    }

    #[test]
    fn an_empty_change_is_refused() {
        assert_eq!(fields(edit(serde_json::json!({}))), [""]);
        assert_eq!(fields(edit(serde_json::json!({"speaker": {}}))), [""]);
    }

    #[test]
    fn unknown_fields_do_not_parse() {
        assert!(
            serde_json::from_value::<ProposalChangesRequest>(
                serde_json::json!({"status": "confirmed"})
            )
            .is_err()
        );
    }

    #[test]
    fn only_submitted_proposals_change() {
        let event = test_data::event();
        let now = test_data::before_close();
        let confirmed = test_data::proposal()
            .decide(Action::Confirm, &test_data::admin().user_id, now)
            .expect("confirmed");
        let result = confirmed.edit(changes(serde_json::json!({"title": "x"})), &event, now);
        assert!(
            matches!(
                result,
                Err(CfpError::InvalidTransition {
                    status: "confirmed",
                    ..
                })
            ),
            "{result:?}"
        );
    }
}
