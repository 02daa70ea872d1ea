//! The CfP context's use cases, one per module, each a function of the ports it needs.

mod change_proposal;
mod create_event;
mod get_event;
mod get_proposal;
mod list_proposals;
mod manage_team;
mod publish_domain_event;
mod send_decision_email;
mod send_submitted_email;
mod submit_proposal;

pub use change_proposal::{decide_proposal, update_proposal, withdraw_proposal};
pub use create_event::create_event;
pub use get_event::get_event;
pub use get_proposal::get_proposal;
pub use list_proposals::{ListParams, list_event_proposals, list_own_proposals};
pub use manage_team::{TeamMemberRequest, remove_team_member, set_team_member};
pub use publish_domain_event::{PublishDomainEventError, publish_domain_event};
pub use send_decision_email::{DecisionEmailError, send_decision_email};
pub use send_submitted_email::send_submitted_email;
pub use submit_proposal::submit_proposal;

use crate::error::CfpError;
use crate::event::EventSlug;

/// A slug from a path: one that cannot exist is simply not found.
fn slug_from_path(raw: &str) -> Result<EventSlug, CfpError> {
    EventSlug::parse(raw).map_err(|_| CfpError::EventNotFound(raw.to_owned()))
}
