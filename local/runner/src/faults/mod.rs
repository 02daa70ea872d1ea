//! Faults the local runner can inject into event delivery, off unless `cfp-local up --fault ...`
//! asks for them: duplicate deliveries, handler errors, SES errors and crashes in the middle of a
//! batch. [`FaultPlan`] is parsed once from the command line and handed to the parts that act on
//! it; every random decision comes from a generator seeded by `--fault-seed`, so a failing run
//! can be replayed with the same sequence of decisions.

pub mod dice;
pub mod invoker;
pub mod plan;
pub mod ses_proxy;

pub use dice::FaultDice;
pub use invoker::FaultInjectingInvoker;
pub use plan::{FaultPlan, FaultPlanError, FaultSpec, Rate};
pub use ses_proxy::SesFaultProxy;
