//! How often the poller asks and how long it waits between retries. Lambda's own pacing, shortened
//! for a local stack; tests shorten it further.

use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollerTiming {
    /// Pause between GetRecords calls that returned nothing (Lambda polls about four times a second).
    pub poll_interval: Duration,
    /// First pause before retrying a failed batch or a failed AWS call; doubles on each failure.
    pub retry_backoff_initial: Duration,
    /// The longest pause between retries.
    pub retry_backoff_max: Duration,
    /// How often the stream's shard list is read again to find new (child) shards.
    pub shard_discovery_interval: Duration,
}

impl Default for PollerTiming {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_millis(250),
            retry_backoff_initial: Duration::from_millis(100),
            retry_backoff_max: Duration::from_secs(2),
            shard_discovery_interval: Duration::from_secs(10),
        }
    }
}

/// Exponential backoff: `initial`, doubling up to `max`, back to `initial` after a success.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    initial: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    pub(crate) fn new(timing: &PollerTiming) -> Self {
        Self {
            initial: timing.retry_backoff_initial,
            max: timing.retry_backoff_max,
            next: timing.retry_backoff_initial,
        }
    }

    /// The pause to take now; the next one is twice as long, up to the maximum.
    pub(crate) fn next_delay(&mut self) -> Duration {
        let delay = self.next.min(self.max);
        self.next = self.next.saturating_mul(2).min(self.max);
        delay
    }

    pub(crate) fn reset(&mut self) {
        self.next = self.initial;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_maximum_and_resets() {
        let mut backoff = Backoff::new(&PollerTiming {
            retry_backoff_initial: Duration::from_millis(100),
            retry_backoff_max: Duration::from_millis(500),
            ..PollerTiming::default()
        });
        let delays: Vec<u64> = (0..5)
            .map(|_| backoff.next_delay().as_millis() as u64)
            .collect();
        assert_eq!(delays, [100, 200, 400, 500, 500]);
        backoff.reset();
        assert_eq!(backoff.next_delay(), Duration::from_millis(100));
    }
}
