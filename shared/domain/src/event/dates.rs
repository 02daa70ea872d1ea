//! The days an event runs.

use chrono::NaiveDate;

use crate::validation::InvalidValue;

/// Parses a calendar date written exactly as `YYYY-MM-DD`.
pub fn parse_date(raw: &str) -> Result<NaiveDate, InvalidValue> {
    let shape_ok = raw.len() == 10
        && raw.char_indices().all(|(i, c)| match i {
            4 | 7 => c == '-',
            _ => c.is_ascii_digit(),
        });
    let refused = || InvalidValue::invalid("must be a date written as YYYY-MM-DD");
    if !shape_ok {
        return Err(refused());
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| refused())
}

/// First and last day (inclusive), at most [`EventDates::MAX_DAYS`] days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventDates {
    start: NaiveDate,
    end: NaiveDate,
}

impl EventDates {
    pub const MAX_DAYS: i64 = 14;

    /// The error belongs to the end date: that is the one to change.
    pub fn new(start: NaiveDate, end: NaiveDate) -> Result<Self, InvalidValue> {
        if end < start {
            return Err(InvalidValue::invalid("must not be before startDate"));
        }
        if (end - start).num_days() + 1 > Self::MAX_DAYS {
            return Err(InvalidValue::invalid(format!(
                "the event may last at most {} days",
                Self::MAX_DAYS
            )));
        }
        Ok(EventDates { start, end })
    }

    pub fn start(&self) -> NaiveDate {
        self.start
    }

    pub fn end(&self) -> NaiveDate {
        self.end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(raw: &str) -> NaiveDate {
        parse_date(raw).expect("a test date")
    }

    #[test]
    fn dates_must_be_iso_calendar_dates() {
        assert_eq!(
            parse_date("2027-06-10"),
            Ok(NaiveDate::from_ymd_opt(2027, 6, 10).expect("date"))
        );
        assert!(parse_date("2028-02-29").is_ok());
        for bad in [
            "",
            "2027-6-10",
            "2027-06-1",
            "2027/06/10",
            "10.06.2027",
            "2027-02-29",
            "2027-13-01",
            "2027-06-10T00:00:00Z",
            "+2027-06-1",
            "２０２７-06-10",
        ] {
            assert!(parse_date(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn end_not_before_start_and_at_most_fourteen_days() {
        assert!(EventDates::new(date("2027-06-10"), date("2027-06-10")).is_ok());
        assert!(EventDates::new(date("2027-06-10"), date("2027-06-23")).is_ok());
        assert!(EventDates::new(date("2027-06-10"), date("2027-06-24")).is_err());
        assert!(EventDates::new(date("2027-06-10"), date("2027-06-09")).is_err());
    }
}
