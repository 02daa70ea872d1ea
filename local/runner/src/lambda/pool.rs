//! The instances of one function: warm ones are reused, overlapping calls start new ones up to
//! the function's concurrency limit, calls beyond it wait a while and are then throttled.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use cfp_local_invoke::InvokeError;
use serde_json::json;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::config::{FunctionConfig, LambdaSettings};
use super::instance::{Instance, Outcome, Request};
use super::invocation_log::{InvocationLog, InvocationOutcome, InvocationRecord, payload_value};
use super::report::{Report, end_line, report_line, start_line, timeout_line};

/// What one call to a function produced.
#[derive(Debug, Clone)]
pub struct InvocationResult {
    pub request_id: String,
    pub result: Result<Bytes, InvokeError>,
}

/// An invocation as a caller asks for it.
#[derive(Debug, Clone, Default)]
pub struct InvokeRequest {
    pub payload: Bytes,
    /// JSON text for `Lambda-Runtime-Client-Context`.
    pub client_context: Option<String>,
    /// JSON text for `Lambda-Runtime-Cognito-Identity`.
    pub cognito_identity: Option<String>,
    /// Faults to inject into this invocation (`cfp-local up --fault`); none by default.
    pub faults: InjectedFaults,
}

/// Faults injected into one invocation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InjectedFaults {
    /// Kill the instance's process this long after the runtime fetched the invocation, or as it
    /// answers if that is sooner; the next call starts a fresh instance.
    pub crash_after: Option<Duration>,
    /// Report the invocation as failed even though the function answered: it ran, its effects
    /// happened, and the caller is told it did not.
    pub fail_response: bool,
}

/// The error document of an answer replaced by `InjectedFaults::fail_response`.
pub const INJECTED_ERROR_TYPE: &str = "CfpLocal.InjectedHandlerError";

pub struct FunctionPool {
    pub config: Arc<FunctionConfig>,
    settings: Arc<LambdaSettings>,
    permits: Arc<Semaphore>,
    idle: Mutex<Vec<Instance>>,
    log: Mutex<InvocationLog>,
    shutdown: CancellationToken,
    tracker: TaskTracker,
}

impl FunctionPool {
    pub fn new(
        config: FunctionConfig,
        settings: Arc<LambdaSettings>,
        shutdown: CancellationToken,
        tracker: TaskTracker,
    ) -> Self {
        FunctionPool {
            permits: Arc::new(Semaphore::new(config.max_concurrency)),
            log: Mutex::new(InvocationLog::new(settings.recent_invocations)),
            config: Arc::new(config),
            settings,
            idle: Mutex::new(Vec::new()),
            shutdown,
            tracker,
        }
    }

    /// The recent invocations, oldest first.
    pub fn recent_invocations(&self) -> Vec<InvocationRecord> {
        self.log.lock().map(|log| log.records()).unwrap_or_default()
    }

    /// Kills every idle instance.
    pub async fn drain_idle(&self) {
        let idle: Vec<Instance> = self
            .idle
            .lock()
            .map(|mut idle| idle.drain(..).collect())
            .unwrap_or_default();
        for instance in idle {
            instance.terminate().await;
        }
    }

    fn take_idle(&self) -> Option<Instance> {
        let mut idle = self.idle.lock().ok()?;
        // The most recently used instance first: the warmest.
        while let Some(instance) = idle.pop() {
            if instance.is_alive() {
                return Some(instance);
            }
        }
        None
    }

    fn log_line(&self, line: &str) {
        self.settings.log_sink.line(&self.config.logical_id, line);
    }

    /// Runs one invocation to its end.
    pub async fn invoke(&self, request: InvokeRequest) -> InvocationResult {
        let request_id = uuid::Uuid::new_v4().to_string();
        let received_at = chrono::Utc::now();
        let config = &self.config;
        let mut record = InvocationRecord {
            request_id: request_id.clone(),
            function: config.logical_id.clone(),
            received_at,
            payload: payload_value(&request.payload),
            outcome: InvocationOutcome::Throttled,
            error_type: None,
            duration_ms: 0.0,
            init_duration_ms: None,
            cold_start: false,
            instance_pid: None,
        };

        let permit = if config.max_concurrency == 0 || self.shutdown.is_cancelled() {
            None
        } else {
            tokio::time::timeout(
                self.settings.queue_timeout,
                self.permits.clone().acquire_owned(),
            )
            .await
            .ok()
            .and_then(Result::ok)
        };
        let Some(_permit) = permit else {
            self.record(record);
            return InvocationResult {
                request_id,
                result: Err(InvokeError::Throttled),
            };
        };

        let (mut instance, cold) = match self.take_idle() {
            Some(instance) => (instance, false),
            None => match Instance::spawn(
                config,
                &self.settings,
                self.shutdown.child_token(),
                &self.tracker,
            )
            .await
            {
                Ok(instance) => (instance, true),
                Err(err) => {
                    let message = format!("RequestId: {request_id} Error: {err}");
                    self.log_line(&message);
                    record.outcome = InvocationOutcome::FunctionError;
                    record.error_type = Some("Runtime.InvalidEntrypoint".into());
                    self.record(record);
                    let payload =
                        json!({"errorType": "Runtime.InvalidEntrypoint", "errorMessage": message});
                    return InvocationResult {
                        request_id,
                        result: Err(InvokeError::FunctionError {
                            error_type: "Runtime.InvalidEntrypoint".into(),
                            payload: payload.to_string().into(),
                        }),
                    };
                }
            },
        };
        record.cold_start = cold;
        record.instance_pid = Some(instance.pid);

        let sink = self.settings.log_sink.clone();
        let logical_id = config.logical_id.clone();
        let start = start_line(&request_id);
        let on_started = move || sink.line(&logical_id, &start);
        let faults = request.faults;
        let request = Request {
            request_id: request_id.clone(),
            payload: request.payload,
            client_context: request.client_context,
            cognito_identity: request.cognito_identity,
        };
        if let Some(after) = faults.crash_after {
            self.log_line(&format!(
                "RequestId: {request_id} cfp-local fault: the instance will be killed {} ms into this invocation (or as it answers)",
                after.as_millis()
            ));
        }
        let run = instance
            .run(
                request,
                config.timeout,
                self.settings.init_timeout,
                faults.crash_after,
                &on_started,
            )
            .await;
        if run.started.is_none() {
            self.log_line(&start_line(&request_id));
        }
        let max_memory_used_mb = instance.max_memory_used_mb().unwrap_or(0);

        let (result, keep, status, error_type) = match run.outcome {
            Outcome::Response(_) if faults.fail_response => {
                let message = format!(
                    "RequestId: {request_id} cfp-local fault: the function answered, but the invocation is reported as failed"
                );
                self.log_line(&message);
                let payload =
                    json!({"errorType": INJECTED_ERROR_TYPE, "errorMessage": message}).to_string();
                let result = Err(InvokeError::FunctionError {
                    error_type: INJECTED_ERROR_TYPE.into(),
                    payload: payload.into(),
                });
                (result, true, None, Some(INJECTED_ERROR_TYPE.to_owned()))
            }
            Outcome::Response(body) => (Ok(body), true, None, None),
            Outcome::FunctionError {
                error_type,
                payload,
            } => {
                let result = Err(InvokeError::FunctionError {
                    error_type: error_type.clone(),
                    payload,
                });
                (result, true, None, Some(error_type))
            }
            Outcome::InitError {
                error_type,
                payload,
            } => {
                let result = Err(InvokeError::FunctionError {
                    error_type: error_type.clone(),
                    payload,
                });
                (result, false, Some("error"), Some(error_type))
            }
            Outcome::Timeout => {
                self.log_line(&timeout_line(&request_id, config.timeout));
                (
                    Err(InvokeError::Timeout(config.timeout)),
                    false,
                    Some("timeout"),
                    None,
                )
            }
            Outcome::Exited(description) => {
                self.log_line(&format!(
                    "RequestId: {request_id} Error: Runtime exited with error: {description}"
                ));
                (
                    Err(InvokeError::RuntimeExited(description)),
                    false,
                    Some("error"),
                    Some("Runtime.ExitError".to_owned()),
                )
            }
        };

        let duration = run
            .finished
            .saturating_duration_since(run.started.unwrap_or(run.dispatched));
        self.log_line(&end_line(&request_id));
        self.log_line(&report_line(&Report {
            request_id: &request_id,
            duration,
            memory_size_mb: config.memory_size_mb,
            max_memory_used_mb,
            init_duration: run.init_duration,
            status,
            error_type: error_type.as_deref(),
        }));

        if keep && instance.is_alive() && !self.shutdown.is_cancelled() {
            if let Ok(mut idle) = self.idle.lock() {
                idle.push(instance);
            }
        } else {
            // Discarded like a failed Lambda sandbox: the next call cold-starts a new one.
            instance.terminate().await;
        }

        record.outcome = match &result {
            Ok(_) => InvocationOutcome::Success,
            Err(InvokeError::Timeout(_)) => InvocationOutcome::Timeout,
            Err(InvokeError::RuntimeExited(_)) => InvocationOutcome::RuntimeExited,
            Err(InvokeError::Throttled) => InvocationOutcome::Throttled,
            Err(_) => InvocationOutcome::FunctionError,
        };
        record.error_type = error_type;
        record.duration_ms = duration.as_secs_f64() * 1000.0;
        record.init_duration_ms = run.init_duration.map(|d| d.as_secs_f64() * 1000.0);
        self.record(record);
        InvocationResult { request_id, result }
    }

    fn record(&self, record: InvocationRecord) {
        if let Ok(mut log) = self.log.lock() {
            log.push(record);
        }
    }
}
