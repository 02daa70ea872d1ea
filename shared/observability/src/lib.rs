//! How every function binary reports what it does: the same JSON log lines from all of them,
//! carrying the Lambda request id, the function's name and what the work is about; business
//! counts as CloudWatch EMF metrics; and its AWS SDK calls as X-Ray subsegments.

mod invocation;
mod log_context;
mod logging;
pub mod metrics;
mod xray;

pub use invocation::{http_invocation, invocation};
pub use log_context::{LogContext, http_request_span, record_proposal};
pub use logging::{FUNCTION_NAME_FIELD, init_logging, json_lines};
/// Re-exported so that functions can attach a [`LogContext`] span to a future without a
/// dependency of their own.
pub use tracing::Instrument;
pub use xray::{
    AttemptOutcome, DAEMON_ADDRESS_VARIABLE, TRACE_HEADER_VARIABLE, TraceHeader, XraySubsegments,
    begin_subsegment, finish_subsegment,
};

/// Everything a function's `main` sets up first: the JSON log lines and the EMF metrics.
pub fn init() {
    init_logging();
    if let Err(error) = metrics::init_metrics() {
        // Counts become no-ops; the function itself works on.
        tracing::error!(%error, "metrics are off");
    }
}
