//! Business counts as CloudWatch Embedded Metric Format (EMF) documents on stdout, which Lambda
//! hands to CloudWatch Logs and CloudWatch turns into metrics: no API call, no extra latency.
//!
//! Every metric has the dimension `function` (`AWS_LAMBDA_FUNCTION_NAME`); business counts add
//! `event` (the event's slug) and some a kind (`decision`, `kind`, `statusClass`). The namespace
//! is `METRICS_NAMESPACE` (template.yaml's Globals); without it nothing is recorded (unit tests,
//! tools). Counts accumulate during an invocation and are written once when it ends
//! ([`crate::invocation`]): one line per set of dimension values.
//!
//! One named function per business fact, so that a metric's name and dimensions are spelled in
//! one place for all functions.

use std::io::Write;
use std::sync::OnceLock;

use metrics::counter;
use metrics_cloudwatch_embedded::Collector;

use crate::log_context::is_identifier;

/// The variable naming the metrics' CloudWatch namespace.
pub const NAMESPACE_VARIABLE: &str = "METRICS_NAMESPACE";
/// The dimension naming the function.
pub const FUNCTION_DIMENSION: &str = "function";
/// The dimension naming the event (its slug).
pub const EVENT_DIMENSION: &str = "event";
/// The EMF property carrying the invocation's X-Ray trace id (`1-...`), to go from a metric's
/// log line to its trace.
pub const TRACE_ID_PROPERTY: &str = "traceId";

static COLLECTOR: OnceLock<&'static Collector> = OnceLock::new();

/// Why metrics could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    #[error("cannot install the EMF metrics recorder: {0}")]
    Recorder(String),
}

/// Installs the EMF recorder when `METRICS_NAMESPACE` is set; otherwise every count is a no-op.
pub fn init_metrics() -> Result<(), MetricsError> {
    let Some(namespace) = std::env::var(NAMESPACE_VARIABLE)
        .ok()
        .filter(|n| !n.is_empty())
    else {
        return Ok(());
    };
    let function = std::env::var("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_default();
    install(&namespace, &function).map(|_| ())
}

/// The process-wide collector (the `metrics` facade has one global recorder); a second call keeps
/// the first.
fn install(namespace: &str, function: &str) -> Result<&'static Collector, MetricsError> {
    if let Some(collector) = COLLECTOR.get() {
        return Ok(collector);
    }
    let collector = metrics_cloudwatch_embedded::Builder::new()
        .cloudwatch_namespace(namespace.to_owned())
        .with_dimension(FUNCTION_DIMENSION, function.to_owned())
        .init()
        .map_err(|e| MetricsError::Recorder(e.to_string()))?;
    Ok(*COLLECTOR.get_or_init(|| collector))
}

/// Writes what was counted since the last flush as EMF lines on stdout, tagged with the current
/// X-Ray trace. Nothing when nothing was counted or metrics are off. Never fails the caller: a
/// lost metric line must not fail the invocation.
pub fn flush() {
    let Some(collector) = COLLECTOR.get() else {
        return;
    };
    match current_trace_root() {
        Some(root) => collector.set_property(TRACE_ID_PROPERTY, root),
        None => collector.remove_property(TRACE_ID_PROPERTY),
    };
    // One write of whole lines, so that no log line of another thread lands inside a document.
    let mut lines = Vec::new();
    if let Err(error) = collector.flush(&mut lines) {
        tracing::warn!(%error, "metrics not written");
        return;
    }
    if !lines.is_empty() {
        let mut stdout = std::io::stdout().lock();
        if let Err(error) = stdout.write_all(&lines).and_then(|()| stdout.flush()) {
            tracing::warn!(%error, "metrics not written");
        }
    }
}

/// `1-5759e988-bd862e3fe1be46a994272793` of the invocation's `_X_AMZN_TRACE_ID`.
fn current_trace_root() -> Option<String> {
    let header = std::env::var("_X_AMZN_TRACE_ID").ok()?;
    crate::xray::TraceHeader::parse(&header).map(|h| h.root)
}

/// A label value only when shaped like an identifier: values may come from a caller, and an
/// address must never become a dimension.
fn event_label(event: &str) -> Vec<(&'static str, String)> {
    if is_identifier(event) {
        vec![(EVENT_DIMENSION, event.to_owned())]
    } else {
        Vec::new()
    }
}

/// Counts `n` of `name` with the event first among the dimensions, then `labels`.
fn count(name: &'static str, labels: Vec<(&'static str, String)>, event: &str, n: u64) {
    let mut all = event_label(event);
    all.extend(labels);
    counter!(name, &all).increment(n);
}

/// A speaker submitted a proposal (`ProposalsSubmitted`).
pub fn proposal_submitted(event: &str) {
    count("ProposalsSubmitted", Vec::new(), event, 1);
}

/// A speaker edited a proposal (`ProposalsUpdated`).
pub fn proposal_updated(event: &str) {
    count("ProposalsUpdated", Vec::new(), event, 1);
}

/// A speaker withdrew a proposal (`ProposalsWithdrawn`).
pub fn proposal_withdrawn(event: &str) {
    count("ProposalsWithdrawn", Vec::new(), event, 1);
}

/// An organiser decided on a proposal (`ProposalsDecided`, dimension `decision`: its new status).
pub fn proposal_decided(event: &str, decision: &str) {
    let labels = if is_identifier(decision) {
        vec![("decision", decision.to_owned())]
    } else {
        Vec::new()
    };
    count("ProposalsDecided", labels, event, 1);
}

/// Which email.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailKind {
    /// "We received your proposal."
    Submitted,
    /// The organisers' decision.
    Decision,
}

impl EmailKind {
    fn as_str(self) -> &'static str {
        match self {
            EmailKind::Submitted => "submitted",
            EmailKind::Decision => "decision",
        }
    }
}

/// An email went out (`EmailsSent`, dimension `kind`).
pub fn email_sent(event: &str, kind: EmailKind) {
    count("EmailsSent", vec![("kind", kind.as_str().into())], event, 1);
}

/// Sending an email failed; the record is retried (`EmailSendFailures`, dimension `kind`).
pub fn email_send_failed(event: &str, kind: EmailKind) {
    count(
        "EmailSendFailures",
        vec![("kind", kind.as_str().into())],
        event,
        1,
    );
}

/// An organiser created an event (`EventsCreated`).
pub fn event_created(event: &str) {
    count("EventsCreated", Vec::new(), event, 1);
}

/// An organiser released a schedule (`ScheduleReleases`).
pub fn schedule_released(event: &str) {
    count("ScheduleReleases", Vec::new(), event, 1);
}

/// A search of an event's talks was answered (`Searches`).
pub fn search_answered(event: &str) {
    count("Searches", Vec::new(), event, 1);
}

/// A speaker's uploaded picture was processed (`PicturesProcessed`).
pub fn picture_processed(event: &str) {
    count("PicturesProcessed", Vec::new(), event, 1);
}

/// A domain event went out on the CfP events topic (`DomainEventsPublished`, dimension `kind`:
/// its type, e.g. `TalkConfirmed`).
pub fn domain_event_published(event: &str, kind: &str) {
    let labels = if is_identifier(kind) {
        vec![("kind", kind.to_owned())]
    } else {
        Vec::new()
    };
    count("DomainEventsPublished", labels, event, 1);
}

/// Records of a batch that failed and go back to their source (`RecordsFailed`); zero counts
/// nothing.
pub fn records_failed(records: usize) {
    if records > 0 {
        counter!("RecordsFailed").increment(u64::try_from(records).unwrap_or(u64::MAX));
    }
}

/// An HTTP answer with a 4xx or 5xx status (`ProblemsReturned`, dimension `statusClass`).
pub fn problem_returned(status: u16) {
    let class = match status {
        400..=499 => "4xx",
        500..=599 => "5xx",
        _ => return,
    };
    counter!("ProblemsReturned", "statusClass" => class).increment(1);
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use serde_json::Value;

    use super::*;

    /// The recorder is global to the process: tests that count and flush take turns.
    static TURN: Mutex<()> = Mutex::new(());

    fn documents(count: impl FnOnce()) -> Vec<Value> {
        let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
        let collector = install("cfp-test", "cfp-dev-CreateCfp").expect("the recorder");
        let mut stale = Vec::new();
        collector.flush(&mut stale).expect("flush");
        count();
        let mut lines = Vec::new();
        collector.flush(&mut lines).expect("flush");
        String::from_utf8(lines)
            .expect("UTF-8")
            .lines()
            .map(|line| serde_json::from_str(line).expect("each line is one JSON document"))
            .collect()
    }

    fn directive(document: &Value) -> &Value {
        &document["_aws"]["CloudWatchMetrics"][0]
    }

    #[test]
    fn a_submission_is_one_emf_document_with_the_function_and_the_event() {
        let documents = documents(|| proposal_submitted("devconf-2027"));
        assert_eq!(documents.len(), 1, "{documents:?}");
        let document = &documents[0];
        assert!(
            document["_aws"]["Timestamp"].as_u64().is_some(),
            "{document}"
        );
        let directive = directive(document);
        assert_eq!(directive["Namespace"], "cfp-test");
        assert_eq!(
            directive["Dimensions"],
            serde_json::json!([["function", "event"]])
        );
        assert_eq!(
            directive["Metrics"],
            serde_json::json!([{"Name": "ProposalsSubmitted"}])
        );
        assert_eq!(document["function"], "cfp-dev-CreateCfp");
        assert_eq!(document["event"], "devconf-2027");
        assert_eq!(document["ProposalsSubmitted"], 1);
    }

    #[test]
    fn counts_of_one_invocation_add_up_and_each_dimension_set_is_one_document() {
        let documents = documents(|| {
            email_sent("devconf-2027", EmailKind::Submitted);
            email_sent("devconf-2027", EmailKind::Submitted);
            proposal_decided("devconf-2027", "confirmed");
            problem_returned(409);
            problem_returned(200);
        });
        assert_eq!(documents.len(), 3, "{documents:?}");
        let emails = documents
            .iter()
            .find(|d| d.get("EmailsSent").is_some())
            .expect("the emails' document");
        assert_eq!(emails["EmailsSent"], 2);
        assert_eq!(emails["kind"], "submitted");
        assert_eq!(
            directive(emails)["Dimensions"],
            serde_json::json!([["function", "event", "kind"]])
        );
        let decided = documents
            .iter()
            .find(|d| d.get("ProposalsDecided").is_some())
            .expect("the decision's document");
        assert_eq!(decided["decision"], "confirmed");
        let problems = documents
            .iter()
            .find(|d| d.get("ProblemsReturned").is_some())
            .expect("the problems' document");
        assert_eq!(problems["ProblemsReturned"], 1, "a 200 is no problem");
        assert_eq!(problems["statusClass"], "4xx");
        assert!(problems.get("event").is_none(), "{problems}");
    }

    #[test]
    fn an_address_never_becomes_a_dimension() {
        let documents = documents(|| proposal_submitted("ada@example.org"));
        assert_eq!(documents.len(), 1, "{documents:?}");
        let text = documents[0].to_string();
        assert!(!text.contains("ada@example.org"), "{text}");
        assert_eq!(
            directive(&documents[0])["Dimensions"],
            serde_json::json!([["function"]])
        );
    }

    #[test]
    fn nothing_counted_writes_nothing() {
        assert!(documents(|| records_failed(0)).is_empty());
    }
}
