//! The template document: its top-level sections and resources, read from JSON in long form.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::for_each::{ForEachError, expand_map};
use super::globals::apply_globals;
use super::yaml::{YamlError, parse_cloudformation_yaml};

/// Why a template could not be read.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("cannot read the template {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Yaml { path: PathBuf, source: YamlError },
    #[error("{path}: {message}")]
    Shape { path: PathBuf, message: String },
    #[error("{path}: `{section}`: {source}")]
    ForEach {
        path: PathBuf,
        section: &'static str,
        source: ForEachError,
    },
}

/// A declared parameter (`Parameters.<Name>`).
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterDecl {
    pub name: String,
    /// `String`, `Number`, `CommaDelimitedList`, `List<Number>`, `AWS::...` ...
    pub parameter_type: String,
    /// The default as CloudFormation sees it: always a string (numbers are written as text).
    pub default: Option<String>,
    pub allowed_values: Vec<String>,
}

/// A declared resource (`Resources.<LogicalId>`), properties still unresolved.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceDecl {
    pub logical_id: String,
    pub resource_type: String,
    pub properties: Map<String, Value>,
    pub metadata: Map<String, Value>,
    pub condition: Option<String>,
    pub depends_on: Vec<String>,
}

/// A SAM/CloudFormation template with SAM's `Globals` already merged into its resources.
#[derive(Debug, Clone)]
pub struct Template {
    /// Where it was read from; relative paths in it (`CodeUri`) start at its folder.
    pub path: PathBuf,
    pub parameters: BTreeMap<String, ParameterDecl>,
    pub mappings: Map<String, Value>,
    pub conditions: Map<String, Value>,
    pub metadata: Map<String, Value>,
    /// SAM's `Globals`, kept for resources SAM creates implicitly (`ServerlessHttpApi`).
    pub globals: Map<String, Value>,
    pub resources: BTreeMap<String, ResourceDecl>,
}

impl Template {
    /// Reads and parses the template at `path`.
    pub fn load(path: &Path) -> Result<Self, TemplateError> {
        let text = std::fs::read_to_string(path).map_err(|source| TemplateError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(path, &text)
    }

    /// Parses `text` as the template found at `path`.
    pub fn parse(path: &Path, text: &str) -> Result<Self, TemplateError> {
        let document = parse_cloudformation_yaml(text).map_err(|source| TemplateError::Yaml {
            path: path.to_owned(),
            source,
        })?;
        let shape = |message: String| TemplateError::Shape {
            path: path.to_owned(),
            message,
        };
        let Value::Object(document) = document else {
            return Err(shape("the template is not a mapping".into()));
        };

        let section = |name: &str| -> Result<Map<String, Value>, TemplateError> {
            match document.get(name) {
                None | Some(Value::Null) => Ok(Map::new()),
                Some(Value::Object(map)) => Ok(map.clone()),
                Some(_) => Err(shape(format!("`{name}` must be a mapping"))),
            }
        };

        let mut parameters = BTreeMap::new();
        for (name, decl) in section("Parameters")? {
            parameters.insert(name.clone(), parameter_decl(&name, &decl).map_err(shape)?);
        }

        // The sections where AWS::LanguageExtensions allows Fn::ForEach, as the transform leaves them.
        let expanded = |name: &'static str| -> Result<Map<String, Value>, TemplateError> {
            expand_map(&section(name)?).map_err(|source| TemplateError::ForEach {
                path: path.to_owned(),
                section: name,
                source,
            })
        };

        let globals = section("Globals")?;
        let mut resources = BTreeMap::new();
        let declared = expanded("Resources")?;
        if declared.is_empty() {
            return Err(shape("the template declares no `Resources`".into()));
        }
        for (logical_id, decl) in declared {
            let resource = resource_decl(&logical_id, decl).map_err(shape)?;
            resources.insert(logical_id, resource);
        }
        apply_globals(&globals, &mut resources).map_err(shape)?;

        Ok(Template {
            path: path.to_owned(),
            parameters,
            mappings: section("Mappings")?,
            conditions: expanded("Conditions")?,
            metadata: section("Metadata")?,
            globals,
            resources,
        })
    }

    /// The folder the template lives in.
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    /// Resources of one type, in logical-id order.
    pub fn resources_of_type<'a>(
        &'a self,
        resource_type: &'a str,
    ) -> impl Iterator<Item = &'a ResourceDecl> + 'a {
        self.resources
            .values()
            .filter(move |r| r.resource_type == resource_type)
    }
}

fn parameter_decl(name: &str, decl: &Value) -> Result<ParameterDecl, String> {
    let Value::Object(decl) = decl else {
        return Err(format!("parameter `{name}` must be a mapping"));
    };
    let parameter_type = match decl.get("Type") {
        Some(Value::String(t)) => t.clone(),
        _ => return Err(format!("parameter `{name}` needs a `Type`")),
    };
    let default = match decl.get("Default") {
        None | Some(Value::Null) => None,
        Some(value) => Some(
            scalar_text(value)
                .ok_or_else(|| format!("the `Default` of parameter `{name}` must be a scalar"))?,
        ),
    };
    let allowed_values = match decl.get("AllowedValues") {
        None => Vec::new(),
        Some(Value::Array(values)) => values
            .iter()
            .map(|v| {
                scalar_text(v).ok_or_else(|| {
                    format!("the `AllowedValues` of parameter `{name}` must be scalars")
                })
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(format!("`AllowedValues` of `{name}` must be a list")),
    };
    Ok(ParameterDecl {
        name: name.to_owned(),
        parameter_type,
        default,
        allowed_values,
    })
}

fn resource_decl(logical_id: &str, decl: Value) -> Result<ResourceDecl, String> {
    let Value::Object(mut decl) = decl else {
        return Err(format!("resource `{logical_id}` must be a mapping"));
    };
    let resource_type = match decl.remove("Type") {
        Some(Value::String(t)) => t,
        _ => return Err(format!("resource `{logical_id}` needs a string `Type`")),
    };
    let object = |decl: &mut Map<String, Value>, key: &str| match decl.remove(key) {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(map)) => Ok(map),
        Some(_) => Err(format!(
            "`{key}` of resource `{logical_id}` must be a mapping"
        )),
    };
    let properties = object(&mut decl, "Properties")?;
    let metadata = object(&mut decl, "Metadata")?;
    let condition = match decl.remove("Condition") {
        None => None,
        Some(Value::String(c)) => Some(c),
        Some(_) => return Err(format!("`Condition` of `{logical_id}` must be a name")),
    };
    let depends_on = match decl.remove("DependsOn") {
        None => Vec::new(),
        Some(Value::String(d)) => vec![d],
        Some(Value::Array(items)) => items
            .into_iter()
            .map(|item| match item {
                Value::String(d) => Ok(d),
                _ => Err(format!("`DependsOn` of `{logical_id}` must list names")),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(format!(
                "`DependsOn` of `{logical_id}` must be a name or a list"
            ));
        }
    };
    Ok(ResourceDecl {
        logical_id: logical_id.to_owned(),
        resource_type,
        properties,
        metadata,
        condition,
        depends_on,
    })
}

/// A scalar as CloudFormation passes it around: text.
pub(crate) fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Template, TemplateError> {
        Template::parse(Path::new("/tmp/t/template.yaml"), text)
    }

    #[test]
    fn reads_sections_and_resources() {
        let template = parse(
            "Parameters:\n  Size:\n    Type: Number\n    Default: 10\n    AllowedValues: [10, 20]\n\
             Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Condition: IsProd\n    DependsOn: T\n  T:\n    Type: AWS::SNS::Topic\n",
        )
        .expect("parses");
        assert_eq!(template.dir(), Path::new("/tmp/t"));
        let size = &template.parameters["Size"];
        assert_eq!(size.default.as_deref(), Some("10"));
        assert_eq!(size.allowed_values, vec!["10", "20"]);
        let q = &template.resources["Q"];
        assert_eq!(q.condition.as_deref(), Some("IsProd"));
        assert_eq!(q.depends_on, vec!["T"]);
        assert!(template.resources["T"].properties.is_empty());
    }

    #[test]
    fn loops_in_resources_and_conditions_are_expanded() {
        let template = parse(
            "Conditions:\n  Fn::ForEach::C: [S, [dev, prod], {'Is${S}': !Equals [!Ref Stage, '${S}']}]\n\
             Resources:\n  F: {Type: AWS::Serverless::Function}\n  \
             Fn::ForEach::A: [Fn, [F], {'${Fn}Alarm': {Type: AWS::CloudWatch::Alarm, Condition: Isprod}}]\n",
        )
        .expect("parses");
        assert_eq!(
            template.resources.keys().collect::<Vec<_>>(),
            ["F", "FAlarm"]
        );
        assert_eq!(
            template.resources["FAlarm"].condition.as_deref(),
            Some("Isprod")
        );
        assert_eq!(
            template.conditions.keys().collect::<Vec<_>>(),
            ["Isdev", "Isprod"]
        );
        let err = parse("Resources:\n  Fn::ForEach::A: [X, [a], {Fixed: {Type: T}}]\n")
            .expect_err("rejected");
        assert!(err.to_string().contains("`Resources`"), "{err}");
    }

    #[test]
    fn malformed_templates_are_errors() {
        for text in [
            "just text",
            "Resources: {}",
            "Resources:\n  Q:\n    Properties: {}",
            "Resources:\n  Q:\n    Type: X\n    Properties: [1]",
            "Parameters:\n  P: {Default: x}\nResources:\n  Q: {Type: X}",
        ] {
            let err = parse(text).expect_err(text);
            assert!(err.to_string().starts_with("/tmp/t/template.yaml"), "{err}");
        }
    }
}
