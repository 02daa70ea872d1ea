//! Typed reads of resolved resource properties, with errors that say which property of which
//! resource is wrong.

use serde_json::{Map, Value};

/// A property of the wrong shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{owner}.{key}: {message}")]
pub struct PropertyError {
    /// e.g. `CfpTable` or `SendEmailFunction.Events.Stream`.
    pub owner: String,
    pub key: String,
    pub message: String,
}

/// A resolved mapping of properties and the name of what it belongs to.
#[derive(Debug, Clone, Copy)]
pub struct Props<'a> {
    owner: &'a str,
    map: &'a Map<String, Value>,
}

impl<'a> Props<'a> {
    pub fn new(owner: &'a str, map: &'a Map<String, Value>) -> Self {
        Props { owner, map }
    }

    pub fn owner(&self) -> &'a str {
        self.owner
    }

    pub fn map(&self) -> &'a Map<String, Value> {
        self.map
    }

    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    pub fn error(&self, key: &str, message: impl Into<String>) -> PropertyError {
        PropertyError {
            owner: self.owner.to_owned(),
            key: key.to_owned(),
            message: message.into(),
        }
    }

    /// A scalar as text (CloudFormation passes numbers and booleans as text as well).
    pub fn string(&self, key: &str) -> Result<Option<String>, PropertyError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(Value::Bool(b)) => Ok(Some(b.to_string())),
            Some(other) => Err(self.error(key, format!("expected a single value, found {other}"))),
        }
    }

    pub fn required_string(&self, key: &str) -> Result<String, PropertyError> {
        self.string(key)?
            .ok_or_else(|| self.error(key, "is required"))
    }

    pub fn i64(&self, key: &str) -> Result<Option<i64>, PropertyError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| self.error(key, format!("expected a whole number, found {n}"))),
            Some(Value::String(s)) => s
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| self.error(key, format!("expected a whole number, found `{s}`"))),
            Some(other) => Err(self.error(key, format!("expected a whole number, found {other}"))),
        }
    }

    /// A whole number that may not be negative.
    pub fn u64(&self, key: &str) -> Result<Option<u64>, PropertyError> {
        match self.i64(key)? {
            None => Ok(None),
            Some(n) => u64::try_from(n)
                .map(Some)
                .map_err(|_| self.error(key, format!("may not be negative, found {n}"))),
        }
    }

    pub fn bool(&self, key: &str) -> Result<Option<bool>, PropertyError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(other) => Err(self.error(key, format!("expected true or false, found {other}"))),
        }
    }

    /// A list of SDK enum values (from their names), `None` when empty or absent: the shape the
    /// SDK builders' `set_*` methods take for optional lists.
    pub fn enum_list<T: for<'s> From<&'s str>>(
        &self,
        key: &str,
    ) -> Result<Option<Vec<T>>, PropertyError> {
        let values = self.strings(key)?;
        Ok((!values.is_empty()).then(|| values.iter().map(|v| T::from(v.as_str())).collect()))
    }

    /// A list of scalars; a single scalar counts as a list of one.
    pub fn strings(&self, key: &str) -> Result<Vec<String>, PropertyError> {
        match self.get(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| match item {
                    Value::String(s) => Ok(s.clone()),
                    Value::Number(n) => Ok(n.to_string()),
                    Value::Bool(b) => Ok(b.to_string()),
                    other => {
                        Err(self.error(key, format!("expected a list of values, found {other}")))
                    }
                })
                .collect(),
            Some(_) => Ok(self.string(key)?.into_iter().collect()),
        }
    }

    pub fn object(&self, key: &str) -> Result<Option<&'a Map<String, Value>>, PropertyError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Object(map)) => Ok(Some(map)),
            Some(other) => Err(self.error(key, format!("expected a mapping, found {other}"))),
        }
    }

    pub fn objects(&self, key: &str) -> Result<Vec<&'a Map<String, Value>>, PropertyError> {
        match self.get(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| match item {
                    Value::Object(map) => Ok(map),
                    other => {
                        Err(self.error(key, format!("expected a list of mappings, found {other}")))
                    }
                })
                .collect(),
            Some(other) => Err(self.error(key, format!("expected a list, found {other}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn typed_reads_accept_cloudformation_text_forms() {
        let map = json!({"n": "10", "b": "true", "s": 5, "l": "one", "ll": [1, "a"], "neg": -1})
            .as_object()
            .cloned()
            .expect("map");
        let props = Props::new("Res", &map);
        assert_eq!(props.i64("n"), Ok(Some(10)));
        assert_eq!(props.bool("b"), Ok(Some(true)));
        assert_eq!(props.string("s"), Ok(Some("5".into())));
        assert_eq!(props.strings("l"), Ok(vec!["one".to_owned()]));
        assert_eq!(
            props.strings("ll"),
            Ok(vec!["1".to_owned(), "a".to_owned()])
        );
        assert_eq!(props.string("missing"), Ok(None));
        let err = props.u64("neg").unwrap_err();
        assert_eq!(err.to_string(), "Res.neg: may not be negative, found -1");
        assert!(props.object("s").is_err());
        assert!(props.required_string("missing").is_err());
    }
}
