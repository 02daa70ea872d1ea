//! Shared by the integration tests: the probe function's binary, moto, and a local stack started
//! in-process from `tests/fixtures/template.yaml`.
//!
//! The probe (`local/probe-function`) must be built; when `target/debug/cfp-probe-function` is
//! missing or older than its source, the tests run `cargo build -p cfp-probe-function` once.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use cfp_local::lambda::MemorySink;
use cfp_local::local_stack::{AwsEndpoint, LocalStack, LocalStackOptions};
use cfp_local::template::StackSettings;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;

pub fn workspace_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the workspace exists")
}

pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_dir().join("target"))
}

pub fn fixture_template() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/template.yaml")
}

pub fn moto_server() -> PathBuf {
    let moto = workspace_dir().join(".venv/moto/bin/moto_server");
    assert!(moto.is_file(), "moto is expected at {}", moto.display());
    moto
}

fn newest_source(dir: &Path) -> SystemTime {
    let mut newest = SystemTime::UNIX_EPOCH;
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        let modified = if path.is_dir() {
            newest_source(&path)
        } else {
            entry
                .metadata()
                .and_then(|m| m.modified())
                .unwrap_or(SystemTime::UNIX_EPOCH)
        };
        newest = newest.max(modified);
    }
    newest
}

/// The probe's binary, built first if it is missing or stale.
pub fn probe_binary() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    static BUILDING: Mutex<()> = Mutex::new(());
    BUILT
        .get_or_init(|| {
            let _guard = BUILDING.lock().unwrap_or_else(|e| e.into_inner());
            let binary = target_dir().join("debug/cfp-probe-function");
            let crate_dir = workspace_dir().join("local/probe-function");
            let built_at = std::fs::metadata(&binary).and_then(|m| m.modified()).ok();
            if built_at.is_none_or(|built| built < newest_source(&crate_dir)) {
                let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
                let status = std::process::Command::new(cargo)
                    .args(["build", "-p", "cfp-probe-function"])
                    .current_dir(workspace_dir())
                    .status()
                    .expect("cargo runs");
                assert!(status.success(), "cargo build -p cfp-probe-function failed");
            }
            assert!(binary.is_file(), "{} was not built", binary.display());
            binary
        })
        .clone()
}

/// Whether a process with `pid` still exists (and is not a zombie waiting to be reaped).
pub fn process_exists(pid: u64) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/status")) {
        Ok(status) => !status
            .lines()
            .any(|l| l.starts_with("State:") && l.contains('Z')),
        Err(_) => false,
    }
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("a client")
}

/// A local stack from the fixture, with moto, on free ports; function output kept in memory.
pub struct TestStack {
    pub stack: LocalStack,
    pub logs: Arc<MemorySink>,
    pub http: reqwest::Client,
}

impl TestStack {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(adjust: impl FnOnce(&mut LocalStackOptions)) -> Self {
        probe_binary();
        let logs = Arc::new(MemorySink::default());
        let mut options = LocalStackOptions {
            template: fixture_template(),
            target_dir: target_dir(),
            profile: "debug".into(),
            aws: AwsEndpoint::StartMoto(moto_server()),
            api_port: 0,
            lambda_port: 0,
            stack: StackSettings::default(),
            parameter_overrides: Vec::new(),
            max_instances: 10,
            queue_timeout: Duration::from_millis(300),
            async_timing: cfp_local_event_sources::AsyncTiming {
                first_retry_delay: Duration::from_millis(100),
                throttle_delay: Duration::from_millis(100),
            },
            log_sink: logs.clone(),
            faults: Default::default(),
            state_dir: None,
        };
        adjust(&mut options);
        let stack = LocalStack::start(options)
            .await
            .expect("the local stack starts");
        TestStack {
            stack,
            logs,
            http: http(),
        }
    }

    pub fn lambda_endpoint(&self) -> &str {
        &self.stack.info.lambda_endpoint
    }

    /// `POST /2015-03-31/functions/{function}/invocations` with `payload`.
    pub async fn invoke(&self, function: &str, payload: &Value) -> (StatusCode, HeaderMap, Value) {
        self.invoke_raw(function, payload.to_string()).await
    }

    pub async fn invoke_raw(&self, function: &str, body: String) -> (StatusCode, HeaderMap, Value) {
        let response = self
            .http
            .post(format!(
                "{}/2015-03-31/functions/{function}/invocations",
                self.lambda_endpoint()
            ))
            .body(body)
            .send()
            .await
            .expect("the Lambda API answers");
        let status = response.status();
        let headers = response.headers().clone();
        let body: Value = response.json().await.expect("a JSON answer");
        (status, headers, body)
    }

    /// `GET /_local/functions/{function}/invocations`.
    pub async fn recent_invocations(&self, function: &str) -> Vec<Value> {
        self.http
            .get(format!(
                "{}/_local/functions/{function}/invocations",
                self.lambda_endpoint()
            ))
            .send()
            .await
            .expect("the Lambda API answers")
            .json()
            .await
            .expect("a JSON list")
    }

    pub async fn stop(self) {
        self.stack.shutdown().await;
    }
}

pub fn pid_of(body: &Value) -> u64 {
    body["pid"]
        .as_u64()
        .unwrap_or_else(|| panic!("the probe answers its pid: {body}"))
}
