//! The language a session is held in: a BCP 47 tag such as `en` or `de-CH`.

use language_tags::LanguageTag;

use crate::validation::InvalidValue;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Language(String);

impl Language {
    /// Long enough for any language-region-script combination a talk needs.
    pub const MAX_CHARS: usize = 35;

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let raw = raw.trim();
        let refused = || InvalidValue::invalid("must be a BCP 47 language tag such as en or de-CH");
        if raw.is_empty() {
            return Err(InvalidValue::Empty);
        }
        if raw.len() > Self::MAX_CHARS {
            return Err(InvalidValue::TooLong {
                max: Self::MAX_CHARS,
            });
        }
        let tag = LanguageTag::parse(raw).map_err(|_| refused())?;
        // Well-formed is not enough ("english" is well-formed): every subtag must be registered.
        // Private-use (`x-...`) and grandfathered tags (`i-klingon`) pass that check but name no
        // language a listener knows, so the primary language must be an ISO 639 code.
        let primary = tag.primary_language();
        if tag.validate().is_err() || !(2..=3).contains(&primary.len()) {
            return Err(refused());
        }
        Ok(Language(tag.as_str().to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_language_tags() {
        for ok in ["en", "de-CH", "zh-Hant-TW", "es-419", "gsw"] {
            assert_eq!(
                Language::parse(ok).map(|l| l.as_str().to_owned()),
                Ok(ok.to_owned())
            );
        }
    }

    #[test]
    fn refuses_anything_else() {
        for bad in [
            "",
            " ",
            "english",
            "en_US",
            "de-",
            "-de",
            "x-klingon",
            "en-US-",
            "1234",
            "i-klingon",
            "xx",
            "en-ZY",
            &"en-".repeat(12),
        ] {
            assert!(Language::parse(bad).is_err(), "{bad:?}");
        }
    }
}
