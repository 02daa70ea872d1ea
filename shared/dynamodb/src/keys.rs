//! Key and entity names of the table layout, in one place.

use cfp_domain::dedupe::DedupeKey;
use cfp_domain::event::EventSlug;
use cfp_domain::idempotency::IdempotencyKey;
use cfp_domain::proposal::{ProposalId, ProposalStatus};
use cfp_domain::team::UserId;

pub(crate) const PK: &str = "pk";
pub(crate) const SK: &str = "sk";

pub(crate) const EVENT_ENTITY: &str = "Event";
/// The template's stream filter selects new proposals by this value: keep them in step.
pub(crate) const PROPOSAL_ENTITY: &str = "Proposal";
pub(crate) const DEDUPE_ENTITY: &str = "Dedupe";
pub(crate) const IDEMPOTENCY_ENTITY: &str = "Idempotency";

/// GSI: an event's proposals in one state (`eventStatus`, `sk`). template.yaml declares it.
pub(crate) const BY_EVENT_STATUS_INDEX: &str = "ByEventStatus";
pub(crate) const EVENT_STATUS: &str = "eventStatus";
/// GSI: a speaker's proposals across events (`ownerId`, `sk`). template.yaml declares it.
pub(crate) const BY_OWNER_INDEX: &str = "ByOwner";
pub(crate) const OWNER_ID: &str = "ownerId";
pub(crate) const PROPOSAL_SK_PREFIX: &str = "CFP#";

pub(crate) const EVENT_SK: &str = "EVENT";
pub(crate) const DEDUPE_SK: &str = "DEDUPE";
pub(crate) const IDEMPOTENCY_SK: &str = "IDEMPOTENCY";

pub(crate) fn event_pk(slug: &EventSlug) -> String {
    format!("EVENT#{slug}")
}

pub(crate) fn proposal_sk(id: ProposalId) -> String {
    format!("{PROPOSAL_SK_PREFIX}{id}")
}

pub(crate) fn event_status_key(slug: &EventSlug, status: ProposalStatus) -> String {
    format!("{slug}#{}", status.as_str())
}

/// Per caller: one user's key never meets another's.
pub(crate) fn idempotency_pk(caller: &UserId, key: &IdempotencyKey) -> String {
    format!("IDEMPOTENCY#{caller}#{}", key.as_str())
}

pub(crate) fn dedupe_pk(key: &DedupeKey) -> String {
    format!("DEDUPE#{}", key.as_str())
}

/// "pk / sk", for error messages about one item.
pub(crate) fn describe(pk: &str, sk: &str) -> String {
    format!("{pk} / {sk}")
}
