//! Cold starts: each run gets a Lambda service of its own with one function (the runner's code,
//! so the instance is spawned, timed and measured exactly as on the stack), invokes the function's
//! sample once and stops. Its REPORT line carries Init Duration (exec to the first
//! `GET /2018-06-01/runtime/invocation/next`) and Max Memory Used.

use std::collections::BTreeMap;
use std::sync::Arc;

use cfp_local::lambda::{FunctionConfig, LambdaService, LambdaSettings};

use crate::invocation::{Run, measure};
use crate::report_lines::ReportCollector;
use crate::samples::SampleCall;

/// `runs` cold starts of every function of `configs` that has a call in `sequence` (its first).
pub async fn cold_starts(
    configs: &[FunctionConfig],
    settings: &LambdaSettings,
    reports: &Arc<ReportCollector>,
    sequence: &[SampleCall],
    runs: usize,
) -> BTreeMap<String, Vec<Run>> {
    let mut measured = BTreeMap::new();
    for config in configs {
        let Some(call) = sequence.iter().find(|c| c.function == config.package_name) else {
            continue;
        };
        eprintln!("cfp-bench: {runs} cold starts of {}", config.package_name);
        let mut function_runs = Vec::with_capacity(runs);
        for _ in 0..runs {
            let mut settings = settings.clone();
            settings.log_sink = reports.clone();
            let service = LambdaService::new(vec![config.clone()], settings);
            function_runs.push(measure(&service, reports, call).await);
            service.shutdown().await;
        }
        measured.insert(config.package_name.clone(), function_runs);
    }
    measured
}
