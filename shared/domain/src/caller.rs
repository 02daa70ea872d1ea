//! Who is calling: the authenticated user as the identity provider describes them, and what
//! that user may do.

use crate::email_address::EmailAddress;
use crate::error::CfpError;
use crate::event::Event;
use crate::proposal::Proposal;
use crate::team::{Role, UserId};

/// The identity provider's group whose members may create events.
pub const ADMINS_GROUP: &str = "admins";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub user_id: UserId,
    /// Only ID tokens carry it.
    pub email: Option<EmailAddress>,
    pub groups: Vec<String>,
}

impl Caller {
    pub fn is_admin(&self) -> bool {
        self.groups.iter().any(|group| group == ADMINS_GROUP)
    }

    /// The caller's role in this event's team; none in any other event.
    pub fn role_in(&self, event: &Event) -> Option<Role> {
        event.team.role_of(&self.user_id)
    }

    /// The address mail goes to; a request without it cannot submit anything.
    pub fn email(&self) -> Result<&EmailAddress, CfpError> {
        self.email.as_ref().ok_or(CfpError::Unauthenticated(
            "the token carries no email claim; sign in with an ID token",
        ))
    }

    pub fn ensure_may_create_events(&self) -> Result<(), CfpError> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(CfpError::Forbidden(
                "only members of the admins group may create events",
            ))
        }
    }

    pub fn owns(&self, proposal: &Proposal) -> bool {
        proposal.owner == self.user_id
    }

    /// Organisers of this event (and of no other) run it: its team, its decisions.
    pub fn ensure_organiser_of(&self, event: &Event) -> Result<(), CfpError> {
        match self.role_in(event) {
            Some(Role::Organiser) => Ok(()),
            _ => Err(CfpError::Forbidden(
                "only the event's organisers may do this",
            )),
        }
    }

    /// Organisers and reviewers of this event read all its proposals.
    pub fn ensure_team_member_of(&self, event: &Event) -> Result<(), CfpError> {
        match self.role_in(event) {
            Some(Role::Organiser | Role::Reviewer) => Ok(()),
            None => Err(CfpError::Forbidden(
                "only the event's organisers and reviewers may list its proposals",
            )),
        }
    }

    /// Only the speaker who submitted a proposal changes or withdraws it.
    pub fn ensure_owns(&self, proposal: &Proposal) -> Result<(), CfpError> {
        if self.owns(proposal) {
            Ok(())
        } else {
            Err(CfpError::Forbidden(
                "only the speaker who submitted this proposal may change it",
            ))
        }
    }

    /// The owner, and the organisers and reviewers of the proposal's own event.
    pub fn ensure_may_read(
        &self,
        proposal: &Proposal,
        event: Option<&Event>,
    ) -> Result<(), CfpError> {
        if self.owns(proposal) {
            return Ok(());
        }
        match event
            .filter(|event| event.slug == proposal.event)
            .and_then(|event| self.role_in(event))
        {
            Some(Role::Organiser | Role::Reviewer) => Ok(()),
            None => Err(CfpError::Forbidden(
                "only the speaker and the event's organisers and reviewers may read this proposal",
            )),
        }
    }
}
