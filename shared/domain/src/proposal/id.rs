//! A proposal's id: a UUID v7, so ids sort by creation time.

use uuid::Uuid;

use crate::validation::InvalidValue;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProposalId(Uuid);

impl ProposalId {
    pub fn generate() -> Self {
        ProposalId(Uuid::now_v7())
    }

    /// Accepts the hyphenated form only, the one this service hands out.
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let refused = || InvalidValue::invalid("must be a proposal id");
        if raw.len() != 36 {
            return Err(refused());
        }
        Uuid::try_parse(raw).map(ProposalId).map_err(|_| refused())
    }

    pub fn uuid(&self) -> Uuid {
        self.0
    }
}

impl std::fmt::Display for ProposalId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_round_trip_and_are_v7() {
        let id = ProposalId::generate();
        assert_eq!(id.uuid().get_version_num(), 7);
        assert_eq!(ProposalId::parse(&id.to_string()), Ok(id));
    }

    #[test]
    fn only_hyphenated_uuids_parse() {
        let id = ProposalId::generate();
        for bad in [
            String::new(),
            "x".into(),
            id.uuid().simple().to_string(),
            format!("{{{id}}}"),
            format!("urn:uuid:{id}"),
            format!("{id} "),
        ] {
            assert!(ProposalId::parse(&bad).is_err(), "{bad:?}");
        }
    }
}
