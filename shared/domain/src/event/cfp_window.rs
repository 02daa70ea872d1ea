//! When the call for papers closes. It is open until then.

use chrono::{DateTime, FixedOffset, Utc};

use crate::validation::InvalidValue;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CfpWindow {
    closes_at: DateTime<FixedOffset>,
}

impl CfpWindow {
    /// RFC 3339 with an offset (`Z` counts); the organiser's offset is kept for display.
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        DateTime::parse_from_rfc3339(raw)
            .map(|closes_at| CfpWindow { closes_at })
            .map_err(|_| {
                InvalidValue::invalid("must be an RFC 3339 date-time with an offset, such as 2027-03-31T23:59:00+02:00")
            })
    }

    pub fn closes_at(&self) -> DateTime<FixedOffset> {
        self.closes_at
    }

    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        now < self.closes_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_an_offset() {
        assert!(CfpWindow::parse("2027-03-31T23:59:00+02:00").is_ok());
        assert!(CfpWindow::parse("2027-03-31T21:59:00Z").is_ok());
        for bad in [
            "2027-03-31T23:59:00",
            "2027-03-31",
            "tomorrow",
            "",
            "2027-03-31 23:59",
        ] {
            assert!(CfpWindow::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn open_until_the_instant_it_closes() {
        let window = CfpWindow::parse("2027-03-31T23:59:00+02:00").expect("window");
        let closes = DateTime::parse_from_rfc3339("2027-03-31T21:59:00Z")
            .expect("instant")
            .with_timezone(&Utc);
        assert!(window.is_open(closes - chrono::Duration::seconds(1)));
        assert!(!window.is_open(closes));
        assert!(!window.is_open(closes + chrono::Duration::days(1)));
    }
}
