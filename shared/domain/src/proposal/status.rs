//! Where a proposal stands.

use crate::validation::InvalidValue;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProposalStatus {
    Submitted,
    Confirmed,
    Rejected,
    Withdrawn,
}

impl ProposalStatus {
    /// A picture is for a talk that may still happen: not for a withdrawn or rejected one.
    pub fn takes_pictures(&self) -> bool {
        matches!(self, ProposalStatus::Submitted | ProposalStatus::Confirmed)
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            ProposalStatus::Submitted => "submitted",
            ProposalStatus::Confirmed => "confirmed",
            ProposalStatus::Rejected => "rejected",
            ProposalStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        match raw {
            "submitted" => Ok(ProposalStatus::Submitted),
            "confirmed" => Ok(ProposalStatus::Confirmed),
            "rejected" => Ok(ProposalStatus::Rejected),
            "withdrawn" => Ok(ProposalStatus::Withdrawn),
            _ => Err(InvalidValue::invalid(
                "must be submitted, confirmed, rejected or withdrawn",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for status in ProposalStatus::ALL {
            assert_eq!(ProposalStatus::parse(status.as_str()), Ok(status));
        }
        assert!(ProposalStatus::parse("Submitted").is_err());
    }

    #[test]
    fn only_talks_that_may_still_happen_take_pictures() {
        // The DynamoDB picture store's condition names exactly these statuses.
        let taking: Vec<_> = ProposalStatus::ALL
            .into_iter()
            .filter(ProposalStatus::takes_pictures)
            .collect();
        assert_eq!(
            taking,
            [ProposalStatus::Submitted, ProposalStatus::Confirmed]
        );
    }
}
