//! The faults of one run, from `--fault NAME[=RATE]` (repeatable) and `--fault-seed N`.

use std::fmt;
use std::str::FromStr;

use cfp_local_event_sources::Delivery;

/// A probability, from 0 (never) to 1 (always).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct Rate(f64);

impl Rate {
    pub const NEVER: Rate = Rate(0.0);

    pub fn new(value: f64) -> Result<Self, FaultPlanError> {
        if value.is_finite() && (0.0..=1.0).contains(&value) {
            Ok(Rate(value))
        } else {
            Err(FaultPlanError::RateOutOfRange(value.to_string()))
        }
    }

    pub fn get(self) -> f64 {
        self.0
    }

    pub fn is_never(self) -> bool {
        self.0 == 0.0
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FaultPlanError {
    #[error(
        "unknown fault {0:?}: expected duplicate-deliveries, handler-error-rate=R, ses-error-rate=R or crash-mid-batch-rate=R"
    )]
    Unknown(String),
    #[error("fault {0} takes a rate: {0}=R with R from 0 to 1")]
    MissingRate(String),
    #[error("fault {0} takes no value")]
    UnexpectedValue(String),
    #[error("a rate must be a number from 0 to 1, not {0:?}")]
    RateOutOfRange(String),
    #[error("fault {0} is given twice")]
    Repeated(String),
}

/// One `--fault` argument.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FaultSpec {
    /// Every stream batch, SNS message and S3 notification reaches its function twice.
    DuplicateDeliveries,
    /// Event deliveries whose function ran fine are reported as failed at this rate.
    HandlerErrorRate(Rate),
    /// SES calls of the functions are answered with an SES error at this rate.
    SesErrorRate(Rate),
    /// Event deliveries have the function's process killed while they run at this rate.
    CrashMidBatchRate(Rate),
}

impl FaultSpec {
    fn name(&self) -> &'static str {
        match self {
            FaultSpec::DuplicateDeliveries => "duplicate-deliveries",
            FaultSpec::HandlerErrorRate(_) => "handler-error-rate",
            FaultSpec::SesErrorRate(_) => "ses-error-rate",
            FaultSpec::CrashMidBatchRate(_) => "crash-mid-batch-rate",
        }
    }
}

impl FromStr for FaultSpec {
    type Err = FaultPlanError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (name, value) = match text.split_once('=') {
            Some((name, value)) => (name.trim(), Some(value.trim())),
            None => (text.trim(), None),
        };
        let rate = || -> Result<Rate, FaultPlanError> {
            let value = value.ok_or_else(|| FaultPlanError::MissingRate(name.to_owned()))?;
            let number: f64 = value
                .parse()
                .map_err(|_| FaultPlanError::RateOutOfRange(value.to_owned()))?;
            Rate::new(number)
        };
        match name {
            "duplicate-deliveries" => match value {
                None => Ok(FaultSpec::DuplicateDeliveries),
                Some(_) => Err(FaultPlanError::UnexpectedValue(name.to_owned())),
            },
            "handler-error-rate" => Ok(FaultSpec::HandlerErrorRate(rate()?)),
            "ses-error-rate" => Ok(FaultSpec::SesErrorRate(rate()?)),
            "crash-mid-batch-rate" => Ok(FaultSpec::CrashMidBatchRate(rate()?)),
            _ => Err(FaultPlanError::Unknown(text.to_owned())),
        }
    }
}

/// Every fault of a run; the default injects none.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FaultPlan {
    pub duplicate_deliveries: bool,
    pub handler_error_rate: Rate,
    pub ses_error_rate: Rate,
    pub crash_mid_batch_rate: Rate,
    /// Seeds every random decision.
    pub seed: u64,
}

impl FaultPlan {
    /// The plan of `specs`, each fault at most once.
    pub fn from_specs(specs: &[FaultSpec], seed: u64) -> Result<Self, FaultPlanError> {
        let mut plan = FaultPlan {
            seed,
            ..FaultPlan::default()
        };
        let mut seen = Vec::new();
        for spec in specs {
            if seen.contains(&spec.name()) {
                return Err(FaultPlanError::Repeated(spec.name().to_owned()));
            }
            seen.push(spec.name());
            match *spec {
                FaultSpec::DuplicateDeliveries => plan.duplicate_deliveries = true,
                FaultSpec::HandlerErrorRate(rate) => plan.handler_error_rate = rate,
                FaultSpec::SesErrorRate(rate) => plan.ses_error_rate = rate,
                FaultSpec::CrashMidBatchRate(rate) => plan.crash_mid_batch_rate = rate,
            }
        }
        Ok(plan)
    }

    /// Whether any fault is on.
    pub fn is_active(&self) -> bool {
        self.duplicate_deliveries
            || !self.handler_error_rate.is_never()
            || !self.ses_error_rate.is_never()
            || !self.crash_mid_batch_rate.is_never()
    }

    /// Whether event deliveries go through [`super::FaultInjectingInvoker`].
    pub fn affects_invocations(&self) -> bool {
        !self.handler_error_rate.is_never() || !self.crash_mid_batch_rate.is_never()
    }

    pub fn delivery(&self) -> Delivery {
        if self.duplicate_deliveries {
            Delivery::Twice
        } else {
            Delivery::Once
        }
    }

    /// One line for the banner and the log: what is on, and the seed that replays it.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.duplicate_deliveries {
            parts.push("duplicate-deliveries".to_owned());
        }
        for (name, rate) in [
            ("handler-error-rate", self.handler_error_rate),
            ("ses-error-rate", self.ses_error_rate),
            ("crash-mid-batch-rate", self.crash_mid_batch_rate),
        ] {
            if !rate.is_never() {
                parts.push(format!("{name}={rate}"));
            }
        }
        if parts.is_empty() {
            return "none".to_owned();
        }
        format!(
            "{} (replay with --fault-seed {})",
            parts.join(", "),
            self.seed
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> Result<FaultSpec, FaultPlanError> {
        text.parse()
    }

    #[test]
    fn each_fault_parses() {
        assert_eq!(
            spec("duplicate-deliveries"),
            Ok(FaultSpec::DuplicateDeliveries)
        );
        assert_eq!(
            spec("handler-error-rate=0.3"),
            Ok(FaultSpec::HandlerErrorRate(Rate(0.3)))
        );
        assert_eq!(
            spec("ses-error-rate=1"),
            Ok(FaultSpec::SesErrorRate(Rate(1.0)))
        );
        assert_eq!(
            spec("crash-mid-batch-rate=0"),
            Ok(FaultSpec::CrashMidBatchRate(Rate(0.0)))
        );
    }

    #[test]
    fn bad_faults_are_refused_with_a_reason() {
        assert!(matches!(spec("nope"), Err(FaultPlanError::Unknown(_))));
        assert!(matches!(spec(""), Err(FaultPlanError::Unknown(_))));
        assert_eq!(
            spec("ses-error-rate"),
            Err(FaultPlanError::MissingRate("ses-error-rate".into()))
        );
        for bad in ["1.5", "-0.1", "NaN", "inf", "x", ""] {
            assert!(
                matches!(
                    spec(&format!("handler-error-rate={bad}")),
                    Err(FaultPlanError::RateOutOfRange(_))
                ),
                "{bad}"
            );
        }
        assert_eq!(
            spec("duplicate-deliveries=2"),
            Err(FaultPlanError::UnexpectedValue(
                "duplicate-deliveries".into()
            ))
        );
        let err = spec("crash-mid-batch-rate=2").expect_err("out of range");
        assert!(err.to_string().contains("from 0 to 1"), "{err}");
    }

    #[test]
    fn a_plan_collects_the_faults_once_each() {
        let plan = FaultPlan::from_specs(
            &[
                FaultSpec::DuplicateDeliveries,
                FaultSpec::SesErrorRate(Rate(0.3)),
                FaultSpec::CrashMidBatchRate(Rate(0.2)),
            ],
            7,
        )
        .expect("a plan");
        assert!(plan.duplicate_deliveries && plan.is_active());
        assert_eq!(plan.ses_error_rate, Rate(0.3));
        assert_eq!(plan.handler_error_rate, Rate::NEVER);
        assert!(plan.affects_invocations());
        assert_eq!(plan.delivery(), Delivery::Twice);
        assert_eq!(
            plan.describe(),
            "duplicate-deliveries, ses-error-rate=0.3, crash-mid-batch-rate=0.2 (replay with --fault-seed 7)"
        );
        assert_eq!(
            FaultPlan::from_specs(
                &[
                    FaultSpec::SesErrorRate(Rate(0.3)),
                    FaultSpec::SesErrorRate(Rate(0.1))
                ],
                1
            ),
            Err(FaultPlanError::Repeated("ses-error-rate".into()))
        );
        let none = FaultPlan::default();
        assert!(!none.is_active() && !none.affects_invocations());
        assert_eq!(none.delivery(), Delivery::Once);
        assert_eq!(none.describe(), "none");
    }
}
