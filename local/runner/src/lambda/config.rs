//! How the local Lambda service runs each function.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::logs::LogSink;

/// One function as the service runs it, everything resolved.
#[derive(Debug, Clone)]
pub struct FunctionConfig {
    /// Logical id in template.yaml: the name event sources invoke it by.
    pub logical_id: String,
    /// Physical name (`AWS_LAMBDA_FUNCTION_NAME`), also accepted by the Invoke API.
    pub function_name: String,
    /// The crate's package name, also accepted by the Invoke API (as `cargo lambda invoke` uses it).
    pub package_name: String,
    pub function_arn: String,
    /// The executable each instance runs.
    pub binary: PathBuf,
    /// `_HANDLER`.
    pub handler: String,
    pub memory_size_mb: u32,
    pub timeout: Duration,
    /// The template's `Environment.Variables`, resolved.
    pub environment: BTreeMap<String, String>,
    /// At most this many instances run at once (0 throttles every call).
    pub max_concurrency: usize,
    /// `Tracing: Active`: its invocations' trace headers say `Sampled=1` and it gets
    /// `AWS_XRAY_DAEMON_ADDRESS`.
    pub tracing_active: bool,
}

/// Settings shared by every function.
#[derive(Clone)]
pub struct LambdaSettings {
    pub region: String,
    /// The AWS endpoint functions talk to (`AWS_ENDPOINT_URL`).
    pub aws_endpoint: String,
    /// How long a call waits for an instance when the function is at its limit before `Throttled`.
    pub queue_timeout: Duration,
    /// How long a new instance may take to ask for its first invocation.
    pub init_timeout: Duration,
    /// How many invocations per function `GET /_local/functions/{name}/invocations` remembers.
    pub recent_invocations: usize,
    /// Where function output and START/END/REPORT lines go.
    pub log_sink: Arc<dyn LogSink>,
    /// Service-specific endpoint variables (`AWS_ENDPOINT_URL_<SERVICE>`) for every function, e.g.
    /// SES through the fault proxy; empty unless a fault asks for one.
    pub service_endpoints: BTreeMap<String, String>,
    /// The runner's X-Ray daemon (UDP on loopback), for functions with active tracing.
    pub xray_daemon: Option<std::net::SocketAddr>,
}

impl LambdaSettings {
    /// Lambda's own init phase limit.
    pub const DEFAULT_INIT_TIMEOUT: Duration = Duration::from_secs(10);
    pub const DEFAULT_QUEUE_TIMEOUT: Duration = Duration::from_secs(3);
    pub const DEFAULT_RECENT_INVOCATIONS: usize = 200;

    pub fn new(region: &str, aws_endpoint: &str, log_sink: Arc<dyn LogSink>) -> Self {
        LambdaSettings {
            region: region.to_owned(),
            aws_endpoint: aws_endpoint.to_owned(),
            queue_timeout: Self::DEFAULT_QUEUE_TIMEOUT,
            init_timeout: Self::DEFAULT_INIT_TIMEOUT,
            recent_invocations: Self::DEFAULT_RECENT_INVOCATIONS,
            log_sink,
            service_endpoints: BTreeMap::new(),
            xray_daemon: None,
        }
    }
}

impl std::fmt::Debug for LambdaSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LambdaSettings")
            .field("region", &self.region)
            .field("aws_endpoint", &self.aws_endpoint)
            .field("queue_timeout", &self.queue_timeout)
            .field("init_timeout", &self.init_timeout)
            .field("recent_invocations", &self.recent_invocations)
            .field("service_endpoints", &self.service_endpoints)
            .field("xray_daemon", &self.xray_daemon)
            .finish_non_exhaustive()
    }
}
