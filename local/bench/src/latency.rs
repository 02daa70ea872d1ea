//! First and warm invocation latency on the local stack: the sample sequence runs once through
//! the stack's own Lambda service (seeding the data, every function's first call), then again
//! and again on the warm instances.

use std::collections::BTreeMap;

use cfp_local::local_stack::LocalStack;

use crate::invocation::{Run, measure};
use crate::report_lines::ReportCollector;
use crate::samples::SampleCall;

/// Every run of every call of the sequence, by label (`create-schedule/release` apart).
#[derive(Debug, Default)]
pub struct LatencyRuns {
    pub first: BTreeMap<String, Run>,
    pub warm: BTreeMap<String, Vec<Run>>,
}

/// Runs `sequence` once, then `warm_rounds` more times.
pub async fn run_sequence(
    stack: &LocalStack,
    reports: &ReportCollector,
    sequence: &[SampleCall],
    warm_rounds: usize,
) -> LatencyRuns {
    let mut runs = LatencyRuns::default();
    for call in sequence {
        let run = measure(&stack.lambda, reports, call).await;
        if let Some(error) = &run.error {
            tracing::warn!(function = %call.label, %error, "the first call failed");
        }
        runs.first.insert(call.label.clone(), run);
    }
    for round in 0..warm_rounds {
        if round % 10 == 0 {
            eprintln!("cfp-bench: warm round {}/{warm_rounds}", round + 1);
        }
        for call in sequence {
            let run = measure(&stack.lambda, reports, call).await;
            runs.warm.entry(call.label.clone()).or_default().push(run);
        }
    }
    runs
}
