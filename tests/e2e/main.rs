//! The end-to-end tests, one module per area, run against a local stack (scripts/test.sh starts
//! one; `CFP_STACK_FILE` names it).

mod auth_matrix;
mod authorizer;
mod bad_input;
mod cfp_submission;
mod events_out;
mod logs;
mod metrics_traces;
mod openapi_contract;
mod pictures;
mod review_flow;
mod sample_events;
mod schedule;
mod stream_delivery;
mod topic_redelivery;
mod whole_flow;
