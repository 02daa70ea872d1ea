//! The invoker the event sources use when handler errors or crashes are asked for: it decides, per
//! invocation, which faults to inject and lets the Lambda service inject them. The HTTP API and
//! synchronous Invoke API calls go to the service directly and never meet these faults.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use cfp_local_invoke::{Invoke, InvokeError};

use super::dice::{FaultDice, Purpose};
use super::plan::FaultPlan;
use crate::lambda::{InjectedFaults, InvokeRequest, LambdaService};

/// How far into an invocation a crash may come: a stream batch of the cfp functions takes tens of
/// milliseconds locally, so most crashes land in the middle of one, the rest as it answers.
pub const MAX_CRASH_DELAY: Duration = Duration::from_millis(150);

pub struct FaultInjectingInvoker {
    lambda: Arc<LambdaService>,
    plan: FaultPlan,
    handler_errors: FaultDice,
    crashes: FaultDice,
}

impl FaultInjectingInvoker {
    pub fn new(lambda: Arc<LambdaService>, plan: FaultPlan) -> Self {
        FaultInjectingInvoker {
            handler_errors: FaultDice::new(plan.seed, Purpose::HandlerErrors),
            crashes: FaultDice::new(plan.seed, Purpose::Crashes),
            lambda,
            plan,
        }
    }

    /// The faults of the next invocation.
    pub fn next_faults(&self) -> InjectedFaults {
        let crash_after = self
            .crashes
            .hits(self.plan.crash_mid_batch_rate)
            .then(|| self.crashes.duration_up_to(MAX_CRASH_DELAY));
        InjectedFaults {
            crash_after,
            // A crash already fails the invocation; no need to decide about its answer.
            fail_response: crash_after.is_none()
                && self.handler_errors.hits(self.plan.handler_error_rate),
        }
    }
}

#[async_trait]
impl Invoke for FaultInjectingInvoker {
    async fn invoke(&self, function: &str, payload: Bytes) -> Result<Bytes, InvokeError> {
        let request = InvokeRequest {
            payload,
            faults: self.next_faults(),
            ..InvokeRequest::default()
        };
        self.lambda.invoke_request(function, request).await.result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faults::{FaultSpec, Rate};
    use crate::lambda::{LambdaSettings, MemorySink};

    fn invoker(specs: &[FaultSpec]) -> FaultInjectingInvoker {
        let lambda = Arc::new(LambdaService::new(
            Vec::new(),
            LambdaSettings::new(
                "eu-central-1",
                "http://127.0.0.1:1",
                Arc::new(MemorySink::default()),
            ),
        ));
        let plan = FaultPlan::from_specs(specs, 3).expect("a plan");
        FaultInjectingInvoker::new(lambda, plan)
    }

    fn rate(value: f64) -> Rate {
        Rate::new(value).expect("a rate")
    }

    #[test]
    fn faults_follow_the_plan() {
        let none = invoker(&[]);
        assert_eq!(none.next_faults(), InjectedFaults::default());

        let crashing = invoker(&[
            FaultSpec::CrashMidBatchRate(rate(1.0)),
            FaultSpec::HandlerErrorRate(rate(1.0)),
        ]);
        for _ in 0..20 {
            let faults = crashing.next_faults();
            let after = faults.crash_after.expect("always a crash");
            assert!(after <= MAX_CRASH_DELAY, "{after:?}");
            assert!(!faults.fail_response, "a crash already fails it");
        }

        let failing = invoker(&[FaultSpec::HandlerErrorRate(rate(1.0))]);
        assert_eq!(
            failing.next_faults(),
            InjectedFaults {
                crash_after: None,
                fail_response: true
            }
        );
    }
}
