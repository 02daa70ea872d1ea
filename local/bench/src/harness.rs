//! The local stack, run by the runner's own code with release binaries: moto, the template's
//! resources and the Lambda service, in this process. The runner finds a function's binary at
//! `<target_dir>/<profile>/<binary>`; cargo-lambda writes `<lambda_dir>/<binary>/bootstrap`, so a
//! directory of links bridges the two without changing the runner.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use cfp_local::lambda::{FunctionConfig, LambdaSettings, LogSink};
use cfp_local::local_stack::{AwsEndpoint, LocalStack, LocalStackOptions};
use cfp_local::stack_resources::StackResources;
use cfp_local::template::{ParameterValues, Scope, StackSettings, Template, evaluate_conditions};
use cfp_local::wiring::{function_configs, locate_functions, resolve_functions};
use cfp_local_event_sources::AsyncTiming;

/// A set of function binaries as the runner looks for them.
#[derive(Debug, Clone)]
pub struct BinarySet {
    pub target_dir: PathBuf,
    pub profile: String,
}

impl BinarySet {
    /// Links `<links_root>/<name>/<binary>` to each `<lambda_dir>/<binary>/bootstrap`.
    pub fn link_lambda_dir(
        lambda_dir: &Path,
        links_root: &Path,
        name: &str,
    ) -> anyhow::Result<Self> {
        let dir = links_root.join(name);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let entries = std::fs::read_dir(lambda_dir)
            .with_context(|| format!("reading {}", lambda_dir.display()))?;
        for entry in entries.flatten() {
            let bootstrap = entry.path().join("bootstrap");
            if !bootstrap.is_file() {
                continue;
            }
            let link = dir.join(entry.file_name());
            if link.symlink_metadata().is_ok() {
                std::fs::remove_file(&link)
                    .with_context(|| format!("replacing {}", link.display()))?;
            }
            let target = std::path::absolute(&bootstrap).unwrap_or(bootstrap);
            std::os::unix::fs::symlink(&target, &link)
                .with_context(|| format!("linking {}", link.display()))?;
        }
        Ok(BinarySet {
            target_dir: links_root.to_owned(),
            profile: name.to_owned(),
        })
    }
}

fn stack_settings() -> StackSettings {
    StackSettings {
        stack_name: "cfp-bench".to_owned(),
        region: StackSettings::DEFAULT_REGION.to_owned(),
        account_id: StackSettings::MOTO_ACCOUNT_ID.to_owned(),
    }
}

/// Starts the whole local stack (moto from `moto_server`) running `binaries`.
pub async fn start_stack(
    template: &Path,
    binaries: &BinarySet,
    moto_server: &Path,
    log_sink: Arc<dyn LogSink>,
) -> anyhow::Result<LocalStack> {
    let options = LocalStackOptions {
        template: template.to_owned(),
        target_dir: binaries.target_dir.clone(),
        profile: binaries.profile.clone(),
        aws: AwsEndpoint::StartMoto(moto_server.to_owned()),
        api_port: 0,
        lambda_port: 0,
        stack: stack_settings(),
        parameter_overrides: Vec::new(),
        max_instances: 10,
        queue_timeout: Duration::from_secs(30),
        async_timing: AsyncTiming::default(),
        log_sink,
        faults: Default::default(),
        state_dir: None,
    };
    LocalStack::start(options)
        .await
        .context("cannot start the local stack")
}

/// Every function as the Lambda service runs it in `stack`, with the binaries of `binaries`:
/// the same resolution `LocalStack::start` does, so a measurement outside the stack's own
/// service gets exactly the environment the function gets there.
pub fn function_configs_for(
    template: &Path,
    stack: &LocalStack,
    binaries: &BinarySet,
) -> anyhow::Result<Vec<FunctionConfig>> {
    let template = Template::load(template)?;
    let settings = stack_settings();
    let parameters = ParameterValues::resolve(&template.parameters, &[])?;
    let conditions = evaluate_conditions(
        &template.conditions,
        &template.mappings,
        &settings,
        &parameters,
    )?;
    let scope = Scope {
        stack: &settings,
        parameters: &parameters,
        conditions: &conditions,
        mappings: &template.mappings,
    };
    let located = locate_functions(
        &template,
        scope,
        &StackResources::new(),
        &binaries.target_dir,
        &binaries.profile,
    )?;
    let resolved = resolve_functions(&template, scope, &stack.resources, &located)?;
    Ok(function_configs(&resolved, 1))
}

/// The settings the stack's own Lambda service uses, with `log_sink`.
pub fn lambda_settings(stack: &LocalStack, log_sink: Arc<dyn LogSink>) -> LambdaSettings {
    LambdaSettings::new(&stack.info.region, &stack.info.aws_endpoint, log_sink)
}
