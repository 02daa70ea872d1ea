//! An e-mail address as the identity provider vouches for it.

use crate::validation::InvalidValue;

/// Only a sanity check: the address comes from a verified Cognito attribute, never from a body.
/// `Debug` is redacted so an address never reaches a log by accident.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// RFC 5321's limit on a forward path.
    pub const MAX_CHARS: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let refused = || InvalidValue::invalid("must be an e-mail address");
        if raw.chars().count() > Self::MAX_CHARS
            || raw.chars().any(|c| c.is_control() || c.is_whitespace())
        {
            return Err(refused());
        }
        match raw.rsplit_once('@') {
            Some((local, domain))
                if !local.is_empty() && !domain.is_empty() && !domain.contains('@') =>
            {
                Ok(EmailAddress(raw.to_owned()))
            }
            _ => Err(refused()),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for EmailAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EmailAddress(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plausible_addresses_only() {
        assert!(EmailAddress::parse("ada@example.org").is_ok());
        assert!(EmailAddress::parse("\"odd\"@example.org").is_ok());
        for bad in [
            "",
            "ada",
            "@example.org",
            "ada@",
            "a da@example.org",
            "ada@exa\nmple.org",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn debug_never_shows_the_address() {
        let address = EmailAddress::parse("ada@example.org").expect("address");
        assert!(!format!("{address:?}").contains("ada"));
    }
}
