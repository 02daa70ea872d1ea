//! The mail side of an emailing function's startup wiring: the SES mailer and the address it
//! sends from (`SENDER_ADDRESS`, set by template.yaml), read once per function instance.

use cfp_domain::{EmailAddress, InvalidValue};

use crate::mailer::SesMailer;

/// The environment variable naming the verified sender.
pub const SENDER_ADDRESS: &str = "SENDER_ADDRESS";

#[derive(Debug, thiserror::Error)]
pub enum SenderError {
    #[error("{SENDER_ADDRESS} must be set (template.yaml sets it)")]
    Missing,
    #[error("{SENDER_ADDRESS} must be an e-mail address: {0}")]
    Invalid(InvalidValue),
}

/// What a function needs to send mail.
#[derive(Debug, Clone)]
pub struct SesSender {
    pub mailer: SesMailer,
    /// The verified address every email goes out from.
    pub from: EmailAddress,
}

impl SesSender {
    /// The mailer on `client`, sending from `SENDER_ADDRESS`.
    pub fn from_env(client: aws_sdk_sesv2::Client) -> Result<Self, SenderError> {
        Ok(SesSender {
            mailer: SesMailer::new(client),
            from: sender_address(std::env::var(SENDER_ADDRESS).ok())?,
        })
    }
}

fn sender_address(raw: Option<String>) -> Result<EmailAddress, SenderError> {
    let raw = raw.ok_or(SenderError::Missing)?;
    EmailAddress::parse(&raw).map_err(SenderError::Invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_read_as_it_is() {
        let address = sender_address(Some("cfp@example.org".into())).expect("an address");
        assert_eq!(address.as_str(), "cfp@example.org");
    }

    #[test]
    fn a_missing_or_malformed_address_is_a_clear_error() {
        let missing = sender_address(None).expect_err("missing");
        assert_eq!(
            missing.to_string(),
            "SENDER_ADDRESS must be set (template.yaml sets it)"
        );
        let invalid = sender_address(Some("not an address".into())).expect_err("invalid");
        assert!(matches!(invalid, SenderError::Invalid(_)), "{invalid:?}");
        assert!(
            invalid
                .to_string()
                .starts_with("SENDER_ADDRESS must be an e-mail address"),
            "{invalid}"
        );
    }
}
