//! Parameter values (defaults, overridden from the command line) and the pseudo parameters of the
//! local stack.

use std::collections::BTreeMap;

use serde_json::Value;

use super::model::ParameterDecl;

/// What the local stack is called and where it pretends to live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackSettings {
    pub stack_name: String,
    pub region: String,
    /// moto's account.
    pub account_id: String,
}

impl StackSettings {
    pub const DEFAULT_STACK_NAME: &str = "cfp-local";
    pub const DEFAULT_REGION: &str = "eu-central-1";
    /// The account moto serves by default.
    pub const MOTO_ACCOUNT_ID: &str = "123456789012";

    pub fn partition(&self) -> &'static str {
        if self.region.starts_with("cn-") {
            "aws-cn"
        } else if self.region.starts_with("us-gov-") {
            "aws-us-gov"
        } else {
            "aws"
        }
    }

    pub fn url_suffix(&self) -> &'static str {
        if self.region.starts_with("cn-") {
            "amazonaws.com.cn"
        } else {
            "amazonaws.com"
        }
    }

    /// The value of a pseudo parameter (`AWS::Region` ...); `None` for any other name.
    /// `AWS::NoValue` is handled by the resolver, as it removes rather than yields a value.
    pub fn pseudo_parameter(&self, name: &str) -> Option<Value> {
        Some(match name {
            "AWS::Region" => self.region.clone().into(),
            "AWS::AccountId" => self.account_id.clone().into(),
            "AWS::Partition" => self.partition().into(),
            "AWS::StackName" => self.stack_name.clone().into(),
            "AWS::URLSuffix" => self.url_suffix().into(),
            "AWS::StackId" => format!(
                "arn:{}:cloudformation:{}:{}:stack/{}/00000000-0000-0000-0000-000000000000",
                self.partition(),
                self.region,
                self.account_id,
                self.stack_name
            )
            .into(),
            "AWS::NotificationARNs" => Value::Array(Vec::new()),
            _ => return None,
        })
    }
}

impl Default for StackSettings {
    fn default() -> Self {
        StackSettings {
            stack_name: Self::DEFAULT_STACK_NAME.into(),
            region: Self::DEFAULT_REGION.into(),
            account_id: Self::MOTO_ACCOUNT_ID.into(),
        }
    }
}

/// Why the parameters could not be given values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParameterError {
    #[error("parameter `{0}` has no Default; give it with --parameter-overrides {0}=VALUE")]
    Missing(String),
    #[error("--parameter-overrides names `{0}`, which the template does not declare")]
    Unknown(String),
    #[error("`{0}` is not KEY=VALUE (as in --parameter-overrides Stage=dev)")]
    Malformed(String),
    #[error("parameter `{name}` is `{value}`, not one of its AllowedValues {allowed:?}")]
    NotAllowed {
        name: String,
        value: String,
        allowed: Vec<String>,
    },
    #[error("parameter `{name}` of type Number is `{value}`, not a number")]
    NotANumber { name: String, value: String },
}

/// Every parameter's value, as `Ref` yields it: a string, or a list for list types.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParameterValues(BTreeMap<String, Value>);

impl ParameterValues {
    /// Gives every declared parameter its override or its default.
    pub fn resolve(
        declared: &BTreeMap<String, ParameterDecl>,
        overrides: &[(String, String)],
    ) -> Result<Self, ParameterError> {
        let mut given: BTreeMap<&str, &str> = BTreeMap::new();
        for (key, value) in overrides {
            if !declared.contains_key(key) {
                return Err(ParameterError::Unknown(key.clone()));
            }
            given.insert(key, value);
        }
        let mut values = BTreeMap::new();
        for (name, decl) in declared {
            let text = match given.get(name.as_str()) {
                Some(value) => (*value).to_owned(),
                None => decl
                    .default
                    .clone()
                    .ok_or_else(|| ParameterError::Missing(name.clone()))?,
            };
            values.insert(name.clone(), typed_value(decl, text)?);
        }
        Ok(ParameterValues(values))
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }
}

fn typed_value(decl: &ParameterDecl, text: String) -> Result<Value, ParameterError> {
    let is_list = decl.parameter_type == "CommaDelimitedList"
        || (decl.parameter_type.starts_with("List<") && decl.parameter_type.ends_with('>'));
    if is_list {
        let items: Vec<String> = if text.is_empty() {
            Vec::new()
        } else {
            text.split(',').map(|s| s.trim().to_owned()).collect()
        };
        for item in &items {
            check_allowed(decl, item)?;
        }
        return Ok(Value::Array(items.into_iter().map(Value::String).collect()));
    }
    if decl.parameter_type == "Number" && text.trim().parse::<f64>().is_err() {
        return Err(ParameterError::NotANumber {
            name: decl.name.clone(),
            value: text,
        });
    }
    check_allowed(decl, &text)?;
    Ok(Value::String(text))
}

fn check_allowed(decl: &ParameterDecl, value: &str) -> Result<(), ParameterError> {
    if decl.allowed_values.is_empty() || decl.allowed_values.iter().any(|a| a == value) {
        Ok(())
    } else {
        Err(ParameterError::NotAllowed {
            name: decl.name.clone(),
            value: value.to_owned(),
            allowed: decl.allowed_values.clone(),
        })
    }
}

/// Parses one `KEY=VALUE` of `--parameter-overrides` (the value may contain `=`).
pub fn parse_override(text: &str) -> Result<(String, String), ParameterError> {
    match text.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => {
            Ok((key.trim().to_owned(), value.to_owned()))
        }
        _ => Err(ParameterError::Malformed(text.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn decl(name: &str, parameter_type: &str, default: Option<&str>) -> ParameterDecl {
        ParameterDecl {
            name: name.into(),
            parameter_type: parameter_type.into(),
            default: default.map(Into::into),
            allowed_values: Vec::new(),
        }
    }

    fn declared(decls: Vec<ParameterDecl>) -> BTreeMap<String, ParameterDecl> {
        decls.into_iter().map(|d| (d.name.clone(), d)).collect()
    }

    #[test]
    fn defaults_overrides_and_lists() {
        let declared = declared(vec![
            decl("Sender", "String", Some("example.org")),
            decl("Origins", "CommaDelimitedList", Some("*")),
            decl("Ports", "List<Number>", Some("80, 443")),
            decl("Stage", "String", None),
        ]);
        let values =
            ParameterValues::resolve(&declared, &[("Stage".into(), "dev".into())]).expect("ok");
        assert_eq!(values.get("Sender"), Some(&json!("example.org")));
        assert_eq!(values.get("Origins"), Some(&json!(["*"])));
        assert_eq!(values.get("Ports"), Some(&json!(["80", "443"])));
        assert_eq!(values.get("Stage"), Some(&json!("dev")));
    }

    #[test]
    fn missing_unknown_and_disallowed_values_are_errors() {
        let mut stage = decl("Stage", "String", Some("dev"));
        stage.allowed_values = vec!["dev".into(), "prod".into()];
        let declared = declared(vec![stage, decl("Size", "Number", Some("1"))]);
        assert_eq!(
            ParameterValues::resolve(&declared, &[("Nope".into(), "x".into())]),
            Err(ParameterError::Unknown("Nope".into()))
        );
        assert!(matches!(
            ParameterValues::resolve(&declared, &[("Stage".into(), "qa".into())]),
            Err(ParameterError::NotAllowed { .. })
        ));
        assert!(matches!(
            ParameterValues::resolve(&declared, &[("Size".into(), "big".into())]),
            Err(ParameterError::NotANumber { .. })
        ));
        let needs = self::declared(vec![decl("Stage", "String", None)]);
        assert_eq!(
            ParameterValues::resolve(&needs, &[]),
            Err(ParameterError::Missing("Stage".into()))
        );
    }

    #[test]
    fn overrides_parse() {
        assert_eq!(
            parse_override("A=b=c"),
            Ok(("A".to_owned(), "b=c".to_owned()))
        );
        assert!(parse_override("novalue").is_err());
        assert!(parse_override("=x").is_err());
    }

    #[test]
    fn pseudo_parameters() {
        let stack = StackSettings::default();
        assert_eq!(
            stack.pseudo_parameter("AWS::Region"),
            Some(json!("eu-central-1"))
        );
        assert_eq!(
            stack.pseudo_parameter("AWS::AccountId"),
            Some(json!("123456789012"))
        );
        assert_eq!(stack.pseudo_parameter("AWS::Partition"), Some(json!("aws")));
        assert_eq!(
            stack.pseudo_parameter("AWS::StackName"),
            Some(json!("cfp-local"))
        );
        assert_eq!(
            stack.pseudo_parameter("AWS::URLSuffix"),
            Some(json!("amazonaws.com"))
        );
        assert_eq!(stack.pseudo_parameter("AWS::Nope"), None);
    }
}
