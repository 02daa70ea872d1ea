//! How every function binary reports what it does: the same JSON log lines from all of them,
//! carrying the Lambda request id, the function's name and what the work is about.

mod log_context;
mod logging;

pub use log_context::{LogContext, http_request_span, record_proposal};
pub use logging::{FUNCTION_NAME_FIELD, init_logging, json_lines};
/// Re-exported so that functions can attach a [`LogContext`] span to a future without a
/// dependency of their own.
pub use tracing::Instrument;
