//! The `cfp-local` binary end to end: `up` writes the stack file once everything is up, serves the
//! Lambda API, and on SIGTERM stops everything and removes the file; even a SIGKILLed runner leaves
//! no child behind. Also `user create|token` and `mail` against the running stack.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{http, moto_server, pid_of, probe_binary, process_exists, target_dir};
use cfp_local::stack::StackInfo;
use serde_json::{Value, json};

/// The runner as a child process; killed if a test fails halfway.
struct Runner {
    child: Child,
    dir: PathBuf,
}

impl Drop for Runner {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Runner {
    fn start(name: &str, extra: &[&str]) -> Runner {
        let dir = std::env::temp_dir().join(format!("cfp-local-up-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temp dir");
        let stdout = std::fs::File::create(dir.join("stdout")).expect("stdout file");
        let stderr = std::fs::File::create(dir.join("stderr")).expect("stderr file");
        let template = crate::common::fixture_template();
        let moto = moto_server();
        let target = target_dir();
        let stack_file = dir.join("stack.json");
        let mut args: Vec<&str> = vec![
            "up",
            "--template",
            template.to_str().expect("utf-8"),
            "--moto-server",
            moto.to_str().expect("utf-8"),
            "--target-dir",
            target.to_str().expect("utf-8"),
            "--api-port",
            "0",
            "--lambda-port",
            "0",
            "--stack-file",
            stack_file.to_str().expect("utf-8"),
        ];
        args.extend_from_slice(extra);
        let child = Command::new(env!("CARGO_BIN_EXE_cfp-local"))
            .args(&args)
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
            .expect("cfp-local starts");
        Runner { child, dir }
    }

    fn stack_file(&self) -> PathBuf {
        self.dir.join("stack.json")
    }

    fn output(&self) -> String {
        let read = |name: &str| std::fs::read_to_string(self.dir.join(name)).unwrap_or_default();
        format!(
            "--- stdout\n{}\n--- stderr\n{}",
            read("stdout"),
            read("stderr")
        )
    }

    /// Waits for the stack file, failing early if the runner exits.
    fn wait_until_up(&mut self) -> StackInfo {
        let started = Instant::now();
        loop {
            if let Ok(info) = StackInfo::load(self.stack_file()) {
                return info;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "cfp-local exited ({status}) before it was up:\n{}",
                    self.output()
                );
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "not up within 60 s:\n{}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn signal(&self, signal: i32) {
        let pid = i32::try_from(self.child.id()).expect("a pid");
        // SAFETY: sends a signal to our own child process.
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0, "signal sent");
    }

    fn wait_for_exit(&mut self, within: Duration) -> std::process::ExitStatus {
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status;
            }
            assert!(
                started.elapsed() < within,
                "cfp-local did not exit within {within:?}:\n{}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn cli(&self, args: &[&str]) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_cfp-local"))
            .args(args)
            .args(["--stack-file", self.stack_file().to_str().expect("utf-8")])
            .output()
            .expect("cfp-local runs")
    }
}

async fn invoke(endpoint: &str, function: &str, payload: Value) -> reqwest::Response {
    http()
        .post(format!(
            "{endpoint}/2015-03-31/functions/{function}/invocations"
        ))
        .body(payload.to_string())
        .send()
        .await
        .expect("the Lambda API answers")
}

async fn endpoint_answers(endpoint: &str) -> bool {
    http()
        .get(format!("{endpoint}/moto-api/data.json"))
        .send()
        .await
        .is_ok()
}

async fn eventually(what: &str, within: Duration, mut check: impl AsyncFnMut() -> bool) {
    let started = Instant::now();
    while !check().await {
        assert!(started.elapsed() < within, "{what} within {within:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn up_serves_the_stack_and_sigterm_stops_everything() {
    probe_binary();
    let mut runner = Runner::start("sigterm", &["--parameter-overrides", "Stage=test"]);
    let info = runner.wait_until_up();

    let response = invoke(&info.lambda_endpoint, "ProbeFunction", json!({"via": "up"})).await;
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.expect("JSON");
    assert_eq!(answer["echo"]["via"], "up");
    let pid = pid_of(&answer);

    // `cargo lambda invoke` calls [::1] by default: the Lambda API answers there too when the
    // machine has IPv6 loopback.
    let port = info.lambda_endpoint.rsplit(':').next().expect("a port");
    if std::net::TcpListener::bind("[::1]:0").is_ok() {
        let response = invoke(
            &format!("http://[::1]:{port}"),
            "cfp-probe-function",
            json!({"v6": true}),
        )
        .await;
        assert_eq!(response.status(), 200);
    }

    // Users and mail through the CLI, against the running stack.
    let created = runner.cli(&[
        "user",
        "create",
        "--email",
        "cli@probe.example",
        "--password",
        "Local-Passw0rd-1",
        "--group",
        "admins",
    ]);
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let token = String::from_utf8(created.stdout).expect("utf-8");
    assert_eq!(token.trim().split('.').count(), 3, "an ID token: {token}");
    let signed_in = runner.cli(&[
        "user",
        "token",
        "--email",
        "cli@probe.example",
        "--password",
        "Local-Passw0rd-1",
        "--json",
    ]);
    assert!(
        signed_in.status.success(),
        "{}",
        String::from_utf8_lossy(&signed_in.stderr)
    );
    let tokens: Value = serde_json::from_slice(&signed_in.stdout).expect("JSON tokens");
    assert!(
        tokens["idToken"].is_string()
            && tokens["accessToken"].is_string()
            && tokens["refreshToken"].is_string()
    );
    let mail = runner.cli(&["mail", "--json", "--to", "nobody@probe.example"]);
    assert!(
        mail.status.success(),
        "{}",
        String::from_utf8_lossy(&mail.stderr)
    );
    assert_eq!(
        serde_json::from_slice::<Value>(&mail.stdout).expect("JSON"),
        json!([])
    );

    runner.signal(libc::SIGTERM);
    let status = runner.wait_for_exit(Duration::from_secs(20));
    assert!(status.success(), "{status}:\n{}", runner.output());
    assert!(!runner.stack_file().exists(), "the stack file is removed");
    assert!(!process_exists(pid), "the function instance is gone");
    assert!(!endpoint_answers(&info.aws_endpoint).await, "moto is gone");
    let output = runner.output();
    assert!(output.contains("cfp-local is up."), "{output}");
    assert!(
        output.contains("  Bucket ")
            && output.contains("-> ProbeNotificationsFunction (s3:ObjectCreated:* [uploads/*])"),
        "the banner names the bucket's notifications: {output}"
    );
    assert!(
        output.contains("  Topic ")
            && output.contains("-> ProbeNotificationsFunction (filter policy)"),
        "the banner names the topic's subscriptions: {output}"
    );
    assert!(
        output.contains("[ProbeFunction] START RequestId: "),
        "function logs are forwarded: {output}"
    );
    assert!(
        output.contains("[ProbeFunction] REPORT RequestId: "),
        "{output}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigkilled_runner_leaves_no_child_behind() {
    probe_binary();
    let mut runner = Runner::start("sigkill", &[]);
    let info = runner.wait_until_up();
    let response = invoke(&info.lambda_endpoint, "ProbeFunction", json!({})).await;
    let pid = pid_of(&response.json::<Value>().await.expect("JSON"));
    assert!(process_exists(pid));

    runner.signal(libc::SIGKILL);
    runner.wait_for_exit(Duration::from_secs(10));
    eventually(
        "the function instance dies with the runner",
        Duration::from_secs(10),
        async || !process_exists(pid),
    )
    .await;
    eventually(
        "moto dies with the runner",
        Duration::from_secs(10),
        async || !endpoint_answers(&info.aws_endpoint).await,
    )
    .await;
}

#[test]
fn a_missing_binary_fails_clearly_and_a_stale_stack_file_is_removed() {
    let dir = std::env::temp_dir().join(format!("cfp-local-up-missing-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let stack_file = dir.join("stack.json");
    std::fs::write(&stack_file, "{\"stale\": true}").expect("a stale file");
    let output = Command::new(env!("CARGO_BIN_EXE_cfp-local"))
        .args(["up", "--template"])
        .arg(crate::common::fixture_template())
        .args([
            "--target-dir",
            dir.join("no-target").to_str().expect("utf-8"),
        ])
        .args(["--moto-server", "/nonexistent/moto_server", "--stack-file"])
        .arg(&stack_file)
        .output()
        .expect("cfp-local runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("cargo build -p cfp-probe-function"),
        "{stderr}"
    );
    assert!(!stack_file.exists(), "the stale stack file is gone");
    let _ = std::fs::remove_dir_all(&dir);
}
