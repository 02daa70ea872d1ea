//! The mail the CfP context sends, rendered as subject, plain text and HTML.

use chrono::SecondsFormat;
use html_escape::encode_safe;

use crate::email_address::EmailAddress;
use crate::proposal::Proposal;

/// A rendered email, ready for the mail port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingEmail {
    pub to: EmailAddress,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// "We received your proposal": to the speaker, right after submission.
pub fn proposal_received(proposal: &Proposal) -> OutgoingEmail {
    let event = proposal.event_name.as_str();
    let title = proposal.title.as_str();
    let speaker = proposal.speaker.name.as_str();
    let id = proposal.id.to_string();
    let received = proposal
        .created_at
        .to_rfc3339_opts(SecondsFormat::Secs, true);

    let subject = format!("Proposal received: \u{201c}{title}\u{201d} for {event}");
    let text = format!(
        "Hello {speaker},\n\n\
         thank you for proposing a session to {event}. We received your proposal\n\n\
         \u{20}\u{20}{title}\n\n\
         on {received}. The organisers will let you know when they have decided.\n\n\
         Proposal id: {id}\n\n\
         The {event} team\n"
    );
    let (event, title, speaker) = (encode_safe(event), encode_safe(title), encode_safe(speaker));
    let html = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Proposal received</title></head><body>\n\
         <p>Hello {speaker},</p>\n\
         <p>thank you for proposing a session to <strong>{event}</strong>. We received your proposal</p>\n\
         <blockquote>{title}</blockquote>\n\
         <p>on {received}. The organisers will let you know when they have decided.</p>\n\
         <p>Proposal id: <code>{id}</code></p>\n\
         <p>The {event} team</p>\n\
         </body></html>\n"
    );
    OutgoingEmail {
        to: proposal.speaker.email.clone(),
        subject,
        text,
        html,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_data;

    #[test]
    fn names_the_event_and_the_title_everywhere() {
        let proposal = test_data::proposal();
        let email = proposal_received(&proposal);
        assert_eq!(email.to, proposal.speaker.email);
        assert!(email.subject.contains("Zero-cost idling"));
        assert!(email.subject.contains("DevConf 2027"));
        for body in [&email.text, &email.html] {
            assert!(body.contains("Zero-cost idling"), "{body}");
            assert!(body.contains("DevConf 2027"), "{body}");
            assert!(body.contains(&proposal.id.to_string()), "{body}");
        }
    }

    #[test]
    fn html_is_escaped_and_text_is_not() {
        let mut proposal = test_data::proposal();
        proposal.title =
            crate::proposal::Title::parse("<script>alert('x')</script> & \"more\"").expect("title");
        proposal.event_name = crate::event::EventName::parse("R&D <Days>").expect("name");
        proposal.speaker.name = crate::proposal::SpeakerName::parse("<b>Ada</b>").expect("name");
        let email = proposal_received(&proposal);

        assert!(!email.html.contains("<script>"), "{}", email.html);
        assert!(!email.html.contains("<b>Ada"), "{}", email.html);
        assert!(
            email.html.contains(
                "&lt;script&gt;alert(&#x27;x&#x27;)&lt;&#x2F;script&gt; &amp; &quot;more&quot;"
            ),
            "{}",
            email.html
        );
        assert!(
            email.html.contains("R&amp;D &lt;Days&gt;"),
            "{}",
            email.html
        );
        assert!(
            email
                .text
                .contains("<script>alert('x')</script> & \"more\"")
        );
        assert!(
            email.subject.contains("<script>"),
            "the subject is plain text"
        );
    }
}
