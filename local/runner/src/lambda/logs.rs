//! Where the output of function instances goes: one line at a time, tagged with the function.

use std::io::Write;
use std::sync::Mutex;

/// Receives every line a function prints and the service's START/END/REPORT lines.
pub trait LogSink: Send + Sync + 'static {
    fn line(&self, function: &str, line: &str);
}

/// Prints `[Function] line` to the runner's stdout.
#[derive(Debug, Default)]
pub struct StdoutSink;

impl LogSink for StdoutSink {
    fn line(&self, function: &str, line: &str) {
        // A closed stdout must not take the runner down (println! would panic).
        let _ = writeln!(std::io::stdout().lock(), "[{function}] {line}");
    }
}

/// Keeps every line in memory (for tests and tools that read the logs back).
#[derive(Debug, Default)]
pub struct MemorySink {
    lines: Mutex<Vec<(String, String)>>,
}

impl MemorySink {
    /// The lines so far, as (function, line).
    pub fn lines(&self) -> Vec<(String, String)> {
        self.lines.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

impl LogSink for MemorySink {
    fn line(&self, function: &str, line: &str) {
        if let Ok(mut lines) = self.lines.lock() {
            lines.push((function.to_owned(), line.to_owned()));
        }
    }
}
