//! `sendCfPConfirmedEmail`: for each decision on the CfP table's stream (a proposal *became*
//! confirmed or rejected), the decision email to its speaker, exactly once per proposal and
//! decision under at-least-once delivery. The template's filter passes only MODIFY records of
//! proposals whose new status is confirmed or rejected; the handler also requires the old status
//! to differ, so a later edit of a decided proposal sends nothing. Failed records are reported as
//! batch item failures, so only they are retried (then the on-failure queue); a batch never fails
//! as a whole.

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use cfp_domain::exactly_once::{Once, OnceError};
use cfp_domain::ports::{DedupeStore, Mailer};
use cfp_domain::proposal::Proposal;
use cfp_domain::use_cases::{DecisionEmailError, send_decision_email};
use cfp_domain::{EmailAddress, StoreError};
use cfp_dynamodb::{OnFailure, is_proposal_image, process_batch, proposal_from_image};
use cfp_observability::metrics::{self, EmailKind};
use cfp_observability::{Instrument, LogContext};
use chrono::{DateTime, Utc};

/// With the entity check, what the stream filter in template.yaml selects.
const MODIFY: &str = "MODIFY";

/// What this function needs from outside.
pub struct Dependencies<'a> {
    pub dedupe: &'a dyn DedupeStore,
    pub mailer: &'a dyn Mailer,
    /// `SENDER_ADDRESS`.
    pub sender: &'a EmailAddress,
}

/// Why one record failed (and will be retried).
#[derive(Debug, thiserror::Error)]
enum RecordError {
    #[error(transparent)]
    Image(#[from] StoreError),
    #[error(transparent)]
    Send(#[from] DecisionEmailError),
}

/// Each decision's email is independent of the others': a failure holds back no other record.
pub async fn handle(
    event: Event,
    dependencies: &Dependencies<'_>,
    now: DateTime<Utc>,
    deadline: DateTime<Utc>,
) -> DynamoDbEventResponse {
    process_batch(event, OnFailure::ContinueBatch, |record| {
        process(record, dependencies, now, deadline)
    })
    .await
}

async fn process(
    record: EventRecord,
    dependencies: &Dependencies<'_>,
    now: DateTime<Utc>,
    deadline: DateTime<Utc>,
) -> Result<(), RecordError> {
    if record.event_name != MODIFY
        || !is_proposal_image(&record.change.new_image)
        || !is_proposal_image(&record.change.old_image)
    {
        tracing::debug!(event = %record.event_name, "not a change of a proposal; skipped");
        return Ok(());
    }
    // A corrupt image fails the record rather than being dropped: after the retries it lands in
    // the on-failure queue where someone can look at it.
    let old = proposal_from_image(record.change.old_image)?;
    let new = proposal_from_image(record.change.new_image)?;
    let id = new.id.to_string();
    let context = LogContext {
        event: Some(new.event.as_str()),
        proposal: Some(&id),
        talk: None,
    };
    send(&old, &new, dependencies, now, deadline)
        .instrument(context.span())
        .await
}

/// The email for one parsed change, if it is a decision, logged in its context.
async fn send(
    old: &Proposal,
    new: &Proposal,
    dependencies: &Dependencies<'_>,
    now: DateTime<Utc>,
    deadline: DateTime<Utc>,
) -> Result<(), RecordError> {
    let event = new.event.as_str();
    let outcome = send_decision_email(
        dependencies.dedupe,
        dependencies.mailer,
        dependencies.sender,
        old,
        new,
        now,
        deadline,
    )
    .await
    .inspect_err(|error| {
        if matches!(error, DecisionEmailError::Once(OnceError::Effect(_))) {
            metrics::email_send_failed(event, EmailKind::Decision);
        }
    })?;
    let id = new.id;
    match outcome {
        None => {
            tracing::info!(proposal = %id, status = new.status.as_str(), "no decision; nothing to send")
        }
        Some((decision, Once::Done)) => {
            tracing::info!(proposal = %id, decision = decision.as_str(), "decision email sent");
            metrics::email_sent(event, EmailKind::Decision);
        }
        Some((decision, Once::DoneUnrecorded)) => {
            tracing::warn!(
                proposal = %id,
                decision = decision.as_str(),
                "decision email sent, but not recorded as sent"
            );
            metrics::email_sent(event, EmailKind::Decision);
        }
        Some((decision, Once::AlreadyDone)) => tracing::info!(
            proposal = %id,
            decision = decision.as_str(),
            "decision email was sent before; skipped"
        ),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cfp_domain::dedupe::{Claim, DedupeKey};
    use cfp_domain::in_memory::{InMemoryStore, RecordingMailer};
    use cfp_domain::ports::ClaimOutcome;
    use cfp_domain::test_data::sample_event;
    use cfp_dynamodb::stream_test_support::failures;
    use cfp_dynamodb::stream_test_support::record_copy;
    use cfp_dynamodb::stream_test_support::set_string;
    use cfp_dynamodb::stream_test_support::stream_event;
    use serde_json::Value;

    const SEQUENCE_NUMBER: &str = "4421584600000000017450440001";
    const PROPOSAL_ID: &str = "019a4b2c-7d10-7e3a-9b1c-2d3e4f5a6b7c";

    fn sender() -> EmailAddress {
        EmailAddress::parse("cfp@example.org").expect("sender")
    }

    struct Fixture {
        store: InMemoryStore,
        mailer: RecordingMailer,
        sender: EmailAddress,
    }

    impl Fixture {
        fn new() -> Self {
            Fixture {
                store: InMemoryStore::new(),
                mailer: RecordingMailer::new(),
                sender: sender(),
            }
        }

        fn dependencies(&self) -> Dependencies<'_> {
            Dependencies {
                dedupe: &self.store,
                mailer: &self.mailer,
                sender: &self.sender,
            }
        }

        async fn handle(&self, json: Value) -> DynamoDbEventResponse {
            self.handle_at(json, Utc::now()).await
        }

        /// An invocation starting at `now`, with the function's timeout in template.yaml.
        async fn handle_at(&self, json: Value, now: DateTime<Utc>) -> DynamoDbEventResponse {
            let deadline = now + chrono::Duration::seconds(30);
            handle(stream_event(json), &self.dependencies(), now, deadline).await
        }
    }

    #[tokio::test]
    async fn the_sample_event_sends_one_confirmation_however_often_it_is_delivered() {
        let fixture = Fixture::new();
        for _ in 0..3 {
            let response = fixture
                .handle(sample_event("send-cfp-confirmed-email"))
                .await;
            assert!(failures(&response).is_empty(), "{response:?}");
        }
        let sent = fixture.mailer.sent();
        assert_eq!(sent.len(), 1);
        let (from, email) = &sent[0];
        assert_eq!(from.as_str(), "cfp@example.org");
        assert_eq!(email.to.as_str(), "ada@example.org");
        assert!(email.subject.starts_with("Accepted"), "{}", email.subject);
        assert!(
            email.subject.contains("Zero-cost idling"),
            "{}",
            email.subject
        );
        assert!(email.html.contains("DevConf 2027") && email.text.contains("DevConf 2027"));
    }

    #[tokio::test]
    async fn a_rejection_gets_its_own_email_once() {
        let fixture = Fixture::new();
        let sample = sample_event("send-cfp-confirmed-email");
        let rejected = record_copy(&sample, "500", |record| {
            set_string(&mut record["dynamodb"]["NewImage"], "status", "rejected");
        });
        for _ in 0..2 {
            let response = fixture
                .handle(serde_json::json!({"Records": [rejected.clone()]}))
                .await;
            assert!(failures(&response).is_empty(), "{response:?}");
        }
        let sent = fixture.mailer.sent();
        assert_eq!(sent.len(), 1);
        assert!(
            sent[0].1.subject.starts_with("Your proposal"),
            "{}",
            sent[0].1.subject
        );
        assert!(sent[0].1.text.contains("sorry"));
    }

    #[tokio::test]
    async fn an_edit_of_a_decided_proposal_and_other_changes_send_nothing() {
        let fixture = Fixture::new();
        let sample = sample_event("send-cfp-confirmed-email");
        let records = vec![
            // Confirmed before and after (a later edit).
            record_copy(&sample, "100", |record| {
                set_string(&mut record["dynamodb"]["OldImage"], "status", "confirmed");
                set_string(&mut record["dynamodb"]["NewImage"], "title", "Renamed");
            }),
            // Withdrawn: no decision.
            record_copy(&sample, "200", |record| {
                set_string(&mut record["dynamodb"]["NewImage"], "status", "withdrawn");
            }),
            // Not a proposal.
            record_copy(&sample, "300", |record| {
                set_string(&mut record["dynamodb"]["NewImage"], "entity", "Dedupe");
            }),
            // Not a MODIFY.
            record_copy(&sample, "400", |record| {
                record["eventName"] = Value::String("INSERT".into());
            }),
        ];
        let response = fixture
            .handle(serde_json::json!({"Records": records}))
            .await;
        assert!(failures(&response).is_empty(), "{response:?}");
        assert!(fixture.mailer.sent().is_empty());
    }

    #[tokio::test]
    async fn only_the_failing_records_of_a_batch_are_reported() {
        let fixture = Fixture::new();
        let sample = sample_event("send-cfp-confirmed-email");
        let records = vec![
            sample["Records"][0].clone(),
            // A corrupt new image: no title.
            record_copy(&sample, "100", |record| {
                if let Some(image) = record["dynamodb"]["NewImage"].as_object_mut() {
                    image.remove("title");
                }
            }),
        ];
        let response = fixture
            .handle(serde_json::json!({"Records": records}))
            .await;
        assert_eq!(failures(&response), ["100"]);
        assert_eq!(fixture.mailer.sent().len(), 1);
        assert_eq!(
            serde_json::to_value(&response).expect("json"),
            serde_json::json!({"batchItemFailures": [{"itemIdentifier": "100"}]})
        );
    }

    #[tokio::test]
    async fn a_failed_send_is_retried_and_then_sent_once() {
        let fixture = Fixture::new();
        fixture.mailer.fail(true);
        let response = fixture
            .handle(sample_event("send-cfp-confirmed-email"))
            .await;
        assert_eq!(failures(&response), [SEQUENCE_NUMBER]);
        fixture.mailer.fail(false);
        let response = fixture
            .handle(sample_event("send-cfp-confirmed-email"))
            .await;
        assert!(failures(&response).is_empty(), "{response:?}");
        assert_eq!(fixture.mailer.sent().len(), 1);
    }

    fn confirmation_key() -> DedupeKey {
        DedupeKey::parse(&format!("cfp-decision-email#{PROPOSAL_ID}#confirmed")).expect("key")
    }

    #[tokio::test]
    async fn a_send_in_progress_elsewhere_is_retried_later_not_duplicated() {
        let fixture = Fixture::new();
        let now = Utc::now();
        let elsewhere_until = now + chrono::Duration::seconds(30);
        let elsewhere = Claim::new(confirmation_key(), now, elsewhere_until);
        assert_eq!(
            fixture.store.claim(&elsewhere).await,
            Ok(ClaimOutcome::Claimed)
        );
        for at in [now, elsewhere_until - chrono::Duration::milliseconds(1)] {
            let response = fixture
                .handle_at(sample_event("send-cfp-confirmed-email"), at)
                .await;
            assert_eq!(failures(&response), [SEQUENCE_NUMBER]);
        }
        assert!(fixture.mailer.sent().is_empty());
    }

    #[tokio::test]
    async fn the_retry_after_a_timeout_holding_the_claim_sends_once_its_deadline_has_passed() {
        let fixture = Fixture::new();
        // The first delivery claimed, then timed out before sending: its claim stays behind.
        let now = Utc::now();
        let timed_out_at = now + chrono::Duration::seconds(2);
        let timed_out = Claim::new(confirmation_key(), now, timed_out_at);
        assert_eq!(
            fixture.store.claim(&timed_out).await,
            Ok(ClaimOutcome::Claimed)
        );
        let retry = timed_out_at + chrono::Duration::milliseconds(1);
        for _ in 0..2 {
            let response = fixture
                .handle_at(sample_event("send-cfp-confirmed-email"), retry)
                .await;
            assert!(failures(&response).is_empty(), "{response:?}");
        }
        assert_eq!(fixture.mailer.sent().len(), 1);
        assert_eq!(fixture.store.mark_sent(&timed_out).await, Ok(false));
    }

    #[tokio::test]
    async fn a_hostile_title_is_escaped_in_html_and_refused_with_a_line_break() {
        let fixture = Fixture::new();
        let sample = sample_event("send-cfp-confirmed-email");
        let hostile = record_copy(&sample, "600", |record| {
            set_string(
                &mut record["dynamodb"]["NewImage"],
                "title",
                "<script>alert(1)</script>",
            );
        });
        // A title that would inject a header if it reached one: the image is refused as corrupt.
        let injected = record_copy(&sample, "700", |record| {
            set_string(
                &mut record["dynamodb"]["NewImage"],
                "title",
                "Hi\r\nBcc: everyone@example.org",
            );
        });
        let response = fixture
            .handle(serde_json::json!({"Records": [hostile, injected]}))
            .await;
        assert_eq!(failures(&response), ["700"]);
        let sent = fixture.mailer.sent();
        assert_eq!(sent.len(), 1);
        let email = &sent[0].1;
        assert!(!email.html.contains("<script>"), "{}", email.html);
        assert!(email.html.contains("&#60;script&#62;"), "{}", email.html);
        assert!(!email.subject.contains(['\r', '\n']));
    }
}
