//! The domain events the CfP context publishes for the other contexts (the schedule): talk events
//! (a talk was confirmed, changed, withdrawn) and event snapshots (an event was created, its team
//! changed). They are derived from the CfP table's changes (old image, new image), so the table
//! is the outbox.
//!
//! A message carries only what the schedule may know: never an e-mail address.

mod event_snapshot;
mod talk_event;

pub use event_snapshot::{
    EventChange, EventSnapshot, EventSnapshotType, SnapshotEvent, event_snapshot,
};
pub use talk_event::{
    ProposalChange, PublicSpeaker, PublicTalk, TalkEvent, TalkEventType, talk_event,
};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::dedupe::DedupeKey;
use crate::validation::InvalidValue;

/// One message on the topic, as published: its JSON is the inner event's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum DomainEvent {
    Talk(TalkEvent),
    EventSnapshot(EventSnapshot),
}

impl DomainEvent {
    /// The message's `type`, also its `eventType` attribute that subscribers filter on.
    pub fn type_name(&self) -> &'static str {
        match self {
            DomainEvent::Talk(event) => event.kind.as_str(),
            DomainEvent::EventSnapshot(snapshot) => snapshot.kind.as_str(),
        }
    }

    /// The event (conference) it is about, also its `eventSlug` attribute.
    pub fn event_slug(&self) -> &str {
        match self {
            DomainEvent::Talk(event) => &event.event_slug,
            DomainEvent::EventSnapshot(snapshot) => &snapshot.event_slug,
        }
    }

    /// What it is about, for logs: the talk's id or the event's slug.
    pub fn subject(&self) -> &str {
        match self {
            DomainEvent::Talk(event) => &event.talk_id,
            DomainEvent::EventSnapshot(snapshot) => &snapshot.event_slug,
        }
    }

    /// The version of its subject that it reports.
    pub fn version(&self) -> u32 {
        match self {
            DomainEvent::Talk(event) => event.version,
            DomainEvent::EventSnapshot(snapshot) => snapshot.version,
        }
    }

    /// One publication per subject, version and type, however often the change is delivered.
    pub fn dedupe_key(&self) -> Result<DedupeKey, InvalidValue> {
        match self {
            DomainEvent::Talk(event) => event.dedupe_key(),
            DomainEvent::EventSnapshot(snapshot) => snapshot.dedupe_key(),
        }
    }
}

impl From<TalkEvent> for DomainEvent {
    fn from(event: TalkEvent) -> Self {
        DomainEvent::Talk(event)
    }
}

impl From<EventSnapshot> for DomainEvent {
    fn from(snapshot: EventSnapshot) -> Self {
        DomainEvent::EventSnapshot(snapshot)
    }
}

/// One change of an item of the CfP table that may be news for other contexts.
#[derive(Debug, Clone, PartialEq, Eq)]
#[expect(
    clippy::large_enum_variant,
    reason = "one short-lived value per stream record, never stored in bulk"
)]
pub enum CfpChange {
    Proposal(ProposalChange),
    Event(EventChange),
}

/// The domain event a change makes, if any.
pub fn domain_event(change: &CfpChange) -> Option<DomainEvent> {
    match change {
        CfpChange::Proposal(change) => talk_event(change).map(DomainEvent::Talk),
        CfpChange::Event(change) => event_snapshot(change).map(DomainEvent::EventSnapshot),
    }
}

/// The publisher port's failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("publishing the domain event failed: {0}")]
pub struct PublishError(pub String);

/// `occurredAt`: RFC 3339 in UTC with milliseconds.
fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proposal::{ProposalStatus, Version};
    use crate::test_data;

    #[test]
    fn each_kind_of_change_makes_its_kind_of_message() {
        let old = test_data::proposal();
        let mut new = old.clone();
        new.status = ProposalStatus::Confirmed;
        new.version = Version::new(2).expect("version");
        let talk = domain_event(&CfpChange::Proposal(ProposalChange::Modified { old, new }))
            .expect("a confirmation");
        assert_eq!(talk.type_name(), "TalkConfirmed");
        assert_eq!(talk.event_slug(), "devconf-2027");
        assert_eq!(talk.version(), 2);
        let json = serde_json::to_value(&talk).expect("json");
        assert_eq!(json["type"], "TalkConfirmed", "untagged: the inner shape");

        let created = domain_event(&CfpChange::Event(EventChange::Inserted(test_data::event())))
            .expect("a creation");
        assert_eq!(created.type_name(), "EventCreated");
        assert_eq!(created.subject(), "devconf-2027");
        assert_eq!(created.version(), 1);
        assert_eq!(
            created.dedupe_key().map(|k| k.as_str().to_owned()),
            Ok("cfp-event-snapshot#devconf-2027#1#EventCreated".to_owned())
        );
        let json = serde_json::to_value(&created).expect("json");
        assert_eq!(json["type"], "EventCreated");
        assert_eq!(json["event"]["slug"], "devconf-2027");
    }
}
