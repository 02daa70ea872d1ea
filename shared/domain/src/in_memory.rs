//! In-memory adapters of the ports with the same conditional semantics as the real ones, for
//! handler tests. Each can be told to fail like an unreachable backend.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;

use crate::dedupe::{Claim, DedupeKey, DedupeRecord, DedupeState};
use crate::domain_event::{DomainEvent, EventSnapshot, PublishError, TalkEvent};
use crate::email::OutgoingEmail;
use crate::email_address::EmailAddress;
use crate::error::{MailError, StoreError};
use crate::event::{Event, EventSlug};
use crate::idempotency::{IdempotencyClaim, IdempotencyKey, IdempotencyRecord, StoredResponse};
use crate::listing::{Listing, Page, PageRequest};
use crate::ports::{
    ClaimOutcome, DedupeStore, DomainEventPublisher, EventReplaced, EventStore,
    IdempotencyClaimOutcome, IdempotencyStore, Mailer, ProposalStore, Replaced,
};
use crate::proposal::{Proposal, ProposalId};
use crate::team::UserId;

/// Events, proposals and dedupe records, like the CfP table.
#[derive(Debug, Default)]
pub struct InMemoryStore {
    events: Mutex<BTreeMap<EventSlug, Event>>,
    proposals: Mutex<BTreeMap<(EventSlug, ProposalId), Proposal>>,
    dedupe: Mutex<HashMap<DedupeKey, DedupeRecord>>,
    idempotency: Mutex<HashMap<(UserId, IdempotencyKey), IdempotencyRecord>>,
    failing: AtomicBool,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A test that panicked while holding the lock has failed already; carry on with the data.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl InMemoryStore {
    pub fn new() -> Self {
        InMemoryStore::default()
    }

    pub fn with_event(event: Event) -> Self {
        let store = InMemoryStore::new();
        store.put_event(event);
        store
    }

    /// Stores or replaces an event, unconditionally.
    pub fn put_event(&self, event: Event) {
        lock(&self.events).insert(event.slug.clone(), event);
    }

    /// From now on every call fails (or succeeds again).
    pub fn fail(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }

    pub fn event_count(&self) -> usize {
        lock(&self.events).len()
    }

    pub fn proposal_count(&self) -> usize {
        lock(&self.proposals).len()
    }

    pub fn proposals(&self) -> Vec<Proposal> {
        lock(&self.proposals).values().cloned().collect()
    }

    pub fn dedupe_record(&self, key: &DedupeKey) -> Option<DedupeRecord> {
        lock(&self.dedupe).get(key).cloned()
    }

    fn check(&self, operation: &'static str) -> Result<(), StoreError> {
        if self.failing.load(Ordering::SeqCst) {
            Err(StoreError::Backend {
                operation,
                message: "the in-memory store was told to fail".into(),
            })
        } else {
            Ok(())
        }
    }
}

#[async_trait]
impl EventStore for InMemoryStore {
    async fn insert_event(&self, event: &Event) -> Result<(), StoreError> {
        self.check("insert_event")?;
        let mut events = lock(&self.events);
        if events.contains_key(&event.slug) {
            return Err(StoreError::AlreadyExists);
        }
        events.insert(event.slug.clone(), event.clone());
        Ok(())
    }

    async fn get_event(&self, slug: &EventSlug) -> Result<Option<Event>, StoreError> {
        self.check("get_event")?;
        Ok(lock(&self.events).get(slug).cloned())
    }

    async fn replace_team(
        &self,
        current: &Event,
        next: &Event,
    ) -> Result<EventReplaced, StoreError> {
        self.check("replace_team")?;
        let mut events = lock(&self.events);
        match events.get_mut(&current.slug) {
            Some(stored) if stored.version == current.version => {
                stored.team = next.team.clone();
                stored.version = next.version;
                stored.updated_at = next.updated_at;
                Ok(EventReplaced::Done)
            }
            stored => Ok(EventReplaced::Conflict(
                stored.map(|event| Box::new(event.clone())),
            )),
        }
    }
}

#[async_trait]
impl ProposalStore for InMemoryStore {
    async fn insert_proposal(&self, proposal: &Proposal) -> Result<(), StoreError> {
        self.check("insert_proposal")?;
        let mut proposals = lock(&self.proposals);
        let key = (proposal.event.clone(), proposal.id);
        if proposals.contains_key(&key) {
            return Err(StoreError::AlreadyExists);
        }
        proposals.insert(key, proposal.clone());
        Ok(())
    }

    async fn get_proposal(
        &self,
        event: &EventSlug,
        id: ProposalId,
    ) -> Result<Option<Proposal>, StoreError> {
        self.check("get_proposal")?;
        Ok(lock(&self.proposals).get(&(event.clone(), id)).cloned())
    }

    async fn replace_proposal(
        &self,
        current: &Proposal,
        next: &Proposal,
    ) -> Result<Replaced, StoreError> {
        self.check("replace_proposal")?;
        let mut proposals = lock(&self.proposals);
        let key = (current.event.clone(), current.id);
        match proposals.get(&key) {
            Some(stored)
                if stored.status == current.status && stored.version == current.version =>
            {
                proposals.insert(key, next.clone());
                Ok(Replaced::Done)
            }
            stored => Ok(Replaced::Conflict(stored.cloned().map(Box::new))),
        }
    }

    async fn list_proposals(
        &self,
        listing: &Listing,
        page: &PageRequest,
    ) -> Result<Page, StoreError> {
        self.check("list_proposals")?;
        let proposals = lock(&self.proposals);
        let mut matching: Vec<Proposal> = proposals
            .values()
            .filter(|proposal| listing.includes(proposal))
            .filter(|proposal| {
                page.after
                    .as_ref()
                    .is_none_or(|after| proposal.id < after.id)
            })
            .cloned()
            .collect();
        // Newest first, as the table's indexes order them (UUID v7 ids sort by time).
        matching.sort_by_key(|proposal| std::cmp::Reverse(proposal.id));
        matching.truncate(page.limit.get() + 1);
        Ok(Page::from_overfetch(listing, matching, page.limit))
    }
}

fn in_progress(claim: &Claim) -> DedupeRecord {
    DedupeRecord {
        key: claim.key.clone(),
        state: DedupeState::InProgress,
        lease_token: claim.token,
        lease_until: claim.lease_until,
    }
}

fn held_by(record: Option<&DedupeRecord>, claim: &Claim) -> bool {
    record.is_some_and(|r| r.state == DedupeState::InProgress && r.lease_token == claim.token)
}

#[async_trait]
impl DedupeStore for InMemoryStore {
    async fn claim(&self, claim: &Claim) -> Result<ClaimOutcome, StoreError> {
        self.check("claim")?;
        let mut records = lock(&self.dedupe);
        if let Some(existing) = records.get(&claim.key) {
            return Ok(ClaimOutcome::Held(Some(existing.clone())));
        }
        records.insert(claim.key.clone(), in_progress(claim));
        Ok(ClaimOutcome::Claimed)
    }

    async fn take_over(&self, seen: &DedupeRecord, claim: &Claim) -> Result<bool, StoreError> {
        self.check("take_over")?;
        let mut records = lock(&self.dedupe);
        let unchanged = records.get(&claim.key).is_some_and(|current| {
            current.state == DedupeState::InProgress && current.lease_token == seen.lease_token
        });
        if unchanged {
            records.insert(claim.key.clone(), in_progress(claim));
        }
        Ok(unchanged)
    }

    async fn mark_sent(&self, claim: &Claim) -> Result<bool, StoreError> {
        self.check("mark_sent")?;
        let mut records = lock(&self.dedupe);
        if !held_by(records.get(&claim.key), claim) {
            return Ok(false);
        }
        if let Some(record) = records.get_mut(&claim.key) {
            record.state = DedupeState::Sent;
        }
        Ok(true)
    }

    async fn release(&self, claim: &Claim) -> Result<bool, StoreError> {
        self.check("release")?;
        let mut records = lock(&self.dedupe);
        if !held_by(records.get(&claim.key), claim) {
            return Ok(false);
        }
        records.remove(&claim.key);
        Ok(true)
    }
}

fn idempotency_in_progress(claim: &IdempotencyClaim) -> IdempotencyRecord {
    IdempotencyRecord {
        caller: claim.caller.clone(),
        key: claim.key.clone(),
        fingerprint: claim.fingerprint.clone(),
        response: None,
        lease_token: claim.token,
        lease_until: claim.lease_until,
    }
}

fn idempotency_held_by(record: Option<&IdempotencyRecord>, claim: &IdempotencyClaim) -> bool {
    record.is_some_and(|r| r.response.is_none() && r.lease_token == claim.token)
}

#[async_trait]
impl IdempotencyStore for InMemoryStore {
    async fn claim(&self, claim: &IdempotencyClaim) -> Result<IdempotencyClaimOutcome, StoreError> {
        self.check("idempotency claim")?;
        let mut records = lock(&self.idempotency);
        let key = (claim.caller.clone(), claim.key.clone());
        if let Some(existing) = records.get(&key) {
            return Ok(IdempotencyClaimOutcome::Held(Some(existing.clone())));
        }
        records.insert(key, idempotency_in_progress(claim));
        Ok(IdempotencyClaimOutcome::Claimed)
    }

    async fn take_over(
        &self,
        seen: &IdempotencyRecord,
        claim: &IdempotencyClaim,
    ) -> Result<bool, StoreError> {
        self.check("idempotency take-over")?;
        let mut records = lock(&self.idempotency);
        let key = (claim.caller.clone(), claim.key.clone());
        let unchanged = records
            .get(&key)
            .is_some_and(|r| r.response.is_none() && r.lease_token == seen.lease_token);
        if unchanged {
            records.insert(key, idempotency_in_progress(claim));
        }
        Ok(unchanged)
    }

    async fn complete(
        &self,
        claim: &IdempotencyClaim,
        response: &StoredResponse,
    ) -> Result<bool, StoreError> {
        self.check("idempotency complete")?;
        let mut records = lock(&self.idempotency);
        let key = (claim.caller.clone(), claim.key.clone());
        if !idempotency_held_by(records.get(&key), claim) {
            return Ok(false);
        }
        if let Some(record) = records.get_mut(&key) {
            record.response = Some(response.clone());
        }
        Ok(true)
    }

    async fn release(&self, claim: &IdempotencyClaim) -> Result<bool, StoreError> {
        self.check("idempotency release")?;
        let mut records = lock(&self.idempotency);
        let key = (claim.caller.clone(), claim.key.clone());
        if !idempotency_held_by(records.get(&key), claim) {
            return Ok(false);
        }
        records.remove(&key);
        Ok(true)
    }
}

/// Remembers what it was asked to send.
#[derive(Debug, Default)]
pub struct RecordingMailer {
    sent: Mutex<Vec<(EmailAddress, OutgoingEmail)>>,
    failing: AtomicBool,
}

impl RecordingMailer {
    pub fn new() -> Self {
        RecordingMailer::default()
    }

    pub fn fail(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }

    /// `(from, email)` of every email sent so far.
    pub fn sent(&self) -> Vec<(EmailAddress, OutgoingEmail)> {
        lock(&self.sent).clone()
    }
}

#[async_trait]
impl Mailer for RecordingMailer {
    async fn send(&self, from: &EmailAddress, email: &OutgoingEmail) -> Result<(), MailError> {
        if self.failing.load(Ordering::SeqCst) {
            return Err(MailError("the recording mailer was told to fail".into()));
        }
        lock(&self.sent).push((from.clone(), email.clone()));
        Ok(())
    }
}

/// Remembers the domain events it was asked to publish.
#[derive(Debug, Default)]
pub struct RecordingPublisher {
    published: Mutex<Vec<DomainEvent>>,
    failing: AtomicBool,
}

impl RecordingPublisher {
    pub fn new() -> Self {
        RecordingPublisher::default()
    }

    pub fn fail(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }

    /// Every event published so far, oldest first.
    pub fn published(&self) -> Vec<DomainEvent> {
        lock(&self.published).clone()
    }

    /// The talk events among them.
    pub fn talk_events(&self) -> Vec<TalkEvent> {
        self.published()
            .into_iter()
            .filter_map(|event| match event {
                DomainEvent::Talk(talk) => Some(talk),
                DomainEvent::EventSnapshot(_) => None,
            })
            .collect()
    }

    /// The event snapshots among them.
    pub fn event_snapshots(&self) -> Vec<EventSnapshot> {
        self.published()
            .into_iter()
            .filter_map(|event| match event {
                DomainEvent::EventSnapshot(snapshot) => Some(snapshot),
                DomainEvent::Talk(_) => None,
            })
            .collect()
    }
}

#[async_trait]
impl DomainEventPublisher for RecordingPublisher {
    async fn publish(&self, event: &DomainEvent) -> Result<(), PublishError> {
        if self.failing.load(Ordering::SeqCst) {
            return Err(PublishError(
                "the recording publisher was told to fail".into(),
            ));
        }
        lock(&self.published).push(event.clone());
        Ok(())
    }
}
