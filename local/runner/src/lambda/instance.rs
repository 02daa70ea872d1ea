//! One execution environment of a function: its binary running as a child process, talking to its
//! own Runtime API, handling one invocation at a time until it exits, times out or is discarded.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::Child;
use tokio::sync::{mpsc, oneshot, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::config::{FunctionConfig, LambdaSettings};
use super::environment::{instance_environment, log_stream_name};
use super::logs::LogSink;
use super::runtime_api::{Invocation, RuntimeApi, RuntimeEvent};
use crate::child_process::{describe_exit, guarded_command};

/// Why an instance could not be started.
#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    #[error("cannot serve the Runtime API: {0}")]
    RuntimeApi(std::io::Error),
    #[error("cannot start {binary}: {source}")]
    Start {
        binary: PathBuf,
        source: std::io::Error,
    },
}

/// What became of one invocation on an instance.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Response(Bytes),
    FunctionError {
        error_type: String,
        payload: Bytes,
    },
    /// The runtime reported `/runtime/init/error`.
    InitError {
        error_type: String,
        payload: Bytes,
    },
    /// No answer within the timeout (or no `/next` within the init timeout).
    Timeout,
    /// The process ended before answering (`exit status 1`, `signal: 9` ...).
    Exited(String),
}

/// An invocation as the service hands it to an instance.
#[derive(Debug, Clone)]
pub struct Request {
    pub request_id: String,
    pub payload: Bytes,
    pub client_context: Option<String>,
    pub cognito_identity: Option<String>,
}

/// The outcome of [`Instance::run`] with its timings.
#[derive(Debug)]
pub struct RunReport {
    pub outcome: Outcome,
    /// When the runtime fetched the invocation (`None` if it never did).
    pub started: Option<Instant>,
    pub dispatched: Instant,
    pub finished: Instant,
    /// From spawn to the first `/next`, on a cold start only.
    pub init_duration: Option<Duration>,
}

pub struct Instance {
    pub pid: u32,
    spawned_at: Instant,
    runtime: RuntimeApi,
    exit: watch::Receiver<Option<String>>,
    kill: Option<oneshot::Sender<()>>,
    warm: bool,
    /// `Tracing: Active`: trace headers say `Sampled=1`.
    sampled: bool,
}

impl Instance {
    /// Starts an instance of `config`. Its process is killed when the instance is dropped, when
    /// `shutdown` is cancelled, or when the runner dies; `tracker` tracks the task that reaps it.
    pub async fn spawn(
        config: &FunctionConfig,
        settings: &LambdaSettings,
        shutdown: CancellationToken,
        tracker: &TaskTracker,
    ) -> Result<Self, SpawnError> {
        let runtime = RuntimeApi::start(&config.function_arn)
            .await
            .map_err(SpawnError::RuntimeApi)?;
        let environment = instance_environment(config, settings, runtime.addr, &log_stream_name());
        let mut command = guarded_command(&config.binary);
        command
            .env_clear()
            .envs(environment)
            .current_dir(config.binary.parent().unwrap_or(std::path::Path::new("/")))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let spawned_at = Instant::now();
        let mut child = command.spawn().map_err(|source| SpawnError::Start {
            binary: config.binary.clone(),
            source,
        })?;
        let pid = child.id().unwrap_or_default();
        for output in [
            child
                .stdout
                .take()
                .map(|o| Box::new(o) as Box<dyn AsyncRead + Send + Unpin>),
            child
                .stderr
                .take()
                .map(|o| Box::new(o) as Box<dyn AsyncRead + Send + Unpin>),
        ]
        .into_iter()
        .flatten()
        {
            tokio::spawn(forward_lines(
                output,
                settings.log_sink.clone(),
                config.logical_id.clone(),
            ));
        }
        let (exit_tx, exit) = watch::channel(None);
        let (kill, kill_rx) = oneshot::channel();
        tracker.spawn(reap(child, kill_rx, shutdown, exit_tx));
        Ok(Instance {
            pid,
            spawned_at,
            runtime,
            exit,
            kill: Some(kill),
            warm: false,
            sampled: config.tracing_active,
        })
    }

    /// Whether the process is still running.
    pub fn is_alive(&self) -> bool {
        self.exit.borrow().is_none()
    }

    /// Hands `request` to the runtime and waits for the outcome: a response or error, an init
    /// error, the process's exit, or the timeout (counted from the moment the runtime fetched the
    /// invocation; before that, `init_timeout` bounds the wait). `on_started` runs when the
    /// runtime fetches the invocation.
    ///
    /// With `crash_after`, the process is killed that long after the runtime fetched the
    /// invocation, or when it answers if that is sooner (the work done, the answer lost): the
    /// outcome is then [`Outcome::Exited`], as when a function crashes.
    pub async fn run(
        &mut self,
        request: Request,
        timeout: Duration,
        init_timeout: Duration,
        crash_after: Option<Duration>,
        on_started: &(dyn Fn() + Send + Sync),
    ) -> RunReport {
        let cold = !self.warm;
        self.warm = true;
        let dispatched = Instant::now();
        let (events_tx, mut events) = mpsc::unbounded_channel();
        let invocation = Invocation {
            request_id: request.request_id,
            payload: request.payload,
            timeout,
            trace_id: trace_id(self.sampled),
            client_context: request.client_context,
            cognito_identity: request.cognito_identity,
            events: events_tx,
        };
        let mut started = None;
        let mut init_duration = None;
        let outcome = if self.runtime.dispatch(invocation).is_err() {
            Outcome::Exited("the instance takes no more invocations".to_owned())
        } else {
            let mut exit = self.exit.clone();
            let mut init_error = self.runtime.init_error();
            let pickup_deadline = dispatched + init_timeout;
            let mut killed = false;
            loop {
                let deadline = started.map_or(pickup_deadline, |at: Instant| at + timeout);
                let crash_at = match (crash_after, started) {
                    (Some(after), Some(at)) if !killed => Some(at + after),
                    _ => None,
                };
                tokio::select! {
                    // Events first: a response that raced the process's exit still counts.
                    biased;
                    // Once killed, nothing the runtime still said counts: the exit is the outcome.
                    event = events.recv(), if !killed => match event {
                        Some(RuntimeEvent::Started(at)) => {
                            started = Some(at);
                            if cold {
                                init_duration = self
                                    .runtime
                                    .first_poll()
                                    .map(|first| first.saturating_duration_since(self.spawned_at));
                            }
                            on_started();
                        }
                        Some(RuntimeEvent::Response(_) | RuntimeEvent::Error { .. }) if crash_after.is_some() => {
                            self.kill_now();
                            killed = true;
                        }
                        Some(RuntimeEvent::Response(body)) => break Outcome::Response(body),
                        Some(RuntimeEvent::Error { error_type, payload }) => {
                            break Outcome::FunctionError { error_type, payload };
                        }
                        None => break Outcome::Exited("the Runtime API stopped".to_owned()),
                    },
                    Ok(()) = init_error.changed() => {
                        let reported = init_error.borrow().clone();
                        if let Some(err) = reported {
                            break Outcome::InitError { error_type: err.error_type, payload: err.payload };
                        }
                    }
                    description = async { exit.wait_for(Option::is_some).await.map(|s| s.clone()) } => {
                        let reported = self.runtime.init_error().borrow().clone();
                        if let Some(err) = reported {
                            break Outcome::InitError { error_type: err.error_type, payload: err.payload };
                        }
                        break Outcome::Exited(description.ok().flatten().unwrap_or_else(|| "exited".to_owned()));
                    }
                    () = sleep_until_some(crash_at), if crash_at.is_some() => {
                        self.kill_now();
                        killed = true;
                    }
                    _ = tokio::time::sleep_until(deadline.into()), if !killed => break Outcome::Timeout,
                }
            }
        };
        RunReport {
            outcome,
            started,
            dispatched,
            finished: Instant::now(),
            init_duration,
        }
    }

    /// The process's peak resident memory (VmHWM) in MB, as Lambda's "Max Memory Used".
    pub fn max_memory_used_mb(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).ok()?;
        let kb: u64 = status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))?
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()?;
        Some(kb.div_ceil(1024))
    }

    /// Sends the kill without waiting; the exit shows on the instance's exit watch.
    fn kill_now(&mut self) {
        if let Some(kill) = self.kill.take() {
            let _ = kill.send(());
        }
    }

    /// Kills the process and waits until it is gone.
    pub async fn terminate(mut self) {
        drop(self.kill.take());
        let _ = self.exit.wait_for(Option::is_some).await;
    }
}

/// Sleeps until `at`; never returns for `None` (its select branch is disabled then anyway).
async fn sleep_until_some(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

/// Waits for the child to exit, or kills it when told to (or on shutdown), then publishes how it ended.
async fn reap(
    mut child: Child,
    kill: oneshot::Receiver<()>,
    shutdown: CancellationToken,
    exit: watch::Sender<Option<String>>,
) {
    let exited = tokio::select! {
        status = child.wait() => Some(status),
        // Fires on a send and when the instance (the sender) is dropped.
        _ = kill => None,
        _ = shutdown.cancelled() => None,
    };
    let status = match exited {
        Some(status) => status,
        None => {
            let _ = child.start_kill();
            child.wait().await
        }
    };
    let description = match status {
        Ok(status) => describe_exit(&status),
        Err(err) => format!("lost track of the process: {err}"),
    };
    exit.send_replace(Some(description));
}

/// Sends each line of `output` to `sink`; output that is not UTF-8 is passed on lossily.
async fn forward_lines(
    output: Box<dyn AsyncRead + Send + Unpin>,
    sink: Arc<dyn LogSink>,
    function: String,
) {
    let mut reader = BufReader::new(output);
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                let text = String::from_utf8_lossy(&line);
                sink.line(&function, text.trim_end_matches(['\n', '\r']));
            }
        }
    }
}

/// An X-Ray trace header: `Root=1-<epoch hex>-<24 hex>;Parent=<16 hex>;Sampled=<0|1>` (Lambda
/// samples a function with active tracing; locally every invocation of one is sampled).
fn trace_id(sampled: bool) -> String {
    let epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let root = uuid::Uuid::new_v4().simple().to_string();
    let parent = uuid::Uuid::new_v4().simple().to_string();
    format!(
        "Root=1-{epoch:08x}-{};Parent={};Sampled={}",
        &root[..24],
        &parent[..16],
        u8::from(sampled)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_ids_have_xrays_shape() {
        let id = trace_id(false);
        let parts: Vec<&str> = id.split(';').collect();
        assert_eq!(parts.len(), 3, "{id}");
        assert!(
            parts[0].starts_with("Root=1-") && parts[0].len() == "Root=1-".len() + 8 + 1 + 24,
            "{id}"
        );
        assert!(
            parts[1].starts_with("Parent=") && parts[1].len() == "Parent=".len() + 16,
            "{id}"
        );
        assert_eq!(parts[2], "Sampled=0");
        assert!(trace_id(true).ends_with(";Sampled=1"));
    }
}
