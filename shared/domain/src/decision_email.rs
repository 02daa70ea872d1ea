//! The email a speaker gets when the organisers decide on a proposal: which state changes are a
//! decision, what the email says (templates in `templates/decision_*`), and its dedupe key.

use askama::Template;

use crate::dedupe::DedupeKey;
use crate::email::OutgoingEmail;
use crate::proposal::{Proposal, ProposalStatus};
use crate::validation::InvalidValue;

/// What the organisers decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProposalDecision {
    Confirmed,
    Rejected,
}

impl ProposalDecision {
    pub fn as_str(&self) -> &'static str {
        match self {
            ProposalDecision::Confirmed => "confirmed",
            ProposalDecision::Rejected => "rejected",
        }
    }

    /// The decision a change from `old` to `new` makes, if any: the status *became* confirmed or
    /// rejected. A later edit of a decided proposal (same status) is no decision and mails nothing.
    pub fn made(old: &Proposal, new: &Proposal) -> Option<ProposalDecision> {
        if old.id != new.id || old.status == new.status {
            return None;
        }
        match new.status {
            ProposalStatus::Confirmed => Some(ProposalDecision::Confirmed),
            ProposalStatus::Rejected => Some(ProposalDecision::Rejected),
            ProposalStatus::Submitted | ProposalStatus::Withdrawn => None,
        }
    }

    /// One email per proposal and decision, ever.
    pub fn email_key(&self, proposal: &Proposal) -> Result<DedupeKey, InvalidValue> {
        DedupeKey::parse(&format!(
            "cfp-decision-email#{}#{}",
            proposal.id,
            self.as_str()
        ))
    }
}

/// The template failed to render (it cannot on these inputs, but the engine reports errors).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("rendering the decision email failed: {0}")]
pub struct RenderError(String);

// Text templates (`.txt`) print the values as they are; HTML templates (`.html`) escape them, so
// a `<script>` in a title stays text.

#[derive(Template)]
#[template(path = "decision_confirmed.txt")]
struct ConfirmedText<'a> {
    speaker: &'a str,
    event: &'a str,
    title: &'a str,
    id: &'a str,
}

#[derive(Template)]
#[template(path = "decision_confirmed.html")]
struct ConfirmedHtml<'a> {
    speaker: &'a str,
    event: &'a str,
    title: &'a str,
    id: &'a str,
}

#[derive(Template)]
#[template(path = "decision_rejected.txt")]
struct RejectedText<'a> {
    speaker: &'a str,
    event: &'a str,
    title: &'a str,
    id: &'a str,
}

#[derive(Template)]
#[template(path = "decision_rejected.html")]
struct RejectedHtml<'a> {
    speaker: &'a str,
    event: &'a str,
    title: &'a str,
    id: &'a str,
}

/// A header value from text: every control character (CR, LF, tab, ...) and the Unicode line and
/// paragraph separators become a space, runs of spaces collapse. Titles and names are validated as
/// single-line already; this holds even if something unvalidated ever gets here.
pub fn single_line(text: &str) -> String {
    text.split(|c: char| c.is_control() || c.is_whitespace())
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn render(template: &impl Template) -> Result<String, RenderError> {
    template
        .render()
        .map_err(|error| RenderError(error.to_string()))
}

/// The decision email to the proposal's speaker.
pub fn decision_email(
    proposal: &Proposal,
    decision: ProposalDecision,
) -> Result<OutgoingEmail, RenderError> {
    let speaker = proposal.speaker.name.as_str();
    let event = proposal.event_name.as_str();
    let title = proposal.title.as_str();
    let id = &proposal.id.to_string();
    let (subject_title, subject_event) = (single_line(title), single_line(event));
    let (subject, text, html) = match decision {
        ProposalDecision::Confirmed => (
            format!("Accepted: \u{201c}{subject_title}\u{201d} at {subject_event}"),
            render(&ConfirmedText {
                speaker,
                event,
                title,
                id,
            })?,
            render(&ConfirmedHtml {
                speaker,
                event,
                title,
                id,
            })?,
        ),
        ProposalDecision::Rejected => (
            format!("Your proposal \u{201c}{subject_title}\u{201d} for {subject_event}"),
            render(&RejectedText {
                speaker,
                event,
                title,
                id,
            })?,
            render(&RejectedHtml {
                speaker,
                event,
                title,
                id,
            })?,
        ),
    };
    Ok(OutgoingEmail {
        to: proposal.speaker.email.clone(),
        subject,
        text,
        html,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::EventName;
    use crate::proposal::{SpeakerName, Title};
    use crate::test_data;

    fn with_status(status: ProposalStatus) -> Proposal {
        // One proposal throughout: test_data makes a new id each time.
        let mut proposal = test_data::proposal();
        proposal.id =
            crate::proposal::ProposalId::parse("019a4b2c-7d10-7e3a-9b1c-2d3e4f5a6b7c").expect("id");
        proposal.status = status;
        proposal
    }

    #[test]
    fn only_a_change_into_confirmed_or_rejected_is_a_decision() {
        use ProposalStatus::*;
        let cases = [
            (Submitted, Confirmed, Some(ProposalDecision::Confirmed)),
            (Submitted, Rejected, Some(ProposalDecision::Rejected)),
            (Withdrawn, Confirmed, Some(ProposalDecision::Confirmed)),
            (Confirmed, Rejected, Some(ProposalDecision::Rejected)),
            (Confirmed, Confirmed, None),
            (Rejected, Rejected, None),
            (Submitted, Submitted, None),
            (Submitted, Withdrawn, None),
            (Confirmed, Withdrawn, None),
            (Rejected, Submitted, None),
        ];
        for (old, new, expected) in cases {
            assert_eq!(
                ProposalDecision::made(&with_status(old), &with_status(new)),
                expected,
                "{old:?} -> {new:?}"
            );
        }
        let other = Proposal {
            id: crate::proposal::ProposalId::generate(),
            ..with_status(Confirmed)
        };
        assert_eq!(
            ProposalDecision::made(&with_status(Submitted), &other),
            None
        );
    }

    #[test]
    fn a_decision_has_one_key_per_proposal_and_decision() {
        let proposal = test_data::proposal();
        let confirmed = ProposalDecision::Confirmed.email_key(&proposal);
        let rejected = ProposalDecision::Rejected.email_key(&proposal);
        assert_eq!(
            confirmed.as_ref().map(DedupeKey::as_str),
            Ok(format!("cfp-decision-email#{}#confirmed", proposal.id).as_str())
        );
        assert_ne!(confirmed, rejected);
    }

    #[test]
    fn both_emails_name_the_event_and_the_title_everywhere() {
        let proposal = test_data::proposal();
        for (decision, word) in [
            (ProposalDecision::Confirmed, "accepted"),
            (ProposalDecision::Rejected, "sorry"),
        ] {
            let email = decision_email(&proposal, decision).expect("renders");
            assert_eq!(email.to, proposal.speaker.email);
            assert!(
                email.subject.contains("Zero-cost idling"),
                "{}",
                email.subject
            );
            assert!(email.subject.contains("DevConf 2027"), "{}", email.subject);
            for body in [&email.text, &email.html] {
                assert!(body.contains("Zero-cost idling"), "{body}");
                assert!(body.contains("DevConf 2027"), "{body}");
                assert!(body.contains("Ada Lovelace"), "{body}");
                assert!(body.contains(&proposal.id.to_string()), "{body}");
                assert!(body.contains(word), "{decision:?}: {body}");
            }
        }
    }

    #[test]
    fn html_is_escaped_and_text_is_not() {
        let mut proposal = test_data::proposal();
        proposal.title = Title::parse("<script>alert('x')</script> & \"more\"").expect("title");
        proposal.event_name = EventName::parse("R&D <Days>").expect("name");
        proposal.speaker.name = SpeakerName::parse("<b>Ada</b>").expect("name");
        for decision in [ProposalDecision::Confirmed, ProposalDecision::Rejected] {
            let email = decision_email(&proposal, decision).expect("renders");
            for raw in ["<script>", "</script>", "<b>", "<Days>", "R&D", "'x'"] {
                assert!(!email.html.contains(raw), "{raw} in {}", email.html);
            }
            assert!(email.html.contains("&#60;script&#62;"), "{}", email.html);
            assert!(
                email.html.contains("R&#38;D &#60;Days&#62;"),
                "{}",
                email.html
            );
            assert!(
                email
                    .text
                    .contains("<script>alert('x')</script> & \"more\""),
                "{}",
                email.text
            );
            assert!(
                email.subject.contains("<script>"),
                "the subject is plain text"
            );
        }
    }

    #[test]
    fn no_line_break_reaches_the_subject() {
        // The newtypes refuse line breaks in titles and names...
        assert!(Title::parse("Hi\r\nBcc: all@example.org").is_err());
        assert!(EventName::parse("Conf\nX-Header: 1").is_err());
        // ...and the subject builder would not pass one on even if it got one.
        for hostile in [
            "Hi\r\nBcc: all@example.org",
            "a\nb",
            "a\rb",
            "a\u{2028}b\u{2029}c",
            "a\u{85}b",
            "\t a \u{0} b \u{7f}",
        ] {
            let line = single_line(hostile);
            assert!(
                !line
                    .chars()
                    .any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')),
                "{line:?}"
            );
        }
        assert_eq!(
            single_line("Hi\r\nBcc: all@example.org"),
            "Hi Bcc: all@example.org"
        );
        assert_eq!(single_line("  a \t b  "), "a b");
    }
}
