//! The runner's REPORT lines, read back as Lambda's own figures for one invocation: Duration,
//! Max Memory Used (the process's VmHWM) and, on a cold start, Init Duration (from exec to the
//! runtime's first `GET /runtime/invocation/next`).

use std::collections::HashMap;
use std::sync::Mutex;

use cfp_local::lambda::LogSink;

/// What one REPORT line says.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportLine {
    pub request_id: String,
    pub duration_ms: f64,
    pub max_memory_used_mb: u64,
    pub init_duration_ms: Option<f64>,
    /// `timeout` or `error` when the invocation did not end normally.
    pub status: Option<String>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ReportLineError {
    #[error("not a REPORT line")]
    NotAReport,
    #[error("REPORT line without {0}")]
    Missing(&'static str),
    #[error("REPORT line with a bad {field}: {value:?}")]
    BadNumber { field: &'static str, value: String },
}

fn number<T: std::str::FromStr>(
    field: &'static str,
    value: Option<&str>,
    unit: &str,
) -> Result<Option<T>, ReportLineError> {
    value
        .map(|v| {
            v.strip_suffix(unit)
                .map(str::trim)
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| ReportLineError::BadNumber {
                    field,
                    value: v.to_owned(),
                })
        })
        .transpose()
}

/// Parses `REPORT RequestId: <id>\tDuration: 1.23 ms\t...` (fields separated by tabs).
pub fn parse_report_line(line: &str) -> Result<ReportLine, ReportLineError> {
    let rest = line
        .strip_prefix("REPORT ")
        .ok_or(ReportLineError::NotAReport)?;
    let fields: HashMap<&str, &str> = rest
        .split('\t')
        .filter_map(|field| field.split_once(": "))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect();
    let request_id = fields
        .get("RequestId")
        .ok_or(ReportLineError::Missing("RequestId"))?;
    let duration_ms = number("Duration", fields.get("Duration").copied(), "ms")?
        .ok_or(ReportLineError::Missing("Duration"))?;
    let max_memory_used_mb = number(
        "Max Memory Used",
        fields.get("Max Memory Used").copied(),
        "MB",
    )?
    .ok_or(ReportLineError::Missing("Max Memory Used"))?;
    let init_duration_ms = number("Init Duration", fields.get("Init Duration").copied(), "ms")?;
    Ok(ReportLine {
        request_id: (*request_id).to_owned(),
        duration_ms,
        max_memory_used_mb,
        init_duration_ms,
        status: fields.get("Status").map(|s| (*s).to_owned()),
    })
}

/// A log sink that keeps the REPORT line of every invocation by request id (and drops the rest:
/// the functions' own log lines are not measured).
#[derive(Debug, Default)]
pub struct ReportCollector {
    reports: Mutex<HashMap<String, ReportLine>>,
}

impl ReportCollector {
    /// The REPORT of the invocation `request_id`, if it has been written.
    pub fn report(&self, request_id: &str) -> Option<ReportLine> {
        self.reports
            .lock()
            .ok()
            .and_then(|reports| reports.get(request_id).cloned())
    }
}

impl LogSink for ReportCollector {
    fn line(&self, function: &str, line: &str) {
        if !line.starts_with("REPORT ") {
            return;
        }
        match parse_report_line(line) {
            Ok(report) => {
                if let Ok(mut reports) = self.reports.lock() {
                    reports.insert(report.request_id.clone(), report);
                }
            }
            Err(err) => tracing::warn!(%function, %err, line, "unreadable REPORT line"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_cold_and_a_warm_report() {
        let cold = parse_report_line(
            "REPORT RequestId: abc\tDuration: 12.34 ms\tBilled Duration: 21 ms\tMemory Size: 128 MB\tMax Memory Used: 9 MB\tInit Duration: 8.21 ms\tStatus: error\tError Type: Runtime.ExitError",
        )
        .unwrap();
        assert_eq!(
            cold,
            ReportLine {
                request_id: "abc".into(),
                duration_ms: 12.34,
                max_memory_used_mb: 9,
                init_duration_ms: Some(8.21),
                status: Some("error".into()),
            }
        );
        let warm = parse_report_line(
            "REPORT RequestId: d-1\tDuration: 0.50 ms\tBilled Duration: 1 ms\tMemory Size: 256 MB\tMax Memory Used: 14 MB",
        )
        .unwrap();
        assert_eq!(warm.init_duration_ms, None);
        assert_eq!(warm.max_memory_used_mb, 14);
    }

    #[test]
    fn the_runners_own_lines_round_trip() {
        use cfp_local::lambda::report::{Report, report_line};
        let line = report_line(&Report {
            request_id: "r-1",
            duration: std::time::Duration::from_micros(3_450),
            memory_size_mb: 128,
            max_memory_used_mb: 11,
            init_duration: Some(std::time::Duration::from_micros(7_020)),
            status: None,
            error_type: None,
        });
        let parsed = parse_report_line(&line).unwrap();
        assert_eq!(parsed.duration_ms, 3.45);
        assert_eq!(parsed.init_duration_ms, Some(7.02));
        assert_eq!(parsed.max_memory_used_mb, 11);
    }

    #[test]
    fn refuses_what_is_no_report() {
        assert_eq!(
            parse_report_line("START RequestId: x Version: $LATEST"),
            Err(ReportLineError::NotAReport)
        );
        assert_eq!(
            parse_report_line("REPORT RequestId: x\tMax Memory Used: 9 MB"),
            Err(ReportLineError::Missing("Duration"))
        );
        assert!(matches!(
            parse_report_line("REPORT RequestId: x\tDuration: fast ms\tMax Memory Used: 9 MB"),
            Err(ReportLineError::BadNumber {
                field: "Duration",
                ..
            })
        ));
    }

    #[test]
    fn the_collector_keeps_reports_by_request_id() {
        let sink = ReportCollector::default();
        sink.line("F", "START RequestId: a Version: $LATEST");
        sink.line("F", "{\"level\":\"INFO\"}");
        sink.line(
            "F",
            "REPORT RequestId: a\tDuration: 1.00 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 9 MB",
        );
        assert_eq!(sink.report("a").map(|r| r.max_memory_used_mb), Some(9));
        assert_eq!(sink.report("b"), None);
    }
}
