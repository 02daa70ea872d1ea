//! Doing a side effect once under at-least-once delivery: a dedupe record per effect, claimed
//! with a lease before the effect and marked done after it.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use crate::proposal::ProposalId;
use crate::validation::InvalidValue;

/// The longest a claim keeps others off. A claim's lease ends sooner, at the deadline of the
/// invocation making it (see [`Claim::new`]); this bounds it when that deadline is far off.
pub const LEASE: Duration = Duration::seconds(60);
/// How long a record is kept (the store's TTL); longer than any redelivery of the same record.
pub const RETENTION: Duration = Duration::days(7);

/// What is done once, and for what: `<what>#<key>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DedupeKey(String);

impl DedupeKey {
    pub fn submitted_email(id: ProposalId) -> Self {
        DedupeKey(format!("cfp-submitted-email#{id}"))
    }

    /// A key as stored; anything non-empty and single-line.
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        if raw.is_empty() {
            return Err(InvalidValue::Empty);
        }
        if raw.chars().any(char::is_control) {
            return Err(InvalidValue::ControlCharacter);
        }
        Ok(DedupeKey(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DedupeState {
    InProgress,
    Sent,
}

impl DedupeState {
    pub fn as_str(&self) -> &'static str {
        match self {
            DedupeState::InProgress => "in_progress",
            DedupeState::Sent => "sent",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        match raw {
            "in_progress" => Ok(DedupeState::InProgress),
            "sent" => Ok(DedupeState::Sent),
            _ => Err(InvalidValue::invalid("must be in_progress or sent")),
        }
    }
}

/// Identifies one holder of a lease, so that only the holder marks or releases it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LeaseToken(Uuid);

impl LeaseToken {
    pub fn generate() -> Self {
        LeaseToken(Uuid::new_v4())
    }

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        Uuid::try_parse(raw)
            .map(LeaseToken)
            .map_err(|_| InvalidValue::invalid("must be a lease token"))
    }
}

impl std::fmt::Display for LeaseToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

/// A record as found in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DedupeRecord {
    pub key: DedupeKey,
    pub state: DedupeState,
    pub lease_token: LeaseToken,
    pub lease_until: DateTime<Utc>,
}

/// This invocation's attempt to hold the lease for `key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub key: DedupeKey,
    pub token: LeaseToken,
    pub lease_until: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl Claim {
    /// A claim made at `now` by an invocation that ends by `deadline`. The lease ends at the
    /// deadline, never later than `now + LEASE`: a holder can't still be running after its
    /// deadline, so the retry that follows a timeout finds the lease expired and takes over.
    pub fn new(key: DedupeKey, now: DateTime<Utc>, deadline: DateTime<Utc>) -> Self {
        Claim {
            key,
            token: LeaseToken::generate(),
            lease_until: deadline.min(now + LEASE),
            expires_at: now + RETENTION,
        }
    }
}

/// What to do about a record someone else wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The effect happened: skip it, successfully.
    AlreadyDone,
    /// Someone holds a live lease: try again later.
    Busy,
    /// The holder's lease ran out (it crashed or timed out): take it over.
    TakeOver,
}

pub fn decide(existing: &DedupeRecord, now: DateTime<Utc>) -> Decision {
    match existing.state {
        DedupeState::Sent => Decision::AlreadyDone,
        DedupeState::InProgress if existing.lease_until > now => Decision::Busy,
        DedupeState::InProgress => Decision::TakeOver,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(state: DedupeState, lease_until: DateTime<Utc>) -> DedupeRecord {
        DedupeRecord {
            key: DedupeKey::submitted_email(ProposalId::generate()),
            state,
            lease_token: LeaseToken::generate(),
            lease_until,
        }
    }

    #[test]
    fn sent_is_done_whatever_the_lease() {
        let now = Utc::now();
        assert_eq!(
            decide(&record(DedupeState::Sent, now + LEASE), now),
            Decision::AlreadyDone
        );
        assert_eq!(
            decide(&record(DedupeState::Sent, now - LEASE), now),
            Decision::AlreadyDone
        );
    }

    #[test]
    fn a_live_lease_is_busy_and_an_expired_one_is_taken_over() {
        let now = Utc::now();
        let in_progress = |until| decide(&record(DedupeState::InProgress, until), now);
        assert_eq!(in_progress(now + Duration::seconds(1)), Decision::Busy);
        assert_eq!(in_progress(now), Decision::TakeOver);
        assert_eq!(in_progress(now - Duration::seconds(1)), Decision::TakeOver);
    }

    #[test]
    fn a_claim_leases_until_the_deadline_and_expires_late() {
        let now = Utc::now();
        let key = DedupeKey::submitted_email(ProposalId::generate());
        let deadline = now + Duration::seconds(2);
        let claim = Claim::new(key.clone(), now, deadline);
        assert_eq!(claim.lease_until, deadline);
        assert_eq!(claim.expires_at, now + RETENTION);
        assert_ne!(claim.token, Claim::new(key, now, deadline).token);
    }

    #[test]
    fn the_lease_never_exceeds_lease_even_with_a_far_deadline() {
        let now = Utc::now();
        let key = DedupeKey::submitted_email(ProposalId::generate());
        for deadline in [
            now + LEASE,
            now + Duration::days(1),
            DateTime::<Utc>::MAX_UTC,
        ] {
            assert_eq!(
                Claim::new(key.clone(), now, deadline).lease_until,
                now + LEASE
            );
        }
    }

    #[test]
    fn keys_and_states_parse_back() {
        let id = ProposalId::generate();
        let key = DedupeKey::submitted_email(id);
        assert_eq!(key.as_str(), format!("cfp-submitted-email#{id}"));
        assert_eq!(DedupeKey::parse(key.as_str()), Ok(key));
        for state in [DedupeState::InProgress, DedupeState::Sent] {
            assert_eq!(DedupeState::parse(state.as_str()), Ok(state));
        }
        assert!(DedupeState::parse("done").is_err());
    }
}
