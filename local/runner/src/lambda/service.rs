//! The local Lambda service: every function's pool of instances behind one [`Invoke`].

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use cfp_local_invoke::{Invoke, InvokeError};
use serde::Serialize;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::config::{FunctionConfig, LambdaSettings};
use super::invocation_log::InvocationRecord;
use super::pool::{FunctionPool, InvocationResult, InvokeRequest};

/// A function as `GET /_local/functions` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FunctionSummary {
    pub logical_id: String,
    pub function_name: String,
    pub package_name: String,
    pub function_arn: String,
}

pub struct LambdaService {
    pools: BTreeMap<String, Arc<FunctionPool>>,
    /// Function name, package name and ARN -> logical id.
    aliases: HashMap<String, String>,
    shutdown: CancellationToken,
    tracker: TaskTracker,
}

impl LambdaService {
    pub fn new(functions: Vec<FunctionConfig>, settings: LambdaSettings) -> Self {
        let settings = Arc::new(settings);
        let shutdown = CancellationToken::new();
        let tracker = TaskTracker::new();
        let mut aliases = HashMap::new();
        let mut pools = BTreeMap::new();
        for config in functions {
            for alias in [
                &config.function_name,
                &config.package_name,
                &config.function_arn,
            ] {
                // Logical ids win over aliases; the first function claims a shared package name.
                aliases
                    .entry(alias.clone())
                    .or_insert_with(|| config.logical_id.clone());
            }
            let logical_id = config.logical_id.clone();
            let pool =
                FunctionPool::new(config, settings.clone(), shutdown.clone(), tracker.clone());
            pools.insert(logical_id, Arc::new(pool));
        }
        LambdaService {
            pools,
            aliases,
            shutdown,
            tracker,
        }
    }

    /// The pool of the function called `name`: its logical id, function name, package name or
    /// ARN (with an optional `:$LATEST` qualifier).
    fn pool(&self, name: &str) -> Option<&Arc<FunctionPool>> {
        let name = name.strip_suffix(":$LATEST").unwrap_or(name);
        self.pools
            .get(name)
            .or_else(|| self.aliases.get(name).and_then(|id| self.pools.get(id)))
            .or_else(|| {
                // A partial ARN or `function:Name` form names the function last.
                let last = name.rsplit(':').next()?;
                self.pools
                    .get(last)
                    .or_else(|| self.aliases.get(last).and_then(|id| self.pools.get(id)))
            })
    }

    /// The logical id of the function called `name`, if there is one.
    pub fn logical_id(&self, name: &str) -> Option<&str> {
        self.pool(name).map(|p| p.config.logical_id.as_str())
    }

    /// Every function, in logical-id order.
    pub fn functions(&self) -> Vec<FunctionSummary> {
        self.pools
            .values()
            .map(|p| FunctionSummary {
                logical_id: p.config.logical_id.clone(),
                function_name: p.config.function_name.clone(),
                package_name: p.config.package_name.clone(),
                function_arn: p.config.function_arn.clone(),
            })
            .collect()
    }

    /// Invokes the function called `name` and reports the request id with the result. The
    /// invocation runs to its end even if the caller stops waiting, as in Lambda.
    pub async fn invoke_request(&self, name: &str, request: InvokeRequest) -> InvocationResult {
        let Some(pool) = self.pool(name).cloned() else {
            return InvocationResult {
                request_id: uuid::Uuid::new_v4().to_string(),
                result: Err(InvokeError::FunctionNotFound(name.to_owned())),
            };
        };
        let task = tokio::spawn(async move { pool.invoke(request).await });
        match task.await {
            Ok(result) => result,
            Err(err) => InvocationResult {
                request_id: uuid::Uuid::new_v4().to_string(),
                result: Err(InvokeError::RuntimeExited(format!(
                    "the invocation task failed: {err}"
                ))),
            },
        }
    }

    /// The recent invocations of the function called `name`, oldest first.
    pub fn recent_invocations(&self, name: &str) -> Option<Vec<InvocationRecord>> {
        self.pool(name).map(|p| p.recent_invocations())
    }

    /// Stops every instance of every function and waits until their processes are gone.
    pub async fn shutdown(&self) {
        self.shutdown.cancel();
        for pool in self.pools.values() {
            pool.drain_idle().await;
        }
        self.tracker.close();
        self.tracker.wait().await;
    }
}

#[async_trait]
impl Invoke for LambdaService {
    async fn invoke(&self, function: &str, payload: Bytes) -> Result<Bytes, InvokeError> {
        let request = InvokeRequest {
            payload,
            ..InvokeRequest::default()
        };
        self.invoke_request(function, request).await.result
    }
}

impl Drop for LambdaService {
    fn drop(&mut self) {
        // Reapers kill their processes on cancellation even if nobody awaits `shutdown`.
        self.shutdown.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lambda::logs::MemorySink;
    use std::time::Duration;

    fn service(binary: &str) -> LambdaService {
        let config = FunctionConfig {
            logical_id: "Broken".into(),
            function_name: "cfp-local-Broken-X".into(),
            package_name: "broken".into(),
            function_arn: "arn:aws:lambda:eu-central-1:123456789012:function:cfp-local-Broken-X"
                .into(),
            binary: binary.into(),
            handler: "bootstrap".into(),
            memory_size_mb: 128,
            timeout: Duration::from_secs(3),
            environment: Default::default(),
            max_concurrency: 2,
            tracing_active: false,
        };
        LambdaService::new(
            vec![config],
            LambdaSettings::new(
                "eu-central-1",
                "http://127.0.0.1:1",
                Arc::new(MemorySink::default()),
            ),
        )
    }

    #[tokio::test]
    async fn a_process_that_is_no_runtime_exits_and_a_missing_one_cannot_start() {
        // `true` exits at once without ever asking for an invocation.
        let exits = service("/bin/true");
        let outcome = exits.invoke("Broken", Bytes::from_static(b"{}")).await;
        assert_eq!(
            outcome,
            Err(InvokeError::RuntimeExited("exit status 0".into()))
        );
        assert_eq!(
            exits
                .recent_invocations("cfp-local-Broken-X")
                .map(|r| r.len()),
            Some(1),
            "the physical name finds the function"
        );
        exits.shutdown().await;

        let missing = service("/nonexistent/bootstrap");
        let outcome = missing.invoke("broken", Bytes::from_static(b"{}")).await;
        let Err(InvokeError::FunctionError {
            error_type,
            payload,
        }) = outcome
        else {
            panic!("a function error: {outcome:?}")
        };
        assert_eq!(error_type, "Runtime.InvalidEntrypoint");
        assert!(String::from_utf8_lossy(&payload).contains("/nonexistent/bootstrap"));
        assert_eq!(
            missing.invoke("Nope", Bytes::new()).await,
            Err(InvokeError::FunctionNotFound("Nope".into()))
        );
        assert_eq!(
            missing.logical_id(
                "arn:aws:lambda:eu-central-1:123456789012:function:cfp-local-Broken-X:$LATEST"
            ),
            Some("Broken")
        );
        assert_eq!(missing.logical_id("function:Broken"), Some("Broken"));
    }

    #[tokio::test]
    async fn after_shutdown_calls_are_refused() {
        let service = service("/bin/true");
        service.shutdown().await;
        assert_eq!(
            service.invoke("Broken", Bytes::from_static(b"{}")).await,
            Err(InvokeError::Throttled)
        );
    }
}
