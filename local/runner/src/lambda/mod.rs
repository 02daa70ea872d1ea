//! The local Lambda service: runs each function's binary as child processes that talk to a
//! Runtime API served by the runner, reuses warm instances, scales out up to a limit, enforces
//! timeouts, and answers the Lambda Invoke API.

pub mod config;
pub mod environment;
pub mod instance;
pub mod invocation_log;
pub mod invoke_api;
pub mod logs;
pub mod pool;
pub mod report;
pub mod runtime_api;
pub mod service;

pub use config::{FunctionConfig, LambdaSettings};
pub use invocation_log::{InvocationOutcome, InvocationRecord};
pub use logs::{LogSink, MemorySink, StdoutSink};
pub use pool::{INJECTED_ERROR_TYPE, InjectedFaults, InvocationResult, InvokeRequest};
pub use service::{FunctionSummary, LambdaService};
