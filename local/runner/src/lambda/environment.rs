//! The environment of a function instance: the template's variables plus what Lambda itself sets,
//! and nothing else of the runner's own environment beyond PATH, HOME and RUST_BACKTRACE.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use crate::aws_clients;

use super::config::{FunctionConfig, LambdaSettings};

/// Keys Lambda sets itself and refuses in a function's configuration.
pub const RESERVED_KEYS: &[&str] = &[
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_DEFAULT_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_LAMBDA_RUNTIME_API",
    "AWS_REGION",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "LAMBDA_RUNTIME_DIR",
    "LAMBDA_TASK_ROOT",
];

/// Variables passed on from the runner's own environment.
const INHERITED: &[&str] = &["PATH", "HOME", "RUST_BACKTRACE"];

/// The reserved keys a template sets for a function (Lambda rejects such a deployment).
pub fn reserved_keys_in(variables: &BTreeMap<String, String>) -> Vec<String> {
    variables
        .keys()
        .filter(|k| RESERVED_KEYS.contains(&k.as_str()))
        .cloned()
        .collect()
}

/// `2026/01/31/[$LATEST]<32 hex digits>`, the shape of a Lambda log stream name.
pub fn log_stream_name() -> String {
    format!(
        "{}/[$LATEST]{}",
        chrono::Utc::now().format("%Y/%m/%d"),
        uuid::Uuid::new_v4().simple()
    )
}

/// Every variable of one instance whose Runtime API listens on `runtime_api`.
pub fn instance_environment(
    config: &FunctionConfig,
    settings: &LambdaSettings,
    runtime_api: SocketAddr,
    log_stream: &str,
) -> BTreeMap<String, String> {
    let mut env: BTreeMap<String, String> = INHERITED
        .iter()
        .filter_map(|key| std::env::var(key).ok().map(|v| ((*key).to_owned(), v)))
        .collect();
    env.extend(config.environment.clone());
    let task_root = config
        .binary
        .parent()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let lambda: [(&str, String); 18] = [
        ("AWS_LAMBDA_RUNTIME_API", runtime_api.to_string()),
        ("AWS_LAMBDA_FUNCTION_NAME", config.function_name.clone()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
        (
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            config.memory_size_mb.to_string(),
        ),
        (
            "AWS_LAMBDA_LOG_GROUP_NAME",
            format!("/aws/lambda/{}", config.function_name),
        ),
        ("AWS_LAMBDA_LOG_STREAM_NAME", log_stream.to_owned()),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".to_owned()),
        ("AWS_REGION", settings.region.clone()),
        ("AWS_DEFAULT_REGION", settings.region.clone()),
        ("AWS_ACCESS_KEY_ID", aws_clients::ACCESS_KEY_ID.to_owned()),
        (
            "AWS_SECRET_ACCESS_KEY",
            aws_clients::SECRET_ACCESS_KEY.to_owned(),
        ),
        ("AWS_SESSION_TOKEN", aws_clients::SESSION_TOKEN.to_owned()),
        // The SDK's standard variable: production code needs no local-only path.
        ("AWS_ENDPOINT_URL", settings.aws_endpoint.clone()),
        ("_HANDLER", config.handler.clone()),
        ("LAMBDA_TASK_ROOT", task_root),
        ("LAMBDA_RUNTIME_DIR", "/var/runtime".to_owned()),
        ("TZ", ":UTC".to_owned()),
        ("LANG", "en_US.UTF-8".to_owned()),
    ];
    env.extend(lambda.into_iter().map(|(k, v)| (k.to_owned(), v)));
    env.extend(settings.service_endpoints.clone());
    if let (true, Some(daemon)) = (config.tracing_active, settings.xray_daemon) {
        env.insert("AWS_XRAY_DAEMON_ADDRESS".to_owned(), daemon.to_string());
    }
    env
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lambda::logs::MemorySink;
    use std::sync::Arc;
    use std::time::Duration;

    fn config(environment: BTreeMap<String, String>) -> FunctionConfig {
        FunctionConfig {
            logical_id: "Fn".into(),
            function_name: "cfp-local-Fn-ABC".into(),
            package_name: "fn".into(),
            function_arn: "arn:aws:lambda:eu-central-1:123456789012:function:cfp-local-Fn-ABC"
                .into(),
            binary: "/w/target/debug/fn".into(),
            handler: "bootstrap".into(),
            memory_size_mb: 256,
            timeout: Duration::from_secs(3),
            environment,
            max_concurrency: 1,
            tracing_active: false,
        }
    }

    #[test]
    fn lambda_variables_win_and_nothing_else_leaks() {
        let settings = LambdaSettings::new(
            "eu-central-1",
            "http://127.0.0.1:5000",
            Arc::new(MemorySink::default()),
        );
        let template_vars = BTreeMap::from([
            ("TABLE".to_owned(), "cfp-local-T-X".to_owned()),
            (
                "AWS_ENDPOINT_URL".to_owned(),
                "https://elsewhere".to_owned(),
            ),
        ]);
        let env = instance_environment(
            &config(template_vars),
            &settings,
            "127.0.0.1:4000".parse().expect("addr"),
            "s",
        );
        assert_eq!(env["TABLE"], "cfp-local-T-X");
        assert_eq!(env["AWS_ENDPOINT_URL"], "http://127.0.0.1:5000");
        assert_eq!(env["AWS_LAMBDA_RUNTIME_API"], "127.0.0.1:4000");
        assert_eq!(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "256");
        assert_eq!(
            env["AWS_LAMBDA_LOG_GROUP_NAME"],
            "/aws/lambda/cfp-local-Fn-ABC"
        );
        assert_eq!(env["LAMBDA_TASK_ROOT"], "/w/target/debug");
        assert_eq!(env["TZ"], ":UTC");
        for key in env.keys() {
            assert!(
                INHERITED.contains(&key.as_str())
                    || key == "TABLE"
                    || key.starts_with("AWS_")
                    || key.starts_with("LAMBDA_")
                    || ["_HANDLER", "TZ", "LANG"].contains(&key.as_str()),
                "unexpected {key}"
            );
        }
    }

    #[test]
    fn reserved_keys_are_found() {
        let vars = BTreeMap::from([
            ("AWS_REGION".to_owned(), "x".to_owned()),
            ("OK".to_owned(), "y".to_owned()),
        ]);
        assert_eq!(reserved_keys_in(&vars), vec!["AWS_REGION"]);
    }

    #[test]
    fn log_stream_has_lambdas_shape() {
        let name = log_stream_name();
        assert!(
            name.contains("/[$LATEST]") && name.len() == "2026/01/31/[$LATEST]".len() + 32,
            "{name}"
        );
    }
}
