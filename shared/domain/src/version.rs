//! A stored record's version for optimistic concurrency: 1 when created, one more with every
//! change. A write is conditional on the version it started from, so two changes never silently
//! overwrite each other; consumers of the domain events order them by it.

use crate::validation::InvalidValue;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version(u32);

impl Version {
    pub const FIRST: Version = Version(1);

    pub fn new(raw: u64) -> Result<Self, InvalidValue> {
        u32::try_from(raw)
            .ok()
            .filter(|v| *v >= 1)
            .map(Version)
            .ok_or_else(|| InvalidValue::invalid("must be a positive version number"))
    }

    pub fn get(&self) -> u32 {
        self.0
    }

    /// The version after one more change; `None` only past `u32::MAX` changes.
    pub fn next(self) -> Option<Version> {
        self.0.checked_add(1).map(Version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positive_and_bounded() {
        assert_eq!(Version::new(1), Ok(Version::FIRST));
        assert_eq!(Version::new(7).map(|v| v.get()), Ok(7));
        for bad in [0, u64::from(u32::MAX) + 1, u64::MAX] {
            assert!(Version::new(bad).is_err(), "{bad}");
        }
        assert_eq!(Version::FIRST.next().map(|v| v.get()), Some(2));
        assert_eq!(
            Version::new(u64::from(u32::MAX))
                .ok()
                .and_then(Version::next),
            None
        );
    }
}
