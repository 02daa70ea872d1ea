//! The template's functions, resolved into what the local Lambda service runs.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::error::WiringError;
use crate::lambda::FunctionConfig;
use crate::lambda::environment::reserved_keys_in;
use crate::stack_resources::StackResources;
use crate::template::{
    FUNCTION_TYPE, FunctionCode, FunctionSettings, Scope, Template, resource_is_active,
};

/// Function properties the local stack reads; the rest (Policies, Role, Architectures ...) only
/// matter to a deployment and are left unresolved.
const USED_PROPERTIES: &[&str] = &[
    "Handler",
    "MemorySize",
    "Timeout",
    "Environment",
    "ReservedConcurrentExecutions",
    "Events",
    "EventInvokeConfig",
    "DeadLetterQueue",
    "Tracing",
];

/// A function whose crate and binary are known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocatedFunction {
    pub logical_id: String,
    pub code: FunctionCode,
    pub binary: PathBuf,
}

/// A function with everything resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedFunction {
    pub located: LocatedFunction,
    pub function_name: String,
    pub function_arn: String,
    pub settings: FunctionSettings,
}

/// Finds the crate and binary of every active function. `resources` only needs what `CodeUri`
/// may refer to (parameters are enough in practice).
pub fn locate_functions(
    template: &Template,
    scope: Scope<'_>,
    resources: &StackResources,
    target_dir: &Path,
    profile: &str,
) -> Result<Vec<LocatedFunction>, WiringError> {
    let mut located = Vec::new();
    for decl in template.resources_of_type(FUNCTION_TYPE) {
        let resolve_error = |source| WiringError::Resolve {
            resource: decl.logical_id.clone(),
            source,
        };
        if !resource_is_active(decl, scope.conditions).map_err(resolve_error)? {
            continue;
        }
        let code_uri = match decl.properties.get("CodeUri") {
            Some(value) => scope
                .with(resources)
                .resolve_required("CodeUri", value)
                .map_err(resolve_error)?,
            None => Value::String(".".into()),
        };
        let code =
            FunctionCode::locate(&decl.logical_id, template.dir(), &code_uri, &decl.metadata)?;
        let binary = code.binary_path(target_dir, profile);
        // Instances run in their binary's folder, so a relative path would no longer point at it.
        let binary = std::path::absolute(&binary).unwrap_or(binary);
        located.push(LocatedFunction {
            logical_id: decl.logical_id.clone(),
            binary,
            code,
        });
    }
    Ok(located)
}

/// Fails, naming the `cargo build` to run, unless every function's binary exists.
pub fn check_binaries(functions: &[LocatedFunction], profile: &str) -> Result<(), WiringError> {
    let missing: Vec<(String, PathBuf)> = functions
        .iter()
        .filter(|f| !f.binary.is_file())
        .map(|f| (f.logical_id.clone(), f.binary.clone()))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let mut packages: Vec<&str> = functions
        .iter()
        .filter(|f| !f.binary.is_file())
        .map(|f| f.code.package_name.as_str())
        .collect();
    packages.sort_unstable();
    packages.dedup();
    let release = if profile == "release" {
        " --release"
    } else {
        ""
    };
    let build_command = format!(
        "cargo build{release} {}",
        packages
            .iter()
            .map(|p| format!("-p {p}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    Err(WiringError::MissingBinaries {
        missing,
        build_command,
    })
}

/// Resolves the settings of every located function against the created resources.
pub fn resolve_functions(
    template: &Template,
    scope: Scope<'_>,
    resources: &StackResources,
    located: &[LocatedFunction],
) -> Result<Vec<ResolvedFunction>, WiringError> {
    let mut resolved = Vec::with_capacity(located.len());
    for function in located {
        let id = &function.logical_id;
        let resolve_error = |source| WiringError::Resolve {
            resource: id.clone(),
            source,
        };
        let Some(decl) = template.resources.get(id) else {
            continue;
        };
        let used: Map<String, Value> = decl
            .properties
            .iter()
            .filter(|(key, _)| USED_PROPERTIES.contains(&key.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let properties = scope
            .with(resources)
            .resolve_map(&used)
            .map_err(resolve_error)?;
        let settings = FunctionSettings::from_properties(id, &properties)?;
        let reserved = reserved_keys_in(&settings.environment);
        if !reserved.is_empty() {
            return Err(WiringError::ReservedEnvironment {
                function: id.clone(),
                keys: reserved,
            });
        }
        if settings.environment.contains_key("AWS_ENDPOINT_URL") {
            tracing::warn!(function = %id, "the template sets AWS_ENDPOINT_URL; locally it points at the local AWS endpoint instead");
        }
        let physical = resources.get(id);
        resolved.push(ResolvedFunction {
            located: function.clone(),
            function_name: physical
                .map(|p| p.reference.clone())
                .unwrap_or_else(|| id.clone()),
            function_arn: physical
                .and_then(|p| p.attribute_str("Arn"))
                .map(str::to_owned)
                .unwrap_or_default(),
            settings,
        });
    }
    Ok(resolved)
}

/// What the Lambda service runs for each function; `max_instances` caps every function, and
/// `ReservedConcurrentExecutions` lowers the cap further.
pub fn function_configs(
    functions: &[ResolvedFunction],
    max_instances: usize,
) -> Vec<FunctionConfig> {
    functions
        .iter()
        .map(|f| FunctionConfig {
            logical_id: f.located.logical_id.clone(),
            function_name: f.function_name.clone(),
            package_name: f.located.code.package_name.clone(),
            function_arn: f.function_arn.clone(),
            binary: f.located.binary.clone(),
            handler: f.settings.handler.clone(),
            memory_size_mb: f.settings.memory_size_mb,
            timeout: f.settings.timeout,
            environment: f.settings.environment.clone(),
            tracing_active: f.settings.tracing_active,
            max_concurrency: f
                .settings
                .reserved_concurrency
                .map_or(max_instances, |reserved| {
                    max_instances.min(reserved as usize)
                }),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::{ParameterValues, StackSettings};
    use std::collections::BTreeMap;

    #[test]
    fn binaries_are_absolute_paths_even_from_a_relative_target_dir() {
        let template = Template::load(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/template.yaml"),
        )
        .expect("the fixture parses");
        let stack = StackSettings::default();
        let parameters = ParameterValues::resolve(&template.parameters, &[]).expect("parameters");
        let conditions =
            BTreeMap::from([("IsTest".to_owned(), true), ("IsOther".to_owned(), false)]);
        let scope = Scope {
            stack: &stack,
            parameters: &parameters,
            conditions: &conditions,
            mappings: &template.mappings,
        };
        let located = locate_functions(
            &template,
            scope,
            &StackResources::new(),
            Path::new("target"),
            "debug",
        )
        .expect("the probe crate is found");
        assert_eq!(located.len(), 3);
        for function in located {
            assert_eq!(function.code.package_name, "cfp-probe-function");
            assert!(
                function.binary.is_absolute(),
                "{}",
                function.binary.display()
            );
            assert!(function.binary.ends_with("target/debug/cfp-probe-function"));
        }
    }
}
