//! `AWS::Serverless::Function` resources: where each function's binary is and how it runs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Map, Value};

use super::events::{FunctionEvent, parse_events};
use super::properties::{PropertyError, Props};

pub const FUNCTION_TYPE: &str = "AWS::Serverless::Function";

/// Why a function's code or settings are unusable.
#[derive(Debug, thiserror::Error)]
pub enum FunctionError {
    #[error("{function}: CodeUri must be a local crate directory (a path), not {found}")]
    CodeUriShape { function: String, found: String },
    #[error("{function}: cannot read {manifest}: {source}")]
    Manifest {
        function: String,
        manifest: PathBuf,
        source: std::io::Error,
    },
    #[error("{function}: {manifest} is not a valid Cargo.toml: {message}")]
    ManifestShape {
        function: String,
        manifest: PathBuf,
        message: String,
    },
    #[error(transparent)]
    Property(#[from] PropertyError),
}

/// The crate a function is built from and the binary it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionCode {
    /// The `CodeUri` folder.
    pub crate_dir: PathBuf,
    /// `[package] name` of its Cargo.toml.
    pub package_name: String,
    /// The binary: `Metadata.BuildProperties.Binary`, the crate's only `[[bin]]`, or the package name.
    pub binary_name: String,
}

impl FunctionCode {
    /// Finds the crate of `function` from its resolved `CodeUri` (relative to `template_dir`) and
    /// its resource `Metadata`.
    pub fn locate(
        function: &str,
        template_dir: &Path,
        code_uri: &Value,
        metadata: &Map<String, Value>,
    ) -> Result<Self, FunctionError> {
        let Value::String(code_uri) = code_uri else {
            return Err(FunctionError::CodeUriShape {
                function: function.to_owned(),
                found: code_uri.to_string(),
            });
        };
        if code_uri.starts_with("s3://") {
            return Err(FunctionError::CodeUriShape {
                function: function.to_owned(),
                found: code_uri.clone(),
            });
        }
        let crate_dir = template_dir.join(code_uri);
        let manifest = crate_dir.join("Cargo.toml");
        let text =
            std::fs::read_to_string(&manifest).map_err(|source| FunctionError::Manifest {
                function: function.to_owned(),
                manifest: manifest.clone(),
                source,
            })?;
        let manifest_error = |message: String| FunctionError::ManifestShape {
            function: function.to_owned(),
            manifest: manifest.clone(),
            message,
        };
        let cargo: toml::Table =
            toml::from_str(&text).map_err(|e| manifest_error(e.to_string()))?;
        let package_name = cargo
            .get("package")
            .and_then(|p| p.get("name"))
            .and_then(toml::Value::as_str)
            .ok_or_else(|| manifest_error("it has no [package] name".into()))?
            .to_owned();
        let bins: Vec<&str> = cargo
            .get("bin")
            .and_then(toml::Value::as_array)
            .map(|bins| {
                bins.iter()
                    .filter_map(|b| b.get("name")?.as_str())
                    .collect()
            })
            .unwrap_or_default();
        let metadata_owner = format!("{function}.Metadata.BuildProperties");
        let build_properties = Props::new(function, metadata).object("BuildProperties")?;
        let binary_override = match build_properties {
            Some(props) => Props::new(&metadata_owner, props).string("Binary")?,
            None => None,
        };
        let binary_name = match (binary_override, bins.as_slice()) {
            (Some(binary), _) => binary,
            (None, [only]) => (*only).to_owned(),
            (None, _) => package_name.clone(),
        };
        Ok(FunctionCode {
            crate_dir,
            package_name,
            binary_name,
        })
    }

    /// `<target_dir>/<profile>/<binary>`, where `cargo build [--release]` puts it.
    pub fn binary_path(&self, target_dir: &Path, profile: &str) -> PathBuf {
        target_dir.join(profile).join(&self.binary_name)
    }
}

/// A function's settings from the template, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionSettings {
    pub handler: String,
    pub memory_size_mb: u32,
    pub timeout: Duration,
    pub environment: BTreeMap<String, String>,
    pub reserved_concurrency: Option<u32>,
    pub events: Vec<FunctionEvent>,
    pub async_invocation: AsyncInvocationSettings,
    /// `Tracing: Active` (X-Ray); `PassThrough` or none is false.
    pub tracing_active: bool,
}

/// How Lambda handles the function's asynchronous events (S3, SNS, `Event` invocations):
/// `EventInvokeConfig` and `DeadLetterQueue`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AsyncInvocationSettings {
    /// 0 to 2; Lambda's default is 2.
    pub maximum_retry_attempts: u32,
    /// 60 s to 6 h; Lambda's default is 6 h.
    pub maximum_event_age: Duration,
    /// `EventInvokeConfig.DestinationConfig.OnFailure.Destination`: an ARN.
    pub on_failure_destination: Option<String>,
    /// `DeadLetterQueue.TargetArn` of `Type: SQS`.
    pub dead_letter_queue: Option<String>,
}

impl Default for AsyncInvocationSettings {
    fn default() -> Self {
        Self {
            maximum_retry_attempts: 2,
            maximum_event_age: Duration::from_secs(21_600),
            on_failure_destination: None,
            dead_letter_queue: None,
        }
    }
}

impl AsyncInvocationSettings {
    fn from_properties(function: &str, props: Props<'_>) -> Result<Self, PropertyError> {
        let mut settings = Self::default();
        if let Some(config) = props.object("EventInvokeConfig")? {
            let owner = format!("{function}.EventInvokeConfig");
            let config = Props::new(&owner, config);
            if let Some(n) = config.i64("MaximumRetryAttempts")? {
                settings.maximum_retry_attempts =
                    u32::try_from(n).ok().filter(|n| *n <= 2).ok_or_else(|| {
                        config.error("MaximumRetryAttempts", format!("{n} is not 0, 1 or 2"))
                    })?;
            }
            if let Some(n) = config.i64("MaximumEventAgeInSeconds")? {
                if !(60..=21_600).contains(&n) {
                    return Err(config.error(
                        "MaximumEventAgeInSeconds",
                        format!("{n} is not between 60 and 21600"),
                    ));
                }
                settings.maximum_event_age = Duration::from_secs(n.unsigned_abs());
            }
            if let Some(destinations) = config.object("DestinationConfig")? {
                let owner = format!("{owner}.DestinationConfig");
                let destinations = Props::new(&owner, destinations);
                if let Some(on_failure) = destinations.object("OnFailure")? {
                    let owner = format!("{owner}.OnFailure");
                    let on_failure = Props::new(&owner, on_failure);
                    settings.on_failure_destination = on_failure.string("Destination")?;
                }
            }
        }
        if let Some(dlq) = props.object("DeadLetterQueue")? {
            let owner = format!("{function}.DeadLetterQueue");
            let dlq = Props::new(&owner, dlq);
            let kind = dlq.required_string("Type")?;
            if kind != "SQS" {
                return Err(dlq.error(
                    "Type",
                    format!("`{kind}`: the local stack sends dead letters to SQS queues only"),
                ));
            }
            settings.dead_letter_queue = Some(dlq.required_string("TargetArn")?);
        }
        Ok(settings)
    }
}

impl FunctionSettings {
    /// Reads the resolved `Properties` of function `function` (Globals already merged).
    pub fn from_properties(
        function: &str,
        properties: &Map<String, Value>,
    ) -> Result<Self, FunctionError> {
        let props = Props::new(function, properties);
        // Lambda's own defaults where neither the function nor Globals say.
        let memory_size_mb = props.u64("MemorySize")?.unwrap_or(128);
        if !(128..=10_240).contains(&memory_size_mb) {
            return Err(props
                .error(
                    "MemorySize",
                    format!("{memory_size_mb} MB is not between 128 and 10240"),
                )
                .into());
        }
        let timeout = props.u64("Timeout")?.unwrap_or(3);
        if !(1..=900).contains(&timeout) {
            return Err(props
                .error("Timeout", format!("{timeout} s is not between 1 and 900"))
                .into());
        }
        let mut environment = BTreeMap::new();
        if let Some(env) = props.object("Environment")? {
            let owner = format!("{function}.Environment");
            let env = Props::new(&owner, env);
            if let Some(variables) = env.object("Variables")? {
                let owner = format!("{owner}.Variables");
                let variables = Props::new(&owner, variables);
                for key in variables.map().keys() {
                    let valid = key.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                    if !valid {
                        return Err(variables
                            .error(key, "is not a valid environment variable name")
                            .into());
                    }
                    if let Some(value) = variables.string(key)? {
                        environment.insert(key.clone(), value);
                    }
                }
            }
        }
        let reserved_concurrency = props
            .u64("ReservedConcurrentExecutions")?
            .map(|n| u32::try_from(n).unwrap_or(u32::MAX));
        let events = match props.object("Events")? {
            Some(events) => parse_events(function, events)?,
            None => Vec::new(),
        };
        let async_invocation = AsyncInvocationSettings::from_properties(function, props)?;
        let tracing_active = props.string("Tracing")?.as_deref() == Some("Active");
        Ok(FunctionSettings {
            async_invocation,
            handler: props
                .string("Handler")?
                .unwrap_or_else(|| "bootstrap".to_owned()),
            memory_size_mb: u32::try_from(memory_size_mb).unwrap_or(u32::MAX),
            timeout: Duration::from_secs(timeout),
            environment,
            reserved_concurrency,
            events,
            tracing_active,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn crate_dir(name: &str, manifest: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("cfp-local-fn-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(dir.join("Cargo.toml"), manifest).expect("write");
        dir
    }

    #[test]
    fn code_uri_to_binary() {
        let dir = crate_dir(
            "plain",
            "[package]\nname = \"create-event\"\nversion = \"0.1.0\"\n",
        );
        let code = FunctionCode::locate(
            "F",
            dir.parent().expect("parent"),
            &json!(dir.file_name().expect("name").to_str()),
            &Map::new(),
        )
        .expect("locates");
        assert_eq!(code.package_name, "create-event");
        assert_eq!(code.binary_name, "create-event");
        assert_eq!(
            code.binary_path(Path::new("/w/target"), "debug"),
            PathBuf::from("/w/target/debug/create-event")
        );

        let dir = crate_dir(
            "bin",
            "[package]\nname = \"pkg\"\n[[bin]]\nname = \"bootstrap\"\npath = \"src/main.rs\"\n",
        );
        let code = FunctionCode::locate("F", Path::new("/"), &json!(dir.to_str()), &Map::new())
            .expect("locates");
        assert_eq!(code.binary_name, "bootstrap");

        let metadata =
            json!({"BuildMethod": "rust-cargolambda", "BuildProperties": {"Binary": "other"}});
        let code = FunctionCode::locate(
            "F",
            Path::new("/"),
            &json!(dir.to_str()),
            metadata.as_object().expect("map"),
        )
        .expect("locates");
        assert_eq!(code.binary_name, "other");
        assert_eq!(code.package_name, "pkg");
    }

    #[test]
    fn code_uri_problems_are_clear() {
        let err = FunctionCode::locate("F", Path::new("/"), &json!({"Bucket": "b"}), &Map::new())
            .unwrap_err();
        assert!(err.to_string().contains("CodeUri"), "{err}");
        let err = FunctionCode::locate("F", Path::new("/nonexistent"), &json!("fn"), &Map::new())
            .unwrap_err();
        assert!(
            err.to_string().contains("/nonexistent/fn/Cargo.toml"),
            "{err}"
        );
        let dir = crate_dir("broken", "[package\n");
        let err = FunctionCode::locate("F", Path::new("/"), &json!(dir.to_str()), &Map::new())
            .unwrap_err();
        assert!(err.to_string().contains("not a valid Cargo.toml"), "{err}");
    }

    #[test]
    fn settings_defaults_and_limits() {
        let settings = FunctionSettings::from_properties(
            "F",
            json!({"Environment": {"Variables": {"TABLE": "t", "N": 1}}, "Timeout": "5"})
                .as_object()
                .expect("map"),
        )
        .expect("reads");
        assert_eq!(settings.memory_size_mb, 128);
        assert_eq!(settings.timeout, Duration::from_secs(5));
        assert_eq!(settings.handler, "bootstrap");
        assert_eq!(settings.environment["N"], "1");
        assert!(
            !settings.tracing_active,
            "X-Ray is off unless Tracing: Active"
        );
        assert_eq!(
            settings.async_invocation,
            AsyncInvocationSettings::default()
        );
        let settings = FunctionSettings::from_properties(
            "F",
            json!({
                "EventInvokeConfig": {"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 120,
                    "DestinationConfig": {"OnFailure": {"Type": "SQS", "Destination": "arn:q"}}},
                "DeadLetterQueue": {"Type": "SQS", "TargetArn": "arn:dlq"}
            })
            .as_object()
            .expect("map"),
        )
        .expect("reads");
        assert_eq!(
            settings.async_invocation,
            AsyncInvocationSettings {
                maximum_retry_attempts: 0,
                maximum_event_age: Duration::from_secs(120),
                on_failure_destination: Some("arn:q".into()),
                dead_letter_queue: Some("arn:dlq".into()),
            }
        );
        for bad in [
            json!({"EventInvokeConfig": {"MaximumRetryAttempts": 3}}),
            json!({"EventInvokeConfig": {"MaximumEventAgeInSeconds": 10}}),
            json!({"DeadLetterQueue": {"Type": "SNS", "TargetArn": "arn:t"}}),
            json!({"Timeout": 0}),
            json!({"MemorySize": 64}),
            json!({"Environment": {"Variables": {"1BAD": "x"}}}),
            json!({"Environment": {"Variables": {"LIST": ["x"]}}}),
        ] {
            assert!(
                FunctionSettings::from_properties("F", bad.as_object().expect("map")).is_err(),
                "{bad}"
            );
        }
    }
}
