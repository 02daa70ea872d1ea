//! `publishCfPEvents`: the transactional outbox. The CfP table's stream carries every change of a
//! proposal and of an event; this function turns the changes that matter to other contexts into
//! domain events on the CfP events topic, each once per subject, version and type under
//! at-least-once delivery:
//!
//! - proposals: `TalkConfirmed`, `TalkUpdated`, `TalkWithdrawn` (MODIFY and REMOVE of proposal
//!   items);
//! - events: `EventCreated` (INSERT of an event item) and `EventUpdated` (MODIFY that made a new
//!   version), each with the whole event as the schedule needs it.
//!
//! A change can't be lost between the write and the topic: a failed publish fails the record,
//! which Lambda retries and, after the template's retries, sends to the on-failure queue.
//!
//! Records are published in stream order. At the first failure the handler stops and reports that
//! record: Lambda then redelivers it and everything after it, so a later event never overtakes an
//! earlier one that failed (consumers order by `version` all the same).

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use cfp_domain::StoreError;
use cfp_domain::domain_event::{CfpChange, EventChange, ProposalChange};
use cfp_domain::exactly_once::Once;
use cfp_domain::ports::{DedupeStore, DomainEventPublisher};
use cfp_domain::use_cases::{PublishDomainEventError, publish_domain_event};
use cfp_dynamodb::{
    OnFailure, event_from_image, is_event_image, is_proposal_image, process_batch,
    proposal_from_image,
};
use cfp_observability::{Instrument, LogContext, metrics};
use chrono::{DateTime, SubsecRound, Utc};

/// What this function needs from outside.
pub struct Dependencies<'a> {
    pub dedupe: &'a dyn DedupeStore,
    pub publisher: &'a dyn DomainEventPublisher,
}

/// Why one record failed (and will be retried, with the rest of its batch).
#[derive(Debug, thiserror::Error)]
enum RecordError {
    #[error(transparent)]
    Image(#[from] StoreError),
    #[error(transparent)]
    Publish(#[from] PublishDomainEventError),
}

/// In stream order, stopping at the first failure (see the module's comment).
pub async fn handle(
    event: Event,
    dependencies: &Dependencies<'_>,
    now: DateTime<Utc>,
    deadline: DateTime<Utc>,
) -> DynamoDbEventResponse {
    process_batch(event, OnFailure::StopBatch, |record| {
        process(record, dependencies, now, deadline)
    })
    .await
}

/// The change of a proposal or an event a record reports; `None` for records about anything
/// else (dedupe and idempotency records, the removal of an event item).
fn change_of(record: EventRecord) -> Result<Option<CfpChange>, StoreError> {
    let change = record.change;
    let (new, old) = (&change.new_image, &change.old_image);
    Ok(match record.event_name.as_str() {
        "INSERT" if is_proposal_image(new) => Some(CfpChange::Proposal(ProposalChange::Inserted(
            proposal_from_image(change.new_image)?,
        ))),
        "MODIFY" if is_proposal_image(new) && is_proposal_image(old) => {
            Some(CfpChange::Proposal(ProposalChange::Modified {
                old: proposal_from_image(change.old_image)?,
                new: proposal_from_image(change.new_image)?,
            }))
        }
        "REMOVE" if is_proposal_image(old) => Some(CfpChange::Proposal(ProposalChange::Removed {
            old: proposal_from_image(change.old_image)?,
            // Whole seconds: the fraction of this field is not reliable in every source.
            at: change.approximate_creation_date_time.trunc_subsecs(0),
        })),
        "INSERT" if is_event_image(new) => Some(CfpChange::Event(EventChange::Inserted(
            event_from_image(change.new_image)?,
        ))),
        "MODIFY" if is_event_image(new) && is_event_image(old) => {
            Some(CfpChange::Event(EventChange::Modified {
                old: event_from_image(change.old_image)?,
                new: event_from_image(change.new_image)?,
            }))
        }
        _ => None,
    })
}

async fn process(
    record: EventRecord,
    dependencies: &Dependencies<'_>,
    now: DateTime<Utc>,
    deadline: DateTime<Utc>,
) -> Result<(), RecordError> {
    let event_name = record.event_name.clone();
    // A corrupt image fails the record rather than being dropped: after the retries it lands in
    // the on-failure queue where someone can look at it.
    let Some(change) = change_of(record)? else {
        tracing::debug!(event = %event_name, "not a change of a proposal or an event; skipped");
        return Ok(());
    };
    let (event, proposal) = subject_of(&change);
    let context = LogContext {
        event: Some(event),
        proposal: proposal.as_deref(),
        talk: None,
    };
    publish(&change, &event_name, dependencies, now, deadline)
        .instrument(context.span())
        .await
}

/// The event and the proposal a change is about, for its log lines and metrics.
fn subject_of(change: &CfpChange) -> (&str, Option<String>) {
    match change {
        CfpChange::Proposal(
            ProposalChange::Inserted(proposal)
            | ProposalChange::Modified { new: proposal, .. }
            | ProposalChange::Removed { old: proposal, .. },
        ) => (proposal.event.as_str(), Some(proposal.id.to_string())),
        CfpChange::Event(
            EventChange::Inserted(event) | EventChange::Modified { new: event, .. },
        ) => (event.slug.as_str(), None),
    }
}

/// The domain event of one parsed change, if any, logged in its context.
async fn publish(
    change: &CfpChange,
    event_name: &str,
    dependencies: &Dependencies<'_>,
    now: DateTime<Utc>,
    deadline: DateTime<Utc>,
) -> Result<(), RecordError> {
    let outcome = publish_domain_event(
        dependencies.dedupe,
        dependencies.publisher,
        change,
        now,
        deadline,
    )
    .await?;
    match outcome {
        None => tracing::debug!(event = %event_name, "no domain event in this change"),
        Some((event, once)) => {
            let (kind, subject, version) = (event.type_name(), event.subject(), event.version());
            match once {
                Once::Done => {
                    tracing::info!(kind, subject, version, "domain event published");
                    metrics::domain_event_published(subject_of(change).0, kind);
                }
                Once::DoneUnrecorded => {
                    tracing::warn!(
                        kind,
                        subject,
                        version,
                        "domain event published, but not recorded as published"
                    );
                    metrics::domain_event_published(subject_of(change).0, kind);
                }
                Once::AlreadyDone => {
                    tracing::info!(
                        kind,
                        subject,
                        version,
                        "domain event was published before; skipped"
                    )
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cfp_domain::dedupe::Claim;
    use cfp_domain::domain_event::EventSnapshotType;
    use cfp_domain::domain_event::TalkEventType;
    use cfp_domain::in_memory::{InMemoryStore, RecordingPublisher};
    use cfp_domain::ports::ClaimOutcome;
    use cfp_domain::team::Role;
    use cfp_domain::test_data;
    use cfp_domain::test_data::sample_event;
    use cfp_dynamodb::stream_test_support::event_record;
    use cfp_dynamodb::stream_test_support::failures;
    use cfp_dynamodb::stream_test_support::set_string;
    use cfp_dynamodb::stream_test_support::stream_event;
    use serde_json::Value;

    const CONFIRMED_SEQUENCE: &str = "4421584600000000017450440001";
    const PICTURED_SEQUENCE: &str = "4421584700000000017450440002";

    struct Fixture {
        store: InMemoryStore,
        publisher: RecordingPublisher,
    }

    impl Fixture {
        fn new() -> Self {
            Fixture {
                store: InMemoryStore::new(),
                publisher: RecordingPublisher::new(),
            }
        }

        async fn handle(&self, json: Value) -> DynamoDbEventResponse {
            self.handle_at(json, Utc::now()).await
        }

        /// An invocation starting at `now`, with the function's timeout in template.yaml.
        async fn handle_at(&self, json: Value, now: DateTime<Utc>) -> DynamoDbEventResponse {
            let dependencies = Dependencies {
                dedupe: &self.store,
                publisher: &self.publisher,
            };
            let deadline = now + chrono::Duration::seconds(30);
            handle(stream_event(json), &dependencies, now, deadline).await
        }

        fn kinds(&self) -> Vec<(TalkEventType, u32)> {
            self.publisher
                .talk_events()
                .iter()
                .map(|e| (e.kind, e.version))
                .collect()
        }
    }

    #[tokio::test]
    async fn the_sample_publishes_a_confirmation_and_an_update_once_each() {
        let fixture = Fixture::new();
        for _ in 0..3 {
            let response = fixture.handle(sample_event("publish-cfp-events")).await;
            assert!(failures(&response).is_empty(), "{response:?}");
        }
        assert_eq!(
            fixture.kinds(),
            [
                (TalkEventType::TalkConfirmed, 2),
                (TalkEventType::TalkUpdated, 3)
            ]
        );
        let published = fixture.publisher.talk_events();
        assert_eq!(published[0].event_slug, "devconf-2027");
        assert_eq!(published[0].occurred_at, "2026-12-01T10:30:00.000Z");
        assert_eq!(
            published[1].talk.speakers[0].thumbnail_key.as_deref(),
            Some(
                "pictures/thumbnails/devconf-2027/019a4b2c-7d10-7e3a-9b1c-2d3e4f5a6b7c/5d41402abc4b2a76.webp"
            )
        );
        let text = serde_json::to_string(&published).expect("json");
        assert!(
            !text.contains('@'),
            "no e-mail address leaves the context: {text}"
        );
    }

    #[tokio::test]
    async fn a_withdrawal_and_a_removal_of_a_confirmed_talk_are_withdrawals() {
        let fixture = Fixture::new();
        let sample = sample_event("publish-cfp-events");
        let pictured = sample["Records"][1].clone();
        let mut withdrawn = pictured.clone();
        withdrawn["dynamodb"]["SequenceNumber"] = Value::String("10".into());
        withdrawn["dynamodb"]["OldImage"] = pictured["dynamodb"]["NewImage"].clone();
        set_string(
            &mut withdrawn["dynamodb"]["NewImage"],
            "status",
            "withdrawn",
        );
        withdrawn["dynamodb"]["NewImage"]["version"]["N"] = Value::String("4".into());

        let mut removed = pictured.clone();
        removed["eventName"] = Value::String("REMOVE".into());
        removed["dynamodb"]["SequenceNumber"] = Value::String("11".into());
        removed["dynamodb"]["OldImage"] = pictured["dynamodb"]["NewImage"].clone();
        if let Some(record) = removed["dynamodb"].as_object_mut() {
            record.remove("NewImage");
        }
        let response = fixture
            .handle(serde_json::json!({"Records": [withdrawn]}))
            .await;
        assert!(failures(&response).is_empty(), "{response:?}");
        assert_eq!(fixture.kinds(), [(TalkEventType::TalkWithdrawn, 4)]);

        // Deleting the confirmed version 3 is the change after it: the same withdrawal, once.
        let elsewhere = Fixture::new();
        for _ in 0..2 {
            let response = elsewhere
                .handle(serde_json::json!({"Records": [removed.clone()]}))
                .await;
            assert!(failures(&response).is_empty(), "{response:?}");
        }
        assert_eq!(elsewhere.kinds(), [(TalkEventType::TalkWithdrawn, 4)]);
        let response = fixture
            .handle(serde_json::json!({"Records": [removed]}))
            .await;
        assert!(failures(&response).is_empty(), "{response:?}");
        assert_eq!(
            fixture.publisher.published().len(),
            1,
            "a removal after the withdrawal it duplicates publishes nothing more"
        );
    }

    #[tokio::test]
    async fn changes_that_are_no_news_publish_nothing() {
        let fixture = Fixture::new();
        let sample = sample_event("publish-cfp-events");
        let mut rejected = sample["Records"][0].clone();
        set_string(&mut rejected["dynamodb"]["NewImage"], "status", "rejected");
        let mut not_a_proposal = sample["Records"][0].clone();
        set_string(
            &mut not_a_proposal["dynamodb"]["NewImage"],
            "entity",
            "Dedupe",
        );
        set_string(
            &mut not_a_proposal["dynamodb"]["OldImage"],
            "entity",
            "Dedupe",
        );
        let mut submitted = sample["Records"][0].clone();
        submitted["eventName"] = Value::String("INSERT".into());
        submitted["dynamodb"]["NewImage"] = sample["Records"][0]["dynamodb"]["OldImage"].clone();
        let response = fixture
            .handle(serde_json::json!({"Records": [rejected, not_a_proposal, submitted]}))
            .await;
        assert!(failures(&response).is_empty(), "{response:?}");
        assert!(fixture.publisher.published().is_empty());
    }

    #[tokio::test]
    async fn a_failed_publish_stops_the_batch_there_and_the_retry_publishes_in_order() {
        let fixture = Fixture::new();
        fixture.publisher.fail(true);
        let response = fixture.handle(sample_event("publish-cfp-events")).await;
        assert_eq!(
            serde_json::to_value(&response).expect("json"),
            serde_json::json!({"batchItemFailures": [{"itemIdentifier": CONFIRMED_SEQUENCE}]})
        );
        assert!(fixture.publisher.published().is_empty());

        fixture.publisher.fail(false);
        let response = fixture.handle(sample_event("publish-cfp-events")).await;
        assert!(failures(&response).is_empty(), "{response:?}");
        assert_eq!(
            fixture.kinds(),
            [
                (TalkEventType::TalkConfirmed, 2),
                (TalkEventType::TalkUpdated, 3)
            ]
        );
    }

    #[tokio::test]
    async fn a_corrupt_image_fails_its_record() {
        let fixture = Fixture::new();
        let mut sample = sample_event("publish-cfp-events");
        if let Some(image) = sample["Records"][1]["dynamodb"]["NewImage"].as_object_mut() {
            image.remove("abstract");
        }
        let response = fixture.handle(sample).await;
        assert_eq!(failures(&response), [PICTURED_SEQUENCE]);
        assert_eq!(fixture.kinds(), [(TalkEventType::TalkConfirmed, 2)]);
    }

    #[tokio::test]
    async fn a_failing_dedupe_store_publishes_nothing() {
        let fixture = Fixture::new();
        fixture.store.fail(true);
        let response = fixture.handle(sample_event("publish-cfp-events")).await;
        assert_eq!(failures(&response), [CONFIRMED_SEQUENCE]);
        assert!(fixture.publisher.published().is_empty());
    }

    fn snapshots(fixture: &Fixture) -> Vec<(EventSnapshotType, u32)> {
        fixture
            .publisher
            .event_snapshots()
            .iter()
            .map(|s| (s.kind, s.version))
            .collect()
    }

    /// The sample event and the same event after a reviewer and an organiser joined its team.
    fn event_versions() -> [cfp_domain::event::Event; 3] {
        let created = test_data::event();
        let reviewed = {
            let team = created
                .team
                .with_member(test_data::reviewer().user_id, Role::Reviewer)
                .expect("team");
            created
                .with_team(team, test_data::before_close())
                .expect("v2")
        };
        let co_organised = {
            let team = reviewed
                .team
                .with_member(test_data::other_admin().user_id, Role::Organiser)
                .expect("team");
            reviewed
                .with_team(team, test_data::before_close() + chrono::Duration::hours(1))
                .expect("v3")
        };
        [created, reviewed, co_organised]
    }

    #[tokio::test]
    async fn event_items_publish_created_and_updated_snapshots_once_each() {
        let fixture = Fixture::new();
        let [created, reviewed, co_organised] = event_versions();
        let batch = serde_json::json!({"Records": [
            event_record("1", None, &created),
            event_record("2", Some(&created), &reviewed),
            // Delivered twice within the batch.
            event_record("3", Some(&reviewed), &co_organised),
            event_record("4", Some(&reviewed), &co_organised),
        ]});
        for _ in 0..2 {
            let response = fixture.handle(batch.clone()).await;
            assert!(failures(&response).is_empty(), "{response:?}");
        }
        assert_eq!(
            snapshots(&fixture),
            [
                (EventSnapshotType::EventCreated, 1),
                (EventSnapshotType::EventUpdated, 2),
                (EventSnapshotType::EventUpdated, 3)
            ]
        );
        let published = fixture.publisher.event_snapshots();
        assert_eq!(published[0].occurred_at, "2026-11-02T09:00:00.000Z");
        assert_eq!(published[2].occurred_at, "2027-01-15T13:00:00.000Z");
        assert_eq!(
            published[1].event.organisers,
            [test_data::admin().user_id.to_string()],
            "a reviewer is not an organiser"
        );
        let mut organisers = vec![
            test_data::admin().user_id.to_string(),
            test_data::other_admin().user_id.to_string(),
        ];
        organisers.sort();
        assert_eq!(published[2].event.organisers, organisers);
        let json = serde_json::to_value(&published[2]).expect("json");
        assert_eq!(json["type"], "EventUpdated");
        assert_eq!(json["eventSlug"], "devconf-2027");
        assert_eq!(json["event"]["timeZone"], "Europe/Berlin");
        assert_eq!(
            json["event"]["sessionTypes"][0],
            serde_json::json!({"name": "Talk", "durationMinutes": 30})
        );
        assert!(!json.to_string().contains('@'), "{json}");
    }

    #[tokio::test]
    async fn an_event_rewritten_without_a_new_version_is_no_news() {
        let fixture = Fixture::new();
        let [created, ..] = event_versions();
        let unchanged = event_record("1", Some(&created), &created);
        let mut removed = event_record("2", Some(&created), &created);
        removed["eventName"] = Value::String("REMOVE".into());
        if let Some(record) = removed["dynamodb"].as_object_mut() {
            record.remove("NewImage");
        }
        let response = fixture
            .handle(serde_json::json!({"Records": [unchanged, removed]}))
            .await;
        assert!(failures(&response).is_empty(), "{response:?}");
        assert!(fixture.publisher.published().is_empty());
    }

    #[tokio::test]
    async fn an_event_item_from_before_versions_is_version_one() {
        let fixture = Fixture::new();
        let [created, reviewed, _] = event_versions();
        let mut inserted = event_record("1", None, &created);
        let mut modified = event_record("2", Some(&created), &reviewed);
        for image in [
            &mut inserted["dynamodb"]["NewImage"],
            &mut modified["dynamodb"]["OldImage"],
        ] {
            if let Some(image) = image.as_object_mut() {
                image.remove("version");
                image.remove("updatedAt");
            }
        }
        let response = fixture
            .handle(serde_json::json!({"Records": [inserted, modified]}))
            .await;
        assert!(failures(&response).is_empty(), "{response:?}");
        assert_eq!(
            snapshots(&fixture),
            [
                (EventSnapshotType::EventCreated, 1),
                (EventSnapshotType::EventUpdated, 2)
            ]
        );
    }

    #[tokio::test]
    async fn events_and_talks_are_published_in_stream_order_and_stop_at_a_failure() {
        let fixture = Fixture::new();
        let [created, reviewed, _] = event_versions();
        let sample = sample_event("publish-cfp-events");
        let batch = serde_json::json!({"Records": [
            event_record("1", None, &created),
            sample["Records"][0].clone(),
            event_record("9", Some(&created), &reviewed),
        ]});
        fixture.publisher.fail(true);
        let response = fixture.handle(batch.clone()).await;
        assert_eq!(
            failures(&response),
            ["1"],
            "the first record, and nothing after it"
        );
        assert!(fixture.publisher.published().is_empty());

        fixture.publisher.fail(false);
        let response = fixture.handle(batch).await;
        assert!(failures(&response).is_empty(), "{response:?}");
        let order: Vec<_> = fixture
            .publisher
            .published()
            .iter()
            .map(|event| (event.type_name(), event.version()))
            .collect();
        assert_eq!(
            order,
            [
                ("EventCreated", 1),
                ("TalkConfirmed", 2),
                ("EventUpdated", 2)
            ]
        );
    }

    #[tokio::test]
    async fn a_corrupt_event_image_fails_its_record() {
        let fixture = Fixture::new();
        let [created, reviewed, _] = event_versions();
        let mut corrupt = event_record("2", Some(&created), &reviewed);
        set_string(
            &mut corrupt["dynamodb"]["NewImage"],
            "timeZone",
            "Mars/Olympus",
        );
        let response = fixture
            .handle(serde_json::json!({"Records": [
                event_record("1", None, &created),
                corrupt,
                event_record("3", Some(&created), &reviewed),
            ]}))
            .await;
        assert_eq!(failures(&response), ["2"]);
        assert_eq!(snapshots(&fixture), [(EventSnapshotType::EventCreated, 1)]);
    }

    #[tokio::test]
    async fn the_retry_after_a_timeout_holding_the_claim_publishes_once_its_deadline_has_passed() {
        let fixture = Fixture::new();
        let sample = sample_event("publish-cfp-events");
        let first = stream_event(sample.clone()).records.remove(0);
        let change = change_of(first).expect("image").expect("a change");
        let key = cfp_domain::domain_event::domain_event(&change)
            .expect("a confirmation")
            .dedupe_key()
            .expect("key");
        // The first delivery claimed the confirmation, then timed out before publishing it.
        let now = Utc::now();
        let timed_out_at = now + chrono::Duration::seconds(2);
        let timed_out = Claim::new(key, now, timed_out_at);
        assert_eq!(
            fixture.store.claim(&timed_out).await,
            Ok(ClaimOutcome::Claimed)
        );

        // While it could still be running, the batch stops at that record.
        let during = timed_out_at - chrono::Duration::milliseconds(1);
        let response = fixture.handle_at(sample.clone(), during).await;
        assert_eq!(failures(&response), [CONFIRMED_SEQUENCE]);
        assert!(fixture.publisher.published().is_empty());

        let retry = timed_out_at + chrono::Duration::milliseconds(1);
        for _ in 0..2 {
            let response = fixture.handle_at(sample.clone(), retry).await;
            assert!(failures(&response).is_empty(), "{response:?}");
        }
        assert_eq!(
            fixture.kinds(),
            [
                (TalkEventType::TalkConfirmed, 2),
                (TalkEventType::TalkUpdated, 3)
            ]
        );
        assert_eq!(fixture.store.mark_sent(&timed_out).await, Ok(false));
    }
}
