//! The criterion benchmarks' results, read from `target/criterion/**/new/`: `benchmark.json`
//! (the id), `estimates.json` (mean and median, ns) and `sample.json` (each sample's iterations
//! and total time, from which the per-sample p99 comes), judged against issue 6's targets.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::stats::summarize;

#[derive(Debug, thiserror::Error)]
pub enum CriterionError {
    #[error("{path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
}

#[derive(Debug, Deserialize)]
struct BenchmarkId {
    full_id: String,
}

#[derive(Debug, Deserialize)]
struct Estimate {
    point_estimate: f64,
}

#[derive(Debug, Deserialize)]
struct Estimates {
    mean: Estimate,
    median: Estimate,
}

#[derive(Debug, Deserialize)]
struct Samples {
    iters: Vec<f64>,
    times: Vec<f64>,
}

/// One benchmark's figures, in milliseconds.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchResult {
    pub id: String,
    pub mean_ms: f64,
    pub median_ms: f64,
    /// p99 over criterion's samples, each the mean time of one sample's iterations.
    pub sample_p99_ms: Option<f64>,
}

/// Which statistic a target judges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Statistic {
    Median,
    SampleP99,
}

/// A target of issue 6 for the benchmarks whose id it matches.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BenchTarget {
    pub what: &'static str,
    pub statistic: Statistic,
    pub limit_ms: f64,
}

/// Issue 6's targets: each schedule export at 1,000 talks under 5 ms, the conflict check of
/// 1,000 slots under 2 ms, search p99 under 2 ms at 10,000 talks.
pub fn target_for(id: &str) -> Option<BenchTarget> {
    if id.starts_with("schedule_export/") && id.contains("1000_talks") {
        Some(BenchTarget {
            what: "export < 5 ms at 1,000 talks",
            statistic: Statistic::Median,
            limit_ms: 5.0,
        })
    } else if id.starts_with("conflict_check/") && id.contains("1000_slots") {
        Some(BenchTarget {
            what: "conflict check < 2 ms at 1,000 slots",
            statistic: Statistic::Median,
            limit_ms: 2.0,
        })
    } else if id.starts_with("search/") && id.contains("10000_talks") {
        Some(BenchTarget {
            what: "search p99 < 2 ms at 10,000 talks",
            statistic: Statistic::SampleP99,
            limit_ms: 2.0,
        })
    } else {
        None
    }
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, CriterionError> {
    let text = std::fs::read_to_string(path).map_err(|source| CriterionError::Read {
        path: path.to_owned(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| CriterionError::Parse {
        path: path.to_owned(),
        source,
    })
}

/// The results in one `new/` directory.
pub fn read_result(new_dir: &Path) -> Result<BenchResult, CriterionError> {
    let id: BenchmarkId = read_json(&new_dir.join("benchmark.json"))?;
    let estimates: Estimates = read_json(&new_dir.join("estimates.json"))?;
    let sample_p99_ms = read_json::<Samples>(&new_dir.join("sample.json"))
        .ok()
        .and_then(|samples| {
            let per_iteration: Vec<f64> = samples
                .iters
                .iter()
                .zip(&samples.times)
                .filter(|(iters, _)| **iters > 0.0)
                .map(|(iters, time)| time / iters / 1e6)
                .collect();
            summarize(&per_iteration).map(|s| s.p99)
        });
    Ok(BenchResult {
        id: id.full_id,
        mean_ms: estimates.mean.point_estimate / 1e6,
        median_ms: estimates.median.point_estimate / 1e6,
        sample_p99_ms,
    })
}

fn new_dirs(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if !path.is_dir() {
            continue;
        }
        if entry.file_name() == "new" && path.join("estimates.json").is_file() {
            found.push(path);
        } else if entry.file_name() != "base" && entry.file_name() != "report" {
            new_dirs(&path, found);
        }
    }
}

/// Every benchmark under `criterion_dir` (usually `target/criterion`), by id; unreadable ones are
/// reported apart.
pub fn read_all(criterion_dir: &Path) -> (Vec<BenchResult>, Vec<CriterionError>) {
    let mut dirs = Vec::new();
    new_dirs(criterion_dir, &mut dirs);
    let mut results = Vec::new();
    let mut errors = Vec::new();
    for dir in dirs {
        match read_result(&dir) {
            Ok(result) => results.push(result),
            Err(err) => errors.push(err),
        }
    }
    results.sort_by(|a, b| a.id.cmp(&b.id));
    (results, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join(name), text).unwrap();
    }

    #[test]
    fn reads_criterions_files_and_finds_the_targets() {
        let root = std::env::temp_dir().join(format!("cfp-bench-criterion-{}", std::process::id()));
        let new = root.join("schedule_export/c3voc_json/1000_talks/new");
        write(
            &new,
            "benchmark.json",
            r#"{"group_id":"schedule_export","function_id":"c3voc_json","value_str":"1000_talks","throughput":null,"full_id":"schedule_export/c3voc_json/1000_talks","directory_name":"schedule_export/c3voc_json/1000_talks","title":"schedule_export/c3voc_json/1000_talks"}"#,
        );
        write(
            &new,
            "estimates.json",
            r#"{"mean":{"confidence_interval":{"confidence_level":0.95,"lower_bound":1500000.0,"upper_bound":1700000.0},"point_estimate":1600000.0,"standard_error":1000.0},"median":{"confidence_interval":{"confidence_level":0.95,"lower_bound":1.0,"upper_bound":2.0},"point_estimate":1550000.0,"standard_error":1.0},"median_abs_dev":null,"slope":null,"std_dev":null}"#,
        );
        write(
            &new,
            "sample.json",
            r#"{"sampling_mode":"Flat","iters":[10.0,10.0,10.0,0.0],"times":[15000000.0,16000000.0,30000000.0,5.0]}"#,
        );
        // A baseline and a broken one beside it.
        write(
            &root.join("schedule_export/c3voc_json/1000_talks/base"),
            "estimates.json",
            "{}",
        );
        write(&root.join("broken/x/new"), "estimates.json", "{");

        let (results, errors) = read_all(&root);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(results.len(), 1);
        let result = &results[0];
        assert_eq!(result.id, "schedule_export/c3voc_json/1000_talks");
        assert!((result.mean_ms - 1.6).abs() < 1e-9);
        assert!((result.median_ms - 1.55).abs() < 1e-9);
        assert_eq!(result.sample_p99_ms, Some(3.0));
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn the_targets_of_issue_6() {
        assert_eq!(
            target_for("schedule_export/frab_xml/1000_talks")
                .unwrap()
                .limit_ms,
            5.0
        );
        assert_eq!(
            target_for("conflict_check/1000_slots_clean")
                .unwrap()
                .statistic,
            Statistic::Median
        );
        let search = target_for("search/query_word/10000_talks").unwrap();
        assert_eq!(
            (search.statistic, search.limit_ms),
            (Statistic::SampleP99, 2.0)
        );
        assert_eq!(target_for("search/index_build/1000_talks"), None);
        assert_eq!(target_for("create_cfp/parse"), None);
    }
}
