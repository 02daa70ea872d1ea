//! EventBridge event patterns, the filter language of Lambda's `FilterCriteria` (and, nearly the same,
//! of SNS filter policies).
//!
//! A pattern is a JSON object shaped like the events it matches. Every field it names must match
//! (AND); a field's value is either a nested pattern object or an array of matchers, any one of
//! which may match (OR). `$or` at any level offers alternative sub-patterns for the same object.
//!
//! Matching follows EventBridge's rules:
//! - matchers apply to leaf values (strings, numbers, booleans, null); an event array matches if any
//!   of its elements does, and an array of objects is matched element by element, so every field of a
//!   sub-pattern must match within the same element;
//! - a field holding an object (or an empty array) has no leaf value: only `{"exists": false}`
//!   matches it, as for a missing field;
//! - strings and numbers never equal each other (`"5"` is not `5`); numbers compare by value;
//! - `anything-but` needs a value to be present and matches every value that is not excluded.
//!
//! Lambda's filter criteria hold several patterns; a record passes if any of them matches.

use std::net::IpAddr;

use serde_json::Value;

/// Why a pattern was rejected. `path` names the offending field, dot-separated from the root.
#[derive(Debug, thiserror::Error)]
pub enum PatternError {
    #[error("the pattern is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{path}: a pattern must be a JSON object")]
    NotAnObject { path: String },
    #[error("{path}: a pattern object must name at least one field")]
    EmptyObject { path: String },
    #[error("{path}: a field's pattern must be an array of matchers or a nested object")]
    ExpectedArray { path: String },
    #[error("{path}: the list of matchers is empty, so nothing could ever match")]
    EmptyMatcherList { path: String },
    #[error("{path}: unknown operator `{operator}`")]
    UnknownOperator { path: String, operator: String },
    #[error("{path}: an operator object must hold exactly one operator, found {found}")]
    OperatorCount { path: String, found: usize },
    #[error("{path}: `{operator}` expects {expected}")]
    InvalidOperand {
        path: String,
        operator: &'static str,
        expected: &'static str,
    },
    #[error("{path}: `$or` expects an array of at least two pattern objects")]
    InvalidOr { path: String },
}

/// A parsed, validated pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct EventPattern {
    root: ObjectPattern,
}

impl EventPattern {
    /// Parses a pattern given as a JSON value. A JSON string is taken as the pattern's text, the way
    /// `FilterCriteria.Filters[].Pattern` carries it.
    pub fn parse(pattern: &Value) -> Result<Self, PatternError> {
        match pattern {
            Value::String(text) => Self::parse_str(text),
            other => Ok(Self {
                root: ObjectPattern::parse(other, "")?,
            }),
        }
    }

    /// Parses a pattern from its JSON text.
    pub fn parse_str(text: &str) -> Result<Self, PatternError> {
        let value: Value = serde_json::from_str(text)?;
        Ok(Self {
            root: ObjectPattern::parse(&value, "")?,
        })
    }

    /// Whether `event` matches this pattern.
    pub fn matches(&self, event: &Value) -> bool {
        self.root.matches(Some(event))
    }
}

#[derive(Debug, Clone, PartialEq)]
struct ObjectPattern {
    fields: Vec<(String, FieldPattern)>,
    /// The alternatives of a `$or`; empty when the object has none.
    any_of: Vec<ObjectPattern>,
}

#[derive(Debug, Clone, PartialEq)]
enum FieldPattern {
    Nested(ObjectPattern),
    Leaf(Vec<Matcher>),
}

#[derive(Debug, Clone, PartialEq)]
enum Literal {
    String(String),
    Number(f64),
    Bool(bool),
    Null,
}

#[derive(Debug, Clone, PartialEq)]
enum Matcher {
    Exact(Literal),
    Prefix(String),
    PrefixIgnoreCase(String),
    Suffix(String),
    SuffixIgnoreCase(String),
    EqualsIgnoreCase(String),
    Wildcard(Wildcard),
    AnythingBut(AnythingBut),
    Numeric(NumericRange),
    Exists(bool),
    Cidr(Cidr),
}

#[derive(Debug, Clone, PartialEq)]
enum AnythingBut {
    /// Strings only or numbers only, as EventBridge requires.
    Values(Vec<Literal>),
    Prefix(String),
    Suffix(String),
    /// Stored lowercased.
    EqualsIgnoreCase(Vec<String>),
    Wildcard(Vec<Wildcard>),
}

/// A bound of a numeric range: the value and whether it is included.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Bound {
    value: f64,
    inclusive: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct NumericRange {
    lower: Option<Bound>,
    upper: Option<Bound>,
}

/// A `wildcard` value: literal pieces separated by `*`.
#[derive(Debug, Clone, PartialEq)]
struct Wildcard {
    /// The literal text between stars; `pieces.len()` is the number of stars plus one.
    pieces: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Cidr {
    V4 { network: u32, mask: u32 },
    V6 { network: u128, mask: u128 },
}

fn child_path(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn display_path(path: &str) -> String {
    if path.is_empty() {
        "(root)".to_owned()
    } else {
        path.to_owned()
    }
}

impl ObjectPattern {
    fn parse(value: &Value, path: &str) -> Result<Self, PatternError> {
        let Value::Object(map) = value else {
            return Err(PatternError::NotAnObject {
                path: display_path(path),
            });
        };
        if map.is_empty() {
            return Err(PatternError::EmptyObject {
                path: display_path(path),
            });
        }
        let mut fields = Vec::with_capacity(map.len());
        let mut any_of = Vec::new();
        for (key, field) in map {
            let field_path = child_path(path, key);
            if key == "$or" {
                any_of = parse_or(field, &field_path)?;
                continue;
            }
            let pattern = match field {
                Value::Object(_) => FieldPattern::Nested(ObjectPattern::parse(field, &field_path)?),
                Value::Array(items) => {
                    if items.is_empty() {
                        return Err(PatternError::EmptyMatcherList { path: field_path });
                    }
                    let matchers = items
                        .iter()
                        .map(|item| Matcher::parse(item, &field_path))
                        .collect::<Result<Vec<_>, _>>()?;
                    FieldPattern::Leaf(matchers)
                }
                _ => return Err(PatternError::ExpectedArray { path: field_path }),
            };
            fields.push((key.clone(), pattern));
        }
        Ok(Self { fields, any_of })
    }

    /// `value` is the event's value at this pattern's position; `None` when the event lacks it.
    fn matches(&self, value: Option<&Value>) -> bool {
        match value {
            // Each element on its own, so that all fields must match within one element.
            Some(Value::Array(items)) if !items.is_empty() => {
                items.iter().any(|item| self.matches(Some(item)))
            }
            Some(Value::Object(map)) => {
                self.fields
                    .iter()
                    .all(|(key, field)| field.matches(map.get(key)))
                    && self.any_of_matches(value)
            }
            // A scalar, an empty array or nothing at all has none of the named fields.
            _ => {
                self.fields.iter().all(|(_, field)| field.matches(None))
                    && self.any_of_matches(value)
            }
        }
    }

    fn any_of_matches(&self, value: Option<&Value>) -> bool {
        self.any_of.is_empty() || self.any_of.iter().any(|alt| alt.matches(value))
    }
}

fn parse_or(value: &Value, path: &str) -> Result<Vec<ObjectPattern>, PatternError> {
    let Value::Array(alternatives) = value else {
        return Err(PatternError::InvalidOr {
            path: path.to_owned(),
        });
    };
    if alternatives.len() < 2 {
        return Err(PatternError::InvalidOr {
            path: path.to_owned(),
        });
    }
    alternatives
        .iter()
        .enumerate()
        .map(|(index, alt)| ObjectPattern::parse(alt, &format!("{path}[{index}]")))
        .collect()
}

impl FieldPattern {
    fn matches(&self, value: Option<&Value>) -> bool {
        match self {
            FieldPattern::Nested(object) => object.matches(value),
            FieldPattern::Leaf(matchers) => {
                let mut leaves = Vec::new();
                collect_leaves(value, &mut leaves);
                if leaves.is_empty() {
                    return matchers.contains(&Matcher::Exists(false));
                }
                matchers
                    .iter()
                    .any(|m| leaves.iter().any(|leaf| m.matches_leaf(leaf)))
            }
        }
    }
}

/// The scalar values at a position: the value itself, or the scalars of an array (nested arrays
/// flattened). Objects are inner nodes, not leaves.
fn collect_leaves<'a>(value: Option<&'a Value>, out: &mut Vec<&'a Value>) {
    match value {
        None | Some(Value::Object(_)) => {}
        Some(Value::Array(items)) => {
            for item in items {
                collect_leaves(Some(item), out);
            }
        }
        Some(scalar) => out.push(scalar),
    }
}

impl Literal {
    fn from_json(value: &Value) -> Option<Self> {
        match value {
            Value::String(s) => Some(Literal::String(s.clone())),
            Value::Number(n) => n.as_f64().map(Literal::Number),
            Value::Bool(b) => Some(Literal::Bool(*b)),
            Value::Null => Some(Literal::Null),
            Value::Array(_) | Value::Object(_) => None,
        }
    }

    fn equals(&self, leaf: &Value) -> bool {
        match (self, leaf) {
            (Literal::String(expected), Value::String(actual)) => expected == actual,
            (Literal::Number(expected), Value::Number(actual)) => {
                actual.as_f64().is_some_and(|actual| actual == *expected)
            }
            (Literal::Bool(expected), Value::Bool(actual)) => expected == actual,
            (Literal::Null, Value::Null) => true,
            _ => false,
        }
    }
}

fn string_operand(
    value: &Value,
    path: &str,
    operator: &'static str,
) -> Result<String, PatternError> {
    value
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| PatternError::InvalidOperand {
            path: path.to_owned(),
            operator,
            expected: "a string",
        })
}

/// `"text"` or `{"equals-ignore-case": "text"}`, as `prefix` and `suffix` take them. Returns the text
/// (lowercased when case is ignored) and whether case is ignored.
fn affix_operand(
    value: &Value,
    path: &str,
    operator: &'static str,
) -> Result<(String, bool), PatternError> {
    let invalid = || PatternError::InvalidOperand {
        path: path.to_owned(),
        operator,
        expected: "a string or {\"equals-ignore-case\": string}",
    };
    match value {
        Value::String(text) => Ok((text.clone(), false)),
        Value::Object(map) if map.len() == 1 => match map.get("equals-ignore-case") {
            Some(Value::String(text)) => Ok((text.to_lowercase(), true)),
            _ => Err(invalid()),
        },
        _ => Err(invalid()),
    }
}

/// One string or a non-empty array of strings.
fn string_list_operand(
    value: &Value,
    path: &str,
    operator: &'static str,
) -> Result<Vec<String>, PatternError> {
    let invalid = || PatternError::InvalidOperand {
        path: path.to_owned(),
        operator,
        expected: "a string or a non-empty array of strings",
    };
    match value {
        Value::String(text) => Ok(vec![text.clone()]),
        Value::Array(items) if !items.is_empty() => items
            .iter()
            .map(|item| item.as_str().map(str::to_owned).ok_or_else(invalid))
            .collect(),
        _ => Err(invalid()),
    }
}

impl Matcher {
    fn parse(value: &Value, path: &str) -> Result<Self, PatternError> {
        match value {
            Value::Object(map) => {
                if map.len() != 1 {
                    return Err(PatternError::OperatorCount {
                        path: path.to_owned(),
                        found: map.len(),
                    });
                }
                let Some((operator, operand)) = map.iter().next() else {
                    return Err(PatternError::OperatorCount {
                        path: path.to_owned(),
                        found: 0,
                    });
                };
                Self::parse_operator(operator, operand, path)
            }
            Value::Array(_) => Err(PatternError::InvalidOperand {
                path: path.to_owned(),
                operator: "match",
                expected: "a string, number, boolean, null or operator object, not an array",
            }),
            scalar => Literal::from_json(scalar)
                .map(Matcher::Exact)
                .ok_or_else(|| PatternError::InvalidOperand {
                    path: path.to_owned(),
                    operator: "match",
                    expected: "a number that fits a 64-bit float",
                }),
        }
    }

    fn parse_operator(operator: &str, operand: &Value, path: &str) -> Result<Self, PatternError> {
        match operator {
            "prefix" => {
                let (text, ignore_case) = affix_operand(operand, path, "prefix")?;
                Ok(if ignore_case {
                    Matcher::PrefixIgnoreCase(text)
                } else {
                    Matcher::Prefix(text)
                })
            }
            "suffix" => {
                let (text, ignore_case) = affix_operand(operand, path, "suffix")?;
                Ok(if ignore_case {
                    Matcher::SuffixIgnoreCase(text)
                } else {
                    Matcher::Suffix(text)
                })
            }
            "equals-ignore-case" => Ok(Matcher::EqualsIgnoreCase(
                string_operand(operand, path, "equals-ignore-case")?.to_lowercase(),
            )),
            "wildcard" => Ok(Matcher::Wildcard(Wildcard::parse(
                &string_operand(operand, path, "wildcard")?,
                path,
            )?)),
            "anything-but" => Ok(Matcher::AnythingBut(AnythingBut::parse(operand, path)?)),
            "numeric" => Ok(Matcher::Numeric(NumericRange::parse(operand, path)?)),
            "exists" => match operand {
                Value::Bool(exists) => Ok(Matcher::Exists(*exists)),
                _ => Err(PatternError::InvalidOperand {
                    path: path.to_owned(),
                    operator: "exists",
                    expected: "true or false",
                }),
            },
            "cidr" => Ok(Matcher::Cidr(Cidr::parse(
                &string_operand(operand, path, "cidr")?,
                path,
            )?)),
            other => Err(PatternError::UnknownOperator {
                path: path.to_owned(),
                operator: other.to_owned(),
            }),
        }
    }

    fn matches_leaf(&self, leaf: &Value) -> bool {
        match self {
            Matcher::Exact(literal) => literal.equals(leaf),
            Matcher::Prefix(prefix) => leaf
                .as_str()
                .is_some_and(|s| s.starts_with(prefix.as_str())),
            Matcher::PrefixIgnoreCase(prefix) => leaf
                .as_str()
                .is_some_and(|s| s.to_lowercase().starts_with(prefix.as_str())),
            Matcher::Suffix(suffix) => leaf.as_str().is_some_and(|s| s.ends_with(suffix.as_str())),
            Matcher::SuffixIgnoreCase(suffix) => leaf
                .as_str()
                .is_some_and(|s| s.to_lowercase().ends_with(suffix.as_str())),
            Matcher::EqualsIgnoreCase(expected) => {
                leaf.as_str().is_some_and(|s| s.to_lowercase() == *expected)
            }
            Matcher::Wildcard(wildcard) => leaf.as_str().is_some_and(|s| wildcard.matches(s)),
            Matcher::AnythingBut(excluded) => !excluded.excludes(leaf),
            Matcher::Numeric(range) => leaf.as_f64().is_some_and(|n| range.contains(n)),
            Matcher::Exists(exists) => *exists,
            Matcher::Cidr(cidr) => leaf
                .as_str()
                .and_then(|s| s.parse::<IpAddr>().ok())
                .is_some_and(|ip| cidr.contains(ip)),
        }
    }
}

impl AnythingBut {
    fn parse(operand: &Value, path: &str) -> Result<Self, PatternError> {
        let invalid = || PatternError::InvalidOperand {
            path: path.to_owned(),
            operator: "anything-but",
            expected: "a string, a number, a non-empty array of only strings or only numbers, \
                       or one of {\"prefix\"|\"suffix\"|\"equals-ignore-case\"|\"wildcard\": ...}",
        };
        match operand {
            Value::String(_) | Value::Number(_) => Ok(AnythingBut::Values(vec![
                Literal::from_json(operand).ok_or_else(invalid)?,
            ])),
            Value::Array(items) if !items.is_empty() => {
                let all_strings = items.iter().all(Value::is_string);
                let all_numbers = items.iter().all(Value::is_number);
                if !all_strings && !all_numbers {
                    return Err(invalid());
                }
                let values = items
                    .iter()
                    .map(|item| Literal::from_json(item).ok_or_else(invalid))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(AnythingBut::Values(values))
            }
            Value::Object(map) if map.len() == 1 => {
                let Some((operator, inner)) = map.iter().next() else {
                    return Err(invalid());
                };
                match operator.as_str() {
                    "prefix" => Ok(AnythingBut::Prefix(string_operand(
                        inner,
                        path,
                        "anything-but",
                    )?)),
                    "suffix" => Ok(AnythingBut::Suffix(string_operand(
                        inner,
                        path,
                        "anything-but",
                    )?)),
                    "equals-ignore-case" => Ok(AnythingBut::EqualsIgnoreCase(
                        string_list_operand(inner, path, "anything-but")?
                            .into_iter()
                            .map(|s| s.to_lowercase())
                            .collect(),
                    )),
                    "wildcard" => Ok(AnythingBut::Wildcard(
                        string_list_operand(inner, path, "anything-but")?
                            .iter()
                            .map(|s| Wildcard::parse(s, path))
                            .collect::<Result<Vec<_>, _>>()?,
                    )),
                    _ => Err(invalid()),
                }
            }
            _ => Err(invalid()),
        }
    }

    fn excludes(&self, leaf: &Value) -> bool {
        match self {
            AnythingBut::Values(values) => values.iter().any(|v| v.equals(leaf)),
            AnythingBut::Prefix(prefix) => leaf
                .as_str()
                .is_some_and(|s| s.starts_with(prefix.as_str())),
            AnythingBut::Suffix(suffix) => {
                leaf.as_str().is_some_and(|s| s.ends_with(suffix.as_str()))
            }
            AnythingBut::EqualsIgnoreCase(values) => leaf.as_str().is_some_and(|s| {
                let lower = s.to_lowercase();
                values.contains(&lower)
            }),
            AnythingBut::Wildcard(wildcards) => leaf
                .as_str()
                .is_some_and(|s| wildcards.iter().any(|w| w.matches(s))),
        }
    }
}

impl NumericRange {
    fn parse(operand: &Value, path: &str) -> Result<Self, PatternError> {
        let invalid = |expected: &'static str| PatternError::InvalidOperand {
            path: path.to_owned(),
            operator: "numeric",
            expected,
        };
        const SHAPE: &str = "[\"=\", n] or a lower bound (\">\"|\">=\", n) and/or an upper bound \
                             (\"<\"|\"<=\", n)";
        let Value::Array(items) = operand else {
            return Err(invalid(SHAPE));
        };
        if items.is_empty() || items.len() % 2 != 0 || items.len() > 4 {
            return Err(invalid(SHAPE));
        }
        let mut range = NumericRange {
            lower: None,
            upper: None,
        };
        let mut equals = false;
        for pair in items.chunks(2) {
            let (Some(op), Some(number)) = (pair[0].as_str(), pair[1].as_f64()) else {
                return Err(invalid(SHAPE));
            };
            let slot = match op {
                "=" => {
                    if items.len() != 2 {
                        return Err(invalid("`=` alone, without other bounds"));
                    }
                    equals = true;
                    let bound = Some(Bound {
                        value: number,
                        inclusive: true,
                    });
                    range.lower = bound;
                    range.upper = bound;
                    continue;
                }
                ">" | ">=" => &mut range.lower,
                "<" | "<=" => &mut range.upper,
                _ => return Err(invalid(SHAPE)),
            };
            if slot.is_some() {
                return Err(invalid("at most one lower and one upper bound"));
            }
            *slot = Some(Bound {
                value: number,
                inclusive: op.ends_with('='),
            });
        }
        if let (false, Some(lower), Some(upper)) = (equals, range.lower, range.upper)
            && lower.value >= upper.value
        {
            return Err(invalid("a lower bound below the upper bound"));
        }
        Ok(range)
    }

    fn contains(&self, n: f64) -> bool {
        let above = self.lower.is_none_or(|b| {
            if b.inclusive {
                n >= b.value
            } else {
                n > b.value
            }
        });
        let below = self.upper.is_none_or(|b| {
            if b.inclusive {
                n <= b.value
            } else {
                n < b.value
            }
        });
        above && below
    }
}

impl Wildcard {
    /// `*` stands for any run of characters; `\*` is a literal star and `\\` a literal backslash.
    fn parse(text: &str, path: &str) -> Result<Self, PatternError> {
        let invalid = |expected: &'static str| PatternError::InvalidOperand {
            path: path.to_owned(),
            operator: "wildcard",
            expected,
        };
        let mut pieces = vec![String::new()];
        let mut chars = text.chars();
        let mut previous_was_star = false;
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some(escaped @ ('*' | '\\')) => {
                        push_char(&mut pieces, escaped);
                        previous_was_star = false;
                    }
                    _ => return Err(invalid("`\\` only before `*` or `\\`")),
                },
                '*' => {
                    // EventBridge rejects `**`: it means nothing more than `*`.
                    if previous_was_star {
                        return Err(invalid("no consecutive `*`"));
                    }
                    pieces.push(String::new());
                    previous_was_star = true;
                }
                other => {
                    push_char(&mut pieces, other);
                    previous_was_star = false;
                }
            }
        }
        Ok(Self { pieces })
    }

    fn matches(&self, text: &str) -> bool {
        let Some((first, rest)) = self.pieces.split_first() else {
            return text.is_empty();
        };
        let Some((last, middle)) = rest.split_last() else {
            // No star at all: a plain comparison.
            return text == first;
        };
        if text.len() < first.len() + last.len()
            || !text.starts_with(first.as_str())
            || !text.ends_with(last.as_str())
        {
            return false;
        }
        // The stars between the first and last piece: leftmost placement of each piece is optimal.
        let mut remaining = &text[first.len()..text.len() - last.len()];
        for piece in middle {
            match remaining.find(piece.as_str()) {
                Some(at) => remaining = &remaining[at + piece.len()..],
                None => return false,
            }
        }
        true
    }
}

fn push_char(pieces: &mut [String], c: char) {
    if let Some(current) = pieces.last_mut() {
        current.push(c);
    }
}

impl Cidr {
    fn parse(text: &str, path: &str) -> Result<Self, PatternError> {
        let invalid = || PatternError::InvalidOperand {
            path: path.to_owned(),
            operator: "cidr",
            expected: "an IPv4 or IPv6 network such as 10.0.0.0/24",
        };
        let (address, prefix) = text.split_once('/').ok_or_else(invalid)?;
        let prefix: u32 = prefix.parse().map_err(|_| invalid())?;
        match address.parse::<IpAddr>().map_err(|_| invalid())? {
            IpAddr::V4(ip) if prefix <= 32 => {
                let mask = u32::MAX.checked_shl(32 - prefix).unwrap_or(0);
                Ok(Cidr::V4 {
                    network: u32::from(ip) & mask,
                    mask,
                })
            }
            IpAddr::V6(ip) if prefix <= 128 => {
                let mask = u128::MAX.checked_shl(128 - prefix).unwrap_or(0);
                Ok(Cidr::V6 {
                    network: u128::from(ip) & mask,
                    mask,
                })
            }
            _ => Err(invalid()),
        }
    }

    fn contains(&self, ip: IpAddr) -> bool {
        match (self, ip) {
            (Cidr::V4 { network, mask }, IpAddr::V4(ip)) => u32::from(ip) & mask == *network,
            (Cidr::V6 { network, mask }, IpAddr::V6(ip)) => u128::from(ip) & mask == *network,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn pattern(p: Value) -> EventPattern {
        match EventPattern::parse(&p) {
            Ok(parsed) => parsed,
            Err(e) => panic!("pattern {p} should parse: {e}"),
        }
    }

    fn matches(p: Value, event: Value) -> bool {
        pattern(p).matches(&event)
    }

    fn rejects(p: Value) -> PatternError {
        match EventPattern::parse(&p) {
            Ok(parsed) => panic!("pattern {p} should be rejected, parsed as {parsed:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn exact_strings_numbers_booleans_and_null() {
        assert!(matches(json!({"a": ["x"]}), json!({"a": "x"})));
        assert!(!matches(json!({"a": ["x"]}), json!({"a": "X"})));
        assert!(matches(json!({"a": ["x", "y"]}), json!({"a": "y"})));
        assert!(matches(json!({"a": [5]}), json!({"a": 5})));
        assert!(matches(json!({"a": [5]}), json!({"a": 5.0})));
        assert!(matches(json!({"a": [true]}), json!({"a": true})));
        assert!(!matches(json!({"a": [true]}), json!({"a": false})));
        assert!(matches(json!({"a": [null]}), json!({"a": null})));
        assert!(matches(json!({"a": [""]}), json!({"a": ""})));
    }

    #[test]
    fn types_never_cross() {
        assert!(!matches(json!({"a": ["5"]}), json!({"a": 5})));
        assert!(!matches(json!({"a": [5]}), json!({"a": "5"})));
        assert!(!matches(json!({"a": ["true"]}), json!({"a": true})));
        assert!(!matches(json!({"a": [null]}), json!({"a": "null"})));
        // A missing field is not null.
        assert!(!matches(json!({"a": [null]}), json!({})));
        assert!(!matches(json!({"a": [{"prefix": "1"}]}), json!({"a": 12})));
        assert!(!matches(
            json!({"a": [{"numeric": [">", 1]}]}),
            json!({"a": "12"})
        ));
    }

    #[test]
    fn every_field_must_match() {
        let p = json!({"a": ["x"], "b": ["y"]});
        assert!(matches(
            p.clone(),
            json!({"a": "x", "b": "y", "c": "ignored"})
        ));
        assert!(!matches(p.clone(), json!({"a": "x", "b": "z"})));
        assert!(!matches(p, json!({"a": "x"})));
    }

    #[test]
    fn nested_objects() {
        let p = json!({"dynamodb": {"NewImage": {"entity": {"S": ["Proposal"]}}}});
        assert!(matches(
            p.clone(),
            json!({"dynamodb": {"NewImage": {"entity": {"S": "Proposal"}, "x": {"N": "1"}}}})
        ));
        assert!(!matches(
            p.clone(),
            json!({"dynamodb": {"NewImage": {"entity": {"S": "Talk"}}}})
        ));
        assert!(!matches(
            p.clone(),
            json!({"dynamodb": {"OldImage": {"entity": {"S": "Proposal"}}}})
        ));
        // A scalar where the pattern expects an object has none of its fields.
        assert!(!matches(p, json!({"dynamodb": "Proposal"})));
    }

    #[test]
    fn arrays_match_if_any_element_does() {
        assert!(matches(json!({"tags": ["b"]}), json!({"tags": ["a", "b"]})));
        assert!(!matches(
            json!({"tags": ["c"]}),
            json!({"tags": ["a", "b"]})
        ));
        assert!(matches(
            json!({"tags": [{"prefix": "b"}]}),
            json!({"tags": [["a"], ["bc"]]})
        ));
        // Arrays of objects: each element on its own, fields from the same element.
        let p = json!({"items": {"kind": ["book"], "price": [{"numeric": ["<", 10]}]}});
        assert!(matches(
            p.clone(),
            json!({"items": [{"kind": "pen", "price": 2}, {"kind": "book", "price": 5}]})
        ));
        assert!(!matches(
            p,
            json!({"items": [{"kind": "pen", "price": 5}, {"kind": "book", "price": 50}]})
        ));
    }

    #[test]
    fn prefix_and_suffix() {
        assert!(matches(
            json!({"a": [{"prefix": "us-"}]}),
            json!({"a": "us-east-1"})
        ));
        assert!(!matches(
            json!({"a": [{"prefix": "us-"}]}),
            json!({"a": "eu-west-1"})
        ));
        assert!(matches(
            json!({"a": [{"prefix": ""}]}),
            json!({"a": "anything"})
        ));
        assert!(matches(
            json!({"a": [{"prefix": {"equals-ignore-case": "EventB"}}]}),
            json!({"a": "eventbridge"})
        ));
        assert!(matches(
            json!({"a": [{"suffix": ".png"}]}),
            json!({"a": "cat.png"})
        ));
        assert!(!matches(
            json!({"a": [{"suffix": ".png"}]}),
            json!({"a": "cat.PNG"})
        ));
        assert!(matches(
            json!({"a": [{"suffix": {"equals-ignore-case": ".png"}}]}),
            json!({"a": "cat.PNG"})
        ));
    }

    #[test]
    fn equals_ignore_case() {
        let p = json!({"a": [{"equals-ignore-case": "Submitted"}]});
        assert!(matches(p.clone(), json!({"a": "SUBMITTED"})));
        assert!(matches(p.clone(), json!({"a": "submitted"})));
        assert!(!matches(p.clone(), json!({"a": "submitted!"})));
        assert!(!matches(p, json!({"a": 1})));
    }

    #[test]
    fn anything_but_values() {
        let p = json!({"state": [{"anything-but": ["stopped", "overloaded"]}]});
        assert!(matches(p.clone(), json!({"state": "running"})));
        assert!(!matches(p.clone(), json!({"state": "stopped"})));
        // Needs a value: a missing field does not match.
        assert!(!matches(p.clone(), json!({})));
        // Values of another type are not excluded.
        assert!(matches(p, json!({"state": 3})));
        assert!(matches(
            json!({"n": [{"anything-but": 5}]}),
            json!({"n": 6})
        ));
        assert!(!matches(
            json!({"n": [{"anything-but": 5}]}),
            json!({"n": 5})
        ));
        assert!(!matches(
            json!({"s": [{"anything-but": "x"}]}),
            json!({"s": "x"})
        ));
        // Arrays: matches if any element is not excluded.
        assert!(matches(
            json!({"s": [{"anything-but": "x"}]}),
            json!({"s": ["x", "y"]})
        ));
        assert!(!matches(
            json!({"s": [{"anything-but": "x"}]}),
            json!({"s": ["x", "x"]})
        ));
    }

    #[test]
    fn anything_but_prefix_suffix_ignore_case_and_wildcard() {
        let p = json!({"r": [{"anything-but": {"prefix": "us-"}}]});
        assert!(matches(p.clone(), json!({"r": "eu-west-1"})));
        assert!(!matches(p, json!({"r": "us-east-1"})));
        let p = json!({"f": [{"anything-but": {"suffix": ".png"}}]});
        assert!(matches(p.clone(), json!({"f": "a.jpg"})));
        assert!(!matches(p, json!({"f": "a.png"})));
        let p = json!({"s": [{"anything-but": {"equals-ignore-case": ["Stopped", "Paused"]}}]});
        assert!(matches(p.clone(), json!({"s": "running"})));
        assert!(!matches(p.clone(), json!({"s": "STOPPED"})));
        assert!(!matches(p, json!({"s": "paused"})));
        let p = json!({"path": [{"anything-but": {"wildcard": "*/lib/*"}}]});
        assert!(matches(p.clone(), json!({"path": "/usr/bin/x"})));
        assert!(!matches(p, json!({"path": "/usr/lib/x"})));
    }

    #[test]
    fn numeric_ranges() {
        let p = json!({"n": [{"numeric": [">", 0, "<=", 5]}]});
        assert!(!matches(p.clone(), json!({"n": 0})));
        assert!(matches(p.clone(), json!({"n": 0.5})));
        assert!(matches(p.clone(), json!({"n": 5})));
        assert!(!matches(p.clone(), json!({"n": 5.01})));
        assert!(!matches(p, json!({"n": "3"})));
        assert!(matches(
            json!({"n": [{"numeric": [">=", 10]}]}),
            json!({"n": 10})
        ));
        assert!(!matches(
            json!({"n": [{"numeric": ["<", 10]}]}),
            json!({"n": 10})
        ));
        assert!(matches(
            json!({"n": [{"numeric": ["=", 3.5]}]}),
            json!({"n": 3.5})
        ));
        assert!(!matches(
            json!({"n": [{"numeric": ["=", 3.5]}]}),
            json!({"n": 3.6})
        ));
        assert!(matches(
            json!({"n": [{"numeric": ["<", -1]}]}),
            json!({"n": -1e3})
        ));
    }

    #[test]
    fn exists() {
        let present = json!({"a": [{"exists": true}]});
        let absent = json!({"a": [{"exists": false}]});
        assert!(matches(present.clone(), json!({"a": "x"})));
        assert!(matches(present.clone(), json!({"a": null})));
        assert!(!matches(present.clone(), json!({"b": "x"})));
        assert!(matches(absent.clone(), json!({"b": "x"})));
        assert!(!matches(absent.clone(), json!({"a": 0})));
        // Exists looks at leaves: an object or an empty array holds none.
        assert!(!matches(present.clone(), json!({"a": {"S": "x"}})));
        assert!(matches(absent.clone(), json!({"a": {"S": "x"}})));
        assert!(!matches(present, json!({"a": []})));
        assert!(matches(absent, json!({"a": []})));
        // The DynamoDB way: test the typed leaf of an attribute.
        let p = json!({"dynamodb": {"OldImage": {"status": {"S": [{"exists": false}]}}}});
        assert!(matches(p.clone(), json!({"dynamodb": {"Keys": {}}})));
        assert!(!matches(
            p,
            json!({"dynamodb": {"OldImage": {"status": {"S": "x"}}}})
        ));
    }

    #[test]
    fn wildcard() {
        let p = |w: &str| json!({"a": [{"wildcard": w}]});
        assert!(matches(p("*.png"), json!({"a": "cat.png"})));
        assert!(!matches(p("*.png"), json!({"a": "cat.jpg"})));
        assert!(matches(p("dir/*/file"), json!({"a": "dir/x/y/file"})));
        assert!(matches(p("a*b*c"), json!({"a": "abc"})));
        assert!(matches(p("a*b*c"), json!({"a": "a--b--b--c"})));
        assert!(!matches(p("a*b*c"), json!({"a": "acb"})));
        // The first and last pieces must not overlap.
        assert!(!matches(p("ab*ba"), json!({"a": "aba"})));
        assert!(matches(p("*"), json!({"a": ""})));
        assert!(matches(p("exact"), json!({"a": "exact"})));
        assert!(!matches(p("exact"), json!({"a": "exactly"})));
        assert!(matches(p(r"a\*b"), json!({"a": "a*b"})));
        assert!(!matches(p(r"a\*b"), json!({"a": "axb"})));
        assert!(matches(p(r"a\\*"), json!({"a": r"a\tail"})));
        assert!(!matches(p("*"), json!({"a": 1})));
    }

    #[test]
    fn cidr() {
        let p = json!({"ip": [{"cidr": "10.0.0.0/24"}]});
        assert!(matches(p.clone(), json!({"ip": "10.0.0.255"})));
        assert!(!matches(p.clone(), json!({"ip": "10.0.1.0"})));
        assert!(!matches(p.clone(), json!({"ip": "not an ip"})));
        assert!(!matches(p, json!({"ip": "::1"})));
        assert!(matches(
            json!({"ip": [{"cidr": "2001:db8::/32"}]}),
            json!({"ip": "2001:db8::1"})
        ));
        assert!(matches(
            json!({"ip": [{"cidr": "0.0.0.0/0"}]}),
            json!({"ip": "8.8.8.8"})
        ));
    }

    #[test]
    fn or_alternatives() {
        let p = json!({
            "source": ["app"],
            "$or": [
                {"level": ["error"]},
                {"code": [{"numeric": [">=", 500]}]}
            ]
        });
        assert!(matches(
            p.clone(),
            json!({"source": "app", "level": "error"})
        ));
        assert!(matches(p.clone(), json!({"source": "app", "code": 503})));
        assert!(!matches(
            p.clone(),
            json!({"source": "app", "level": "info", "code": 200})
        ));
        assert!(!matches(p, json!({"source": "other", "level": "error"})));
        // Nested, inside an object.
        let p = json!({"detail": {"$or": [{"a": ["1"]}, {"b": ["2"]}]}});
        assert!(matches(p.clone(), json!({"detail": {"b": "2"}})));
        assert!(!matches(p, json!({"detail": {"a": "2"}})));
    }

    #[test]
    fn lambda_filter_on_a_dynamodb_record() {
        let p = pattern(json!({
            "eventName": ["INSERT"],
            "dynamodb": {"NewImage": {"entity": {"S": ["Proposal"]}}}
        }));
        let record = |name: &str, entity: &str| {
            json!({
                "eventName": name,
                "dynamodb": {
                    "Keys": {"pk": {"S": "EVENT#x"}},
                    "NewImage": {"entity": {"S": entity}, "votes": {"N": "3"}}
                }
            })
        };
        assert!(p.matches(&record("INSERT", "Proposal")));
        assert!(!p.matches(&record("MODIFY", "Proposal")));
        assert!(!p.matches(&record("INSERT", "Event")));
    }

    #[test]
    fn pattern_text_is_parsed() {
        let p = match EventPattern::parse(&json!(r#"{"eventName": ["REMOVE"]}"#)) {
            Ok(p) => p,
            Err(e) => panic!("{e}"),
        };
        assert!(p.matches(&json!({"eventName": "REMOVE"})));
        assert!(matches!(
            EventPattern::parse_str("{not json"),
            Err(PatternError::Json(_))
        ));
    }

    #[test]
    fn invalid_patterns_are_rejected_with_the_offending_path() {
        assert!(matches!(
            rejects(json!(["a"])),
            PatternError::NotAnObject { .. }
        ));
        assert!(matches!(
            rejects(json!({})),
            PatternError::EmptyObject { .. }
        ));
        match rejects(json!({"a": {"b": "x"}})) {
            PatternError::ExpectedArray { path } => assert_eq!(path, "a.b"),
            other => panic!("{other}"),
        }
        assert!(matches!(
            rejects(json!({"a": []})),
            PatternError::EmptyMatcherList { .. }
        ));
        assert!(matches!(
            rejects(json!({"a": [["x"]]})),
            PatternError::InvalidOperand { .. }
        ));
        match rejects(json!({"a": [{"contains": "x"}]})) {
            PatternError::UnknownOperator { path, operator } => {
                assert_eq!((path.as_str(), operator.as_str()), ("a", "contains"));
            }
            other => panic!("{other}"),
        }
        assert!(matches!(
            rejects(json!({"a": [{"prefix": "x", "suffix": "y"}]})),
            PatternError::OperatorCount { found: 2, .. }
        ));
        assert!(matches!(
            rejects(json!({"a": [{}]})),
            PatternError::OperatorCount { found: 0, .. }
        ));
        for bad in [
            json!({"a": [{"prefix": 1}]}),
            json!({"a": [{"prefix": {"equals-ignore-case": 1}}]}),
            json!({"a": [{"exists": "yes"}]}),
            json!({"a": [{"numeric": [">", "1"]}]}),
            json!({"a": [{"numeric": [">", 1, ">", 2]}]}),
            json!({"a": [{"numeric": ["=", 1, "<", 2]}]}),
            json!({"a": [{"numeric": [">", 5, "<", 1]}]}),
            json!({"a": [{"numeric": ["!=", 1]}]}),
            json!({"a": [{"numeric": [">"]}]}),
            json!({"a": [{"anything-but": []}]}),
            json!({"a": [{"anything-but": ["x", 1]}]}),
            json!({"a": [{"anything-but": true}]}),
            json!({"a": [{"anything-but": {"contains": "x"}}]}),
            json!({"a": [{"wildcard": "a**b"}]}),
            json!({"a": [{"wildcard": r"a\b"}]}),
            json!({"a": [{"cidr": "10.0.0.0/33"}]}),
            json!({"a": [{"cidr": "10.0.0.0"}]}),
            json!({"a": [{"equals-ignore-case": 3}]}),
        ] {
            assert!(
                matches!(rejects(bad.clone()), PatternError::InvalidOperand { .. }),
                "{bad}"
            );
        }
        for bad in [
            json!({"$or": {"a": ["x"]}}),
            json!({"$or": [{"a": ["x"]}]}),
            json!({"$or": [{"a": ["x"]}, "b"]}),
        ] {
            assert!(
                matches!(
                    rejects(bad.clone()),
                    PatternError::InvalidOr { .. } | PatternError::NotAnObject { .. }
                ),
                "{bad}"
            );
        }
    }
}
