//! Percentiles of a set of measurements, nearest-rank: the reported figure is always one that
//! was measured, never an interpolation between two.

use serde::{Deserialize, Serialize};

/// Median, p95, p99 and max of a set of samples (milliseconds or any unit), with their count.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub count: usize,
    pub median: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

/// The nearest-rank `p`-th percentile (0 < p <= 100) of `sorted` (ascending, not empty).
fn nearest_rank(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The summary of `samples`; `None` when there are none (or only NaNs).
pub fn summarize(samples: &[f64]) -> Option<Summary> {
    let mut sorted: Vec<f64> = samples.iter().copied().filter(|s| !s.is_nan()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    Some(Summary {
        count: sorted.len(),
        median: nearest_rank(&sorted, 50.0),
        p95: nearest_rank(&sorted, 95.0),
        p99: nearest_rank(&sorted, 99.0),
        max: sorted[sorted.len() - 1],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let samples: Vec<f64> = (1..=20).rev().map(f64::from).collect();
        let summary = summarize(&samples).unwrap();
        assert_eq!(summary.count, 20);
        assert_eq!(summary.median, 10.0);
        assert_eq!(summary.p95, 19.0);
        assert_eq!(summary.p99, 20.0);
        assert_eq!(summary.max, 20.0);

        let hundred: Vec<f64> = (1..=100).map(f64::from).collect();
        let summary = summarize(&hundred).unwrap();
        assert_eq!(
            (summary.median, summary.p95, summary.p99),
            (50.0, 95.0, 99.0)
        );
    }

    #[test]
    fn one_sample_is_every_percentile_and_none_is_none() {
        let one = summarize(&[7.5]).unwrap();
        assert_eq!(
            (one.median, one.p95, one.p99, one.max),
            (7.5, 7.5, 7.5, 7.5)
        );
        assert_eq!(summarize(&[]), None);
        assert_eq!(summarize(&[f64::NAN]), None);
    }
}
