//! The event's time zone: an IANA name, so local times in the schedule follow daylight saving.

use crate::validation::InvalidValue;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeZone(chrono_tz::Tz);

impl TimeZone {
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        raw.parse::<chrono_tz::Tz>().map(TimeZone).map_err(|_| {
            InvalidValue::invalid("must be an IANA time zone name such as Europe/Berlin")
        })
    }

    pub fn tz(&self) -> chrono_tz::Tz {
        self.0
    }

    pub fn name(&self) -> &'static str {
        self.0.name()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iana_names_only() {
        assert_eq!(
            TimeZone::parse("Europe/Berlin").map(|tz| tz.name()),
            Ok("Europe/Berlin")
        );
        assert!(TimeZone::parse("America/Argentina/Buenos_Aires").is_ok());
        for bad in [
            "",
            "Berlin",
            "europe/berlin",
            "CEST",
            "+02:00",
            "Europe/Berlin ",
        ] {
            assert!(TimeZone::parse(bad).is_err(), "{bad:?}");
        }
    }
}
