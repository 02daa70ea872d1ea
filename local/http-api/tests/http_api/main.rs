//! The local HTTP API through its real interface: HTTP on loopback in, `Invoke` calls out.

mod authorizer;
mod cors;
mod invoke_errors;
mod moto_cognito;
mod request_event;
mod response_mapping;
mod routing;
mod support;
