//! One `make bench` run, start to end.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use cfp_local::lambda::{FunctionConfig, LambdaService, LambdaSettings};
use cfp_local::local_stack::LocalStack;
use cfp_local::template::Template;

use crate::Args;
use crate::aws_calls::{AwsUsage, CountingProxy};
use crate::build::{Arch, BuildSpec, add_rust_target, cargo_lambda_build, function_packages};
use crate::cold_start::cold_starts;
use crate::cost::{CallCost, PRICES, idle_month, per_million_calls};
use crate::criterion_results::read_all;
use crate::harness::{BinarySet, function_configs_for, lambda_settings, start_stack};
use crate::invocation::{Run, measure_with_answer};
use crate::latency::run_sequence;
use crate::machine::{Machine, load_average};
use crate::profiles::{
    FunctionFigures, ProfileComparison, ProfileSettings, REPRESENTATIVE, VariantFigures,
    alternatives,
};
use crate::report::{BenchReport, BuildLine, FunctionRow, render};
use crate::report_lines::ReportCollector;
use crate::samples::{SampleCall, point_at_created_proposal, sample_sequence};
use crate::size_reasons::size_reasons;
use crate::sizes::{BinarySize, lambda_dir_sizes};
use crate::stats::summarize;

const PROFILE_DATA: &str = "local/bench/data/profile-comparison.json";

fn main_build(root: &Path, arch: Arch, packages: &[String]) -> BuildSpec {
    BuildSpec {
        arch,
        packages: packages.to_vec(),
        lambda_dir: root.join("target/lambda").join(arch.name()),
        target_dir: None,
        env: Vec::new(),
    }
}

/// Builds for `arch`; arm64 first makes sure its Rust target is installed.
async fn build(args: &Args, root: &Path, arch: Arch, packages: &[String]) -> BuildLine {
    let spec = main_build(root, arch, packages);
    if args.skip_build {
        let dir = match (arch, &args.host_lambda_dir) {
            (Arch::X86_64, Some(dir)) => dir.clone(),
            _ => spec.lambda_dir.clone(),
        };
        let built = dir.is_dir();
        return BuildLine {
            arch: arch.name().to_owned(),
            command: spec
                .command_line()
                .replace(&format!("{}/", root.display()), ""),
            outcome: if built {
                Ok(None)
            } else {
                Err("skipped (--skip-build) and never built".to_owned())
            },
        };
    }
    let outcome = async {
        if arch == Arch::Arm64 {
            add_rust_target(root, arch)
                .await
                .map_err(|e| format!("`rustup target add {}` failed: {e}", arch.rust_target()))?;
        }
        cargo_lambda_build(root, &args.cargo_lambda, &spec)
            .await
            .map(|d| Some(d.as_secs_f64()))
            .map_err(|e| e.to_string())
    }
    .await;
    BuildLine {
        arch: arch.name().to_owned(),
        command: spec
            .command_line()
            .replace(&format!("{}/", root.display()), ""),
        outcome,
    }
}

/// The sequence once through a service of its own whose functions reach moto through the
/// counting proxy: the AWS calls of each call, by label. It seeds the stack, and points the
/// proposal samples at the proposal it creates.
async fn count_aws_calls(
    stack: &LocalStack,
    configs: &[FunctionConfig],
    reports: &Arc<ReportCollector>,
    sequence: &mut [SampleCall],
) -> anyhow::Result<(BTreeMap<String, AwsUsage>, BTreeMap<String, Run>)> {
    let proxy = CountingProxy::start(&stack.info.aws_endpoint)
        .await
        .context("starting the counting proxy")?;
    let settings = LambdaSettings::new(&stack.info.region, &proxy.endpoint, reports.clone());
    let service = LambdaService::new(configs.to_vec(), settings);
    let mut usage = BTreeMap::new();
    let mut runs = BTreeMap::new();
    for index in 0..sequence.len() {
        let call = sequence[index].clone();
        proxy.take();
        let (run, answer) = measure_with_answer(&service, reports, &call).await;
        if let Some(error) = &run.error {
            tracing::warn!(call = %call.label, %error, "a seeding call failed");
        }
        if call.label == "create-cfp" {
            match point_at_created_proposal(sequence, &answer) {
                Some(id) => eprintln!("cfp-bench: the proposal samples now act on {id}"),
                None => eprintln!(
                    "cfp-bench: createCfP created no proposal (its CfP may be closed): the proposal samples meet their 404"
                ),
            }
        }
        usage.insert(call.label.clone(), proxy.take());
        runs.insert(call.label.clone(), run);
    }
    service.shutdown().await;
    Ok((usage, runs))
}

fn peak_memory<'a>(runs: impl IntoIterator<Item = &'a Run>) -> Option<u64> {
    runs.into_iter().filter_map(|r| r.max_memory_mb).max()
}

fn answers(runs: &[Run]) -> Vec<String> {
    let seen: BTreeSet<String> = runs
        .iter()
        .map(|r| match (&r.error, r.status) {
            (Some(error), _) => format!("error: {error}"),
            (None, Some(status)) => status.to_string(),
            (None, None) => "ok".to_owned(),
        })
        .collect();
    seen.into_iter().collect()
}

fn summary_of(runs: &[Run], pick: fn(&Run) -> Option<f64>) -> Option<crate::stats::Summary> {
    let values: Vec<f64> = runs.iter().filter_map(pick).collect();
    summarize(&values)
}

/// The profile comparison: the current profile's figures from this run, then each alternative
/// built and measured.
#[allow(clippy::too_many_arguments)]
async fn measure_profiles(
    args: &Args,
    root: &Path,
    template: &Path,
    stack: &LocalStack,
    reports: &Arc<ReportCollector>,
    sequence: &[SampleCall],
    current: &ProfileSettings,
    machine: &Machine,
    rows: &[FunctionRow],
    cold: &BTreeMap<String, Vec<Run>>,
) -> anyhow::Result<ProfileComparison> {
    let figures = |size: Option<BinarySize>, runs: &[Run]| -> Option<FunctionFigures> {
        let init = summary_of(runs, |r| r.init_ms)?;
        let duration = summary_of(runs, |r| r.duration_ms)?;
        Some(FunctionFigures {
            size_bytes: size?.bytes,
            init_median_ms: init.median,
            init_p95_ms: init.p95,
            peak_rss_mb: peak_memory(runs)?,
            cold_duration_median_ms: duration.median,
        })
    };
    let representative: Vec<String> = REPRESENTATIVE.iter().map(|s| (*s).to_owned()).collect();
    let mut variants = vec![VariantFigures {
        name: "current".to_owned(),
        settings: current.clone(),
        command: main_build(Path::new("."), Arch::X86_64, &representative).command_line(),
        build_seconds: None,
        functions: rows
            .iter()
            .filter(|r| representative.contains(&r.function))
            .filter_map(|r| {
                Some((
                    r.function.clone(),
                    figures(r.size_host, cold.get(&r.function)?)?,
                ))
            })
            .collect(),
    }];
    for alternative in alternatives() {
        let spec = BuildSpec {
            arch: Arch::X86_64,
            packages: representative.clone(),
            lambda_dir: root.join("target/lambda/profiles").join(alternative.name),
            // The workspace's own target directory: dependencies built with the same settings by
            // the main build or an earlier alternative are reused (hours of builds otherwise).
            target_dir: None,
            env: alternative.overrides.clone(),
        };
        let seconds = cargo_lambda_build(root, &args.cargo_lambda, &spec)
            .await
            .with_context(|| format!("building the {} alternative", alternative.name))?
            .as_secs_f64();
        let binaries = BinarySet::link_lambda_dir(
            &spec.lambda_dir,
            &root.join("target/bench/bin-profiles"),
            alternative.name,
        )?;
        let configs: Vec<FunctionConfig> = function_configs_for(template, stack, &binaries)?
            .into_iter()
            .filter(|c| representative.contains(&c.package_name))
            .collect();
        let settings = lambda_settings(stack, reports.clone());
        let runs = cold_starts(&configs, &settings, reports, sequence, args.cold_starts).await;
        let sizes = lambda_dir_sizes(&spec.lambda_dir, &representative);
        variants.push(VariantFigures {
            name: alternative.name.to_owned(),
            settings: current.with_overrides(&alternative.overrides),
            command: spec
                .command_line()
                .replace(&format!("{}/", root.display()), ""),
            build_seconds: Some(seconds),
            functions: representative
                .iter()
                .filter_map(|f| Some((f.clone(), figures(sizes.get(f).copied(), runs.get(f)?)?)))
                .collect(),
        });
    }
    Ok(ProfileComparison {
        measured_at: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        machine: format!("{} cores, {}", machine.cores, machine.cpu_model),
        arch: Arch::X86_64.name().to_owned(),
        cold_starts: args.cold_starts,
        variants,
    })
}

/// `cargo bench` over every bench target of the workspace; an error note when it fails.
async fn run_criterion(root: &Path) -> Option<String> {
    eprintln!("cfp-bench: cargo bench --workspace --bench '*'");
    let status = tokio::process::Command::new("cargo")
        .args(["bench", "--workspace", "--bench", "*"])
        .current_dir(root)
        .stdin(std::process::Stdio::null())
        .status()
        .await;
    match status {
        Ok(s) if s.success() => None,
        Ok(s) => Some(format!(
            "**`cargo bench --workspace --bench '*'` failed ({s})**: the figures below are those target/criterion still holds, possibly from an earlier run."
        )),
        Err(e) => Some(format!("**`cargo bench` could not run**: {e}")),
    }
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let root = std::path::absolute(&args.root).context("the workspace root")?;
    anyhow::ensure!(
        args.cold_starts >= 1 && args.warm_rounds >= 1,
        "--cold-starts and --warm-rounds must be at least 1"
    );
    let template = root.join("template.yaml");
    let moto_server = args
        .moto_server
        .clone()
        .unwrap_or_else(|| root.join(".venv/moto/bin/moto_server"));
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| root.join("BENCHMARKS.md"));
    let machine = Machine::detect(&args.cargo_lambda);
    let current_profile = ProfileSettings::from_manifest(
        &std::fs::read_to_string(root.join("Cargo.toml")).context("reading Cargo.toml")?,
    )?;
    let packages = function_packages(&root).context("listing functions/")?;
    let mut sequence = sample_sequence(&root.join("events"), &packages)?;

    // 1. Release builds: the host's must succeed (everything else is measured on it).
    let host = build(&args, &root, Arch::X86_64, &packages).await;
    if let Err(why) = &host.outcome {
        anyhow::bail!("the host release build failed: {why}");
    }
    let arm64 = if args.host_only {
        BuildLine {
            arch: Arch::Arm64.name().to_owned(),
            command: main_build(&root, Arch::Arm64, &packages)
                .command_line()
                .replace(&format!("{}/", root.display()), ""),
            outcome: Err("skipped in this run (`--host-only`)".to_owned()),
        }
    } else {
        build(&args, &root, Arch::Arm64, &packages).await
    };
    let arm64_built = arm64.outcome.is_ok();
    let builds = vec![arm64, host];

    // 2. Sizes.
    let host_dir = args
        .host_lambda_dir
        .clone()
        .unwrap_or_else(|| root.join("target/lambda/x86_64"));
    let sizes_host = lambda_dir_sizes(&host_dir, &packages);
    let sizes_arm64 = if arm64_built {
        lambda_dir_sizes(&root.join("target/lambda/arm64"), &packages)
    } else {
        BTreeMap::new()
    };

    // 3. The local stack with the host release binaries.
    let binaries = BinarySet::link_lambda_dir(&host_dir, &root.join("target/bench/bin"), "x86_64")?;
    let reports = Arc::new(ReportCollector::default());
    let load_before = load_average();
    let stack = start_stack(&template, &binaries, &moto_server, reports.clone()).await?;
    let measured = async {
        let configs = function_configs_for(&template, &stack, &binaries)?;
        eprintln!("cfp-bench: seeding the stack, counting each call's AWS calls");
        let (usage, seeding) = count_aws_calls(&stack, &configs, &reports, &mut sequence).await?;
        eprintln!("cfp-bench: {} warm rounds", args.warm_rounds);
        let latency = run_sequence(&stack, &reports, &sequence, args.warm_rounds).await;
        let settings = lambda_settings(&stack, reports.clone());
        let cold = cold_starts(&configs, &settings, &reports, &sequence, args.cold_starts).await;
        anyhow::Ok((configs, usage, seeding, latency, cold))
    }
    .await;
    let (configs, usage, seeding, latency, cold) = match measured {
        Ok(measured) => measured,
        Err(err) => {
            stack.shutdown().await;
            return Err(err);
        }
    };

    let load_after = load_average();

    // 4. Per function.
    let rows: Vec<FunctionRow> = packages
        .iter()
        .map(|function| {
            let cold_runs = cold.get(function).map(Vec::as_slice).unwrap_or_default();
            let warm_runs = latency
                .warm
                .get(function)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let every_run = cold_runs
                .iter()
                .chain(warm_runs)
                .chain(
                    seeding
                        .iter()
                        .filter(|(l, _)| l.split('/').next() == Some(function))
                        .map(|(_, r)| r),
                )
                .chain(
                    latency
                        .warm
                        .iter()
                        .filter(|(l, _)| l.split('/').next() == Some(function))
                        .flat_map(|(_, r)| r),
                );
            FunctionRow {
                function: function.clone(),
                memory_mb: configs
                    .iter()
                    .find(|c| &c.package_name == function)
                    .map_or(0, |c| c.memory_size_mb),
                size_arm64: sizes_arm64.get(function).copied(),
                size_host: sizes_host.get(function).copied(),
                init: summary_of(cold_runs, |r| r.init_ms),
                first: summary_of(cold_runs, |r| Some(r.round_trip_ms)),
                first_duration: summary_of(cold_runs, |r| r.duration_ms),
                warm: summary_of(warm_runs, |r| Some(r.round_trip_ms)),
                warm_duration: summary_of(warm_runs, |r| r.duration_ms),
                peak_rss_mb: peak_memory(every_run),
                answers: {
                    let first: Vec<Run> = seeding.get(function).cloned().into_iter().collect();
                    vec![
                        format!("first {}", answers(&first).join("/")),
                        format!("warm {}", answers(warm_runs).join("/")),
                    ]
                },
            }
        })
        .collect();

    // 5. The release profile's alternatives, on the same stack.
    let profile_path = root.join(PROFILE_DATA);
    let profiles = if args.profiles {
        let comparison = measure_profiles(
            &args,
            &root,
            &template,
            &stack,
            &reports,
            &sequence,
            &current_profile,
            &machine,
            &rows,
            &cold,
        )
        .await;
        match comparison {
            Ok(comparison) => {
                comparison.save(&profile_path)?;
                Some(comparison)
            }
            Err(err) => {
                stack.shutdown().await;
                return Err(err);
            }
        }
    } else {
        ProfileComparison::load(&profile_path)?
    };
    stack.shutdown().await;

    // 6. criterion.
    let mut criterion_note = if args.skip_criterion {
        Some("`cargo bench` was skipped in this run (`--skip-criterion`): the figures are those target/criterion holds.".to_owned())
    } else {
        run_criterion(&root).await
    };
    let (criterion, errors) = read_all(&root.join("target/criterion"));
    if !errors.is_empty() {
        let list: Vec<String> = errors.iter().map(ToString::to_string).collect();
        criterion_note = Some(format!(
            "{}Unreadable results: {}",
            criterion_note.map(|n| format!("{n} ")).unwrap_or_default(),
            list.join("; ")
        ));
    }

    // 7. Costs.
    let costs: Vec<CallCost> = sequence
        .iter()
        .map(|call| {
            let memory = configs
                .iter()
                .find(|c| c.package_name == call.function)
                .map_or(128, |c| c.memory_size_mb);
            let duration = summary_of(
                latency
                    .warm
                    .get(&call.label)
                    .map(Vec::as_slice)
                    .unwrap_or_default(),
                |r| r.duration_ms,
            )
            .map_or(0.0, |s| s.median);
            let http_route = serde_json::from_slice::<serde_json::Value>(&call.payload)
                .is_ok_and(|p| p.get("routeKey").is_some());
            per_million_calls(
                &call.label,
                http_route,
                memory,
                duration,
                usage.get(&call.label).unwrap_or(&AwsUsage::default()),
                &PRICES,
            )
        })
        .collect();
    let alarms = Template::load(&template)?
        .resources_of_type("AWS::CloudWatch::Alarm")
        .count();

    let size_reasons = size_reasons(&root, &sizes_arm64)
        .await
        .map_err(|e| format!("{e:#}"));

    let report = BenchReport {
        generated_at: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        command: args.command_label.clone(),
        machine,
        builds,
        cold_starts: args.cold_starts,
        warm_rounds: args.warm_rounds,
        load: (load_before, load_after),
        functions: rows,
        criterion,
        criterion_note,
        current_profile,
        profiles,
        size_reasons,
        costs,
        idle: idle_month(alarms, 0.01, &PRICES),
    };
    let text = render(&report);
    std::fs::write(&output, &text).with_context(|| format!("writing {}", output.display()))?;
    eprintln!("cfp-bench: wrote {}", output.display());
    Ok(())
}
