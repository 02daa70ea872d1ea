//! The e-mails sent through the local SES, read from moto's state (`GET /moto-api/data.json`):
//! `ses.Message[]` for simple sends (the body is the HTML part when there is one) and
//! `ses.RawMessage[]` for raw MIME sends, which are parsed here.

use mail_parser::MessageParser;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One sent e-mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SentEmail {
    pub from: String,
    /// Every recipient (To, Cc, Bcc), bare addresses.
    pub to: Vec<String>,
    pub subject: String,
    /// The HTML body if there is one, else the text body.
    pub body: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("cannot reach the local AWS endpoint {endpoint}: {source}")]
    Http {
        endpoint: String,
        source: reqwest::Error,
    },
    #[error("the local AWS endpoint answered {status} for its state")]
    Status { status: reqwest::StatusCode },
    #[error("moto's state is not what was expected: {0}")]
    Shape(String),
}

#[derive(Deserialize)]
struct SimpleMessage {
    #[serde(default)]
    source: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    destinations: Value,
}

#[derive(Deserialize)]
struct RawMessage {
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    destinations: Value,
    #[serde(default)]
    raw_data: String,
}

/// Every e-mail sent through the SES of the moto at `aws_endpoint`, oldest first.
pub async fn sent_emails(aws_endpoint: &str) -> Result<Vec<SentEmail>, MailError> {
    let url = format!("{}/moto-api/data.json", aws_endpoint.trim_end_matches('/'));
    let http_error = |source| MailError::Http {
        endpoint: aws_endpoint.to_owned(),
        source,
    };
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .map_err(http_error)?;
    // moto builds this document from every model it tracks, while other requests change them:
    // under load it now and then fails with a 500. Such a failure passes; ask again a few times.
    let mut attempt = 1;
    let response = loop {
        let response = client.get(&url).send().await.map_err(http_error)?;
        if response.status().is_server_error() && attempt < STATE_ATTEMPTS {
            attempt += 1;
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            continue;
        }
        break response;
    };
    if !response.status().is_success() {
        return Err(MailError::Status {
            status: response.status(),
        });
    }
    let state: Value = response.json().await.map_err(http_error)?;
    emails_from_state(&state)
}

/// How often [`sent_emails`] asks moto for its state before giving up on 5xx answers.
const STATE_ATTEMPTS: u32 = 5;

/// The e-mails in moto's state document.
pub fn emails_from_state(state: &Value) -> Result<Vec<SentEmail>, MailError> {
    let ses = match state.get("ses") {
        Some(ses) => ses,
        None => return Ok(Vec::new()),
    };
    let list = |name: &str| ses.get(name).cloned().unwrap_or(Value::Array(Vec::new()));
    let simple: Vec<SimpleMessage> = serde_json::from_value(list("Message"))
        .map_err(|e| MailError::Shape(format!("ses.Message: {e}")))?;
    let raw: Vec<RawMessage> = serde_json::from_value(list("RawMessage"))
        .map_err(|e| MailError::Shape(format!("ses.RawMessage: {e}")))?;
    let mut emails: Vec<SentEmail> = simple
        .into_iter()
        .map(|m| SentEmail {
            from: m.source,
            to: recipients(&m.destinations),
            subject: m.subject,
            body: m.body,
        })
        .collect();
    emails.extend(raw.into_iter().map(parse_raw));
    Ok(emails)
}

/// `{"ToAddresses": [..], "CcAddresses": [..], "BccAddresses": [..]}` or a plain list.
fn recipients(destinations: &Value) -> Vec<String> {
    let mut all: Vec<String> = match destinations {
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .map(bare_address)
            .collect(),
        Value::Object(map) => ["ToAddresses", "CcAddresses", "BccAddresses"]
            .iter()
            .filter_map(|k| map.get(*k).and_then(Value::as_array))
            .flatten()
            .filter_map(Value::as_str)
            .map(bare_address)
            .collect(),
        _ => Vec::new(),
    };
    let mut seen = std::collections::BTreeSet::new();
    all.retain(|a| seen.insert(a.to_ascii_lowercase()));
    all
}

/// `Name <a@b>` -> `a@b`.
fn bare_address(address: &str) -> String {
    match (address.rfind('<'), address.rfind('>')) {
        (Some(start), Some(end)) if start < end => address[start + 1..end].trim().to_owned(),
        _ => address.trim().to_owned(),
    }
}

fn parse_raw(message: RawMessage) -> SentEmail {
    let parsed = MessageParser::default().parse(message.raw_data.as_bytes());
    let header_from = parsed
        .as_ref()
        .and_then(|m| m.from())
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .map(str::to_owned);
    SentEmail {
        from: message
            .source
            .map(|s| bare_address(&s))
            .or(header_from)
            .unwrap_or_default(),
        to: recipients(&message.destinations),
        subject: parsed
            .as_ref()
            .and_then(|m| m.subject())
            .unwrap_or_default()
            .to_owned(),
        body: parsed
            .as_ref()
            .and_then(|m| m.body_html(0).or_else(|| m.body_text(0)))
            .map(|b| b.into_owned())
            .unwrap_or_default(),
    }
}

/// Whether `email` went to `address` (case-insensitive).
pub fn is_addressed_to(email: &SentEmail, address: &str) -> bool {
    email
        .to
        .iter()
        .any(|a| a.eq_ignore_ascii_case(address.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn simple_and_raw_messages() {
        let raw = "From: Cfp <cfp@example.org>\r\nTo: Speaker <s@example.org>\r\nSubject: =?utf-8?q?Th=C3=A4nks?=\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nplain\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n--b--\r\n";
        let state = json!({"ses": {
            "Message": [{"id": "1", "source": "cfp@example.org", "subject": "Hi", "body": "<b>x</b>",
                         "destinations": {"ToAddresses": ["a@example.org"], "CcAddresses": ["B <b@example.org>"]}}],
            "RawMessage": [{"id": "2", "source": "cfp@example.org", "raw_data": raw,
                            "destinations": ["s@example.org", "Speaker <s@example.org>"]}],
        }});
        let emails = emails_from_state(&state).expect("parses");
        assert_eq!(
            emails[0],
            SentEmail {
                from: "cfp@example.org".into(),
                to: vec!["a@example.org".into(), "b@example.org".into()],
                subject: "Hi".into(),
                body: "<b>x</b>".into(),
            }
        );
        assert_eq!(emails[1].to, vec!["s@example.org"]);
        assert_eq!(emails[1].subject, "Thänks");
        assert!(emails[1].body.contains("<p>html</p>"), "{}", emails[1].body);
        assert!(is_addressed_to(&emails[1], "S@example.org"));
        assert!(emails_from_state(&json!({})).expect("no ses").is_empty());
        assert!(emails_from_state(&json!({"ses": {"Message": "nope"}})).is_err());
    }
}
