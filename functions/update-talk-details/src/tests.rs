//! The handler over the in-memory store, with SNS events as Lambda delivers them.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use cfp_schedule::in_memory::InMemoryScheduleStore;
use cfp_schedule::test_data::{self, at};
use cfp_schedule::{
    Draft, EventCopy, EventFrame, Release, Slot, StoredDraft, Talk, TalkCopy, TalkId, TalkNumber,
};
use serde_json::{Value, json};

use super::*;

const EVENT: &str = "devconf-2027";

fn talk_id() -> TalkId {
    test_data::talk_id(1)
}

/// A talk event as the CfP context publishes it.
fn talk_message(kind: &str, version: u32, title: &str) -> Value {
    json!({
        "type": kind,
        "eventSlug": EVENT,
        "talkId": talk_id().to_string(),
        "version": version,
        "occurredAt": "2027-01-15T12:00:00.000Z",
        "talk": {
            "title": title,
            "abstract": "What it is about.",
            "description": null,
            "sessionType": "Talk",
            "track": "Rust",
            "language": "en",
            "speakers": [{"name": "Ada Lovelace", "bio": "Wrote the first program.", "thumbnailKey": null}]
        }
    })
}

/// An event snapshot as the CfP context publishes it.
fn event_message(kind: &str, version: u32, rooms: &[&str], organisers: &[&str]) -> Value {
    json!({
        "type": kind,
        "eventSlug": EVENT,
        "version": version,
        "occurredAt": "2027-01-02T10:00:00.000Z",
        "event": {
            "slug": EVENT,
            "name": "DevConf 2027",
            "timeZone": "Europe/Berlin",
            "startDate": "2027-06-10",
            "endDate": "2027-06-12",
            "rooms": rooms,
            "tracks": ["Rust"],
            "sessionTypes": [{"name": "Talk", "durationMinutes": 30}],
            "organisers": organisers
        }
    })
}

/// The SNS event Lambda hands the function, one record per body.
fn sns_event(bodies: &[String]) -> SnsEvent {
    let records: Vec<Value> = bodies
        .iter()
        .enumerate()
        .map(|(i, body)| {
            let kind = serde_json::from_str::<Value>(body)
                .ok()
                .and_then(|v| v["type"].as_str().map(str::to_owned))
                .unwrap_or_default();
            json!({
                "EventVersion": "1.0",
                "EventSubscriptionArn": "arn:aws:sns:eu-central-1:123456789012:cfp-events:sub",
                "EventSource": "aws:sns",
                "Sns": {
                    "Type": "Notification",
                    "MessageId": format!("00000000-0000-4000-8000-{i:012}"),
                    "TopicArn": "arn:aws:sns:eu-central-1:123456789012:cfp-events",
                    "Subject": null,
                    "Message": body,
                    "Timestamp": "2027-01-15T12:00:00.000Z",
                    "SignatureVersion": "1",
                    "Signature": "x",
                    "SigningCertUrl": "https://sns.example/cert.pem",
                    "UnsubscribeUrl": "https://sns.example/unsubscribe",
                    "MessageAttributes": {
                        "eventType": {"Type": "String", "Value": kind},
                        "eventSlug": {"Type": "String", "Value": EVENT}
                    }
                }
            })
        })
        .collect();
    serde_json::from_value(json!({ "Records": records })).expect("an SNS event")
}

async fn deliver(
    store: &dyn ScheduleStore,
    messages: &[Value],
) -> Result<Vec<Outcome>, InvocationFailed> {
    let bodies: Vec<String> = messages.iter().map(Value::to_string).collect();
    handle(sns_event(&bodies), store).await
}

async fn copy(store: &dyn ScheduleStore) -> TalkCopy {
    match store.talk_copy(EVENT, talk_id()).await {
        Ok(Some(copy)) => copy,
        other => panic!("no copy of the talk: {other:?}"),
    }
}

async fn event_copy(store: &dyn ScheduleStore) -> EventCopy {
    match store.event_copy(EVENT).await {
        Ok(Some(copy)) => copy,
        other => panic!("no copy of the event: {other:?}"),
    }
}

fn stored(left_draft: bool) -> Outcome {
    Outcome::Talk(MessageOutcome::Stored { left_draft })
}

#[tokio::test]
async fn a_confirmed_talk_is_copied_and_updated_without_e_mail_addresses() {
    let store = InMemoryScheduleStore::with_frame(test_data::frame());
    let mut confirmed = talk_message("TalkConfirmed", 2, "Rust on Lambda");
    // Whatever else the CfP context sends is not kept.
    confirmed["talk"]["speakers"][0]["email"] = json!("ada@example.org");
    assert_eq!(
        deliver(&store, &[confirmed]).await.ok(),
        Some(vec![stored(false)])
    );
    let first = copy(&store).await;
    assert_eq!(first.version, 2);
    assert_eq!(first.number.get(), 1);
    assert!(first.confirmed().is_some());
    assert!(!serde_json::to_string(&first).expect("json").contains('@'));

    let updated = talk_message("TalkUpdated", 3, "Rust on AWS Lambda");
    assert_eq!(
        deliver(&store, &[updated]).await.ok(),
        Some(vec![stored(false)])
    );
    let second = copy(&store).await;
    assert_eq!(second.content.title, "Rust on AWS Lambda");
    assert_eq!(
        second.number, first.number,
        "the number is the talk's for good"
    );
}

#[tokio::test]
async fn redelivered_and_overtaken_messages_roll_nothing_back() {
    let store = InMemoryScheduleStore::with_frame(test_data::frame());
    // The update (v3) overtook the confirmation (v2); both then come again.
    let outcomes = deliver(
        &store,
        &[
            talk_message("TalkUpdated", 3, "Newest title"),
            talk_message("TalkConfirmed", 2, "Old title"),
            talk_message("TalkUpdated", 3, "Newest title"),
        ],
    )
    .await
    .expect("applied");
    assert_eq!(
        outcomes,
        [
            stored(false),
            Outcome::Talk(MessageOutcome::Stale),
            Outcome::Talk(MessageOutcome::Stale)
        ]
    );
    let copy = copy(&store).await;
    assert_eq!(
        (copy.version, copy.content.title.as_str()),
        (3, "Newest title")
    );
    assert_eq!(store.talk_copies(EVENT).len(), 1);
}

#[tokio::test]
async fn a_withdrawn_talk_leaves_the_draft_and_a_late_confirmation_does_not_bring_it_back() {
    let store = InMemoryScheduleStore::with_frame(test_data::frame());
    deliver(&store, &[talk_message("TalkConfirmed", 2, "Talk")])
        .await
        .expect("applied");
    let draft = Draft {
        slots: vec![Slot {
            talk_id: talk_id(),
            room: "Main".into(),
            start: at("2027-06-10T09:00:00+02:00"),
        }],
    };
    store.put_draft(EVENT, &draft, 0).await.expect("saved");

    let outcomes = deliver(
        &store,
        &[
            talk_message("TalkWithdrawn", 3, "Talk"),
            talk_message("TalkConfirmed", 2, "Talk"),
            talk_message("TalkWithdrawn", 3, "Talk"),
        ],
    )
    .await
    .expect("applied");
    assert_eq!(
        outcomes,
        [
            stored(true),
            Outcome::Talk(MessageOutcome::Stale),
            Outcome::Talk(MessageOutcome::Stale)
        ]
    );
    assert_eq!(
        store.draft(EVENT).await.map(|d| d.draft),
        Ok(Draft::default())
    );
    assert_eq!(store.confirmed_talks(EVENT).await.map(|t| t.len()), Ok(0));
}

#[tokio::test]
async fn event_snapshots_keep_the_newest_version() {
    let store = InMemoryScheduleStore::default();
    let created = event_message("EventCreated", 1, &["Main"], &["user-ada"]);
    let updated = event_message(
        "EventUpdated",
        2,
        &["Main", "Side"],
        &["user-ada", "user-grace"],
    );
    // Out of order, and each delivered twice.
    let outcomes = deliver(
        &store,
        &[updated.clone(), created.clone(), updated, created],
    )
    .await
    .expect("applied");
    assert_eq!(
        outcomes,
        [
            Outcome::Event(EventCopyOutcome::Stored),
            Outcome::Event(EventCopyOutcome::Stale {
                stored: 2,
                received: 1
            }),
            Outcome::Event(EventCopyOutcome::Stale {
                stored: 2,
                received: 2
            }),
            Outcome::Event(EventCopyOutcome::Stale {
                stored: 2,
                received: 1
            }),
        ]
    );
    let copy = event_copy(&store).await;
    assert_eq!(copy.version, 2);
    assert!(copy.is_organiser("user-grace"));
    assert_eq!(copy.frame.rooms(), ["Main", "Side"]);

    // An organiser leaves the team (v3): the copy follows.
    deliver(
        &store,
        &[event_message(
            "EventUpdated",
            3,
            &["Main", "Side"],
            &["user-grace"],
        )],
    )
    .await
    .expect("applied");
    let copy = event_copy(&store).await;
    assert_eq!(copy.version, 3);
    assert!(!copy.is_organiser("user-ada"));
}

#[tokio::test]
async fn an_unreadable_message_fails_the_invocation_but_not_the_others() {
    let store = InMemoryScheduleStore::with_frame(test_data::frame());
    let mut bad_talk_id = talk_message("TalkConfirmed", 1, "T");
    bad_talk_id["talkId"] = json!("42");
    let mut bad_frame = event_message("EventUpdated", 5, &[], &["user-ada"]);
    bad_frame["event"]["timeZone"] = json!("Mars/Olympus");
    let bodies = vec![
        "not json".to_owned(),
        "{\"no\":\"type\"}".to_owned(),
        "[]".to_owned(),
        bad_talk_id.to_string(),
        bad_frame.to_string(),
        talk_message("TalkConfirmed", 1, "Good").to_string(),
    ];
    let result = handle(sns_event(&bodies), &store).await;
    let Err(failed) = result else {
        panic!("the invocation fails, so the message ends in the dead-letter queue: {result:?}");
    };
    assert_eq!((failed.failed, failed.unreadable, failed.total), (5, 5, 6));
    // The good message was applied all the same (and a retry finds it stale).
    assert_eq!(copy(&store).await.content.title, "Good");
    assert_eq!(
        event_copy(&store).await.version,
        1,
        "the bad frame changed nothing"
    );
}

#[tokio::test]
async fn a_type_it_does_not_handle_is_skipped() {
    let store = InMemoryScheduleStore::default();
    let outcomes = deliver(
        &store,
        &[json!({"type": "ReviewAdded", "eventSlug": EVENT})],
    )
    .await
    .expect("skipped, not failed");
    assert_eq!(
        outcomes,
        [Outcome::Skipped {
            kind: "ReviewAdded".into()
        }]
    );
    assert_eq!(store.event_copy(EVENT).await, Ok(None));
}

/// Delegates to the in-memory store; can fail every write, or let a competing writer in just
/// before the first conditional write of a talk or event copy.
#[derive(Default)]
struct RacyStore {
    inner: InMemoryScheduleStore,
    unavailable: bool,
    talk_race: Mutex<Option<TalkCopy>>,
    event_race: Mutex<Option<EventCopy>>,
}

impl RacyStore {
    fn check(&self) -> Result<(), StoreError> {
        if self.unavailable {
            Err(StoreError::Unavailable("throttled".into()))
        } else {
            Ok(())
        }
    }
}

#[async_trait]
impl ScheduleStore for RacyStore {
    async fn event_copy(&self, event: &str) -> Result<Option<EventCopy>, StoreError> {
        self.inner.event_copy(event).await
    }

    async fn put_event_copy(
        &self,
        copy: &EventCopy,
        expected: Option<u32>,
    ) -> Result<(), StoreError> {
        self.check()?;
        let competitor = self.event_race.lock().ok().and_then(|mut race| race.take());
        if let Some(competitor) = competitor {
            self.inner.put_event_copy(&competitor, expected).await?;
        }
        self.inner.put_event_copy(copy, expected).await
    }

    async fn talk_copy(&self, event: &str, talk: TalkId) -> Result<Option<TalkCopy>, StoreError> {
        self.inner.talk_copy(event, talk).await
    }

    async fn put_talk_copy(
        &self,
        event: &str,
        copy: &TalkCopy,
        expected: Option<u32>,
    ) -> Result<(), StoreError> {
        self.check()?;
        let competitor = self.talk_race.lock().ok().and_then(|mut race| race.take());
        if let Some(competitor) = competitor {
            self.inner
                .put_talk_copy(event, &competitor, expected)
                .await?;
        }
        self.inner.put_talk_copy(event, copy, expected).await
    }

    async fn allocate_talk_number(&self, event: &str) -> Result<TalkNumber, StoreError> {
        self.check()?;
        self.inner.allocate_talk_number(event).await
    }

    async fn confirmed_talks(&self, event: &str) -> Result<HashMap<TalkId, Talk>, StoreError> {
        self.inner.confirmed_talks(event).await
    }

    async fn draft(&self, event: &str) -> Result<StoredDraft, StoreError> {
        self.inner.draft(event).await
    }

    async fn put_draft(
        &self,
        event: &str,
        draft: &Draft,
        expected: u32,
    ) -> Result<u32, StoreError> {
        self.check()?;
        self.inner.put_draft(event, draft, expected).await
    }

    async fn latest_release(&self, event: &str) -> Result<Option<Release>, StoreError> {
        self.inner.latest_release(event).await
    }

    async fn put_release(&self, event: &str, release: &Release) -> Result<(), StoreError> {
        self.check()?;
        self.inner.put_release(event, release).await
    }
}

#[tokio::test]
async fn a_store_failure_fails_the_invocation_so_that_it_is_retried() {
    let store = RacyStore {
        unavailable: true,
        ..RacyStore::default()
    };
    for message in [
        talk_message("TalkConfirmed", 1, "T"),
        event_message("EventCreated", 1, &["Main"], &["user-ada"]),
    ] {
        let Err(failed) = deliver(&store, &[message]).await else {
            panic!("a store failure is retried");
        };
        assert_eq!((failed.failed, failed.unreadable), (1, 0));
    }
}

#[tokio::test]
async fn a_lost_race_is_retried_from_a_fresh_read() {
    // Another delivery writes the newer v4 between this one's read and its write of v3.
    let store = RacyStore::default();
    let newer = match parse(&talk_message("TalkUpdated", 4, "Newer").to_string()) {
        Ok(Message::Talk(message)) => TalkCopy::first(&message, TalkNumber::first()),
        other => panic!("a talk message: {other:?}"),
    };
    *store.talk_race.lock().expect("lock") = Some(newer);
    let outcomes = deliver(&store, &[talk_message("TalkConfirmed", 3, "Older")])
        .await
        .expect("applied after a retry");
    assert_eq!(outcomes, [Outcome::Talk(MessageOutcome::Stale)]);
    assert_eq!(copy(&store).await.content.title, "Newer");

    // The same for an event snapshot: the competitor's v1 is older, so v2 applies on retry.
    let older = EventCopy {
        frame: EventFrame::new(test_data::frame_spec()).expect("frame"),
        organisers: ["user-ada".to_owned()].into(),
        version: 1,
    };
    *store.event_race.lock().expect("lock") = Some(older);
    let outcomes = deliver(
        &store,
        &[event_message("EventUpdated", 2, &["Main"], &["user-grace"])],
    )
    .await
    .expect("applied after a retry");
    assert_eq!(outcomes, [Outcome::Event(EventCopyOutcome::Stored)]);
    assert_eq!(event_copy(&store).await.version, 2);
}

#[tokio::test]
async fn a_message_that_keeps_losing_races_fails_after_the_attempts() {
    let attempts = std::sync::atomic::AtomicUsize::new(0);
    let result: Result<(), ScheduleError> = retrying(|| async {
        attempts.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Err(StoreError::Concurrent.into())
    })
    .await;
    assert_eq!(result, Err(ScheduleError::Store(StoreError::Concurrent)));
    assert_eq!(attempts.into_inner(), ATTEMPTS);
}
