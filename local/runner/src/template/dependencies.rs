//! The order resources are created in: a resource that another one refers to (`Ref`, `GetAtt`,
//! `${..}` in `Sub`, `DependsOn`) comes first, as in CloudFormation.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::model::ResourceDecl;

/// A reference cycle between resources.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("resources refer to each other in a cycle: {0}")]
pub struct DependencyCycle(pub String);

/// Logical ids of the resources `resource` depends on (only those declared in `resources`).
pub fn dependencies_of(
    resource: &ResourceDecl,
    resources: &BTreeMap<String, ResourceDecl>,
) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for properties in [&resource.properties, &resource.metadata] {
        for value in properties.values() {
            referenced_names(value, &mut names);
        }
    }
    names.extend(resource.depends_on.iter().cloned());
    names.retain(|n| n != &resource.logical_id && resources.contains_key(n));
    names
}

/// `ids` sorted so that every resource comes after those it depends on; ties keep logical-id order.
pub fn creation_order(
    ids: &BTreeSet<String>,
    resources: &BTreeMap<String, ResourceDecl>,
) -> Result<Vec<String>, DependencyCycle> {
    let mut remaining: BTreeMap<&str, BTreeSet<String>> = ids
        .iter()
        .filter_map(|id| resources.get(id))
        .map(|r| {
            let mut deps = dependencies_of(r, resources);
            deps.retain(|d| ids.contains(d));
            (r.logical_id.as_str(), deps)
        })
        .collect();
    let mut order = Vec::with_capacity(remaining.len());
    while !remaining.is_empty() {
        let ready: Vec<&str> = remaining
            .iter()
            .filter(|(_, deps)| deps.is_empty())
            .map(|(id, _)| *id)
            .collect();
        if ready.is_empty() {
            return Err(DependencyCycle(
                remaining.keys().copied().collect::<Vec<_>>().join(", "),
            ));
        }
        for id in ready {
            remaining.remove(id);
            for deps in remaining.values_mut() {
                deps.remove(id);
            }
            order.push(id.to_owned());
        }
    }
    Ok(order)
}

fn referenced_names(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if map.len() == 1 {
                match (map.get("Ref"), map.get("Fn::GetAtt"), map.get("Fn::Sub")) {
                    (Some(Value::String(name)), _, _) => {
                        out.insert(name.clone());
                    }
                    // `Ref: !Sub Name`, as a copy made by Fn::ForEach may read.
                    (Some(Value::Object(named)), _, _) => {
                        if let Some(Value::String(name)) = named.get("Fn::Sub")
                            && !name.contains("${")
                        {
                            out.insert(name.clone());
                        }
                    }
                    (_, Some(Value::Array(args)), _) => {
                        if let Some(Value::String(name)) = args.first() {
                            out.insert(name.clone());
                        }
                    }
                    (_, Some(Value::String(dotted)), _) => {
                        if let Some((name, _)) = dotted.split_once('.') {
                            out.insert(name.to_owned());
                        }
                    }
                    (_, _, Some(sub)) => sub_names(sub, out),
                    _ => {}
                }
            }
            map.values().for_each(|v| referenced_names(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| referenced_names(v, out)),
        _ => {}
    }
}

fn sub_names(sub: &Value, out: &mut BTreeSet<String>) {
    let (text, variables) = match sub {
        Value::String(text) => (text.as_str(), None),
        Value::Array(items) => match (items.first(), items.get(1)) {
            (Some(Value::String(text)), Some(Value::Object(vars))) => (text.as_str(), Some(vars)),
            _ => return,
        },
        _ => return,
    };
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { return };
        let name = after[..end].trim();
        if !name.starts_with('!') && !name.starts_with("AWS::") {
            let resource = name.split_once('.').map_or(name, |(r, _)| r);
            if variables.is_none_or(|v| !v.contains_key(name)) {
                out.insert(resource.to_owned());
            }
        }
        rest = &after[end + 1..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::Template;
    use std::path::Path;

    #[test]
    fn referenced_resources_come_first() {
        let template = Template::parse(
            Path::new("t.yaml"),
            r#"
Resources:
  Client:
    Type: AWS::Cognito::UserPoolClient
    Properties: {UserPoolId: !Ref Pool}
  Group:
    Type: AWS::Cognito::UserPoolGroup
    Properties: {UserPoolId: !Sub '${Pool}', Description: !Sub ['${X}', {X: !GetAtt Queue.Arn}]}
  Pool:
    Type: AWS::Cognito::UserPool
    DependsOn: [Queue]
  Queue:
    Type: AWS::SQS::Queue
    Properties: {Name: !Sub '${AWS::StackName}-${!Literal}'}
  Alarm:
    Type: AWS::CloudWatch::Alarm
    Properties: {Dimensions: [{Value: {Ref: !Sub Group}}]}
"#,
        )
        .expect("parses");
        let ids: BTreeSet<String> = template.resources.keys().cloned().collect();
        let order = creation_order(&ids, &template.resources).expect("no cycle");
        assert_eq!(order, vec!["Queue", "Pool", "Client", "Group", "Alarm"]);
    }

    #[test]
    fn cycles_are_reported() {
        let template = Template::parse(
            Path::new("t.yaml"),
            "Resources:\n  A: {Type: X, Properties: {P: !Ref B}}\n  B: {Type: X, Properties: {P: !GetAtt A.Arn}}\n",
        )
        .expect("parses");
        let ids: BTreeSet<String> = template.resources.keys().cloned().collect();
        let err = creation_order(&ids, &template.resources).unwrap_err();
        assert_eq!(err, DependencyCycle("A, B".into()));
    }
}
