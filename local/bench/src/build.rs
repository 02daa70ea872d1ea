//! Release builds with cargo-lambda (`cargo lambda build --release`), for arm64 and the host.
//! `--disable-optimizations` keeps cargo-lambda from overriding the workspace's
//! `[profile.release]` (by default it sets strip, thin LTO, one codegen unit and panic=abort where
//! the profile is silent): what is measured is exactly what the profile says.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// A Lambda architecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Arch {
    Arm64,
    X86_64,
}

impl Arch {
    pub fn name(self) -> &'static str {
        match self {
            Arch::Arm64 => "arm64",
            Arch::X86_64 => "x86_64",
        }
    }

    fn flag(self) -> &'static str {
        match self {
            Arch::Arm64 => "--arm64",
            Arch::X86_64 => "--x86-64",
        }
    }

    pub fn rust_target(self) -> &'static str {
        match self {
            Arch::Arm64 => "aarch64-unknown-linux-gnu",
            Arch::X86_64 => "x86_64-unknown-linux-gnu",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("cannot run {program}: {source}")]
    Spawn {
        program: String,
        source: std::io::Error,
    },
    #[error("`{command}` failed ({status})")]
    Failed { command: String, status: String },
}

/// One build to run.
#[derive(Debug, Clone)]
pub struct BuildSpec {
    pub arch: Arch,
    pub packages: Vec<String>,
    /// `--lambda-dir`: `<dir>/<binary>/bootstrap`.
    pub lambda_dir: PathBuf,
    /// `CARGO_TARGET_DIR`, when not the workspace's.
    pub target_dir: Option<PathBuf>,
    /// Profile overrides (`CARGO_PROFILE_RELEASE_LTO=fat` ...).
    pub env: Vec<(String, String)>,
}

impl BuildSpec {
    fn args(&self) -> Vec<String> {
        let mut args = vec![
            "lambda".to_owned(),
            "build".to_owned(),
            "--release".to_owned(),
            "--disable-optimizations".to_owned(),
            self.arch.flag().to_owned(),
            "--lambda-dir".to_owned(),
            self.lambda_dir.display().to_string(),
        ];
        for package in &self.packages {
            args.push("-p".to_owned());
            args.push(package.clone());
        }
        args
    }

    /// The command line, as the report shows it.
    pub fn command_line(&self) -> String {
        let env: Vec<String> = self
            .target_dir
            .iter()
            .map(|dir| format!("CARGO_TARGET_DIR={}", dir.display()))
            .chain(self.env.iter().map(|(k, v)| format!("{k}={v}")))
            .collect();
        let mut line = env.join(" ");
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str("cargo ");
        line.push_str(&self.args().join(" "));
        line
    }
}

async fn run(
    root: &Path,
    program: &str,
    args: &[String],
    env: &[(String, String)],
) -> Result<(), BuildError> {
    let status = tokio::process::Command::new(program)
        .args(args)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .current_dir(root)
        .stdin(Stdio::null())
        .status()
        .await
        .map_err(|source| BuildError::Spawn {
            program: program.to_owned(),
            source,
        })?;
    if status.success() {
        Ok(())
    } else {
        Err(BuildError::Failed {
            command: format!("{program} {}", args.join(" ")),
            status: status.to_string(),
        })
    }
}

/// Runs `spec` with `cargo_lambda` (the `cargo-lambda` executable); how long it took.
pub async fn cargo_lambda_build(
    root: &Path,
    cargo_lambda: &Path,
    spec: &BuildSpec,
) -> Result<Duration, BuildError> {
    let mut env = spec.env.clone();
    if let Some(dir) = &spec.target_dir {
        env.push(("CARGO_TARGET_DIR".to_owned(), dir.display().to_string()));
    }
    eprintln!("cfp-bench: {}", spec.command_line());
    let started = Instant::now();
    run(
        root,
        &cargo_lambda.display().to_string(),
        &spec.args(),
        &env,
    )
    .await?;
    Ok(started.elapsed())
}

/// `rustup target add <target>`: installs the target if it is missing (a no-op otherwise).
pub async fn add_rust_target(root: &Path, arch: Arch) -> Result<(), BuildError> {
    run(
        root,
        "rustup",
        &[
            "target".to_owned(),
            "add".to_owned(),
            arch.rust_target().to_owned(),
        ],
        &[],
    )
    .await
}

/// The function crates: the directories under `functions/`, sorted.
pub fn function_packages(root: &Path) -> std::io::Result<Vec<String>> {
    let mut names: Vec<String> = std::fs::read_dir(root.join("functions"))?
        .flatten()
        .filter(|e| e.path().join("Cargo.toml").is_file())
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .collect();
    names.sort();
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_names_the_profile_overrides_and_keeps_the_profile() {
        let spec = BuildSpec {
            arch: Arch::X86_64,
            packages: vec!["create-cfp".into(), "search-talks".into()],
            lambda_dir: "target/bench-profiles/lambda/lto-fat".into(),
            target_dir: Some("target/bench-profiles".into()),
            env: vec![("CARGO_PROFILE_RELEASE_LTO".into(), "fat".into())],
        };
        assert_eq!(
            spec.command_line(),
            "CARGO_TARGET_DIR=target/bench-profiles CARGO_PROFILE_RELEASE_LTO=fat cargo lambda build --release --disable-optimizations --x86-64 --lambda-dir target/bench-profiles/lambda/lto-fat -p create-cfp -p search-talks"
        );
    }

    #[test]
    fn every_function_crate_is_found() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let packages = function_packages(&root).unwrap();
        assert!(packages.contains(&"create-cfp".to_owned()), "{packages:?}");
        assert!(packages.windows(2).all(|w| w[0] < w[1]));
    }
}
