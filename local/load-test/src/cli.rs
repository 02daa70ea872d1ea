//! The command line. Every option has an environment variable too, so `make` and
//! `scripts/test.sh` can pass them on.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

/// Submits proposals from concurrent clients through a running local stack's API, then checks
/// that nothing was lost: every 201 stored, every stored proposal mailed once, no 5xx.
#[derive(Debug, Clone, Parser)]
#[command(name = "cfp-load-test", version)]
pub struct Args {
    /// The stack file `cfp-local up` wrote.
    #[arg(long, env = "CFP_STACK_FILE", default_value = cfp_local::stack::StackInfo::DEFAULT_PATH)]
    pub stack_file: PathBuf,
    /// Proposals to submit.
    #[arg(long, env = "CFP_LOAD_PROPOSALS", default_value_t = 2000)]
    pub proposals: usize,
    /// Concurrent clients, each with a speaker of its own.
    #[arg(long, env = "CFP_LOAD_CLIENTS", default_value_t = 50)]
    pub clients: usize,
    /// Speakers signed up for the run (at least one per client).
    #[arg(long, env = "CFP_LOAD_SPEAKERS", default_value_t = 50)]
    pub speakers: usize,
    /// Attempts per proposal at most: a 429 (or a lost connection) is retried with the same
    /// Idempotency-Key, as real clients do.
    #[arg(long, env = "CFP_LOAD_MAX_ATTEMPTS", default_value_t = 10)]
    pub max_attempts: u32,
    /// Seconds one request may take before the client gives up on it (and retries).
    #[arg(long, env = "CFP_LOAD_REQUEST_TIMEOUT", default_value_t = 60)]
    pub request_timeout_seconds: u64,
    /// Seconds to wait, after the last response, for every proposal to be stored and mailed.
    #[arg(long, env = "CFP_LOAD_WAIT", default_value_t = 300)]
    pub wait_seconds: u64,
    /// Milliseconds between two reads of the table and the sent mail while waiting (moto builds
    /// its whole state for each read of the mail: not too often).
    #[arg(long, env = "CFP_LOAD_POLL_MILLIS", default_value_t = 2000)]
    pub poll_millis: u64,
    /// Seconds to keep watching once everything arrived, so a late second e-mail is caught.
    #[arg(long, env = "CFP_LOAD_SETTLE", default_value_t = 5)]
    pub settle_seconds: u64,
}

impl Args {
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_seconds)
    }

    pub fn wait(&self) -> Duration {
        Duration::from_secs(self.wait_seconds)
    }

    pub fn poll_interval(&self) -> Duration {
        Duration::from_millis(self.poll_millis.max(1))
    }

    pub fn settle(&self) -> Duration {
        Duration::from_secs(self.settle_seconds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_issue_figures() {
        let args = Args::try_parse_from(["cfp-load-test"]).expect("defaults parse");
        assert_eq!(args.proposals, 2000);
        assert_eq!(args.clients, 50);
        assert_eq!(args.speakers, 50);
        assert_eq!(args.wait(), Duration::from_secs(300));
    }

    #[test]
    fn bad_numbers_are_refused() {
        assert!(Args::try_parse_from(["cfp-load-test", "--proposals", "many"]).is_err());
        assert!(Args::try_parse_from(["cfp-load-test", "--clients", "-1"]).is_err());
    }
}
