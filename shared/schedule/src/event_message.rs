//! The CfP context's event snapshots as the schedule reads them (`EventCreated`, `EventUpdated`):
//! the whole event (frame and organisers) at one `version`, so the schedule keeps its own copy
//! (see [`crate::EventCopy`]) without reading the CfP table.
//!
//! Snapshots may be redelivered or arrive out of order; the copy keeps the highest version seen
//! (`use_cases::apply_event_message`).

use std::collections::BTreeSet;

use serde::Deserialize;

use crate::error::{InputProblem, InvalidInput};
use crate::event_copy::EventCopy;
use crate::frame::{EventFrame, FrameSpec};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum EventMessageKind {
    EventCreated,
    EventUpdated,
}

impl EventMessageKind {
    /// The `type` values of event snapshots, as the topic's `eventType` attribute carries them.
    pub const TYPES: [&str; 2] = ["EventCreated", "EventUpdated"];

    pub fn as_str(&self) -> &'static str {
        match self {
            EventMessageKind::EventCreated => "EventCreated",
            EventMessageKind::EventUpdated => "EventUpdated",
        }
    }
}

/// The wire shape. Unknown fields are ignored, so the CfP context may add some.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Wire {
    #[serde(rename = "type")]
    kind: EventMessageKind,
    event_slug: String,
    version: u32,
    occurred_at: String,
    event: WireEvent,
}

/// The snapshot's `event`: a frame spec plus the organisers' user ids.
#[derive(Debug, Deserialize)]
struct WireEvent {
    #[serde(flatten)]
    spec: FrameSpec,
    organisers: Vec<String>,
}

/// One snapshot, checked: its frame is a valid [`EventFrame`] of the event it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventMessage {
    pub kind: EventMessageKind,
    pub occurred_at: String,
    /// The copy the snapshot stands for, at the snapshot's version.
    pub copy: EventCopy,
}

impl EventMessage {
    /// Parses a message body; anything malformed is refused with every reason found.
    pub fn parse(json: &str) -> Result<EventMessage, InvalidInput> {
        let wire: Wire = serde_json::from_str(json)
            .map_err(|e| InvalidInput::one("message", format!("is not an event snapshot: {e}")))?;
        let mut problems = Vec::new();
        if wire.event_slug.trim().is_empty() {
            problems.push(InputProblem::new("eventSlug", "must not be empty"));
        } else if wire.event.spec.slug != wire.event_slug {
            problems.push(InputProblem::new(
                "event.slug",
                format!("must be the eventSlug {:?}", wire.event_slug),
            ));
        }
        if wire.version == 0 {
            problems.push(InputProblem::new("version", "must be at least 1"));
        }
        if wire.event.organisers.iter().any(|o| o.trim().is_empty()) {
            problems.push(InputProblem::new(
                "event.organisers",
                "must all be user ids",
            ));
        }
        let frame = match EventFrame::new(wire.event.spec) {
            Ok(frame) => Some(frame),
            Err(InvalidInput(frame_problems)) => {
                problems.extend(frame_problems.into_iter().map(|p| InputProblem {
                    field: format!("event.{}", p.field),
                    ..p
                }));
                None
            }
        };
        match frame {
            Some(frame) if problems.is_empty() => Ok(EventMessage {
                kind: wire.kind,
                occurred_at: wire.occurred_at,
                copy: EventCopy {
                    frame,
                    organisers: wire.event.organisers.into_iter().collect::<BTreeSet<_>>(),
                    version: wire.version,
                },
            }),
            _ => Err(InvalidInput(problems)),
        }
    }

    pub fn event_slug(&self) -> &str {
        self.copy.frame.slug()
    }

    pub fn version(&self) -> u32 {
        self.copy.version
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    /// The shape i4-common fixes for the CfP context's snapshots.
    fn snapshot() -> Value {
        json!({
            "type": "EventUpdated",
            "eventSlug": "devconf-2027",
            "version": 3,
            "occurredAt": "2027-01-02T10:00:00.000Z",
            "event": {
                "slug": "devconf-2027",
                "name": "DevConf 2027",
                "timeZone": "Europe/Berlin",
                "startDate": "2027-06-10",
                "endDate": "2027-06-12",
                "rooms": ["Main", "Side"],
                "tracks": ["Rust"],
                "sessionTypes": [{"name": "Talk", "durationMinutes": 30}],
                "organisers": ["user-ada", "user-grace", "user-ada"],
                "cfpClosesAt": "2027-03-31T23:59:00+02:00"
            }
        })
    }

    #[test]
    fn reads_a_snapshot_into_the_schedules_copy() {
        let message = EventMessage::parse(&snapshot().to_string()).expect("a snapshot");
        assert_eq!(message.kind, EventMessageKind::EventUpdated);
        assert_eq!(message.event_slug(), "devconf-2027");
        assert_eq!(message.version(), 3);
        assert_eq!(message.copy.frame.rooms(), ["Main", "Side"]);
        assert_eq!(message.copy.frame.duration_minutes("Talk"), Some(30));
        // Hours were not sent: the frame's default.
        assert_eq!(
            message.copy.frame.hours(message.copy.frame.first_day()),
            crate::DayHours::default()
        );
        assert!(message.copy.is_organiser("user-ada"));
        assert!(message.copy.is_organiser("user-grace"));
        assert_eq!(message.copy.organisers.len(), 2);
        assert!(!message.copy.is_organiser("user-reviewer"));
    }

    #[test]
    fn lists_every_problem_of_a_bad_snapshot() {
        let mut bad = snapshot();
        bad["version"] = json!(0);
        bad["event"]["slug"] = json!("other-event");
        bad["event"]["timeZone"] = json!("Mars/Olympus");
        bad["event"]["rooms"] = json!([]);
        bad["event"]["organisers"] = json!(["user-ada", " "]);
        let Err(InvalidInput(problems)) = EventMessage::parse(&bad.to_string()) else {
            panic!("refused");
        };
        let fields: Vec<_> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "event.slug",
                "version",
                "event.organisers",
                "event.timeZone",
                "event.rooms"
            ]
        );
    }

    #[test]
    fn refuses_what_is_not_a_snapshot() {
        let mut no_organisers = snapshot();
        if let Some(event) = no_organisers["event"].as_object_mut() {
            event.remove("organisers");
        }
        let mut talk_type = snapshot();
        talk_type["type"] = json!("TalkConfirmed");
        let mut negative = snapshot();
        negative["version"] = json!(-1);
        let mut rooms_as_objects = snapshot();
        rooms_as_objects["event"]["rooms"] = json!([{"name": "Main"}]);
        for bad in [
            String::new(),
            "null".into(),
            "{}".into(),
            "[]".into(),
            no_organisers.to_string(),
            talk_type.to_string(),
            negative.to_string(),
            rooms_as_objects.to_string(),
        ] {
            assert!(EventMessage::parse(&bad).is_err(), "{bad}");
        }
    }
}
