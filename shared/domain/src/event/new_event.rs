//! `POST /events`: the request as sent, and its parsed form.

use std::collections::HashMap;

use serde::Deserialize;

use super::{
    CfpWindow, DurationMinutes, EventDates, EventName, EventSlug, Room, RoomName, SessionType,
    SessionTypeName, TimeZone, Track, TrackName, parse_date,
};
use crate::error::CfpError;
use crate::validation::{FieldErrors, InvalidValue};

/// The body as sent. Every field is optional here so that a missing one is reported by name
/// with all other problems, instead of failing the whole document.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NewEventRequest {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub time_zone: Option<String>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub cfp_closes_at: Option<String>,
    pub rooms: Option<Vec<NamedRequest>>,
    pub tracks: Option<Vec<NamedRequest>>,
    pub session_types: Option<Vec<SessionTypeRequest>>,
}

/// `{name}`: a room or a track.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NamedRequest {
    pub name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SessionTypeRequest {
    pub name: Option<String>,
    pub duration_minutes: Option<u64>,
}

/// A valid new event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    pub slug: EventSlug,
    pub name: EventName,
    pub time_zone: TimeZone,
    pub dates: EventDates,
    pub cfp: CfpWindow,
    pub rooms: Vec<Room>,
    pub tracks: Vec<Track>,
    pub session_types: Vec<SessionType>,
}

const ROOMS: (usize, usize) = (1, 100);
const TRACKS: (usize, usize) = (0, 50);
const SESSION_TYPES: (usize, usize) = (1, 20);

impl NewEvent {
    pub fn parse(request: NewEventRequest) -> Result<NewEvent, CfpError> {
        let mut errors = FieldErrors::new();
        let slug = errors.required("slug", request.slug, |raw| EventSlug::parse(&raw));
        let name = errors.required("name", request.name, |raw| EventName::parse(&raw));
        let time_zone = errors.required("timeZone", request.time_zone, |raw| TimeZone::parse(&raw));
        let start = errors.required("startDate", request.start_date, |raw| parse_date(&raw));
        let end = errors.required("endDate", request.end_date, |raw| parse_date(&raw));
        let dates = match (start, end) {
            (Some(start), Some(end)) => errors.check("endDate", EventDates::new(start, end)),
            _ => None,
        };
        let cfp = errors.required("cfpClosesAt", request.cfp_closes_at, |raw| {
            CfpWindow::parse(&raw)
        });

        let rooms = errors
            .required("rooms", request.rooms, Ok)
            .and_then(|rooms| {
                let names = rooms.into_iter().map(|room| room.name).collect();
                parse_unique_names(&mut errors, "rooms", names, ROOMS, RoomName::parse)
            })
            .map(|names| names.into_iter().map(|name| Room { name }).collect());
        // No tracks is fine: a small event may not have any.
        let tracks = parse_unique_names(
            &mut errors,
            "tracks",
            request
                .tracks
                .unwrap_or_default()
                .into_iter()
                .map(|track| track.name)
                .collect(),
            TRACKS,
            TrackName::parse,
        )
        .map(|names| names.into_iter().map(|name| Track { name }).collect());
        let session_types = errors
            .required("sessionTypes", request.session_types, Ok)
            .and_then(|types| parse_session_types(&mut errors, types));

        let (
            Some(slug),
            Some(name),
            Some(time_zone),
            Some(dates),
            Some(cfp),
            Some(rooms),
            Some(tracks),
            Some(session_types),
        ) = (
            slug,
            name,
            time_zone,
            dates,
            cfp,
            rooms,
            tracks,
            session_types,
        )
        else {
            return Err(CfpError::Validation(errors.into_vec()));
        };
        if !errors.is_empty() {
            return Err(CfpError::Validation(errors.into_vec()));
        }
        Ok(NewEvent {
            slug,
            name,
            time_zone,
            dates,
            cfp,
            rooms,
            tracks,
            session_types,
        })
    }
}

/// Checks a list's length and each `{name}`; names must be unique regardless of case, since
/// "Main hall" and "Main Hall" would be the same room to any reader.
fn parse_unique_names<N: AsRef<str>>(
    errors: &mut FieldErrors,
    field: &str,
    names: Vec<Option<String>>,
    (min, max): (usize, usize),
    parse: impl Fn(&str) -> Result<N, InvalidValue>,
) -> Option<Vec<N>> {
    if !(min..=max).contains(&names.len()) {
        errors.add(field, InvalidValue::Count { min, max });
        return None;
    }
    let mut parsed = Vec::with_capacity(names.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut all_ok = true;
    for (index, raw) in names.into_iter().enumerate() {
        let path = format!("{field}[{index}].name");
        let Some(name) = errors.required(path.as_str(), raw, |raw| parse(&raw)) else {
            all_ok = false;
            continue;
        };
        if let Some(first) = seen.insert(name.as_ref().to_lowercase(), index) {
            errors.add(
                path,
                InvalidValue::invalid(format!("repeats {field}[{first}].name")),
            );
            all_ok = false;
            continue;
        }
        parsed.push(name);
    }
    all_ok.then_some(parsed)
}

fn parse_session_types(
    errors: &mut FieldErrors,
    types: Vec<SessionTypeRequest>,
) -> Option<Vec<SessionType>> {
    let (names, durations): (Vec<_>, Vec<_>) = types
        .into_iter()
        .map(|session_type| (session_type.name, session_type.duration_minutes))
        .unzip();
    let names = parse_unique_names(
        errors,
        "sessionTypes",
        names,
        SESSION_TYPES,
        SessionTypeName::parse,
    );
    // Durations are only looked at when the list's length is right (names then parsed or failed
    // per entry), so a list of 10,000 entries gives one error, not 10,000.
    let length_ok = (SESSION_TYPES.0..=SESSION_TYPES.1).contains(&durations.len());
    let durations: Vec<Option<DurationMinutes>> = if length_ok {
        durations
            .into_iter()
            .enumerate()
            .map(|(index, raw)| {
                errors.required(
                    format!("sessionTypes[{index}].durationMinutes"),
                    raw,
                    DurationMinutes::new,
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let names = names?;
    let durations: Option<Vec<DurationMinutes>> = durations.into_iter().collect();
    Some(
        names
            .into_iter()
            .zip(durations?)
            .map(|(name, duration)| SessionType { name, duration })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::FieldError;

    fn valid() -> NewEventRequest {
        serde_json::from_value(serde_json::json!({
            "slug": "devconf-2027",
            "name": "DevConf 2027",
            "timeZone": "Europe/Berlin",
            "startDate": "2027-06-10",
            "endDate": "2027-06-12",
            "cfpClosesAt": "2027-03-31T23:59:00+02:00",
            "rooms": [{"name": "Main Hall"}, {"name": "Room 2"}],
            "tracks": [{"name": "Cloud"}, {"name": "Rust"}],
            "sessionTypes": [{"name": "Talk", "durationMinutes": 30}, {"name": "Workshop", "durationMinutes": 120}]
        }))
        .expect("a valid request")
    }

    fn field_errors(request: NewEventRequest) -> Vec<FieldError> {
        match NewEvent::parse(request) {
            Err(CfpError::Validation(errors)) => errors,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    fn fields(request: NewEventRequest) -> Vec<String> {
        field_errors(request).into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_valid_request_parses() {
        let event = NewEvent::parse(valid()).expect("valid");
        assert_eq!(event.slug.as_str(), "devconf-2027");
        assert_eq!(event.rooms.len(), 2);
        assert_eq!(event.session_types[1].duration.get(), 120);
        assert_eq!(event.time_zone.name(), "Europe/Berlin");
    }

    #[test]
    fn every_missing_field_is_named() {
        let missing = fields(NewEventRequest::default());
        assert_eq!(
            missing,
            [
                "slug",
                "name",
                "timeZone",
                "startDate",
                "endDate",
                "cfpClosesAt",
                "rooms",
                "sessionTypes"
            ]
        );
    }

    #[test]
    fn tracks_may_be_left_out() {
        let request = NewEventRequest {
            tracks: None,
            ..valid()
        };
        assert!(NewEvent::parse(request).expect("valid").tracks.is_empty());
    }

    #[test]
    fn names_are_trimmed_bounded_and_single_line() {
        let mut request = valid();
        request.name = Some("  DevConf  ".into());
        assert_eq!(
            NewEvent::parse(request).expect("valid").name.as_str(),
            "DevConf"
        );

        for bad in ["", "   ", "Dev\nConf", &"x".repeat(201)] {
            let mut request = valid();
            request.name = Some(bad.into());
            assert_eq!(fields(request), ["name"], "{bad:?}");
        }
    }

    #[test]
    fn unknown_time_zones_and_bad_dates_are_refused() {
        let mut request = valid();
        request.time_zone = Some("Mars/Olympus_Mons".into());
        request.start_date = Some("2027-06-31".into());
        request.cfp_closes_at = Some("2027-03-31T23:59:00".into());
        assert_eq!(fields(request), ["timeZone", "startDate", "cfpClosesAt"]);
    }

    #[test]
    fn the_end_date_must_follow_the_start_within_fourteen_days() {
        let mut request = valid();
        request.end_date = Some("2027-06-09".into());
        assert_eq!(fields(request), ["endDate"]);
        let mut request = valid();
        request.end_date = Some("2027-06-24".into());
        assert_eq!(fields(request), ["endDate"]);
    }

    #[test]
    fn a_cfp_that_closed_already_is_allowed() {
        // An organiser may set up an event only to publish its schedule.
        let mut request = valid();
        request.cfp_closes_at = Some("2001-01-01T00:00:00Z".into());
        assert!(NewEvent::parse(request).is_ok());
    }

    #[test]
    fn room_names_must_be_unique_regardless_of_case() {
        let mut request = valid();
        request.rooms = Some(vec![
            NamedRequest {
                name: Some("Main Hall".into()),
            },
            NamedRequest {
                name: Some("main hall".into()),
            },
            NamedRequest { name: None },
        ]);
        let errors = field_errors(request);
        assert_eq!(errors[0].field, "rooms[1].name");
        assert_eq!(errors[0].message, "repeats rooms[0].name");
        assert_eq!(errors[1].field, "rooms[2].name");
        assert_eq!(errors[1].message, "is required");
    }

    #[test]
    fn list_lengths_are_bounded() {
        let mut request = valid();
        request.rooms = Some(Vec::new());
        request.tracks = Some(
            (0..51)
                .map(|i| NamedRequest {
                    name: Some(format!("Track {i}")),
                })
                .collect(),
        );
        request.session_types = Some(
            (0..21)
                .map(|i| SessionTypeRequest {
                    name: Some(format!("Type {i}")),
                    duration_minutes: Some(30),
                })
                .collect(),
        );
        let errors = field_errors(request);
        assert_eq!(
            errors,
            [
                FieldError::new("rooms", "must have between 1 and 100 entries"),
                FieldError::new("tracks", "must have between 0 and 50 entries"),
                FieldError::new("sessionTypes", "must have between 1 and 20 entries"),
            ]
        );
    }

    #[test]
    fn session_types_need_unique_names_and_sane_durations() {
        let mut request = valid();
        request.session_types = Some(vec![
            SessionTypeRequest {
                name: Some("Talk".into()),
                duration_minutes: Some(4),
            },
            SessionTypeRequest {
                name: Some("Talk".into()),
                duration_minutes: Some(481),
            },
            SessionTypeRequest {
                name: Some("Lightning".into()),
                duration_minutes: None,
            },
        ]);
        assert_eq!(
            fields(request),
            [
                "sessionTypes[1].name",
                "sessionTypes[0].durationMinutes",
                "sessionTypes[1].durationMinutes",
                "sessionTypes[2].durationMinutes",
            ]
        );
    }

    #[test]
    fn unknown_fields_are_refused_by_the_request_type() {
        let result = serde_json::from_value::<NewEventRequest>(
            serde_json::json!({"slug": "abc", "venue": "x"}),
        );
        assert!(result.is_err());
    }
}
