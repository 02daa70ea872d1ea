//! SAM's `Globals` section, merged into each resource of the matching type the way SAM does it:
//! a resource's scalar wins over the global one, mappings merge key by key (so `Environment`
//! variables add up), lists are the global entries followed by the resource's.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::model::ResourceDecl;

/// `Globals` sections and the resource types they apply to.
const SECTIONS: &[(&str, &str)] = &[
    ("Function", "AWS::Serverless::Function"),
    ("HttpApi", "AWS::Serverless::HttpApi"),
    ("Api", "AWS::Serverless::Api"),
    ("SimpleTable", "AWS::Serverless::SimpleTable"),
    ("StateMachine", "AWS::Serverless::StateMachine"),
    ("LayerVersion", "AWS::Serverless::LayerVersion"),
];

/// Merges `globals` into `resources` in place.
pub fn apply_globals(
    globals: &Map<String, Value>,
    resources: &mut BTreeMap<String, ResourceDecl>,
) -> Result<(), String> {
    for (section, values) in globals {
        let Some((_, resource_type)) = SECTIONS.iter().find(|(name, _)| name == section) else {
            return Err(format!(
                "`Globals.{section}` is not a SAM globals section (Function, HttpApi, Api, SimpleTable, StateMachine, LayerVersion)"
            ));
        };
        let Value::Object(values) = values else {
            return Err(format!("`Globals.{section}` must be a mapping"));
        };
        for resource in resources
            .values_mut()
            .filter(|r| r.resource_type == *resource_type)
        {
            resource.properties = merge_maps(values, &resource.properties);
        }
    }
    Ok(())
}

fn merge_maps(global: &Map<String, Value>, local: &Map<String, Value>) -> Map<String, Value> {
    let mut merged = global.clone();
    for (key, local_value) in local {
        let value = match merged.get(key) {
            Some(global_value) => merge_values(global_value, local_value),
            None => local_value.clone(),
        };
        merged.insert(key.clone(), value);
    }
    merged
}

fn merge_values(global: &Value, local: &Value) -> Value {
    match (global, local) {
        // An intrinsic function on either side is a value of its own, not a mapping to merge.
        (Value::Object(g), Value::Object(l)) if !is_intrinsic(g) && !is_intrinsic(l) => {
            Value::Object(merge_maps(g, l))
        }
        (Value::Array(g), Value::Array(l)) => {
            Value::Array(g.iter().chain(l.iter()).cloned().collect())
        }
        _ => local.clone(),
    }
}

fn is_intrinsic(map: &Map<String, Value>) -> bool {
    map.len() == 1
        && map
            .keys()
            .next()
            .is_some_and(|k| k == "Ref" || k == "Condition" || k.starts_with("Fn::"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::Template;
    use serde_json::json;
    use std::path::Path;

    #[test]
    fn function_globals_merge_into_functions_only() {
        let template = Template::parse(
            Path::new("t.yaml"),
            r#"
Globals:
  Function:
    MemorySize: 128
    Timeout: 10
    Layers: [g]
    Environment:
      Variables:
        RUST_LOG: info
        SHARED: global
Resources:
  F:
    Type: AWS::Serverless::Function
    Properties:
      Timeout: 3
      Layers: [l]
      Environment:
        Variables:
          SHARED: local
          TABLE: !Ref T
  T:
    Type: AWS::DynamoDB::Table
    Properties: {}
"#,
        )
        .expect("parses");
        let f = &template.resources["F"].properties;
        assert_eq!(f["MemorySize"], json!(128));
        assert_eq!(f["Timeout"], json!(3));
        assert_eq!(f["Layers"], json!(["g", "l"]));
        assert_eq!(
            f["Environment"]["Variables"],
            json!({"RUST_LOG": "info", "SHARED": "local", "TABLE": {"Ref": "T"}})
        );
        assert!(template.resources["T"].properties.is_empty());
    }

    #[test]
    fn an_intrinsic_replaces_rather_than_merges() {
        let merged = merge_values(
            &json!({"Variables": {"A": "1"}}),
            &json!({"Fn::If": ["C", {"Variables": {}}, {"Ref": "AWS::NoValue"}]}),
        );
        assert_eq!(
            merged,
            json!({"Fn::If": ["C", {"Variables": {}}, {"Ref": "AWS::NoValue"}]})
        );
    }

    #[test]
    fn unknown_globals_section_is_an_error() {
        let err = Template::parse(
            Path::new("t.yaml"),
            "Globals:\n  Functions: {}\nResources:\n  T: {Type: X}\n",
        )
        .expect_err("rejected");
        assert!(err.to_string().contains("Globals.Functions"), "{err}");
    }
}
