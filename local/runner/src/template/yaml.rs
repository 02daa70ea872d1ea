//! Reading a CloudFormation YAML document into JSON, with the short-form intrinsic tags (`!Ref`,
//! `!GetAtt`, `!Sub` ...) turned into their long forms (`{"Ref": ..}`, `{"Fn::GetAtt": [..]}` ...),
//! so everything after this step only knows one shape.

use serde_json::{Map, Number, Value};
use serde_norway::Value as Yaml;

/// Why a YAML document could not become a template document.
#[derive(Debug, thiserror::Error)]
pub enum YamlError {
    #[error("not valid YAML: {0}")]
    Syntax(#[from] serde_norway::Error),
    #[error(
        "unknown tag `{tag}` (CloudFormation knows !Ref, !GetAtt, !Sub, !Join, !Select, !Split, !If, !Equals, !Not, !And, !Or, !FindInMap, !GetAZs, !Base64, !Condition, !ImportValue, !Cidr, !Transform)"
    )]
    UnknownTag { tag: String },
    #[error("`!GetAtt {0}` must name a resource and an attribute, as `Resource.Attribute`")]
    GetAttShape(String),
    #[error("a mapping key must be a string, a number or a boolean, found {0}")]
    MappingKey(String),
    #[error("the number {0} cannot be represented in JSON")]
    Number(String),
}

/// Short-form tags whose long form is `{"Fn::<Tag>": value}`.
const FN_TAGS: &[&str] = &[
    "Sub",
    "Join",
    "Select",
    "Split",
    "If",
    "Equals",
    "Not",
    "And",
    "Or",
    "FindInMap",
    "GetAZs",
    "Base64",
    "ImportValue",
    "Cidr",
    "Transform",
    "Length",
    "ToJsonString",
];

/// Parses `text` (YAML, or JSON, which is YAML too) and returns it as JSON in long form.
pub fn parse_cloudformation_yaml(text: &str) -> Result<Value, YamlError> {
    let yaml: Yaml = serde_norway::from_str(text)?;
    to_json(yaml)
}

fn to_json(yaml: Yaml) -> Result<Value, YamlError> {
    Ok(match yaml {
        Yaml::Null => Value::Null,
        Yaml::Bool(b) => Value::Bool(b),
        Yaml::Number(n) => number(&n)?,
        Yaml::String(s) => Value::String(s),
        Yaml::Sequence(items) => {
            Value::Array(items.into_iter().map(to_json).collect::<Result<_, _>>()?)
        }
        Yaml::Mapping(mapping) => {
            let mut map = Map::new();
            for (key, value) in mapping {
                map.insert(key_string(key)?, to_json(value)?);
            }
            Value::Object(map)
        }
        Yaml::Tagged(tagged) => long_form(&tagged.tag.to_string(), tagged.value)?,
    })
}

fn long_form(tag: &str, value: Yaml) -> Result<Value, YamlError> {
    // `Tag`'s Display always renders a leading '!'.
    let name = tag.trim_start_matches('!');
    let value = to_json(value)?;
    let (key, value) = match name {
        "Ref" => ("Ref".to_owned(), value),
        "Condition" => ("Condition".to_owned(), value),
        "GetAtt" => ("Fn::GetAtt".to_owned(), get_att_args(value)?),
        _ if FN_TAGS.contains(&name) => (format!("Fn::{name}"), value),
        _ => {
            return Err(YamlError::UnknownTag {
                tag: tag.to_owned(),
            });
        }
    };
    Ok(Value::Object(Map::from_iter([(key, value)])))
}

/// `!GetAtt Res.Attr` is the string form of `["Res", "Attr"]`; attributes may hold dots themselves
/// (`Endpoint.Address`), so only the first dot separates.
fn get_att_args(value: Value) -> Result<Value, YamlError> {
    match value {
        Value::String(s) => match s.split_once('.') {
            Some((resource, attribute)) if !resource.is_empty() && !attribute.is_empty() => {
                Ok(Value::Array(vec![resource.into(), attribute.into()]))
            }
            _ => Err(YamlError::GetAttShape(s)),
        },
        other => Ok(other),
    }
}

fn key_string(key: Yaml) -> Result<String, YamlError> {
    match key {
        Yaml::String(s) => Ok(s),
        Yaml::Number(n) => Ok(n.to_string()),
        Yaml::Bool(b) => Ok(b.to_string()),
        other => Err(YamlError::MappingKey(format!("{other:?}"))),
    }
}

fn number(n: &serde_norway::Number) -> Result<Value, YamlError> {
    if let Some(i) = n.as_i64() {
        Ok(Value::Number(i.into()))
    } else if let Some(u) = n.as_u64() {
        Ok(Value::Number(u.into()))
    } else {
        n.as_f64()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| YamlError::Number(n.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(text: &str) -> Value {
        parse_cloudformation_yaml(text).expect("parses")
    }

    #[test]
    fn ref_and_condition_become_long_forms() {
        assert_eq!(parse("a: !Ref Table"), json!({"a": {"Ref": "Table"}}));
        assert_eq!(
            parse("a: !Condition IsProd"),
            json!({"a": {"Condition": "IsProd"}})
        );
    }

    #[test]
    fn get_att_string_and_list_forms() {
        assert_eq!(
            parse("a: !GetAtt Table.StreamArn"),
            json!({"a": {"Fn::GetAtt": ["Table", "StreamArn"]}})
        );
        assert_eq!(
            parse("a: !GetAtt Db.Endpoint.Address"),
            json!({"a": {"Fn::GetAtt": ["Db", "Endpoint.Address"]}})
        );
        assert_eq!(
            parse("a: !GetAtt [Table, Arn]"),
            json!({"a": {"Fn::GetAtt": ["Table", "Arn"]}})
        );
    }

    #[test]
    fn get_att_without_attribute_is_an_error() {
        let err = parse_cloudformation_yaml("a: !GetAtt Table").unwrap_err();
        assert!(
            matches!(err, YamlError::GetAttShape(ref s) if s == "Table"),
            "{err}"
        );
    }

    #[test]
    fn sub_in_both_forms_and_nested_tags() {
        assert_eq!(
            parse("a: !Sub 'arn:${AWS::Partition}:x'"),
            json!({"a": {"Fn::Sub": "arn:${AWS::Partition}:x"}})
        );
        assert_eq!(
            parse("a: !Sub ['${A}-x', {A: !Ref B}]"),
            json!({"a": {"Fn::Sub": ["${A}-x", {"A": {"Ref": "B"}}]}})
        );
        assert_eq!(
            parse("a: !Join [',', !Split ['-', !Select [0, !GetAZs '']]]"),
            json!({"a": {"Fn::Join": [",", {"Fn::Split": ["-", {"Fn::Select": [0, {"Fn::GetAZs": ""}]}]}]}})
        );
    }

    #[test]
    fn condition_functions_and_the_rest() {
        let doc = parse(
            "a: !If [C, !Not [!Equals [x, y]], !And [!Or [!Condition D], !Condition E]]\n\
             b: !FindInMap [M, K, V]\n\
             c: !Base64 text\n",
        );
        assert_eq!(
            doc,
            json!({
                "a": {"Fn::If": ["C",
                    {"Fn::Not": [{"Fn::Equals": ["x", "y"]}]},
                    {"Fn::And": [{"Fn::Or": [{"Condition": "D"}]}, {"Condition": "E"}]}]},
                "b": {"Fn::FindInMap": ["M", "K", "V"]},
                "c": {"Fn::Base64": "text"},
            })
        );
    }

    #[test]
    fn unknown_tag_is_a_clear_error() {
        let err = parse_cloudformation_yaml("a: !Bogus x").unwrap_err();
        assert!(err.to_string().contains("!Bogus"), "{err}");
    }

    #[test]
    fn scalars_keep_their_types_and_keys_become_strings() {
        assert_eq!(
            parse("1: 2\ntrue: 1.5\nn: null\ns: '10'"),
            json!({"1": 2, "true": 1.5, "n": null, "s": "10"})
        );
    }

    #[test]
    fn broken_yaml_is_an_error_not_a_panic() {
        assert!(parse_cloudformation_yaml("a: [unclosed").is_err());
        assert!(parse_cloudformation_yaml("? [a, b]\n: c").is_err());
    }
}
