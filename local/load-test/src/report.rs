//! The printed figures of a run: what was sent, how fast, what came back, when the last e-mail
//! arrived, and whether anything was lost. Figures only: nothing here decides pass or fail.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::Duration;

use crate::latency::LatencySummary;

/// Everything the report prints.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    pub slug: String,
    pub proposals: usize,
    pub clients: usize,
    pub speakers: usize,
    /// From the first request to the last answer.
    pub duration: Duration,
    /// Every attempt's latency, retries included.
    pub latency: Option<LatencySummary>,
    /// Per status of every attempt; `None` counts attempts without an answer.
    pub statuses: BTreeMap<Option<u16>, usize>,
    /// Submission e-mails of the run seen at the end.
    pub emails: usize,
    pub last_email: Option<LastEmail>,
    /// Reads of the table and the sent mail while waiting.
    pub polls: usize,
    /// Every failed check (empty: nothing lost).
    pub failures: Vec<String>,
}

/// When the last submission e-mail was first seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LastEmail {
    /// After the first request,
    pub since_start: Duration,
    /// and after the last answer;
    pub since_answers: Duration,
    /// the read before had not seen it, and began this much earlier (`None`: the first read).
    pub within: Option<Duration>,
}

impl Figures {
    pub fn attempts(&self) -> usize {
        self.statuses.values().sum()
    }

    /// Attempts beyond the first of each proposal: retries after a 429, a 409 or no answer.
    pub fn retries(&self) -> usize {
        self.attempts().saturating_sub(self.proposals)
    }
}

/// `812 ms`, `1.40 s`.
pub fn duration(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

fn per_second(count: usize, over: Duration) -> String {
    if over.is_zero() {
        return "-".into();
    }
    format!("{:.1}", count as f64 / over.as_secs_f64())
}

/// The report, several lines.
pub fn render(figures: &Figures) -> String {
    let mut out = String::new();
    let attempts = figures.attempts();
    // Writing to a String cannot fail.
    let _ = writeln!(
        out,
        "cfp-load-test: {} proposals from {} concurrent clients ({} speakers) to event {}",
        figures.proposals, figures.clients, figures.speakers, figures.slug
    );
    let _ = writeln!(
        out,
        "  submitting: {}, {} requests, {} req/s ({} proposals/s)",
        duration(figures.duration),
        attempts,
        per_second(attempts, figures.duration),
        per_second(figures.proposals, figures.duration),
    );
    if let Some(l) = figures.latency {
        let _ = writeln!(
            out,
            "  latency:    p50 {}, p90 {}, p99 {}, max {} (every request, retries included)",
            duration(l.p50),
            duration(l.p90),
            duration(l.p99),
            duration(l.max)
        );
    }
    let statuses: Vec<String> = figures
        .statuses
        .iter()
        .map(|(status, count)| match status {
            Some(status) => format!("{status} × {count}"),
            None => format!("no answer × {count}"),
        })
        .collect();
    let _ = writeln!(out, "  statuses:   {}", statuses.join(", "));
    let _ = writeln!(
        out,
        "  retries:    {} (same Idempotency-Key, after a 429, a 409 or no answer)",
        figures.retries()
    );
    match figures.last_email {
        Some(last) => {
            let precision = match last.within {
                Some(within) => format!("arrived within the {} before", duration(within)),
                None => "there at the first read".into(),
            };
            let _ = writeln!(
                out,
                "  e-mails:    {} submission e-mails; the last seen {} after the first request, {} after the last answer ({precision}; {} reads)",
                figures.emails,
                duration(last.since_start),
                duration(last.since_answers),
                figures.polls,
            );
        }
        None => {
            let _ = writeln!(
                out,
                "  e-mails:    {} submission e-mails ({} reads)",
                figures.emails, figures.polls
            );
        }
    }
    if figures.failures.is_empty() {
        let _ = writeln!(
            out,
            "  result:     every 201 stored, every stored proposal mailed exactly once, no 5xx"
        );
    } else {
        let _ = writeln!(out, "  result:     FAILED");
        for failure in &figures.failures {
            let _ = writeln!(out, "    - {failure}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures() -> Figures {
        Figures {
            slug: "conf-1".into(),
            proposals: 4,
            clients: 2,
            speakers: 2,
            duration: Duration::from_secs(2),
            latency: Some(LatencySummary {
                count: 5,
                p50: Duration::from_millis(120),
                p90: Duration::from_millis(900),
                p99: Duration::from_millis(1500),
                max: Duration::from_millis(2250),
            }),
            statuses: BTreeMap::from([(None, 1), (Some(201), 4)]),
            emails: 4,
            last_email: Some(LastEmail {
                since_start: Duration::from_secs(7),
                since_answers: Duration::from_secs(5),
                within: Some(Duration::from_millis(2500)),
            }),
            polls: 3,
            failures: Vec::new(),
        }
    }

    #[test]
    fn figures_are_printed() {
        let report = render(&figures());
        for expected in [
            "4 proposals from 2 concurrent clients (2 speakers) to event conf-1",
            "submitting: 2.00 s, 5 requests, 2.5 req/s (2.0 proposals/s)",
            "p50 120 ms, p90 900 ms, p99 1.50 s, max 2.25 s",
            "statuses:   no answer × 1, 201 × 4",
            "retries:    1 ",
            "the last seen 7.00 s after the first request, 5.00 s after the last answer (arrived within the 2.50 s before; 3 reads)",
            "every 201 stored",
        ] {
            assert!(report.contains(expected), "{expected:?} in\n{report}");
        }
    }

    #[test]
    fn failures_are_listed() {
        let failed = Figures {
            failures: vec!["1 proposals without a submission e-mail: a".into()],
            last_email: None,
            ..figures()
        };
        let report = render(&failed);
        assert!(report.contains("FAILED\n    - 1 proposals without a submission e-mail: a"));
        assert!(
            report.contains("e-mails:    4 submission e-mails (3 reads)\n"),
            "{report}"
        );
    }
}
