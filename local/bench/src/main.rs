//! `cfp-bench`: what `make bench` runs. Builds every function for release with cargo-lambda
//! (arm64 and the host), measures binary sizes, cold starts, latency and peak memory of the host
//! binaries on the local stack (the runner's own code, in this process), reads the criterion
//! results, optionally re-measures the release profile's alternatives, prices every call, and
//! writes BENCHMARKS.md.

mod aws_calls;
mod build;
mod cold_start;
mod cost;
mod criterion_results;
mod harness;
mod invocation;
mod latency;
mod machine;
mod profiles;
mod report;
mod report_lines;
mod run;
mod samples;
mod size_reasons;
mod sizes;
mod stats;

use std::path::PathBuf;

use clap::Parser;

/// Release builds, sizes, cold starts, latency, peak memory, criterion results, profile
/// comparison and costs, written to BENCHMARKS.md.
#[derive(Debug, Parser)]
#[command(name = "cfp-bench", version)]
pub struct Args {
    /// The workspace root.
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// The cargo-lambda executable (from `.venv/release/bin` when `make bench` runs it).
    #[arg(long, default_value = "cargo-lambda")]
    pub cargo_lambda: PathBuf,
    /// moto_server [default: <root>/.venv/moto/bin/moto_server].
    #[arg(long)]
    pub moto_server: Option<PathBuf>,
    /// Cold starts per function (at least 20 for the report's percentiles).
    #[arg(long, default_value_t = 20)]
    pub cold_starts: usize,
    /// Warm rounds of the sample sequence.
    #[arg(long, default_value_t = 100)]
    pub warm_rounds: usize,
    /// Measure the release profile's alternatives anew (slow: four more release builds) and
    /// rewrite local/bench/data/profile-comparison.json.
    #[arg(long)]
    pub profiles: bool,
    /// Skip `cargo bench` (the report keeps whatever target/criterion holds).
    #[arg(long)]
    pub skip_criterion: bool,
    /// Build and measure the host only: no arm64 build (the report says so).
    #[arg(long)]
    pub host_only: bool,
    /// Measure the binaries already built instead of building (for re-measuring only).
    #[arg(long)]
    pub skip_build: bool,
    /// Where the host binaries are (`<dir>/<function>/bootstrap`) [default:
    /// <root>/target/lambda/x86_64, where the build puts them].
    #[arg(long)]
    pub host_lambda_dir: Option<PathBuf>,
    /// Where the report goes [default: <root>/BENCHMARKS.md].
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// The command the report names as the one that generated it.
    #[arg(long, default_value = "make bench")]
    pub command_label: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    run::run(args).await
}
