//! A session format (talk, workshop...) and how long it lasts.

use crate::text::bounded_text;
use crate::validation::InvalidValue;

bounded_text!(
    /// 1..=100 characters, one line.
    SessionTypeName, min = 1, max = 100, Single
);

/// 5..=480 minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DurationMinutes(u16);

impl DurationMinutes {
    pub const MIN: u64 = 5;
    pub const MAX: u64 = 480;

    pub fn new(minutes: u64) -> Result<Self, InvalidValue> {
        if !(Self::MIN..=Self::MAX).contains(&minutes) {
            return Err(InvalidValue::invalid(format!(
                "must be between {} and {} minutes",
                Self::MIN,
                Self::MAX
            )));
        }
        u16::try_from(minutes)
            .map(DurationMinutes)
            .map_err(|_| InvalidValue::invalid("is out of range"))
    }

    pub fn get(&self) -> u16 {
        self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionType {
    pub name: SessionTypeName,
    pub duration: DurationMinutes,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_between_five_minutes_and_eight_hours() {
        assert_eq!(DurationMinutes::new(5).map(|d| d.get()), Ok(5));
        assert_eq!(DurationMinutes::new(480).map(|d| d.get()), Ok(480));
        for bad in [0, 4, 481, u64::MAX] {
            assert!(DurationMinutes::new(bad).is_err(), "{bad}");
        }
    }
}
