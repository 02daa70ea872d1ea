//! The template's `Conditions`, evaluated once against the parameters.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::intrinsics::{NoResources, ResolveError, Resolver};
use super::model::ResourceDecl;
use super::parameters::{ParameterValues, StackSettings};

/// Evaluates every condition; conditions may use others (`{"Condition": name}`), in any order.
pub fn evaluate_conditions(
    conditions: &Map<String, Value>,
    mappings: &Map<String, Value>,
    stack: &StackSettings,
    parameters: &ParameterValues,
) -> Result<BTreeMap<String, bool>, ResolveError> {
    let mut evaluated = BTreeMap::new();
    let mut pending: BTreeSet<&str> = conditions.keys().map(String::as_str).collect();
    while !pending.is_empty() {
        // Evaluate those whose own references are all known; no progress means a cycle.
        let ready: Vec<&str> = pending
            .iter()
            .copied()
            .filter(|name| {
                let mut uses = BTreeSet::new();
                used_conditions(&conditions[*name], &mut uses);
                uses.iter()
                    .all(|u| evaluated.contains_key(*u) || !conditions.contains_key(*u))
            })
            .collect();
        if ready.is_empty() {
            return Err(ResolveError::ConditionCycle(
                pending.into_iter().collect::<Vec<_>>().join(", "),
            ));
        }
        for name in ready {
            let value = {
                let resolver = Resolver {
                    stack,
                    parameters,
                    conditions: &evaluated,
                    mappings,
                    resources: &NoResources,
                };
                resolver.condition(&conditions[name])?
            };
            evaluated.insert(name.to_owned(), value);
            pending.remove(name);
        }
    }
    Ok(evaluated)
}

/// Whether a resource is part of the stack: it has no `Condition`, or its condition holds.
pub fn resource_is_active(
    resource: &ResourceDecl,
    conditions: &BTreeMap<String, bool>,
) -> Result<bool, ResolveError> {
    match &resource.condition {
        None => Ok(true),
        Some(name) => conditions
            .get(name)
            .copied()
            .ok_or_else(|| ResolveError::UnknownCondition(name.clone())),
    }
}

/// Names of conditions an expression refers to, through `{"Condition": ..}` or `Fn::If`.
fn used_conditions<'a>(value: &'a Value, out: &mut BTreeSet<&'a str>) {
    match value {
        Value::Object(map) => {
            if map.len() == 1 {
                if let Some(Value::String(name)) = map.get("Condition") {
                    out.insert(name);
                }
                if let Some(Value::Array(args)) = map.get("Fn::If")
                    && let Some(Value::String(name)) = args.first()
                {
                    out.insert(name);
                }
            }
            map.values().for_each(|v| used_conditions(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| used_conditions(v, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::Template;
    use std::path::Path;

    fn evaluate(
        yaml: &str,
        overrides: &[(&str, &str)],
    ) -> Result<BTreeMap<String, bool>, ResolveError> {
        let template = Template::parse(Path::new("t.yaml"), yaml).expect("parses");
        let overrides: Vec<(String, String)> = overrides
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let parameters =
            ParameterValues::resolve(&template.parameters, &overrides).expect("params");
        evaluate_conditions(
            &template.conditions,
            &template.mappings,
            &StackSettings::default(),
            &parameters,
        )
    }

    const TEMPLATE: &str = r#"
Parameters:
  Stage: {Type: String, Default: dev}
Conditions:
  IsProdAndEu: !And [!Condition IsProd, !Condition IsEu]
  IsProd: !Equals [!Ref Stage, prod]
  IsEu: !Equals [!Select [0, !Split ['-', !Ref 'AWS::Region']], eu]
  NotProd: !Not [!Condition IsProd]
Resources:
  T: {Type: AWS::SNS::Topic}
"#;

    #[test]
    fn conditions_use_each_other_in_any_order() {
        let dev = evaluate(TEMPLATE, &[]).expect("evaluates");
        assert!(!dev["IsProd"]);
        assert!(dev["IsEu"]);
        assert!(!dev["IsProdAndEu"]);
        assert!(dev["NotProd"]);
        let prod = evaluate(TEMPLATE, &[("Stage", "prod")]).expect("evaluates");
        assert!(prod["IsProdAndEu"]);
        assert!(!prod["NotProd"]);
    }

    #[test]
    fn cycles_and_unknown_conditions_are_errors() {
        let cycle = "Conditions:\n  A: !Not [!Condition B]\n  B: !Not [!Condition A]\nResources:\n  T: {Type: X}\n";
        assert!(matches!(
            evaluate(cycle, &[]),
            Err(ResolveError::ConditionCycle(_))
        ));
        let unknown = "Conditions:\n  A: !Not [!Condition Nope]\nResources:\n  T: {Type: X}\n";
        assert_eq!(
            evaluate(unknown, &[]),
            Err(ResolveError::UnknownCondition("Nope".into()))
        );
    }
}
