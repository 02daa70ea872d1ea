//! `cfp-load-test`: load with nothing lost, against a running local stack.
//!
//! It signs up an admin and N speakers in the local user pool (addresses unique to this run, so
//! other traffic on the same stack never counts), opens an event's CfP, submits proposals from C
//! concurrent clients through the local HTTP API (each client its own speaker, token and
//! keep-alive connection, every request with an Idempotency-Key), records every status and
//! latency, then waits for the asynchronous side and reconciles: every 201 stored, every stored
//! proposal mailed exactly once, no 5xx. Figures are printed, never asserted; a failed check
//! makes the exit status non-zero.
//!
//! # Modules
//!
//! - [`cli`]: the command line.
//! - [`setup`]: the admin, the event and the speakers of a run.
//! - [`submit`]: the concurrent clients and their retries.
//! - [`latency`]: latency histograms and their percentiles.
//! - [`stored`]: the proposals stored for the run's event (the CfP table).
//! - [`submission_mail`]: which sent e-mails are submission e-mails of the run, and for which proposal.
//! - [`reconcile`]: responses vs stored proposals vs e-mails.
//! - [`report`]: the printed figures.
//! - [`run`]: all of it in order, with the bounded wait.

pub mod cli;
pub mod error;
pub mod latency;
pub mod reconcile;
pub mod report;
pub mod run;
pub mod setup;
pub mod stored;
pub mod submission_mail;
pub mod submit;

pub use error::LoadError;
