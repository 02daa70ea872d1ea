//! Validation problems: what is wrong with which field of the input, collected so that one answer
//! lists every problem at once.

use serde::Serialize;

/// Why a single value was refused. The field it belongs to is added by [`FieldErrors`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidValue {
    #[error("is required")]
    Missing,
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {max} characters long")]
    TooLong { max: usize },
    #[error("must be at least {min} characters long")]
    TooShort { min: usize },
    #[error("must not contain control characters")]
    ControlCharacter,
    #[error("must have between {min} and {max} entries")]
    Count { min: usize, max: usize },
    #[error("{0}")]
    Invalid(String),
}

impl InvalidValue {
    pub fn invalid(message: impl Into<String>) -> Self {
        InvalidValue::Invalid(message.into())
    }
}

/// One problem with one field. `field` is a path like `speaker.name` or `rooms[1].name`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Collects the problems of one input.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        FieldErrors::default()
    }

    pub fn add(&mut self, field: impl Into<String>, problem: InvalidValue) {
        self.0.push(FieldError::new(field, problem.to_string()));
    }

    /// Keeps the value, or records why it was refused.
    pub fn check<T>(
        &mut self,
        field: impl Into<String>,
        parsed: Result<T, InvalidValue>,
    ) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(problem) => {
                self.add(field, problem);
                None
            }
        }
    }

    /// A required value: `None` is recorded as missing.
    pub fn required<R, T>(
        &mut self,
        field: impl Into<String>,
        raw: Option<R>,
        parse: impl FnOnce(R) -> Result<T, InvalidValue>,
    ) -> Option<T> {
        match raw {
            Some(raw) => self.check(field, parse(raw)),
            None => {
                self.add(field, InvalidValue::Missing);
                None
            }
        }
    }

    /// An optional value: absent gives `Some(None)`, present and valid `Some(Some(value))`,
    /// present and refused `None` (with the problem recorded), like [`FieldErrors::required`].
    pub fn optional<R, T>(
        &mut self,
        field: impl Into<String>,
        raw: Option<R>,
        parse: impl FnOnce(R) -> Result<T, InvalidValue>,
    ) -> Option<Option<T>> {
        match raw {
            Some(raw) => self.check(field, parse(raw)).map(Some),
            None => Some(None),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_vec(self) -> Vec<FieldError> {
        self.0
    }
}
