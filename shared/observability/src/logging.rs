//! The log line format: one JSON object per line on stdout.

use json_subscriber::JsonLayer;
use tracing::Subscriber;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::time::SystemTime;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;

/// The key of the function's name in every line (`AWS_LAMBDA_FUNCTION_NAME`).
pub const FUNCTION_NAME_FIELD: &str = "functionName";

/// JSON lines on stdout, filtered by `RUST_LOG` (default `info`). Each line carries the fields
/// of the spans it was logged in at the top level: the Lambda runtime's span gives `requestId`
/// and `xrayTraceId`, a [`crate::LogContext`] span `eventSlug`, `proposalId` and `talkId`.
pub fn init_logging() {
    let function = std::env::var("AWS_LAMBDA_FUNCTION_NAME").ok();
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // A second initialisation (as in tests) keeps the first subscriber instead of panicking.
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(json_lines(function.as_deref(), std::io::stdout))
        .try_init();
}

/// The formatting layer of [`init_logging`], writing to `writer`.
///
/// Span fields and event fields share the top level, so span fields are named so that no event
/// field clashes with them (`eventSlug`, not `event`, which some events use for other things).
pub fn json_lines<S, W>(function: Option<&str>, writer: W) -> JsonLayer<S, W>
where
    S: Subscriber + for<'lookup> LookupSpan<'lookup>,
    W: for<'writer> MakeWriter<'writer> + 'static,
{
    let mut layer = JsonLayer::new(writer);
    layer
        .with_timer("timestamp", SystemTime)
        .with_level("level")
        .with_flattened_event()
        .with_top_level_flattened_span_list();
    if let Some(function) = function {
        layer.add_static_field(FUNCTION_NAME_FIELD, serde_json::Value::from(function));
    }
    layer
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use serde_json::Value;
    use tracing_subscriber::layer::SubscriberExt;

    use super::*;
    use crate::LogContext;

    /// Collects what the layer writes.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn lines_of(log: impl FnOnce()) -> Vec<Value> {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::registry()
            .with(json_lines(Some("cfp-dev-CreateCfp"), move || {
                writer.clone()
            }));
        tracing::subscriber::with_default(subscriber, log);
        let bytes = captured.0.lock().expect("lock").clone();
        String::from_utf8(bytes)
            .expect("UTF-8")
            .lines()
            .map(|line| serde_json::from_str(line).expect("each line is one JSON object"))
            .collect()
    }

    #[test]
    fn a_line_carries_the_request_id_the_function_and_the_context_at_the_top_level() {
        let lines = lines_of(|| {
            // As lambda_runtime opens it for each invocation.
            let invocation = tracing::info_span!(
                "Lambda runtime invoke",
                requestId = "8476a536-e9f4-11e8-9739-2dfe598c3fcd",
                xrayTraceId = "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700"
            );
            let _invocation = invocation.enter();
            let context = LogContext {
                event: Some("devconf-2027"),
                proposal: Some("019a4b2c-7d10-7e3a-9b1c-2d3e4f5a6b7c"),
                talk: None,
            };
            let _context = context.span().entered();
            tracing::info!(version = 2, "proposal edited");
        });
        assert_eq!(lines.len(), 1, "{lines:?}");
        let line = &lines[0];
        assert_eq!(line["message"], "proposal edited");
        assert_eq!(line["level"], "INFO");
        assert_eq!(line["version"], 2);
        assert_eq!(line["requestId"], "8476a536-e9f4-11e8-9739-2dfe598c3fcd");
        assert_eq!(line["functionName"], "cfp-dev-CreateCfp");
        assert_eq!(line["eventSlug"], "devconf-2027");
        assert_eq!(line["proposalId"], "019a4b2c-7d10-7e3a-9b1c-2d3e4f5a6b7c");
        assert!(line.get("talkId").is_none(), "{line}");
        assert!(line["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')));
    }

    #[test]
    fn a_line_outside_any_span_still_names_the_function() {
        let lines = lines_of(|| tracing::warn!("cold start"));
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert_eq!(lines[0]["functionName"], "cfp-dev-CreateCfp");
        assert_eq!(lines[0]["level"], "WARN");
        assert!(lines[0].get("requestId").is_none());
    }
}
