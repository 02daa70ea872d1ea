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
        for status in [
            ProposalStatus::Submitted,
            ProposalStatus::Confirmed,
            ProposalStatus::Rejected,
            ProposalStatus::Withdrawn,
        ] {
            assert_eq!(ProposalStatus::parse(status.as_str()), Ok(status));
        }
        assert!(ProposalStatus::parse("Submitted").is_err());
    }
}
