//! Evaluation of CloudFormation's intrinsic functions (long form) against the parameters, the
//! conditions and the resources of the local stack.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::{Map, Value};

use super::parameters::{ParameterValues, StackSettings};

/// Why a value in the template could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    #[error("`{0}` is neither a parameter, a pseudo parameter nor a resource of the template")]
    UnknownReference(String),
    #[error("resource `{resource}` ({reason}), so `{what}` has no local value")]
    NotAvailable {
        resource: String,
        what: String,
        reason: String,
    },
    #[error("`{resource}` has no attribute `{attribute}` locally (known: {known})")]
    UnknownAttribute {
        resource: String,
        attribute: String,
        known: String,
    },
    #[error("condition `{0}` is not declared in `Conditions`")]
    UnknownCondition(String),
    #[error("mapping `{0}` has no entry for that key")]
    MissingMapping(String),
    #[error("{function}: {message}")]
    Shape {
        function: &'static str,
        message: String,
    },
    #[error("`{0}` is not supported by the local stack")]
    Unsupported(String),
    #[error("conditions refer to each other in a cycle: {0}")]
    ConditionCycle(String),
}

fn shape(function: &'static str, message: impl Into<String>) -> ResolveError {
    ResolveError::Shape {
        function,
        message: message.into(),
    }
}

/// Where `Ref` and `Fn::GetAtt` find the values of resources.
pub trait ResourceLookup {
    /// The value of `!Ref logical_id`; `None` when the template has no such resource.
    fn reference(&self, logical_id: &str) -> Option<Result<Value, ResolveError>>;
    /// The value of `!GetAtt logical_id.attribute`; `None` when there is no such resource.
    fn attribute(&self, logical_id: &str, attribute: &str) -> Option<Result<Value, ResolveError>>;
}

/// A lookup that knows no resources (for `Conditions`, which may not refer to any).
pub struct NoResources;

impl ResourceLookup for NoResources {
    fn reference(&self, _: &str) -> Option<Result<Value, ResolveError>> {
        None
    }
    fn attribute(&self, _: &str, _: &str) -> Option<Result<Value, ResolveError>> {
        None
    }
}

/// Everything a [`Resolver`] needs besides the resources.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    pub stack: &'a StackSettings,
    pub parameters: &'a ParameterValues,
    pub conditions: &'a BTreeMap<String, bool>,
    pub mappings: &'a Map<String, Value>,
}

impl<'a> Scope<'a> {
    /// A resolver that finds resources in `resources`.
    pub fn with<'b>(&self, resources: &'b dyn ResourceLookup) -> Resolver<'b>
    where
        'a: 'b,
    {
        Resolver {
            stack: self.stack,
            parameters: self.parameters,
            conditions: self.conditions,
            mappings: self.mappings,
            resources,
        }
    }
}

/// Resolves template values in one context.
pub struct Resolver<'a> {
    pub stack: &'a StackSettings,
    pub parameters: &'a ParameterValues,
    pub conditions: &'a BTreeMap<String, bool>,
    pub mappings: &'a Map<String, Value>,
    pub resources: &'a dyn ResourceLookup,
}

impl Resolver<'_> {
    /// Resolves `value`; `None` means `AWS::NoValue` (the property is to be left out).
    pub fn resolve(&self, value: &Value) -> Result<Option<Value>, ResolveError> {
        match value {
            Value::Object(map) => {
                if let Some((name, args)) = intrinsic(map) {
                    return self.call(name, args);
                }
                let mut out = Map::new();
                for (key, item) in map {
                    if let Some(resolved) = self.resolve(item)? {
                        out.insert(key.clone(), resolved);
                    }
                }
                Ok(Some(Value::Object(out)))
            }
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    if let Some(resolved) = self.resolve(item)? {
                        out.push(resolved);
                    }
                }
                Ok(Some(Value::Array(out)))
            }
            other => Ok(Some(other.clone())),
        }
    }

    /// Resolves every entry of a property mapping, leaving out `AWS::NoValue`s.
    pub fn resolve_map(
        &self,
        map: &Map<String, Value>,
    ) -> Result<Map<String, Value>, ResolveError> {
        let mut out = Map::new();
        for (key, item) in map {
            if let Some(resolved) = self.resolve(item)? {
                out.insert(key.clone(), resolved);
            }
        }
        Ok(out)
    }

    /// Resolves `value` where a value is required (`AWS::NoValue` is an error there).
    pub fn resolve_required(
        &self,
        function: &'static str,
        value: &Value,
    ) -> Result<Value, ResolveError> {
        self.resolve(value)?
            .ok_or_else(|| shape(function, "AWS::NoValue where a value is required"))
    }

    /// Evaluates a condition expression (`Fn::Equals`, `Fn::And`, `{"Condition": ..}` ...).
    pub fn condition(&self, value: &Value) -> Result<bool, ResolveError> {
        let Value::Object(map) = value else {
            return match value {
                Value::Bool(b) => Ok(*b),
                Value::String(s) if s == "true" => Ok(true),
                Value::String(s) if s == "false" => Ok(false),
                _ => Err(shape("Condition", format!("{value} is not a condition"))),
            };
        };
        if let Some(Value::String(name)) = map.get("Condition").filter(|_| map.len() == 1) {
            return self.named_condition(name);
        }
        match self.resolve(value)? {
            Some(Value::Bool(b)) => Ok(b),
            Some(Value::String(s)) if s == "true" => Ok(true),
            Some(Value::String(s)) if s == "false" => Ok(false),
            _ => Err(shape("Condition", format!("{value} is not a condition"))),
        }
    }

    fn named_condition(&self, name: &str) -> Result<bool, ResolveError> {
        self.conditions
            .get(name)
            .copied()
            .ok_or_else(|| ResolveError::UnknownCondition(name.to_owned()))
    }

    fn call(&self, name: &str, args: &Value) -> Result<Option<Value>, ResolveError> {
        match name {
            "Ref" => self.reference(args),
            "Fn::GetAtt" => self.get_att(args).map(Some),
            "Fn::Sub" => self.sub(args).map(|s| Some(Value::String(s))),
            "Fn::Join" => self.join(args).map(|s| Some(Value::String(s))),
            "Fn::Select" => self.select(args),
            "Fn::Split" => self.split(args).map(Some),
            "Fn::If" => self.fn_if(args),
            "Fn::Equals" => self.equals(args).map(|b| Some(Value::Bool(b))),
            "Fn::Not" => self.not(args).map(|b| Some(Value::Bool(b))),
            "Fn::And" => self
                .all_any(args, "Fn::And", true)
                .map(|b| Some(Value::Bool(b))),
            "Fn::Or" => self
                .all_any(args, "Fn::Or", false)
                .map(|b| Some(Value::Bool(b))),
            "Fn::FindInMap" => self.find_in_map(args).map(Some),
            "Fn::GetAZs" => self.get_azs(args).map(Some),
            "Fn::Base64" => {
                let text = self.text("Fn::Base64", args)?;
                Ok(Some(
                    base64::engine::general_purpose::STANDARD
                        .encode(text)
                        .into(),
                ))
            }
            other => Err(ResolveError::Unsupported(other.to_owned())),
        }
    }

    fn reference(&self, args: &Value) -> Result<Option<Value>, ResolveError> {
        let name = match args {
            Value::String(name) => name.clone(),
            // AWS::LanguageExtensions lets a function name the logical id (`Ref: !Sub ...`).
            Value::Object(_) => self.text("Ref", args)?,
            _ => return Err(shape("Ref", format!("expects a name, found {args}"))),
        };
        if name == "AWS::NoValue" {
            return Ok(None);
        }
        self.lookup_name(&name).map(Some)
    }

    fn lookup_name(&self, name: &str) -> Result<Value, ResolveError> {
        if let Some(value) = self.stack.pseudo_parameter(name) {
            return Ok(value);
        }
        if let Some(value) = self.parameters.get(name) {
            return Ok(value.clone());
        }
        match self.resources.reference(name) {
            Some(result) => result,
            None => Err(ResolveError::UnknownReference(name.to_owned())),
        }
    }

    fn get_att(&self, args: &Value) -> Result<Value, ResolveError> {
        let (resource, attribute) = match args {
            Value::Array(items) if items.len() == 2 => {
                let resource = match &items[0] {
                    Value::String(r) => r.clone(),
                    // As in `Ref`: a function may name the logical id (AWS::LanguageExtensions).
                    named @ Value::Object(_) => self.text("Fn::GetAtt", named)?,
                    other => {
                        return Err(shape(
                            "Fn::GetAtt",
                            format!("resource {other} is not a name"),
                        ));
                    }
                };
                let attribute = self.text("Fn::GetAtt", &items[1])?;
                (resource, attribute)
            }
            Value::String(s) => match s.split_once('.') {
                Some((r, a)) => (r.to_owned(), a.to_owned()),
                None => {
                    return Err(shape(
                        "Fn::GetAtt",
                        format!("`{s}` is not Resource.Attribute"),
                    ));
                }
            },
            other => {
                return Err(shape(
                    "Fn::GetAtt",
                    format!("expects [Resource, Attribute], found {other}"),
                ));
            }
        };
        self.attribute(&resource, &attribute)
    }

    fn attribute(&self, resource: &str, attribute: &str) -> Result<Value, ResolveError> {
        match self.resources.attribute(resource, attribute) {
            Some(result) => result,
            None => Err(ResolveError::UnknownReference(format!(
                "{resource}.{attribute}"
            ))),
        }
    }

    fn sub(&self, args: &Value) -> Result<String, ResolveError> {
        let (text, variables) = match args {
            Value::String(text) => (text.as_str(), Map::new()),
            Value::Array(items) if items.len() == 2 => {
                let Value::String(text) = &items[0] else {
                    return Err(shape("Fn::Sub", "the first item must be a string"));
                };
                let Value::Object(vars) = &items[1] else {
                    return Err(shape(
                        "Fn::Sub",
                        "the second item must be a mapping of variables",
                    ));
                };
                (text.as_str(), self.resolve_map(vars)?)
            }
            other => {
                return Err(shape(
                    "Fn::Sub",
                    format!("expects a string or [string, variables], found {other}"),
                ));
            }
        };
        substitute(text, |name| {
            if let Some(value) = variables.get(name) {
                return scalar("Fn::Sub", value);
            }
            let value = match name.split_once('.') {
                Some((resource, attribute)) if !name.starts_with("AWS::") => {
                    self.attribute(resource, attribute)?
                }
                _ => self.lookup_name(name)?,
            };
            scalar("Fn::Sub", &value)
        })
    }

    fn join(&self, args: &Value) -> Result<String, ResolveError> {
        let Value::Array(items) = args else {
            return Err(shape("Fn::Join", "expects [delimiter, [values]]"));
        };
        let [delimiter, values] = items.as_slice() else {
            return Err(shape("Fn::Join", "expects [delimiter, [values]]"));
        };
        let delimiter = self.text("Fn::Join", delimiter)?;
        let values = self.list("Fn::Join", values)?;
        let parts = values
            .iter()
            .map(|v| scalar("Fn::Join", v))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(parts.join(&delimiter))
    }

    fn select(&self, args: &Value) -> Result<Option<Value>, ResolveError> {
        let Value::Array(items) = args else {
            return Err(shape("Fn::Select", "expects [index, [values]]"));
        };
        let [index, values] = items.as_slice() else {
            return Err(shape("Fn::Select", "expects [index, [values]]"));
        };
        let index_text = self.text("Fn::Select", index)?;
        let index: usize = index_text.trim().parse().map_err(|_| {
            shape(
                "Fn::Select",
                format!("index `{index_text}` is not a whole number"),
            )
        })?;
        let values = self.list("Fn::Select", values)?;
        values.get(index).cloned().map(Some).ok_or_else(|| {
            shape(
                "Fn::Select",
                format!("index {index} is past the {} values", values.len()),
            )
        })
    }

    fn split(&self, args: &Value) -> Result<Value, ResolveError> {
        let Value::Array(items) = args else {
            return Err(shape("Fn::Split", "expects [delimiter, string]"));
        };
        let [delimiter, source] = items.as_slice() else {
            return Err(shape("Fn::Split", "expects [delimiter, string]"));
        };
        let delimiter = self.text("Fn::Split", delimiter)?;
        if delimiter.is_empty() {
            return Err(shape("Fn::Split", "the delimiter is empty"));
        }
        let source = self.text("Fn::Split", source)?;
        Ok(Value::Array(
            source
                .split(delimiter.as_str())
                .map(|s| Value::String(s.to_owned()))
                .collect(),
        ))
    }

    fn fn_if(&self, args: &Value) -> Result<Option<Value>, ResolveError> {
        let Value::Array(items) = args else {
            return Err(shape(
                "Fn::If",
                "expects [condition, value if true, value if false]",
            ));
        };
        let [condition, when_true, when_false] = items.as_slice() else {
            return Err(shape(
                "Fn::If",
                "expects [condition, value if true, value if false]",
            ));
        };
        let Value::String(condition) = condition else {
            return Err(shape("Fn::If", "the first item must name a condition"));
        };
        if self.named_condition(condition)? {
            self.resolve(when_true)
        } else {
            self.resolve(when_false)
        }
    }

    fn equals(&self, args: &Value) -> Result<bool, ResolveError> {
        let Value::Array(items) = args else {
            return Err(shape("Fn::Equals", "expects [a, b]"));
        };
        let [a, b] = items.as_slice() else {
            return Err(shape("Fn::Equals", "expects [a, b]"));
        };
        let a = self.resolve_required("Fn::Equals", a)?;
        let b = self.resolve_required("Fn::Equals", b)?;
        // CloudFormation compares scalars as text: `!Equals [1, "1"]` holds.
        Ok(match (scalar("Fn::Equals", &a), scalar("Fn::Equals", &b)) {
            (Ok(a), Ok(b)) => a == b,
            _ => a == b,
        })
    }

    fn not(&self, args: &Value) -> Result<bool, ResolveError> {
        match args {
            Value::Array(items) if items.len() == 1 => Ok(!self.condition(&items[0])?),
            _ => Err(shape("Fn::Not", "expects [condition]")),
        }
    }

    fn all_any(
        &self,
        args: &Value,
        function: &'static str,
        all: bool,
    ) -> Result<bool, ResolveError> {
        let Value::Array(items) = args else {
            return Err(shape(function, "expects a list of conditions"));
        };
        if items.len() < 2 || items.len() > 10 {
            return Err(shape(function, "takes between 2 and 10 conditions"));
        }
        let mut result = all;
        for item in items {
            let value = self.condition(item)?;
            result = if all {
                result && value
            } else {
                result || value
            };
        }
        Ok(result)
    }

    fn find_in_map(&self, args: &Value) -> Result<Value, ResolveError> {
        let Value::Array(items) = args else {
            return Err(shape(
                "Fn::FindInMap",
                "expects [map, top-level key, second-level key]",
            ));
        };
        let [map, top, second] = items.as_slice() else {
            return Err(shape(
                "Fn::FindInMap",
                "expects [map, top-level key, second-level key]",
            ));
        };
        let map = self.text("Fn::FindInMap", map)?;
        let top = self.text("Fn::FindInMap", top)?;
        let second = self.text("Fn::FindInMap", second)?;
        self.mappings
            .get(&map)
            .and_then(|m| m.get(&top))
            .and_then(|m| m.get(&second))
            .cloned()
            .ok_or_else(|| ResolveError::MissingMapping(format!("{map}.{top}.{second}")))
    }

    fn get_azs(&self, args: &Value) -> Result<Value, ResolveError> {
        let region = self.text("Fn::GetAZs", args)?;
        let region = if region.is_empty() {
            self.stack.region.clone()
        } else {
            region
        };
        Ok(Value::Array(
            ["a", "b", "c"]
                .iter()
                .map(|zone| Value::String(format!("{region}{zone}")))
                .collect(),
        ))
    }

    /// Resolves `value` to text (a scalar).
    fn text(&self, function: &'static str, value: &Value) -> Result<String, ResolveError> {
        scalar(function, &self.resolve_required(function, value)?)
    }

    /// Resolves `value` to a list.
    fn list(&self, function: &'static str, value: &Value) -> Result<Vec<Value>, ResolveError> {
        match self.resolve_required(function, value)? {
            Value::Array(items) => Ok(items),
            other => Err(shape(function, format!("expects a list, found {other}"))),
        }
    }
}

/// `{"Ref": ..}`, `{"Fn::X": ..}`: the function's name and arguments.
fn intrinsic(map: &Map<String, Value>) -> Option<(&str, &Value)> {
    if map.len() != 1 {
        return None;
    }
    let (key, args) = map.iter().next()?;
    (key == "Ref" || key.starts_with("Fn::")).then_some((key.as_str(), args))
}

/// A resolved scalar as text.
fn scalar(function: &'static str, value: &Value) -> Result<String, ResolveError> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(shape(
            function,
            format!("expects a single value, found {other}"),
        )),
    }
}

/// Replaces each `${name}` in `text` through `lookup`; `${!literal}` stands for `${literal}`.
fn substitute(
    text: &str,
    mut lookup: impl FnMut(&str) -> Result<String, ResolveError>,
) -> Result<String, ResolveError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            return Err(shape(
                "Fn::Sub",
                format!("`${{` without a closing `}}` in `{text}`"),
            ));
        };
        let name = &after[..end];
        if let Some(literal) = name.strip_prefix('!') {
            out.push_str("${");
            out.push_str(literal);
            out.push('}');
        } else {
            out.push_str(&lookup(name.trim())?);
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::model::ParameterDecl;
    use crate::template::yaml::parse_cloudformation_yaml;
    use serde_json::json;

    struct FakeResources;

    impl ResourceLookup for FakeResources {
        fn reference(&self, id: &str) -> Option<Result<Value, ResolveError>> {
            match id {
                "Table" => Some(Ok(json!("cfp-local-Table-ABC"))),
                "Alarm" => Some(Err(ResolveError::NotAvailable {
                    resource: "Alarm".into(),
                    what: "!Ref Alarm".into(),
                    reason: "AWS::CloudWatch::Alarm is not created locally".into(),
                })),
                _ => None,
            }
        }
        fn attribute(&self, id: &str, attr: &str) -> Option<Result<Value, ResolveError>> {
            match (id, attr) {
                ("Table", "Arn") => Some(Ok(json!(
                    "arn:aws:dynamodb:eu-central-1:123456789012:table/t"
                ))),
                ("Table", other) => Some(Err(ResolveError::UnknownAttribute {
                    resource: "Table".into(),
                    attribute: other.into(),
                    known: "Arn".into(),
                })),
                _ => None,
            }
        }
    }

    fn parameters() -> ParameterValues {
        let declared = [
            ("Stage", "String", "dev"),
            (
                "Origins",
                "CommaDelimitedList",
                "https://a.example, https://b.example",
            ),
        ]
        .into_iter()
        .map(|(n, t, d)| {
            (
                n.to_owned(),
                ParameterDecl {
                    name: n.into(),
                    parameter_type: t.into(),
                    default: Some(d.into()),
                    allowed_values: vec![],
                },
            )
        })
        .collect();
        ParameterValues::resolve(&declared, &[]).expect("parameters")
    }

    fn resolve_yaml(
        yaml: &str,
        conditions: &[(&str, bool)],
    ) -> Result<Option<Value>, ResolveError> {
        let value = parse_cloudformation_yaml(yaml).expect("yaml");
        let stack = StackSettings::default();
        let parameters = parameters();
        let conditions: BTreeMap<String, bool> = conditions
            .iter()
            .map(|(n, b)| ((*n).to_owned(), *b))
            .collect();
        let mappings = parse_cloudformation_yaml("Env: {dev: {Size: 1}, prod: {Size: 5}}")
            .expect("yaml")
            .as_object()
            .cloned()
            .expect("map");
        let resolver = Resolver {
            stack: &stack,
            parameters: &parameters,
            conditions: &conditions,
            mappings: &mappings,
            resources: &FakeResources,
        };
        resolver.resolve(&value)
    }

    fn ok(yaml: &str) -> Value {
        resolve_yaml(yaml, &[("IsProd", false), ("IsDev", true)])
            .expect("resolves")
            .expect("has a value")
    }

    #[test]
    fn sub_with_pseudo_parameters_resources_and_attributes() {
        assert_eq!(
            ok("!Sub 'https://cognito-idp.${AWS::Region}.amazonaws.com/${Table}'"),
            json!("https://cognito-idp.eu-central-1.amazonaws.com/cfp-local-Table-ABC")
        );
        assert_eq!(
            ok(
                "!Sub 'arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${Stage}'"
            ),
            json!("arn:aws:ses:eu-central-1:123456789012:identity/dev")
        );
        assert_eq!(
            ok("!Sub '${Table.Arn}/stream'"),
            json!("arn:aws:dynamodb:eu-central-1:123456789012:table/t/stream")
        );
        assert_eq!(
            ok("!Sub ['${Name}-${!Literal}', {Name: !Ref Stage}]"),
            json!("dev-${Literal}")
        );
    }

    #[test]
    fn join_split_select_and_lists() {
        assert_eq!(
            ok("!Join ['|', !Ref Origins]"),
            json!("https://a.example|https://b.example")
        );
        assert_eq!(
            ok("!Ref Origins"),
            json!(["https://a.example", "https://b.example"])
        );
        assert_eq!(ok("!Join ['', [a, !Ref Stage, 1]]"), json!("adev1"));
        assert_eq!(ok("!Select [1, !Split [',', 'x,y,z']]"), json!("y"));
        assert_eq!(ok("!Select ['0', !GetAZs '']"), json!("eu-central-1a"));
        assert_eq!(ok("!Base64 hi"), json!("aGk="));
    }

    #[test]
    fn if_conditions_and_no_value() {
        assert_eq!(ok("!If [IsProd, big, small]"), json!("small"));
        assert_eq!(
            ok(
                "{A: !If [IsProd, 1, !Ref 'AWS::NoValue'], B: [x, !If [IsDev, !Ref 'AWS::NoValue', y]]}"
            ),
            json!({"B": ["x"]})
        );
        assert_eq!(ok("!Equals [!Ref Stage, dev]"), json!(true));
        assert_eq!(ok("!Equals [1, '1']"), json!(true));
        assert_eq!(ok("!Not [!Condition IsDev]"), json!(false));
        assert_eq!(ok("!And [!Condition IsDev, !Equals [a, a]]"), json!(true));
        assert_eq!(ok("!Or [!Condition IsProd, !Equals [a, b]]"), json!(false));
        assert_eq!(ok("!FindInMap [Env, !Ref Stage, Size]"), json!(1));
    }

    #[test]
    fn ref_and_get_att_may_compute_the_logical_id() {
        assert_eq!(ok("{Ref: !Sub 'Table'}"), json!("cfp-local-Table-ABC"));
        assert_eq!(
            ok("{Ref: !Join ['', [Ta, ble]]}"),
            json!("cfp-local-Table-ABC")
        );
        assert_eq!(
            ok("!GetAtt [!Sub 'Table', Arn]"),
            json!("arn:aws:dynamodb:eu-central-1:123456789012:table/t")
        );
        let err = resolve_yaml("{Ref: !Sub 'No${Stage}'}", &[]).unwrap_err();
        assert_eq!(err, ResolveError::UnknownReference("Nodev".into()));
        assert!(resolve_yaml("{Ref: !Split [',', 'a,b']}", &[]).is_err());
    }

    #[test]
    fn unresolvable_references_name_what_is_missing() {
        let err = resolve_yaml("!Ref Nope", &[]).unwrap_err();
        assert_eq!(err, ResolveError::UnknownReference("Nope".into()));
        assert!(err.to_string().contains("Nope"));
        let err = resolve_yaml("!GetAtt Nope.Arn", &[]).unwrap_err();
        assert!(err.to_string().contains("Nope.Arn"), "{err}");
        let err = resolve_yaml("!Sub '${Table.Bogus}'", &[]).unwrap_err();
        assert!(err.to_string().contains("Bogus"), "{err}");
        let err = resolve_yaml("!Ref Alarm", &[]).unwrap_err();
        assert!(err.to_string().contains("not created locally"), "{err}");
        let err = resolve_yaml("!If [Missing, a, b]", &[]).unwrap_err();
        assert_eq!(err, ResolveError::UnknownCondition("Missing".into()));
    }

    #[test]
    fn malformed_arguments_are_errors_not_panics() {
        for yaml in [
            "!Join [',']",
            "!Join [',', notalist]",
            "!Select [5, [a]]",
            "!Select [x, [a]]",
            "!Split ['', abc]",
            "!Sub '${unclosed'",
            "!Sub [1, 2]",
            "!If [C]",
            "!Equals [a]",
            "!Not [a, b]",
            "!And [!Condition X]",
            "!FindInMap [Env, qa, Size]",
            "!GetAtt [1, 2]",
            "!Ref [a]",
            "!ImportValue Shared",
            "!Sub '${Origins}'",
        ] {
            assert!(
                resolve_yaml(yaml, &[("C", true)]).is_err(),
                "{yaml} should fail"
            );
        }
    }
}
