//! [`Mailer`] on SESv2 `SendEmail` with simple content: a subject, a text and an HTML part.

use async_trait::async_trait;
use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::error::DisplayErrorContext;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};
use cfp_domain::email::OutgoingEmail;
use cfp_domain::ports::Mailer;
use cfp_domain::{EmailAddress, MailError};

#[derive(Debug, Clone)]
pub struct SesMailer {
    client: Client,
}

impl SesMailer {
    pub fn new(client: Client) -> Self {
        SesMailer { client }
    }
}

fn utf8(data: &str) -> Result<Content, MailError> {
    Content::builder()
        .data(data)
        .charset("UTF-8")
        .build()
        .map_err(|error| MailError(format!("building the message: {error}")))
}

/// SES names addresses in some errors (an unverified recipient in the sandbox); the message ends
/// up in logs, where addresses must not.
fn redact_addresses(message: &str) -> String {
    message
        .split(' ')
        .map(|word| {
            if word.contains('@') {
                "<address>"
            } else {
                word
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[async_trait]
impl Mailer for SesMailer {
    async fn send(&self, from: &EmailAddress, email: &OutgoingEmail) -> Result<(), MailError> {
        let message = Message::builder()
            .subject(utf8(&email.subject)?)
            .body(
                Body::builder()
                    .text(utf8(&email.text)?)
                    .html(utf8(&email.html)?)
                    .build(),
            )
            .build();
        let output = self
            .client
            .send_email()
            .from_email_address(from.as_str())
            .destination(
                Destination::builder()
                    .to_addresses(email.to.as_str())
                    .build(),
            )
            .content(EmailContent::builder().simple(message).build())
            .send()
            .await
            .map_err(|error| {
                MailError(redact_addresses(&DisplayErrorContext(&error).to_string()))
            })?;
        tracing::info!(
            message_id = output.message_id().unwrap_or("unknown"),
            "email sent"
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_redacted_from_error_messages() {
        assert_eq!(
            redact_addresses(
                "MessageRejected: Email address is not verified: ada@example.org, cfp@example.org."
            ),
            "MessageRejected: Email address is not verified: <address> <address>"
        );
        assert_eq!(redact_addresses("throttled"), "throttled");
    }
}
