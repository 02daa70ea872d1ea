//! One measured invocation: the round trip as the caller of the Lambda service sees it, and the
//! REPORT line the service wrote for it.

use std::time::Instant;

use cfp_local::lambda::{InvokeRequest, LambdaService};
use serde::{Deserialize, Serialize};

use crate::report_lines::ReportCollector;
use crate::samples::{SampleCall, answer_status};

/// What one invocation measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// From the call to the answer, through the runner's Invoke path and Runtime API.
    pub round_trip_ms: f64,
    /// Lambda's Duration: from the runtime fetching the invocation to its answer.
    pub duration_ms: Option<f64>,
    /// Lambda's Init Duration, on a cold start: exec to the first `/runtime/invocation/next`.
    pub init_ms: Option<f64>,
    /// Lambda's Max Memory Used (VmHWM), MB.
    pub max_memory_mb: Option<u64>,
    /// The HTTP status of an API Gateway answer.
    pub status: Option<u16>,
    /// Why the invocation failed, if it did.
    pub error: Option<String>,
}

/// Invokes `call` on `service` and reads its REPORT line from `reports`.
pub async fn measure(service: &LambdaService, reports: &ReportCollector, call: &SampleCall) -> Run {
    measure_with_answer(service, reports, call).await.0
}

/// [`measure`], with the function's answer (empty when it failed).
pub async fn measure_with_answer(
    service: &LambdaService,
    reports: &ReportCollector,
    call: &SampleCall,
) -> (Run, bytes::Bytes) {
    let started = Instant::now();
    let result = service
        .invoke_request(
            &call.function,
            InvokeRequest {
                payload: call.payload.clone(),
                ..InvokeRequest::default()
            },
        )
        .await;
    let round_trip_ms = started.elapsed().as_secs_f64() * 1000.0;
    let report = reports.report(&result.request_id);
    let (status, error) = match &result.result {
        Ok(body) => (answer_status(body), None),
        Err(err) => (None, Some(err.to_string())),
    };
    let answer = result.result.unwrap_or_default();
    let run = Run {
        round_trip_ms,
        duration_ms: report.as_ref().map(|r| r.duration_ms),
        init_ms: report.as_ref().and_then(|r| r.init_duration_ms),
        max_memory_mb: report.as_ref().map(|r| r.max_memory_used_mb),
        status,
        error,
    };
    (run, answer)
}
