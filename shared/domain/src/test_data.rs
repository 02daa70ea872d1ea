//! Known-good values for tests, here and in the function crates (feature `in-memory`).
//! They match the sample events in the repository's `events/` folder.

use chrono::{DateTime, Utc};

use crate::caller::{ADMINS_GROUP, Caller};
use crate::email_address::EmailAddress;
use crate::event::{Event, NewEvent, NewEventRequest};
use crate::in_memory::InMemoryStore;
use crate::ports::ProposalStore;
use crate::proposal::{NewProposal, NewProposalRequest, Proposal, ProposalId};
use crate::team::{Role, UserId};

fn caller(sub: &str, email: &str, groups: &[&str]) -> Caller {
    Caller {
        user_id: UserId::parse(sub).expect("test user id"),
        email: Some(EmailAddress::parse(email).expect("test address")),
        groups: groups.iter().map(|g| (*g).to_owned()).collect(),
    }
}

/// The organiser who created [`event`].
pub fn admin() -> Caller {
    caller(
        "7d1f2a4e-0c1b-4e8e-9a51-3f2b1c0d9e01",
        "olga@example.org",
        &[ADMINS_GROUP],
    )
}

pub fn other_admin() -> Caller {
    caller(
        "7d1f2a4e-0c1b-4e8e-9a51-3f2b1c0d9e02",
        "otto@example.org",
        &[ADMINS_GROUP],
    )
}

/// The owner of [`proposal`].
pub fn speaker() -> Caller {
    caller(
        "3c9b6f2d-8a7e-4b1c-9d2f-5e6a7b8c9d01",
        "ada@example.org",
        &[],
    )
}

pub fn other_speaker() -> Caller {
    caller(
        "3c9b6f2d-8a7e-4b1c-9d2f-5e6a7b8c9d02",
        "grace@example.org",
        &["reviewers"],
    )
}

/// Not in [`event`]'s team unless a test puts them there.
pub fn reviewer() -> Caller {
    caller(
        "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c01",
        "rita@example.org",
        &[],
    )
}

pub fn event_request() -> NewEventRequest {
    NewEventRequest {
        slug: Some("devconf-2027".into()),
        name: Some("DevConf 2027".into()),
        time_zone: Some("Europe/Berlin".into()),
        start_date: Some("2027-06-10".into()),
        end_date: Some("2027-06-12".into()),
        cfp_closes_at: Some("2027-03-31T23:59:00+02:00".into()),
        rooms: Some(vec![named("Main Hall"), named("Room 2")]),
        tracks: Some(vec![named("Cloud"), named("Rust")]),
        session_types: Some(vec![
            crate::event::SessionTypeRequest {
                name: Some("Talk".into()),
                duration_minutes: Some(30),
            },
            crate::event::SessionTypeRequest {
                name: Some("Workshop".into()),
                duration_minutes: Some(120),
            },
        ]),
    }
}

fn named(name: &str) -> crate::event::NamedRequest {
    crate::event::NamedRequest {
        name: Some(name.into()),
    }
}

/// `devconf-2027`, organised by [`admin`], its CfP open until 2027-03-31T23:59:00+02:00.
pub fn event() -> Event {
    Event::create(
        NewEvent::parse(event_request()).expect("test event"),
        admin().user_id,
        created(),
    )
}

fn created() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-02T09:00:00Z")
        .expect("test time")
        .with_timezone(&Utc)
}

/// A moment while [`event`]'s CfP is open.
pub fn before_close() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2027-01-15T12:00:00Z")
        .expect("test time")
        .with_timezone(&Utc)
}

pub fn proposal_request() -> NewProposalRequest {
    NewProposalRequest {
        title: Some("Zero-cost idling".into()),
        abstract_: Some("How we made the conference backend cost nothing while idle.".into()),
        description: Some("A longer description of the talk.".into()),
        session_type: Some("Talk".into()),
        track: Some("Cloud".into()),
        language: Some("en".into()),
        speaker: Some(crate::proposal::SpeakerRequest {
            name: Some("Ada Lovelace".into()),
            bio: Some("Writes programs for engines.".into()),
        }),
    }
}

/// A proposal by [`speaker`] to [`event`].
pub fn proposal() -> Proposal {
    let event = event();
    let speaker = speaker();
    Proposal::submit(
        NewProposal::parse(proposal_request(), &event).expect("test proposal"),
        &event,
        speaker.user_id,
        speaker.email.expect("test speaker address"),
        before_close(),
    )
}

/// The proposal id the sample events in `events/` name.
pub const SAMPLE_PROPOSAL_ID: &str = "019a4b2c-7d10-7e3a-9b1c-2d3e4f5a6b7c";

/// [`proposal`] under the id the sample events name.
pub fn sample_proposal() -> Proposal {
    Proposal {
        id: ProposalId::parse(SAMPLE_PROPOSAL_ID).expect("the samples' proposal id"),
        ..proposal()
    }
}

/// [`event`] with [`reviewer`] on its team as a reviewer, beside its organiser [`admin`].
pub fn event_with_reviewer() -> Event {
    let mut event = event();
    event.team = event
        .team
        .with_member(reviewer().user_id, Role::Reviewer)
        .expect("a reviewer joins the team");
    event
}

/// A store holding `event` and [`sample_proposal`]: what the sample events expect to find.
pub async fn store_with_sample_proposal(event: Event) -> InMemoryStore {
    let store = InMemoryStore::with_event(event);
    store
        .insert_proposal(&sample_proposal())
        .await
        .expect("the sample proposal is stored");
    store
}

/// The repository's sample event for `function` (`events/<function>.json`) as JSON: every
/// function's handler test runs its own sample.
pub fn sample_event(function: &str) -> serde_json::Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../events")
        .join(format!("{function}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("reading {}: {error}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("{} is not JSON: {error}", path.display()))
}
