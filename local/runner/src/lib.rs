//! `cfp-local`: the project's `template.yaml` on one machine. It plays AWS Lambda and
//! CloudFormation with moto as the AWS endpoint: it creates the template's resources in moto, runs
//! the very function binaries that deploy (each instance gets the Lambda Runtime API from the
//! runner on loopback and the environment the template gives it), serves the HTTP APIs and drives
//! the event sources. Nothing about routes, environment or wiring is written twice: all of it is
//! read from the template.
//!
//! # Running it
//!
//! `cargo build` the functions, then `cfp-local up` (see [`cli`]). Once everything is up it
//! writes the stack file (`target/local/stack.json`, [`stack::StackInfo`]); Ctrl-C or SIGTERM
//! stops every process it started and removes the file.
//!
//! # What tests and tools use
//!
//! - [`stack::StackInfo`]: the stack file, `StackInfo::load(path)`: the API URL, the AWS endpoint,
//!   the user pool and client, the tables, bucket, topic, the Lambda endpoint.
//! - [`users::LocalUsers`]: `LocalUsers::from_stack(&info)` builds the Cognito client; `create`
//!   (verified e-mail, permanent password, groups), `sign_in` (USER_PASSWORD_AUTH) and
//!   `create_and_sign_in` give [`users::Tokens`] (ID, access, refresh);
//!   [`users::create_user`]`(&info, email, password, group)` does it all in one call.
//! - [`mail::sent_emails`]`(aws_endpoint)`: every e-mail sent through the local SES, as
//!   [`mail::SentEmail`] `{from, to, subject, body}`.
//! - The Lambda Invoke API at `lambdaEndpoint`: `POST /2015-03-31/functions/{name}/invocations`
//!   as AWS serves it, and `GET /_local/functions/{name}/invocations`, the recent invocations of a
//!   function ([`lambda::InvocationRecord`]): proof of what did or did not reach a handler.
//! - [`local_stack::LocalStack`]: the whole stack in-process, as the runner's own tests start it.
//!
//! # Modules
//!
//! - [`template`]: YAML with short-form tags, Globals, parameters, conditions, intrinsic
//!   functions, dependency order, functions and their events.
//! - [`provision`]: creates tables, queues, topics, buckets, user pools, clients, groups and SES
//!   identities in moto, recording what `Ref`/`GetAtt` yield ([`stack_resources`]).
//! - [`lambda`]: the Lambda service: instances, the Runtime API, scaling, timeouts, the Invoke API.
//! - [`wiring`]: from the template and the created resources to functions, HTTP API
//!   configurations and stream subscriptions.
//! - [`moto`], [`child_process`], [`aws_clients`], [`physical_names`].

pub mod aws_clients;
pub mod child_process;
pub mod cli;
pub mod faults;
pub mod lambda;
pub mod local_stack;
pub mod mail;
/// moto as the local AWS endpoint: one implementation, shared with the workspace's tests.
pub use cfp_local_moto as moto;
pub mod physical_names;
pub mod provision;
pub mod stack;
pub mod stack_resources;
pub mod stack_state;
pub mod template;
pub mod users;
pub mod wiring;
pub mod xray_daemon;
