//! The proposal's state machine: which step is allowed from which state, and what a step does to
//! the proposal (new state, next version, decision record). Stores enforce it with a write
//! conditional on the state and version the step started from.

use chrono::{DateTime, SubsecRound, Utc};

use super::{Proposal, ProposalStatus};
use crate::error::CfpError;
use crate::team::UserId;

/// A step in a proposal's life after its submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// The speaker changes the content.
    Edit,
    Withdraw,
    Confirm,
    Reject,
}

impl Action {
    pub const ALL: [Action; 4] = [
        Action::Edit,
        Action::Withdraw,
        Action::Confirm,
        Action::Reject,
    ];

    /// For messages: "a rejected proposal cannot be confirmed".
    pub fn past_participle(&self) -> &'static str {
        match self {
            Action::Edit => "edited",
            Action::Withdraw => "withdrawn",
            Action::Confirm => "confirmed",
            Action::Reject => "rejected",
        }
    }
}

impl ProposalStatus {
    pub const ALL: [ProposalStatus; 4] = [
        ProposalStatus::Submitted,
        ProposalStatus::Confirmed,
        ProposalStatus::Rejected,
        ProposalStatus::Withdrawn,
    ];

    /// The state after `action`, or why it is not allowed from this one.
    pub fn after(self, action: Action) -> Result<ProposalStatus, CfpError> {
        use Action as A;
        use ProposalStatus as S;
        match (self, action) {
            (S::Submitted, A::Edit) => Ok(S::Submitted),
            (S::Submitted, A::Confirm) => Ok(S::Confirmed),
            (S::Submitted, A::Reject) => Ok(S::Rejected),
            // A confirmed speaker may still cancel; the talk then leaves the schedule.
            (S::Submitted | S::Confirmed, A::Withdraw) => Ok(S::Withdrawn),
            (status, action) => Err(CfpError::InvalidTransition {
                status: status.as_str(),
                action: action.past_participle(),
            }),
        }
    }
}

impl Proposal {
    /// This proposal after `action` at `now`: its new state, the next version, `updatedAt`.
    pub(crate) fn step(&self, action: Action, now: DateTime<Utc>) -> Result<Proposal, CfpError> {
        let status = self.status.after(action)?;
        let version = self.version.next().ok_or(CfpError::InvalidTransition {
            status: "fully revised",
            action: action.past_participle(),
        })?;
        Ok(Proposal {
            status,
            version,
            // Stored times have millisecond precision (see `Proposal::submit`).
            updated_at: now.trunc_subsecs(3),
            ..self.clone()
        })
    }

    /// An organiser's decision: `Confirm` or `Reject`, recorded with who and when.
    pub fn decide(
        &self,
        decision: Action,
        by: &UserId,
        now: DateTime<Utc>,
    ) -> Result<Proposal, CfpError> {
        if !matches!(decision, Action::Confirm | Action::Reject) {
            return Err(CfpError::InvalidTransition {
                status: self.status.as_str(),
                action: decision.past_participle(),
            });
        }
        let mut decided = self.step(decision, now)?;
        decided.decided_at = Some(decided.updated_at);
        decided.decided_by = Some(by.clone());
        Ok(decided)
    }

    pub fn withdraw(&self, now: DateTime<Utc>) -> Result<Proposal, CfpError> {
        self.step(Action::Withdraw, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proposal::Version;
    use crate::test_data;
    use ProposalStatus as S;

    /// The whole table: every state against every step.
    #[test]
    fn transitions_table() {
        let allowed = |from: S, action: Action| -> Option<S> {
            match (from, action) {
                (S::Submitted, Action::Edit) => Some(S::Submitted),
                (S::Submitted, Action::Confirm) => Some(S::Confirmed),
                (S::Submitted, Action::Reject) => Some(S::Rejected),
                (S::Submitted, Action::Withdraw) => Some(S::Withdrawn),
                (S::Confirmed, Action::Withdraw) => Some(S::Withdrawn),
                _ => None,
            }
        };
        let mut allowed_count = 0;
        for from in S::ALL {
            for action in Action::ALL {
                let result = from.after(action);
                match allowed(from, action) {
                    Some(to) => {
                        allowed_count += 1;
                        assert_eq!(result.ok(), Some(to), "{from:?} {action:?}");
                    }
                    None => assert!(
                        matches!(result, Err(CfpError::InvalidTransition { status, action: a })
                            if status == from.as_str() && a == action.past_participle()),
                        "{from:?} {action:?}: {result:?}"
                    ),
                }
            }
        }
        assert_eq!(allowed_count, 5);
    }

    #[test]
    fn every_step_bumps_the_version_by_one() {
        let proposal = test_data::proposal();
        assert_eq!(proposal.version, Version::FIRST);
        let now = test_data::before_close() + chrono::Duration::minutes(5);
        let confirmed = proposal
            .decide(Action::Confirm, &test_data::admin().user_id, now)
            .expect("confirmed");
        assert_eq!(confirmed.version.get(), 2);
        let withdrawn = confirmed.withdraw(now).expect("withdrawn");
        assert_eq!(withdrawn.version.get(), 3);
        assert_eq!(withdrawn.status, S::Withdrawn);
        assert_eq!(
            withdrawn.decided_at, confirmed.decided_at,
            "the decision stays recorded"
        );
        assert_eq!(
            Version::new(u64::from(u32::MAX))
                .ok()
                .and_then(Version::next),
            None
        );
        assert_eq!(Version::FIRST.next().map(|v| v.get()), Some(2));
    }

    #[test]
    fn a_decision_records_who_and_when_and_nothing_else_changes() {
        let proposal = test_data::proposal();
        let now = test_data::before_close() + chrono::Duration::milliseconds(1500);
        let organiser = test_data::admin().user_id;
        let rejected = proposal
            .decide(Action::Reject, &organiser, now)
            .expect("rejected");
        assert_eq!(rejected.status, S::Rejected);
        assert_eq!(rejected.decided_by.as_ref(), Some(&organiser));
        assert_eq!(rejected.decided_at, Some(now));
        assert_eq!(rejected.updated_at, now);
        assert_eq!(
            Proposal {
                status: proposal.status,
                version: proposal.version,
                updated_at: proposal.updated_at,
                decided_at: None,
                decided_by: None,
                ..rejected.clone()
            },
            proposal
        );
        // A second decision, either way, is refused.
        for again in [Action::Confirm, Action::Reject] {
            assert!(rejected.decide(again, &organiser, now).is_err());
        }
        assert!(proposal.decide(Action::Withdraw, &organiser, now).is_err());
    }
}
