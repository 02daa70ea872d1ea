//! Logging set-up shared by every function binary, so that all of them write the same JSON lines.

use tracing_subscriber::EnvFilter;

/// JSON log lines on stdout, filtered by `RUST_LOG` (default `info`). The Lambda runtime's span
/// adds the request id to each line.
pub fn init_logging() {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .flatten_event(true)
        .with_span_list(false)
        .with_target(false)
        .init();
}
