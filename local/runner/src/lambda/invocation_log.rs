//! The recent invocations of each function, kept in a bounded ring for
//! `GET /_local/functions/{name}/invocations`: what a function was asked and what came of it.

use std::collections::VecDeque;

use serde::Serialize;
use serde_json::Value;

/// How an invocation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum InvocationOutcome {
    Success,
    FunctionError,
    Timeout,
    RuntimeExited,
    /// The function was at its concurrency limit; no handler ever saw the payload.
    Throttled,
}

/// One invocation, as the read-out shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InvocationRecord {
    pub request_id: String,
    pub function: String,
    pub received_at: chrono::DateTime<chrono::Utc>,
    /// The payload as JSON (or as a string when it was not JSON).
    pub payload: Value,
    pub outcome: InvocationOutcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
    pub duration_ms: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub init_duration_ms: Option<f64>,
    pub cold_start: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_pid: Option<u32>,
}

/// The last `capacity` invocations, oldest first.
#[derive(Debug)]
pub struct InvocationLog {
    capacity: usize,
    records: VecDeque<InvocationRecord>,
}

impl InvocationLog {
    pub fn new(capacity: usize) -> Self {
        InvocationLog {
            capacity,
            records: VecDeque::with_capacity(capacity.min(1024)),
        }
    }

    pub fn push(&mut self, record: InvocationRecord) {
        if self.capacity == 0 {
            return;
        }
        while self.records.len() >= self.capacity {
            self.records.pop_front();
        }
        self.records.push_back(record);
    }

    pub fn records(&self) -> Vec<InvocationRecord> {
        self.records.iter().cloned().collect()
    }
}

/// A payload as the log keeps it: parsed JSON, or the text itself.
pub fn payload_value(payload: &[u8]) -> Value {
    serde_json::from_slice(payload)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(payload).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(n: u32) -> InvocationRecord {
        InvocationRecord {
            request_id: n.to_string(),
            function: "F".into(),
            received_at: chrono::Utc::now(),
            payload: payload_value(b"{\"n\":1}"),
            outcome: InvocationOutcome::Success,
            error_type: None,
            duration_ms: 1.0,
            init_duration_ms: None,
            cold_start: false,
            instance_pid: Some(n),
        }
    }

    #[test]
    fn the_ring_keeps_the_newest() {
        let mut log = InvocationLog::new(2);
        for n in 0..5 {
            log.push(record(n));
        }
        let ids: Vec<String> = log.records().into_iter().map(|r| r.request_id).collect();
        assert_eq!(ids, vec!["3", "4"]);
    }

    #[test]
    fn payloads_and_serialization() {
        assert_eq!(payload_value(b"not json"), Value::String("not json".into()));
        let json = serde_json::to_value(record(1)).expect("serializes");
        assert_eq!(json["requestId"], "1");
        assert_eq!(json["outcome"], "Success");
        assert_eq!(json["payload"]["n"], 1);
        assert!(json.get("errorType").is_none());
    }
}
