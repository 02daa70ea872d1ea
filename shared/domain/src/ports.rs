//! What the CfP use cases need from the outside world. Adapters: `cfp-dynamodb`, `cfp-ses`, and
//! the in-memory ones behind the `in-memory` feature.

use async_trait::async_trait;

use crate::dedupe::{Claim, DedupeRecord};
use crate::email::OutgoingEmail;
use crate::email_address::EmailAddress;
use crate::error::{MailError, StoreError};
use crate::event::{Event, EventSlug};
use crate::proposal::{Proposal, ProposalId};

#[async_trait]
pub trait EventStore: Send + Sync {
    /// Stores a new event; [`StoreError::AlreadyExists`] when the slug is taken.
    async fn insert_event(&self, event: &Event) -> Result<(), StoreError>;

    async fn get_event(&self, slug: &EventSlug) -> Result<Option<Event>, StoreError>;
}

#[async_trait]
pub trait ProposalStore: Send + Sync {
    /// Stores a new proposal; [`StoreError::AlreadyExists`] when its id is taken.
    async fn insert_proposal(&self, proposal: &Proposal) -> Result<(), StoreError>;

    /// The proposal with this id under this event (an id under another event is not found).
    async fn get_proposal(
        &self,
        event: &EventSlug,
        id: ProposalId,
    ) -> Result<Option<Proposal>, StoreError>;
}

/// The result of trying to create a dedupe record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimOutcome {
    /// The record is new and ours.
    Claimed,
    /// A record exists. `None` when it vanished between the write and the read.
    Held(Option<DedupeRecord>),
}

#[async_trait]
pub trait DedupeStore: Send + Sync {
    /// Creates the record `in_progress` under `claim`'s lease, unless one exists.
    async fn claim(&self, claim: &Claim) -> Result<ClaimOutcome, StoreError>;

    /// Replaces `seen` by `claim`, only if the record is still exactly the lease that was seen.
    /// `false` when someone else got there first.
    async fn take_over(&self, seen: &DedupeRecord, claim: &Claim) -> Result<bool, StoreError>;

    /// Marks the effect done, only while `claim` still holds the lease. `false` when it lost it.
    async fn mark_sent(&self, claim: &Claim) -> Result<bool, StoreError>;

    /// Deletes the record so that a retry may try again, only while `claim` holds the lease.
    async fn release(&self, claim: &Claim) -> Result<bool, StoreError>;
}

#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, from: &EmailAddress, email: &OutgoingEmail) -> Result<(), MailError>;
}
