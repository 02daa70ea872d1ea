//! Free-text values: trimmed, bounded in characters, free of control characters.

use crate::validation::InvalidValue;

/// Whether line breaks and tabs are allowed (abstracts, bios) or not (titles, names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lines {
    Single,
    Multi,
}

/// Trims `raw` and checks it against the rules; lengths count Unicode scalar values.
pub(crate) fn parse_text(
    raw: &str,
    min: usize,
    max: usize,
    lines: Lines,
) -> Result<String, InvalidValue> {
    let trimmed = raw.trim();
    let allowed_control = |c: char| lines == Lines::Multi && matches!(c, '\n' | '\r' | '\t');
    if trimmed
        .chars()
        .any(|c| c.is_control() && !allowed_control(c))
    {
        return Err(InvalidValue::ControlCharacter);
    }
    let length = trimmed.chars().count();
    if length == 0 && min > 0 {
        return Err(InvalidValue::Empty);
    }
    if length < min {
        return Err(InvalidValue::TooShort { min });
    }
    if length > max {
        return Err(InvalidValue::TooLong { max });
    }
    Ok(trimmed.to_owned())
}

/// Declares a newtype over `String` whose only constructor enforces the text rules.
macro_rules! bounded_text {
    ($(#[$meta:meta])* $name:ident, min = $min:expr, max = $max:expr, $lines:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            pub const MAX_CHARS: usize = $max;

            pub fn parse(raw: &str) -> Result<Self, $crate::validation::InvalidValue> {
                $crate::text::parse_text(raw, $min, $max, $crate::text::Lines::$lines).map($name)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

pub(crate) use bounded_text;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_counts_characters_not_bytes() {
        assert_eq!(
            parse_text("  äöü  ", 1, 3, Lines::Single),
            Ok("äöü".to_owned())
        );
        assert_eq!(
            parse_text("äöüß", 1, 3, Lines::Single),
            Err(InvalidValue::TooLong { max: 3 })
        );
    }

    #[test]
    fn blank_is_empty() {
        assert_eq!(
            parse_text(" \t\n ", 1, 3, Lines::Multi),
            Err(InvalidValue::Empty)
        );
        assert_eq!(parse_text("", 0, 3, Lines::Multi), Ok(String::new()));
    }

    #[test]
    fn line_breaks_only_where_multi_line() {
        assert_eq!(
            parse_text("a\nb", 1, 10, Lines::Single),
            Err(InvalidValue::ControlCharacter)
        );
        assert_eq!(
            parse_text("a\r\n\tb", 1, 10, Lines::Multi),
            Ok("a\r\n\tb".to_owned())
        );
        assert_eq!(
            parse_text("a\u{0}b", 1, 10, Lines::Multi),
            Err(InvalidValue::ControlCharacter)
        );
        assert_eq!(
            parse_text("a\u{7f}b", 1, 10, Lines::Multi),
            Err(InvalidValue::ControlCharacter)
        );
    }
}
