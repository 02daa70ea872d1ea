//! Key and entity names of the table layout, in one place.

use cfp_domain::dedupe::DedupeKey;
use cfp_domain::event::EventSlug;
use cfp_domain::proposal::ProposalId;

pub(crate) const PK: &str = "pk";
pub(crate) const SK: &str = "sk";

pub(crate) const EVENT_ENTITY: &str = "Event";
/// The template's stream filter selects new proposals by this value: keep them in step.
pub(crate) const PROPOSAL_ENTITY: &str = "Proposal";
pub(crate) const DEDUPE_ENTITY: &str = "Dedupe";

pub(crate) const EVENT_SK: &str = "EVENT";
pub(crate) const DEDUPE_SK: &str = "DEDUPE";

pub(crate) fn event_pk(slug: &EventSlug) -> String {
    format!("EVENT#{slug}")
}

pub(crate) fn proposal_sk(id: ProposalId) -> String {
    format!("CFP#{id}")
}

pub(crate) fn dedupe_pk(key: &DedupeKey) -> String {
    format!("DEDUPE#{}", key.as_str())
}

/// "pk / sk", for error messages about one item.
pub(crate) fn describe(pk: &str, sk: &str) -> String {
    format!("{pk} / {sk}")
}
