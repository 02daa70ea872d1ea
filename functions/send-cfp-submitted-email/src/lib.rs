//! `sendCfPSubmittedEmail`: for each new proposal on the CfP table's stream, the "proposal
//! received" email to its speaker, exactly once under at-least-once delivery. Records that fail
//! are reported as batch item failures, so only they are retried (and, after the template's
//! retries, land in the on-failure queue); a batch never fails as a whole.

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use cfp_domain::exactly_once::{Once, OnceError};
use cfp_domain::ports::{DedupeStore, Mailer};
use cfp_domain::proposal::Proposal;
use cfp_domain::use_cases::send_submitted_email;
use cfp_domain::{EmailAddress, MailError, StoreError};
use cfp_dynamodb::{OnFailure, is_proposal_image, process_batch, proposal_from_image};
use cfp_observability::metrics::{self, EmailKind};
use cfp_observability::{Instrument, LogContext};
use chrono::{DateTime, Utc};

/// With the entity check, what the stream filter in template.yaml selects; anything else is
/// skipped, should it arrive anyway.
const INSERT: &str = "INSERT";

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
    Send(#[from] OnceError<MailError>),
}

/// Each proposal's email is independent of the others': a failure holds back no other record.
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
    if record.event_name != INSERT || !is_proposal_image(&record.change.new_image) {
        tracing::debug!(event = %record.event_name, "not a new proposal; skipped");
        return Ok(());
    }
    // A corrupt image fails the record rather than being dropped: after the retries it lands in
    // the on-failure queue where someone can look at it.
    let proposal = proposal_from_image(record.change.new_image)?;
    let id = proposal.id.to_string();
    let context = LogContext {
        event: Some(proposal.event.as_str()),
        proposal: Some(&id),
        talk: None,
    };
    send(&proposal, dependencies, now, deadline)
        .instrument(context.span())
        .await
}

/// The email for one parsed proposal, logged in its context.
async fn send(
    proposal: &Proposal,
    dependencies: &Dependencies<'_>,
    now: DateTime<Utc>,
    deadline: DateTime<Utc>,
) -> Result<(), RecordError> {
    let event = proposal.event.as_str();
    let once = send_submitted_email(
        dependencies.dedupe,
        dependencies.mailer,
        dependencies.sender,
        proposal,
        now,
        deadline,
    )
    .await
    .inspect_err(|error| {
        if matches!(error, OnceError::Effect(_)) {
            metrics::email_send_failed(event, EmailKind::Submitted);
        }
    })?;
    match once {
        Once::Done => {
            tracing::info!(proposal = %proposal.id, "submission email sent");
            metrics::email_sent(event, EmailKind::Submitted);
        }
        Once::DoneUnrecorded => {
            tracing::warn!(proposal = %proposal.id, "submission email sent, but not recorded as sent");
            metrics::email_sent(event, EmailKind::Submitted);
        }
        Once::AlreadyDone => {
            tracing::info!(proposal = %proposal.id, "submission email was sent before; skipped")
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cfp_domain::dedupe::{Claim, DedupeKey};
    use cfp_domain::in_memory::{InMemoryStore, RecordingMailer};
    use cfp_domain::ports::ClaimOutcome;
    use cfp_domain::proposal::ProposalId;
    use cfp_domain::test_data::sample_event;
    use cfp_dynamodb::stream_test_support::failures;
    use cfp_dynamodb::stream_test_support::record_copy;
    use cfp_dynamodb::stream_test_support::stream_event;
    use serde_json::Value;

    const SEQUENCE_NUMBER: &str = "4421584500000000017450439091";
    const PROPOSAL_ID: &str = "019a4b2c-7d10-7e3a-9b1c-2d3e4f5a6b7c";

    fn sender() -> EmailAddress {
        EmailAddress::parse("cfp@example.org").expect("sender")
    }

    /// The function's timeout in template.yaml.
    fn deadline_of(start: DateTime<Utc>) -> DateTime<Utc> {
        start + chrono::Duration::seconds(30)
    }

    #[tokio::test]
    async fn the_sample_event_sends_one_email_however_often_it_is_delivered() {
        let (store, mailer, sender) = (InMemoryStore::new(), RecordingMailer::new(), sender());
        let dependencies = Dependencies {
            dedupe: &store,
            mailer: &mailer,
            sender: &sender,
        };
        let now = Utc::now();
        for _ in 0..3 {
            let response = handle(
                stream_event(sample_event("send-cfp-submitted-email")),
                &dependencies,
                now,
                deadline_of(now),
            )
            .await;
            assert!(failures(&response).is_empty(), "{response:?}");
        }
        let sent = mailer.sent();
        assert_eq!(sent.len(), 1);
        let (from, email) = &sent[0];
        assert_eq!(from.as_str(), "cfp@example.org");
        assert_eq!(email.to.as_str(), "ada@example.org");
        assert!(
            email.subject.contains("Zero-cost idling"),
            "{}",
            email.subject
        );
        assert!(email.html.contains("DevConf 2027") && email.text.contains("DevConf 2027"));
    }

    #[tokio::test]
    async fn the_response_serializes_as_lambda_expects() {
        let (store, mailer, sender) = (InMemoryStore::new(), RecordingMailer::new(), sender());
        mailer.fail(true);
        let dependencies = Dependencies {
            dedupe: &store,
            mailer: &mailer,
            sender: &sender,
        };
        let response = handle(
            stream_event(sample_event("send-cfp-submitted-email")),
            &dependencies,
            Utc::now(),
            deadline_of(Utc::now()),
        )
        .await;
        assert_eq!(
            serde_json::to_value(&response).expect("json"),
            serde_json::json!({"batchItemFailures": [{"itemIdentifier": SEQUENCE_NUMBER}]})
        );
    }

    #[tokio::test]
    async fn only_the_failing_records_of_a_batch_are_reported() {
        let (store, mailer, sender) = (InMemoryStore::new(), RecordingMailer::new(), sender());
        let dependencies = Dependencies {
            dedupe: &store,
            mailer: &mailer,
            sender: &sender,
        };
        let sample = sample_event("send-cfp-submitted-email");
        let other_id = ProposalId::generate().to_string();
        let records = vec![
            sample["Records"][0].clone(),
            // A corrupt item: no title.
            record_copy(&sample, "100", |record| {
                let image = &mut record["dynamodb"]["NewImage"];
                image["id"]["S"] = Value::String(other_id.clone());
                image["sk"]["S"] = Value::String(format!("CFP#{other_id}"));
                if let Some(image) = image.as_object_mut() {
                    image.remove("title");
                }
            }),
            // Not a proposal, not an insert: skipped, not failed.
            record_copy(&sample, "200", |record| {
                record["eventName"] = Value::String("MODIFY".into());
            }),
            record_copy(&sample, "300", |record| {
                record["dynamodb"]["NewImage"]["entity"]["S"] = Value::String("Event".into());
            }),
        ];
        let response = handle(
            stream_event(serde_json::json!({"Records": records})),
            &dependencies,
            Utc::now(),
            deadline_of(Utc::now()),
        )
        .await;
        assert_eq!(failures(&response), ["100"]);
        assert_eq!(mailer.sent().len(), 1);
    }

    #[tokio::test]
    async fn a_failed_send_is_retried_and_then_sent_once() {
        let (store, mailer, sender) = (InMemoryStore::new(), RecordingMailer::new(), sender());
        let dependencies = Dependencies {
            dedupe: &store,
            mailer: &mailer,
            sender: &sender,
        };
        mailer.fail(true);
        let response = handle(
            stream_event(sample_event("send-cfp-submitted-email")),
            &dependencies,
            Utc::now(),
            deadline_of(Utc::now()),
        )
        .await;
        assert_eq!(failures(&response), [SEQUENCE_NUMBER]);

        mailer.fail(false);
        let response = handle(
            stream_event(sample_event("send-cfp-submitted-email")),
            &dependencies,
            Utc::now(),
            deadline_of(Utc::now()),
        )
        .await;
        assert!(failures(&response).is_empty(), "{response:?}");
        assert_eq!(mailer.sent().len(), 1);
    }

    #[tokio::test]
    async fn a_send_in_progress_elsewhere_is_retried_later_not_duplicated() {
        let (store, mailer, sender) = (InMemoryStore::new(), RecordingMailer::new(), sender());
        let dependencies = Dependencies {
            dedupe: &store,
            mailer: &mailer,
            sender: &sender,
        };
        let now = Utc::now();
        let id = ProposalId::parse(PROPOSAL_ID).expect("id");
        let elsewhere = Claim::new(DedupeKey::submitted_email(id), now, deadline_of(now));
        assert_eq!(store.claim(&elsewhere).await, Ok(ClaimOutcome::Claimed));

        let response = handle(
            stream_event(sample_event("send-cfp-submitted-email")),
            &dependencies,
            now,
            deadline_of(now),
        )
        .await;
        assert_eq!(failures(&response), [SEQUENCE_NUMBER]);
        assert!(mailer.sent().is_empty());
    }

    #[tokio::test]
    async fn a_failing_store_fails_the_record_and_sends_nothing() {
        let (store, mailer, sender) = (InMemoryStore::new(), RecordingMailer::new(), sender());
        store.fail(true);
        let dependencies = Dependencies {
            dedupe: &store,
            mailer: &mailer,
            sender: &sender,
        };
        let response = handle(
            stream_event(sample_event("send-cfp-submitted-email")),
            &dependencies,
            Utc::now(),
            deadline_of(Utc::now()),
        )
        .await;
        assert_eq!(failures(&response), [SEQUENCE_NUMBER]);
        assert!(mailer.sent().is_empty());
    }

    #[tokio::test]
    async fn the_retry_after_a_timeout_holding_the_claim_sends_once_its_deadline_has_passed() {
        let (store, mailer, sender) = (InMemoryStore::new(), RecordingMailer::new(), sender());
        let dependencies = Dependencies {
            dedupe: &store,
            mailer: &mailer,
            sender: &sender,
        };
        // The first delivery claimed, then timed out before sending: its claim stays behind.
        let now = Utc::now();
        let timed_out_at = now + chrono::Duration::seconds(2);
        let id = ProposalId::parse(PROPOSAL_ID).expect("id");
        let timed_out = Claim::new(DedupeKey::submitted_email(id), now, timed_out_at);
        assert_eq!(store.claim(&timed_out).await, Ok(ClaimOutcome::Claimed));

        let retry = timed_out_at + chrono::Duration::milliseconds(1);
        for _ in 0..2 {
            let response = handle(
                stream_event(sample_event("send-cfp-submitted-email")),
                &dependencies,
                retry,
                deadline_of(retry),
            )
            .await;
            assert!(failures(&response).is_empty(), "{response:?}");
        }
        assert_eq!(mailer.sent().len(), 1);
        assert_eq!(store.mark_sent(&timed_out).await, Ok(false));
    }

    #[tokio::test]
    async fn a_passed_deadline_fails_the_record_and_sends_nothing() {
        let (store, mailer, sender) = (InMemoryStore::new(), RecordingMailer::new(), sender());
        let dependencies = Dependencies {
            dedupe: &store,
            mailer: &mailer,
            sender: &sender,
        };
        let now = Utc::now();
        let response = handle(
            stream_event(sample_event("send-cfp-submitted-email")),
            &dependencies,
            now,
            cfp_dynamodb::invocation_deadline(0),
        )
        .await;
        assert_eq!(failures(&response), [SEQUENCE_NUMBER]);
        assert!(mailer.sent().is_empty());
    }
}
