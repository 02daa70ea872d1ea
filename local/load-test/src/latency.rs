//! Latencies in an HDR histogram (microseconds, three significant figures) and the percentiles
//! the report prints.

use std::time::Duration;

use hdrhistogram::Histogram;

/// Longest latency told apart from longer ones: far beyond any request timeout.
const HIGHEST_MICROS: u64 = 3_600_000_000;

#[derive(Debug, Clone)]
pub struct Latencies {
    histogram: Histogram<u64>,
}

/// The percentiles of a set of latencies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LatencySummary {
    pub count: u64,
    pub p50: Duration,
    pub p90: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl Default for Latencies {
    fn default() -> Self {
        Self::new()
    }
}

impl Latencies {
    pub fn new() -> Self {
        Latencies {
            // Constant bounds within the crate's limits (1 <= low, high >= 2 * low, sigfig <= 5).
            histogram: Histogram::new_with_bounds(1, HIGHEST_MICROS, 3)
                .expect("constant histogram bounds are valid"),
        }
    }

    /// Records one latency; anything beyond an hour counts as an hour.
    pub fn record(&mut self, latency: Duration) {
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.histogram.saturating_record(micros.max(1));
    }

    /// The percentiles, or `None` when nothing was recorded.
    pub fn summary(&self) -> Option<LatencySummary> {
        if self.histogram.is_empty() {
            return None;
        }
        let at = |quantile: f64| Duration::from_micros(self.histogram.value_at_quantile(quantile));
        Some(LatencySummary {
            count: self.histogram.len(),
            p50: at(0.50),
            p90: at(0.90),
            p99: at(0.99),
            max: Duration::from_micros(self.histogram.max()),
        })
    }
}

impl<'a> FromIterator<&'a Duration> for Latencies {
    fn from_iter<I: IntoIterator<Item = &'a Duration>>(iter: I) -> Self {
        let mut latencies = Latencies::new();
        for latency in iter {
            latencies.record(*latency);
        }
        latencies
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Within the histogram's precision (three significant figures: 0.1 %).
    fn close(actual: Duration, expected_ms: u64) -> bool {
        let expected = Duration::from_millis(expected_ms).as_secs_f64();
        (actual.as_secs_f64() - expected).abs() <= expected * 0.001
    }

    #[test]
    fn percentiles_of_one_to_a_hundred_milliseconds() {
        let samples: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        let summary = samples
            .iter()
            .collect::<Latencies>()
            .summary()
            .expect("recorded");
        assert_eq!(summary.count, 100);
        assert!(close(summary.p50, 50), "{summary:?}");
        assert!(close(summary.p90, 90), "{summary:?}");
        assert!(close(summary.p99, 99), "{summary:?}");
        assert!(close(summary.max, 100), "{summary:?}");
    }

    #[test]
    fn one_slow_request_shows_only_at_the_top() {
        let mut samples = vec![Duration::from_millis(10); 999];
        samples.push(Duration::from_secs(5));
        let summary = samples
            .iter()
            .collect::<Latencies>()
            .summary()
            .expect("recorded");
        assert!(close(summary.p99, 10), "{summary:?}");
        assert!(close(summary.max, 5000), "{summary:?}");
    }

    #[test]
    fn nothing_recorded_has_no_percentiles_and_extremes_saturate() {
        assert_eq!(Latencies::new().summary(), None);
        let mut latencies = Latencies::new();
        latencies.record(Duration::ZERO);
        latencies.record(Duration::from_secs(10 * 3600));
        let summary = latencies.summary().expect("recorded");
        assert_eq!(summary.count, 2);
        assert!(summary.max <= Duration::from_secs(3600 + 4), "{summary:?}");
    }
}
