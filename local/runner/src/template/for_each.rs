//! `Fn::ForEach` of the `AWS::LanguageExtensions` transform, expanded when the template is read,
//! as CloudFormation runs that transform before anything else looks at the template: each
//! `"Fn::ForEach::<Loop>": [Identifier, [values...], {OutputKey: OutputValue}]` entry of a mapping
//! becomes one copy of the fragment per value, with `${Identifier}`, `&{Identifier}` (the value's
//! letters and digits only) and `{"Ref": Identifier}` replaced by the value.

use serde_json::{Map, Value};

use super::model::scalar_text;

/// The key prefix that marks a loop.
pub const FOR_EACH_PREFIX: &str = "Fn::ForEach::";

/// Why a loop could not be expanded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ForEachError {
    #[error("`{loop_key}` must be [Identifier, [values...], {{OutputKey: OutputValue}}]")]
    Shape { loop_key: String },
    #[error(
        "`{loop_key}` iterates over {collection}; the local stack expands literal lists only (a `Ref` to a CommaDelimitedList is not supported)"
    )]
    CollectionNotLiteral {
        loop_key: String,
        collection: String,
    },
    #[error("the collection of `{loop_key}` holds {item}, not a string")]
    CollectionItem { loop_key: String, item: String },
    #[error(
        "the output key `{key}` of `{loop_key}` contains neither ${{{identifier}}} nor &{{{identifier}}}"
    )]
    KeyWithoutIdentifier {
        loop_key: String,
        key: String,
        identifier: String,
    },
    #[error("`{key}` is declared twice once `{loop_key}` is expanded")]
    Duplicate { loop_key: String, key: String },
}

/// `value` with every loop in it (at any depth, loops in loops too) expanded.
pub fn expand_for_each(value: &Value) -> Result<Value, ForEachError> {
    match value {
        Value::Object(map) => expand_map(map).map(Value::Object),
        Value::Array(items) => items
            .iter()
            .map(expand_for_each)
            .collect::<Result<_, _>>()
            .map(Value::Array),
        other => Ok(other.clone()),
    }
}

/// A mapping with its loop entries replaced by their copies; plain entries are kept as they are.
pub fn expand_map(map: &Map<String, Value>) -> Result<Map<String, Value>, ForEachError> {
    let mut out = Map::new();
    for (key, value) in map {
        if key.starts_with(FOR_EACH_PREFIX) {
            for (copy_key, copy) in expand_loop(key, value)? {
                if out.contains_key(&copy_key) || map.contains_key(&copy_key) {
                    return Err(ForEachError::Duplicate {
                        loop_key: key.clone(),
                        key: copy_key,
                    });
                }
                out.insert(copy_key, copy);
            }
        } else {
            out.insert(key.clone(), expand_for_each(value)?);
        }
    }
    Ok(out)
}

fn expand_loop(loop_key: &str, value: &Value) -> Result<Map<String, Value>, ForEachError> {
    let shape = || ForEachError::Shape {
        loop_key: loop_key.to_owned(),
    };
    let Value::Array(parts) = value else {
        return Err(shape());
    };
    let [
        Value::String(identifier),
        collection,
        Value::Object(fragment),
    ] = parts.as_slice()
    else {
        return Err(shape());
    };
    if identifier.is_empty() || !identifier.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(shape());
    }
    let Value::Array(items) = collection else {
        return Err(ForEachError::CollectionNotLiteral {
            loop_key: loop_key.to_owned(),
            collection: collection.to_string(),
        });
    };
    for key in fragment.keys() {
        let names_it = key.contains(&format!("${{{identifier}}}"))
            || key.contains(&format!("&{{{identifier}}}"));
        if !names_it && !key.starts_with(FOR_EACH_PREFIX) {
            return Err(ForEachError::KeyWithoutIdentifier {
                loop_key: loop_key.to_owned(),
                key: key.clone(),
                identifier: identifier.clone(),
            });
        }
    }

    let mut out = Map::new();
    for item in items {
        let item = match item {
            Value::Array(_) | Value::Object(_) | Value::Null => None,
            scalar => scalar_text(scalar),
        }
        .ok_or_else(|| ForEachError::CollectionItem {
            loop_key: loop_key.to_owned(),
            item: item.to_string(),
        })?;
        let Value::Object(copy) = substitute(&Value::Object(fragment.clone()), identifier, &item)
        else {
            return Err(shape());
        };
        // Loops inside the copy see the value already substituted, as nested loops do.
        for (key, value) in expand_map(&copy)? {
            if out.contains_key(&key) {
                return Err(ForEachError::Duplicate {
                    loop_key: loop_key.to_owned(),
                    key,
                });
            }
            out.insert(key, value);
        }
    }
    Ok(out)
}

/// `value` with the identifier replaced by `item` in every key and string, and `{"Ref": identifier}`
/// replaced by the item itself.
fn substitute(value: &Value, identifier: &str, item: &str) -> Value {
    match value {
        Value::Object(map) => {
            if map.len() == 1
                && let Some(Value::String(name)) = map.get("Ref")
                && name == identifier
            {
                return Value::String(item.to_owned());
            }
            map.iter()
                .map(|(k, v)| {
                    (
                        replace_text(k, identifier, item),
                        substitute(v, identifier, item),
                    )
                })
                .collect::<Map<_, _>>()
                .into()
        }
        Value::Array(items) => items
            .iter()
            .map(|v| substitute(v, identifier, item))
            .collect::<Vec<_>>()
            .into(),
        Value::String(text) => Value::String(replace_text(text, identifier, item)),
        other => other.clone(),
    }
}

fn replace_text(text: &str, identifier: &str, item: &str) -> String {
    let alphanumeric: String = item.chars().filter(char::is_ascii_alphanumeric).collect();
    text.replace(&format!("${{{identifier}}}"), item)
        .replace(&format!("&{{{identifier}}}"), &alphanumeric)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::yaml::parse_cloudformation_yaml;
    use serde_json::json;

    fn expand(yaml: &str) -> Result<Value, ForEachError> {
        expand_for_each(&parse_cloudformation_yaml(yaml).expect("yaml"))
    }

    #[test]
    fn copies_the_fragment_per_value_with_the_identifier_replaced() {
        let expanded = expand(
            r#"
Keep: {Type: AWS::SNS::Topic}
Fn::ForEach::Alarms:
  - Fn
  - [AFunction, B.Function]
  - ${Fn}Alarm:
      Type: AWS::CloudWatch::Alarm
      Properties:
        AlarmName: !Sub "${AWS::StackName}-${Fn}"
        Short: "&{Fn}"
        Dimensions: [{Name: FunctionName, Value: {Ref: !Sub "${Fn}"}}]
        Plain: !Ref Fn
        Other: !Ref Keep
"#,
        )
        .expect("expands");
        assert_eq!(expanded["Keep"], json!({"Type": "AWS::SNS::Topic"}));
        let a = &expanded["AFunctionAlarm"]["Properties"];
        assert_eq!(
            a["AlarmName"],
            json!({"Fn::Sub": "${AWS::StackName}-AFunction"})
        );
        assert_eq!(
            a["Dimensions"][0]["Value"],
            json!({"Ref": {"Fn::Sub": "AFunction"}})
        );
        assert_eq!(a["Plain"], json!("AFunction"));
        assert_eq!(a["Other"], json!({"Ref": "Keep"}));
        let b = &expanded["B.FunctionAlarm"]["Properties"];
        assert_eq!(b["Short"], json!("BFunction"));
        assert_eq!(expanded.as_object().map(Map::len), Some(3));
    }

    #[test]
    fn nested_loops_multiply() {
        let expanded = expand(
            r#"
Fn::ForEach::Functions:
  - Fn
  - [A, B]
  - Fn::ForEach::Metrics:
      - Metric
      - [Errors, Throttles]
      - ${Fn}${Metric}Alarm:
          Properties: {MetricName: !Ref Metric, Name: !Sub "${Fn}"}
"#,
        )
        .expect("expands");
        let keys: Vec<&String> = expanded.as_object().expect("map").keys().collect();
        assert_eq!(
            keys,
            [
                "AErrorsAlarm",
                "AThrottlesAlarm",
                "BErrorsAlarm",
                "BThrottlesAlarm"
            ]
        );
        assert_eq!(
            expanded["BThrottlesAlarm"]["Properties"],
            json!({"MetricName": "Throttles", "Name": {"Fn::Sub": "B"}})
        );
    }

    #[test]
    fn a_template_without_loops_is_unchanged() {
        let yaml = "A: {Type: X, Properties: {L: [1, {Ref: A}], S: !Sub '${A}'}}";
        let value = parse_cloudformation_yaml(yaml).expect("yaml");
        assert_eq!(expand_for_each(&value), Ok(value));
    }

    #[test]
    fn malformed_loops_are_errors_not_panics() {
        for (yaml, expected) in [
            ("Fn::ForEach::L: notalist", "must be [Identifier"),
            ("Fn::ForEach::L: [X, [a]]", "must be [Identifier"),
            ("Fn::ForEach::L: [X, [a], [b]]", "must be [Identifier"),
            (
                "Fn::ForEach::L: ['', [a], {'${X}': 1}]",
                "must be [Identifier",
            ),
            (
                "Fn::ForEach::L: [X, !Ref P, {'${X}': 1}]",
                "literal lists only",
            ),
            ("Fn::ForEach::L: [X, [[a]], {'${X}': 1}]", "not a string"),
            (
                "Fn::ForEach::L: [X, [a], {Fixed: 1}]",
                "neither ${X} nor &{X}",
            ),
            ("Fn::ForEach::L: [X, [a, a], {'${X}': 1}]", "declared twice"),
            (
                "{a: 1, Fn::ForEach::L: [X, [a], {'${X}': 1}]}",
                "declared twice",
            ),
            (
                "Fn::ForEach::L: [X, ['a-b', 'ab'], {'&{X}': 1}]",
                "declared twice",
            ),
        ] {
            let err = expand(yaml).expect_err(yaml);
            assert!(err.to_string().contains(expected), "{yaml}: {err}");
        }
    }
}
