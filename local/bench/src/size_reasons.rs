//! Why a binary misses the size target: what it links that the largest binary within the target
//! does not, as `cargo tree` resolves each function's dependencies for arm64 (per package, the way
//! cargo-lambda builds it).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::Context;

use crate::build::Arch;
use crate::report::ARM64_SIZE_TARGET_BYTES;
use crate::sizes::BinarySize;

/// One function over the target, against the baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct SizeReason {
    pub function: String,
    pub size: BinarySize,
    /// The largest function within the target: what every function carries anyway.
    pub baseline: String,
    pub baseline_size: BinarySize,
    /// Crates (by name) this function links and the baseline does not, its own crate left out.
    pub extra_crates: Vec<String>,
}

/// The crate names `package` links for arm64 (normal dependencies, proc macros left out).
async fn linked_crates(root: &Path, package: &str) -> anyhow::Result<BTreeSet<String>> {
    let output = tokio::process::Command::new("cargo")
        .args([
            "tree",
            "--quiet",
            "--package",
            package,
            "--edges",
            "normal,no-proc-macro",
            "--target",
            Arch::Arm64.rust_target(),
            "--prefix",
            "none",
            "--format",
            "{p}",
        ])
        .current_dir(root)
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .context("running cargo tree")?;
    anyhow::ensure!(
        output.status.success(),
        "cargo tree -p {package} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(crate_names(&String::from_utf8_lossy(&output.stdout)))
}

/// `cargo tree --prefix none --format {p}` lines (`name v1.2.3 (...)` or `... (*)`) as names.
fn crate_names(tree: &str) -> BTreeSet<String> {
    tree.lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

/// The baseline (the largest arm64 binary within the target) and every function over it.
fn over_target(sizes: &BTreeMap<String, BinarySize>) -> Option<(&String, Vec<&String>)> {
    let baseline = sizes
        .iter()
        .filter(|(_, s)| s.bytes < ARM64_SIZE_TARGET_BYTES)
        .max_by_key(|(_, s)| s.bytes)
        .map(|(f, _)| f)?;
    let over = sizes
        .iter()
        .filter(|(_, s)| s.bytes >= ARM64_SIZE_TARGET_BYTES)
        .map(|(f, _)| f)
        .collect();
    Some((baseline, over))
}

/// A reason per arm64 binary over the target (none when nothing is within it to compare with).
pub async fn size_reasons(
    root: &Path,
    arm64_sizes: &BTreeMap<String, BinarySize>,
) -> anyhow::Result<Vec<SizeReason>> {
    let Some((baseline, over)) = over_target(arm64_sizes) else {
        return Ok(Vec::new());
    };
    let baseline_crates = linked_crates(root, baseline).await?;
    let mut reasons = Vec::new();
    for function in over {
        let crates = linked_crates(root, function).await?;
        reasons.push(SizeReason {
            function: function.clone(),
            size: arm64_sizes[function],
            baseline: baseline.clone(),
            baseline_size: arm64_sizes[baseline],
            extra_crates: crates
                .difference(&baseline_crates)
                .filter(|name| *name != function)
                .cloned()
                .collect(),
        });
    }
    Ok(reasons)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cargo_tree_lines_as_crate_names() {
        let tree = "create-cfp v0.1.0 (/w/functions/create-cfp)\naws-config v1.13.0\ntokio v1.48.0 (*)\n\n";
        assert_eq!(
            crate_names(tree),
            BTreeSet::from(["aws-config".into(), "create-cfp".into(), "tokio".into()])
        );
    }

    #[test]
    fn the_baseline_is_the_largest_binary_within_the_target() {
        let size = |bytes| BinarySize {
            bytes,
            stripped: true,
        };
        let sizes = BTreeMap::from([
            ("small".to_owned(), size(3_000_000)),
            ("largest-within".to_owned(), size(7_999_999)),
            ("over".to_owned(), size(8_000_000)),
            ("far-over".to_owned(), size(13_000_000)),
        ]);
        let (baseline, over) = over_target(&sizes).unwrap();
        assert_eq!(baseline, "largest-within");
        assert_eq!(over, ["far-over", "over"]);
        let all_over = BTreeMap::from([("over".to_owned(), size(9_000_000))]);
        assert_eq!(over_target(&all_over), None);
    }
}
