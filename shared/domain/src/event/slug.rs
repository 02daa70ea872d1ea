//! An event's slug: its name in URLs and its key in the store.

use crate::validation::InvalidValue;

/// 3..=64 characters of `a-z`, `0-9` and inner hyphens.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventSlug(String);

impl EventSlug {
    pub const MIN_CHARS: usize = 3;
    pub const MAX_CHARS: usize = 64;

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let length = raw.len();
        if !(Self::MIN_CHARS..=Self::MAX_CHARS).contains(&length) {
            return Err(InvalidValue::invalid(format!(
                "must be {} to {} characters long",
                Self::MIN_CHARS,
                Self::MAX_CHARS
            )));
        }
        let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
        if !raw.chars().all(allowed) || raw.starts_with('-') || raw.ends_with('-') {
            return Err(InvalidValue::invalid(
                "may only contain lowercase letters a-z, digits and hyphens, and must not start or end with a hyphen",
            ));
        }
        Ok(EventSlug(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for EventSlug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_lowercase_digits_and_inner_hyphens() {
        for ok in ["abc", "devconf-2027", "a-b", "123", &"a".repeat(64)] {
            assert!(EventSlug::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn refuses_everything_else() {
        for bad in [
            "",
            "ab",
            &"a".repeat(65),
            "-abc",
            "abc-",
            "Abc",
            "a_bc",
            "a bc",
            "äbc",
            "a/b/c",
            "a.bc",
        ] {
            assert!(EventSlug::parse(bad).is_err(), "{bad:?}");
        }
    }
}
