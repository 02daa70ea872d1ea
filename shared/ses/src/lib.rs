//! The SESv2 adapter of the CfP context's mail port, and the mail side of a function's wiring.

mod client;
mod mailer;
mod sender;

pub use client::client;
pub use mailer::SesMailer;
pub use sender::{SENDER_ADDRESS, SenderError, SesSender};
