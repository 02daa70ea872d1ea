//! The SESv2 adapter of the CfP context's mail port.

mod mailer;

pub use mailer::SesMailer;
