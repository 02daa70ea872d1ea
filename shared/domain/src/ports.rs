//! What the CfP use cases need from the outside world. Adapters: `cfp-dynamodb`, `cfp-ses`, and
//! the in-memory ones behind the `in-memory` feature.

use async_trait::async_trait;

use crate::dedupe::{Claim, DedupeRecord};
use crate::domain_event::{DomainEvent, PublishError};
use crate::email::OutgoingEmail;
use crate::email_address::EmailAddress;
use crate::error::{MailError, StoreError};
use crate::event::{Event, EventSlug};
use crate::idempotency::{IdempotencyClaim, IdempotencyRecord, StoredResponse};
use crate::listing::{Listing, Page, PageRequest};
use crate::proposal::{Proposal, ProposalId};

#[async_trait]
pub trait EventStore: Send + Sync {
    /// Stores a new event; [`StoreError::AlreadyExists`] when the slug is taken.
    async fn insert_event(&self, event: &Event) -> Result<(), StoreError>;

    async fn get_event(&self, slug: &EventSlug) -> Result<Option<Event>, StoreError>;

    /// Stores `next`'s team (with its version and `updatedAt`) only if the stored event is still
    /// at `current`'s version (a stored event without a version is at version 1): two team
    /// changes never silently overwrite each other, and a check made on `current` (the last
    /// organiser stays) holds for what is written.
    async fn replace_team(
        &self,
        current: &Event,
        next: &Event,
    ) -> Result<EventReplaced, StoreError>;
}

/// The result of a conditional replacement of an event's team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventReplaced {
    Done,
    /// The stored event was no longer at the version the change started from: here it is as it
    /// is now, or `None` when it is gone.
    Conflict(Option<Box<Event>>),
}

/// The result of a conditional replacement of a proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replaced {
    Done,
    /// The stored proposal was no longer the one the change started from: here it is as it is
    /// now, or `None` when it is gone.
    Conflict(Option<Box<Proposal>>),
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

    /// Replaces `current` by `next` (same event and id) only if the stored proposal still has
    /// `current`'s state and version: two changes never silently overwrite each other.
    async fn replace_proposal(
        &self,
        current: &Proposal,
        next: &Proposal,
    ) -> Result<Replaced, StoreError>;

    /// One page of `listing`, newest first, without a scan of the store.
    async fn list_proposals(
        &self,
        listing: &Listing,
        page: &PageRequest,
    ) -> Result<Page, StoreError>;
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

/// The result of trying to create an idempotency record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyClaimOutcome {
    /// The record is new and ours: run the request.
    Claimed,
    /// A record exists. `None` when it vanished between the write and the read.
    Held(Option<IdempotencyRecord>),
}

#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Creates the record under `claim`'s lease, unless one exists for the caller and key.
    async fn claim(&self, claim: &IdempotencyClaim) -> Result<IdempotencyClaimOutcome, StoreError>;

    /// Replaces the abandoned `seen` by `claim`, only if it is still exactly that lease.
    async fn take_over(
        &self,
        seen: &IdempotencyRecord,
        claim: &IdempotencyClaim,
    ) -> Result<bool, StoreError>;

    /// Stores the response, only while `claim` holds the lease. `false` when it lost it.
    async fn complete(
        &self,
        claim: &IdempotencyClaim,
        response: &StoredResponse,
    ) -> Result<bool, StoreError>;

    /// Deletes the record so that a retry runs again, only while `claim` holds the lease.
    async fn release(&self, claim: &IdempotencyClaim) -> Result<bool, StoreError>;
}

#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, from: &EmailAddress, email: &OutgoingEmail) -> Result<(), MailError>;
}

/// Where the CfP context's domain events go (the SNS topic). At least once: callers dedupe.
#[async_trait]
pub trait DomainEventPublisher: Send + Sync {
    async fn publish(&self, event: &DomainEvent) -> Result<(), PublishError>;
}
