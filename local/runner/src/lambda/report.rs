//! The platform lines Lambda writes around each invocation: START, END and REPORT.

use std::time::Duration;

/// What a REPORT line tells about one invocation.
#[derive(Debug, Clone, PartialEq)]
pub struct Report<'a> {
    pub request_id: &'a str,
    pub duration: Duration,
    pub memory_size_mb: u32,
    pub max_memory_used_mb: u64,
    /// Only on a cold start.
    pub init_duration: Option<Duration>,
    /// `timeout` or `error` when the invocation did not end normally.
    pub status: Option<&'a str>,
    pub error_type: Option<&'a str>,
}

pub fn start_line(request_id: &str) -> String {
    format!("START RequestId: {request_id} Version: $LATEST")
}

pub fn end_line(request_id: &str) -> String {
    format!("END RequestId: {request_id}")
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// `REPORT RequestId: <id>\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\t
/// Max Memory Used: 9 MB\tInit Duration: 8.21 ms` - Lambda separates the fields with tabs.
/// For an OS-only runtime (provided.al2023) Lambda bills the init phase as well, so the billed
/// duration is the rounded-up sum of both.
pub fn report_line(report: &Report<'_>) -> String {
    let billed = millis(report.duration + report.init_duration.unwrap_or_default()).ceil() as u64;
    let mut line = format!(
        "REPORT RequestId: {}\tDuration: {:.2} ms\tBilled Duration: {} ms\tMemory Size: {} MB\tMax Memory Used: {} MB",
        report.request_id,
        millis(report.duration),
        billed.max(1),
        report.memory_size_mb,
        report.max_memory_used_mb,
    );
    if let Some(init) = report.init_duration {
        line.push_str(&format!("\tInit Duration: {:.2} ms", millis(init)));
    }
    if let Some(status) = report.status {
        line.push_str(&format!("\tStatus: {status}"));
    }
    if let Some(error_type) = report.error_type {
        line.push_str(&format!("\tError Type: {error_type}"));
    }
    line
}

/// The line Lambda writes when an invocation runs out of time.
pub fn timeout_line(request_id: &str, timeout: Duration) -> String {
    format!(
        "{} {request_id} Task timed out after {:.2} seconds",
        chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ"),
        timeout.as_secs_f64()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_lines_have_lambdas_shape() {
        let warm = Report {
            request_id: "abc",
            duration: Duration::from_micros(12_340),
            memory_size_mb: 128,
            max_memory_used_mb: 9,
            init_duration: None,
            status: None,
            error_type: None,
        };
        assert_eq!(
            report_line(&warm),
            "REPORT RequestId: abc\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 9 MB"
        );
        let cold = Report {
            init_duration: Some(Duration::from_micros(8_210)),
            status: Some("error"),
            error_type: Some("Runtime.ExitError"),
            ..warm
        };
        assert_eq!(
            report_line(&cold),
            "REPORT RequestId: abc\tDuration: 12.34 ms\tBilled Duration: 21 ms\tMemory Size: 128 MB\tMax Memory Used: 9 MB\tInit Duration: 8.21 ms\tStatus: error\tError Type: Runtime.ExitError"
        );
        assert_eq!(start_line("abc"), "START RequestId: abc Version: $LATEST");
        assert_eq!(end_line("abc"), "END RequestId: abc");
        assert!(
            timeout_line("abc", Duration::from_secs(1))
                .ends_with(" abc Task timed out after 1.00 seconds")
        );
    }
}
