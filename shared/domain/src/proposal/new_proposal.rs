//! `POST /events/{event}/cfps`: the request as sent, and its parsed form for one event.

use serde::Deserialize;

use super::{Abstract, Bio, Description, Language, SpeakerName, Title};
use crate::error::CfpError;
use crate::event::{Event, SessionTypeName, TrackName};
use crate::validation::{FieldErrors, InvalidValue};

/// The body as sent; every field optional so a missing one is reported by name.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NewProposalRequest {
    pub title: Option<String>,
    #[serde(rename = "abstract")]
    pub abstract_: Option<String>,
    pub description: Option<String>,
    pub session_type: Option<String>,
    pub track: Option<String>,
    pub language: Option<String>,
    pub speaker: Option<SpeakerRequest>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SpeakerRequest {
    pub name: Option<String>,
    pub bio: Option<String>,
}

/// A valid proposal for one event (its session type and track exist there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProposal {
    pub title: Title,
    pub abstract_: Abstract,
    pub description: Option<Description>,
    pub session_type: SessionTypeName,
    pub track: Option<TrackName>,
    pub language: Option<Language>,
    pub speaker_name: SpeakerName,
    pub speaker_bio: Option<Bio>,
}

impl NewProposal {
    pub fn parse(request: NewProposalRequest, event: &Event) -> Result<NewProposal, CfpError> {
        let mut errors = FieldErrors::new();
        let title = errors.required("title", request.title, |raw| Title::parse(&raw));
        let abstract_ = errors.required("abstract", request.abstract_, |raw| Abstract::parse(&raw));
        // An empty optional text means "none", not an empty value.
        let description = errors
            .optional("description", request.description, |raw| {
                Description::parse(&raw)
            })
            .map(|d| d.filter(|d| !d.as_str().is_empty()));
        let session_type = errors.required("sessionType", request.session_type, |raw| {
            let name = raw.trim();
            event
                .session_type(name)
                .map(|session_type| session_type.name.clone())
                .ok_or_else(|| {
                    InvalidValue::invalid(one_of(
                        event.session_types.iter().map(|t| t.name.as_str()),
                    ))
                })
        });
        let track = errors.optional("track", request.track, |raw| {
            let name = raw.trim();
            event
                .track(name)
                .map(|track| track.name.clone())
                .ok_or_else(|| {
                    InvalidValue::invalid(one_of(event.tracks.iter().map(|t| t.name.as_str())))
                })
        });
        let language = errors.optional("language", request.language, |raw| Language::parse(&raw));
        let speaker = errors.required("speaker", request.speaker, Ok);
        let (speaker_name, speaker_bio) = match speaker {
            Some(speaker) => (
                errors.required("speaker.name", speaker.name, |raw| SpeakerName::parse(&raw)),
                errors
                    .optional("speaker.bio", speaker.bio, |raw| Bio::parse(&raw))
                    .map(|b| b.filter(|b| !b.as_str().is_empty())),
            ),
            None => (None, None),
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
        Ok(NewProposal {
            title,
            abstract_,
            description,
            session_type,
            track,
            language,
            speaker_name,
            speaker_bio,
        })
    }
}

pub(super) fn one_of<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.collect();
    if names.is_empty() {
        "this event has none".to_owned()
    } else {
        format!("must be one of the event's: {}", names.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{NewEvent, NewEventRequest};
    use crate::team::UserId;
    use crate::validation::FieldError;

    fn event() -> Event {
        let request: NewEventRequest = serde_json::from_value(serde_json::json!({
            "slug": "devconf-2027",
            "name": "DevConf 2027",
            "timeZone": "Europe/Berlin",
            "startDate": "2027-06-10",
            "endDate": "2027-06-12",
            "cfpClosesAt": "2027-03-31T23:59:00+02:00",
            "rooms": [{"name": "Main Hall"}],
            "tracks": [{"name": "Cloud"}, {"name": "Rust"}],
            "sessionTypes": [{"name": "Talk", "durationMinutes": 30}]
        }))
        .expect("event request");
        Event::create(
            NewEvent::parse(request).expect("event"),
            UserId::parse("organiser").expect("user"),
            chrono::Utc::now(),
        )
    }

    fn valid() -> NewProposalRequest {
        serde_json::from_value(serde_json::json!({
            "title": "Zero-cost idling",
            "abstract": "How we made the backend cost nothing while idle.",
            "description": "Longer.\nWith lines.",
            "sessionType": "Talk",
            "track": "Cloud",
            "language": "en",
            "speaker": {"name": "Ada Lovelace", "bio": "Writes programs for engines."}
        }))
        .expect("a valid request")
    }

    fn errors(request: NewProposalRequest) -> Vec<FieldError> {
        match NewProposal::parse(request, &event()) {
            Err(CfpError::Validation(errors)) => errors,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    fn fields(request: NewProposalRequest) -> Vec<String> {
        errors(request).into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_valid_request_parses() {
        let proposal = NewProposal::parse(valid(), &event()).expect("valid");
        assert_eq!(proposal.title.as_str(), "Zero-cost idling");
        assert_eq!(proposal.track.as_ref().map(|t| t.as_str()), Some("Cloud"));
        assert_eq!(
            proposal.description.as_ref().map(|d| d.as_str()),
            Some("Longer.\nWith lines.")
        );
    }

    #[test]
    fn only_title_abstract_session_type_and_speaker_name_are_required() {
        let request = NewProposalRequest {
            title: Some("T".into()),
            abstract_: Some("A".into()),
            session_type: Some("Talk".into()),
            speaker: Some(SpeakerRequest {
                name: Some("N".into()),
                bio: None,
            }),
            ..Default::default()
        };
        let proposal = NewProposal::parse(request, &event()).expect("valid");
        assert_eq!(
            (
                proposal.description,
                proposal.track,
                proposal.language,
                proposal.speaker_bio
            ),
            (None, None, None, None)
        );

        assert_eq!(
            fields(NewProposalRequest::default()),
            ["title", "abstract", "sessionType", "speaker"]
        );
        let mut request = valid();
        request.speaker = Some(SpeakerRequest::default());
        assert_eq!(fields(request), ["speaker.name"]);
    }

    #[test]
    fn blank_optional_texts_mean_none() {
        let mut request = valid();
        request.description = Some("   ".into());
        request.speaker = Some(SpeakerRequest {
            name: Some("Ada".into()),
            bio: Some("".into()),
        });
        let proposal = NewProposal::parse(request, &event()).expect("valid");
        assert_eq!(proposal.description, None);
        assert_eq!(proposal.speaker_bio, None);
    }

    #[test]
    fn texts_are_bounded_after_trimming() {
        let mut request = valid();
        request.title = Some(format!("  {}  ", "t".repeat(200)));
        request.abstract_ = Some("a".repeat(2000));
        request.description = Some("d".repeat(10_000));
        request.speaker = Some(SpeakerRequest {
            name: Some("n".repeat(100)),
            bio: Some("b".repeat(2000)),
        });
        assert!(NewProposal::parse(request, &event()).is_ok());

        let mut request = valid();
        request.title = Some("t".repeat(201));
        request.abstract_ = Some("a".repeat(2001));
        request.description = Some("d".repeat(10_001));
        request.speaker = Some(SpeakerRequest {
            name: Some("n".repeat(101)),
            bio: Some("b".repeat(2001)),
        });
        assert_eq!(
            fields(request),
            [
                "title",
                "abstract",
                "description",
                "speaker.name",
                "speaker.bio"
            ]
        );
    }

    #[test]
    fn single_line_fields_refuse_control_characters() {
        let mut request = valid();
        request.title = Some("Two\nlines".into());
        request.speaker = Some(SpeakerRequest {
            name: Some("Ada\u{1b}[31m".into()),
            bio: Some("Line one\nline two".into()),
        });
        let errors = errors(request);
        assert_eq!(
            errors,
            [
                FieldError::new("title", "must not contain control characters"),
                FieldError::new("speaker.name", "must not contain control characters"),
            ]
        );
    }

    #[test]
    fn session_type_and_track_must_be_the_events() {
        let mut request = valid();
        request.session_type = Some("Keynote".into());
        request.track = Some("cloud".into());
        let errors = errors(request);
        assert_eq!(
            errors[0],
            FieldError::new("sessionType", "must be one of the event's: Talk")
        );
        assert_eq!(
            errors[1],
            FieldError::new("track", "must be one of the event's: Cloud, Rust")
        );
    }

    #[test]
    fn languages_are_tags() {
        let mut request = valid();
        request.language = Some("de-CH".into());
        assert!(NewProposal::parse(request, &event()).is_ok());
        let mut request = valid();
        request.language = Some("Deutsch (Schweiz)".into());
        assert_eq!(fields(request), ["language"]);
    }
}
