//! Which of the e-mails moto's SES holds are submission e-mails of this run, and which proposal
//! each one is about. The run's speakers have addresses no one else uses, so mail to them is the
//! run's; the proposal id is in every submission e-mail ("Proposal id: …", text and HTML).

use std::collections::HashSet;

use cfp_local::mail::SentEmail;

/// The subject every submission e-mail starts with (shared/domain's `proposal_received`).
pub const SUBJECT_PREFIX: &str = "Proposal received";
const ID_LABEL: &str = "Proposal id:";

/// A submission e-mail to one of the run's speakers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmissionMail {
    /// The run's speakers it went to (lower case).
    pub recipients: Vec<String>,
    pub subject: String,
    /// The proposal it names, if it names one.
    pub proposal_id: Option<String>,
}

/// The submission e-mails among `emails` that went to any of `run_addresses` (lower case).
pub fn of_run(emails: &[SentEmail], run_addresses: &HashSet<String>) -> Vec<SubmissionMail> {
    emails
        .iter()
        .filter(|email| email.subject.starts_with(SUBJECT_PREFIX))
        .filter_map(|email| {
            let recipients: Vec<String> = email
                .to
                .iter()
                .map(|to| to.trim().to_ascii_lowercase())
                .filter(|to| run_addresses.contains(to))
                .collect();
            (!recipients.is_empty()).then(|| SubmissionMail {
                recipients,
                subject: email.subject.clone(),
                proposal_id: proposal_id(&email.body),
            })
        })
        .collect()
}

/// The id after "Proposal id:" in a body, HTML (`<code>id</code>`) or text.
pub fn proposal_id(body: &str) -> Option<String> {
    let after = &body[body.find(ID_LABEL)? + ID_LABEL.len()..];
    let after = after.trim_start();
    let after = after.strip_prefix("<code>").unwrap_or(after);
    let id: String = after
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    (!id.is_empty()).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(to: &str, subject: &str, body: &str) -> SentEmail {
        SentEmail {
            from: "cfp@example.org".into(),
            to: vec![to.into()],
            subject: subject.into(),
            body: body.into(),
        }
    }

    #[test]
    fn the_id_is_read_from_html_and_text() {
        let id = "0190f3a2-7b1c-7d00-8000-0123456789ab";
        assert_eq!(
            proposal_id(&format!("<p>Proposal id: <code>{id}</code></p>")).as_deref(),
            Some(id)
        );
        assert_eq!(
            proposal_id(&format!("on today.\n\nProposal id: {id}\n\nThe team")).as_deref(),
            Some(id)
        );
        assert_eq!(proposal_id("no id here"), None);
        assert_eq!(proposal_id("Proposal id: <code></code>"), None);
        assert_eq!(proposal_id("Proposal id:"), None);
    }

    #[test]
    fn only_submission_mail_to_the_run_counts() {
        let run: HashSet<String> = ["load-r-speaker0@speakers.test".to_owned()].into();
        let emails = [
            email(
                "Load-R-Speaker0@speakers.test",
                "Proposal received: “T” for DevConf 2027",
                "Proposal id: <code>abc-1</code>",
            ),
            email(
                "someone@else.test",
                "Proposal received: “T” for DevConf 2027",
                "Proposal id: <code>abc-2</code>",
            ),
            email(
                "load-r-speaker0@speakers.test",
                "Accepted: “T”",
                "Proposal id: <code>abc-3</code>",
            ),
        ];
        assert_eq!(
            of_run(&emails, &run),
            vec![SubmissionMail {
                recipients: vec!["load-r-speaker0@speakers.test".into()],
                subject: "Proposal received: “T” for DevConf 2027".into(),
                proposal_id: Some("abc-1".into()),
            }]
        );
    }
}
