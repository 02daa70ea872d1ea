//! moto in server mode as a child process on a free loopback port: the local AWS endpoint.

use std::collections::VecDeque;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};

/// How long moto may take to answer its first request.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);
/// Lines of moto's output kept to explain a failed start.
const KEPT_LINES: usize = 20;
/// Runs moto's server with DynamoDB item writes made atomic and only SES's models kept for its
/// state page (see the script for why).
const LOCAL_MOTO_SERVER: &str = include_str!("local_moto_server.py");

#[derive(Debug, thiserror::Error)]
pub enum MotoError {
    #[error("cannot start moto ({program}): {source}")]
    Start {
        program: PathBuf,
        source: std::io::Error,
    },
    #[error("moto exited while starting ({status}):\n{output}")]
    Exited { status: String, output: String },
    #[error("moto did not answer on {endpoint} within {timeout:?}")]
    NotReady { endpoint: String, timeout: Duration },
    #[error("no free loopback port: {0}")]
    Port(std::io::Error),
}

/// A running moto; killed when dropped.
pub struct MotoServer {
    endpoint: String,
    child: Child,
}

impl MotoServer {
    /// Starts `program` (`moto_server`) on 127.0.0.1 and waits until it answers.
    pub async fn start(program: &Path) -> Result<Self, MotoError> {
        Self::start_with(program, |program| {
            let mut command = Command::new(program);
            command.kill_on_drop(true);
            command
        })
        .await
    }

    /// [`MotoServer::start`] with the process made by `command` (which must kill it on drop):
    /// for a caller that guards its children further, such as the runner.
    pub async fn start_with(
        program: &Path,
        command: impl Fn(&Path) -> Command,
    ) -> Result<Self, MotoError> {
        // Another process may take the free port between our probe and moto's bind: try again.
        let mut last_error = None;
        for _ in 0..3 {
            match Self::start_once(program, &command).await {
                Ok(server) => return Ok(server),
                Err(err @ MotoError::Exited { .. }) => last_error = Some(err),
                Err(err) => return Err(err),
            }
        }
        Err(last_error.unwrap_or(MotoError::NotReady {
            endpoint: "127.0.0.1".into(),
            timeout: STARTUP_TIMEOUT,
        }))
    }

    async fn start_once(
        program: &Path,
        command: &impl Fn(&Path) -> Command,
    ) -> Result<Self, MotoError> {
        let port = free_port().map_err(MotoError::Port)?;
        let endpoint = format!("http://127.0.0.1:{port}");
        // Through moto's own interpreter when the program says which it is, so that the writes
        // are atomic and the state page stays small; a moto_server of another kind runs as it is.
        let mut moto = match interpreter_of(program) {
            Some(python) => {
                let mut moto = command(&python);
                moto.args(["-c", LOCAL_MOTO_SERVER]);
                moto
            }
            None => {
                tracing::warn!(
                    program = %program.display(),
                    "no Python interpreter named in moto_server's first line: DynamoDB \
                     conditional writes are not atomic across concurrent requests"
                );
                command(program)
            }
        };
        let mut child = moto
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .map_err(|source| MotoError::Start {
                program: program.to_owned(),
                source,
            })?;
        let output = Arc::new(Mutex::new(VecDeque::new()));
        for stream in [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn AsyncRead + Send + Unpin>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn AsyncRead + Send + Unpin>),
        ]
        .into_iter()
        .flatten()
        {
            tokio::spawn(keep_output(stream, output.clone()));
        }

        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(2))
            .build()
            .map_err(|e| MotoError::Start {
                program: program.to_owned(),
                source: std::io::Error::other(e),
            })?;
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                // Let the output readers catch up with the last lines.
                tokio::time::sleep(Duration::from_millis(100)).await;
                let output = output
                    .lock()
                    .map(|o| o.iter().cloned().collect::<Vec<_>>().join("\n"))
                    .unwrap_or_default();
                return Err(MotoError::Exited {
                    status: status.to_string(),
                    output,
                });
            }
            // A success, not just any answer: the port was free when chosen, but until moto has
            // bound it another server of this machine (a local stack's Runtime API, say) may
            // take it, answer 404, and moto then exits and is started again on another port.
            if client
                .get(format!("{endpoint}/moto-api/data.json"))
                .send()
                .await
                .is_ok_and(|response| response.status().is_success())
            {
                tracing::info!(%endpoint, "moto is up");
                return Ok(MotoServer { endpoint, child });
            }
            if started.elapsed() > STARTUP_TIMEOUT {
                return Err(MotoError::NotReady {
                    endpoint,
                    timeout: STARTUP_TIMEOUT,
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The process id (for tests that check it is gone).
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Stops moto and waits for it to exit.
    pub async fn stop(mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }
}

/// The interpreter a `moto_server` entry-point script names in its `#!` line, if it exists.
fn interpreter_of(program: &Path) -> Option<PathBuf> {
    let script = std::fs::read(program).ok()?;
    let first_line = script.split(|byte| *byte == b'\n').next()?;
    let interpreter = std::str::from_utf8(first_line.strip_prefix(b"#!")?)
        .ok()?
        .trim();
    // `#!/usr/bin/env python3` and friends carry arguments: only a plain path to a Python is used.
    let path = PathBuf::from(interpreter);
    let is_python = path
        .file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| name.starts_with("python"));
    (is_python && path.is_absolute() && !interpreter.contains(' ') && path.exists()).then_some(path)
}

/// A port the kernel considers free on 127.0.0.1 right now.
pub fn free_port() -> std::io::Result<u16> {
    let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    Ok(listener.local_addr()?.port())
}

/// Keeps the last lines of moto's output for error messages; each line also goes to the debug log.
async fn keep_output(
    stream: Box<dyn AsyncRead + Send + Unpin>,
    kept: Arc<Mutex<VecDeque<String>>>,
) {
    let mut reader = BufReader::new(stream);
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                let text = String::from_utf8_lossy(&line).trim_end().to_owned();
                tracing::debug!(target: "moto", "{text}");
                if let Ok(mut kept) = kept.lock() {
                    if kept.len() == KEPT_LINES {
                        kept.pop_front();
                    }
                    kept.push_back(text);
                }
            }
        }
    }
}
