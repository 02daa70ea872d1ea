//! moto in server mode, started once in one way for the whole workspace: the runner's AWS
//! endpoint ([`MotoServer::start_with`]) and every test that talks to AWS ([`MotoServer::for_tests`]).

mod moto_server;
mod test_server;

pub use moto_server::{MotoError, MotoServer, free_port};
pub use test_server::{MOTO_SERVER_VAR, REGION, moto_program, sdk_config};
