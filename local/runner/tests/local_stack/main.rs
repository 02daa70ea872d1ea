//! The local stack's own tests, in one binary so the workspace links (and stores) one test
//! executable for them rather than one per file.

mod common;
mod faults;
mod http_faults;
mod lambda_service;
mod notifications;
mod provisioning;
mod real_stack;
mod restart;
mod up_command;
