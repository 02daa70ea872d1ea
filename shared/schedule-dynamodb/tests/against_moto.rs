//! The schedule table adapter against the real DynamoDB API (moto in server mode): every method
//! of the store port, its conditional writes, the item layout the stream filter relies on,
//! releases bigger than one item, and the schedule's use cases end to end.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use cfp_local_moto::MotoServer;
use cfp_schedule::ports::ScheduleStore;
use cfp_schedule::talk_message::{CopyStatus, TalkContent};
use cfp_schedule::test_data::{self, at};
use cfp_schedule::use_cases::{
    MessageOutcome, apply_talk_message, published_schedule, release_draft, save_draft,
};
use cfp_schedule::{
    Draft, EventCopy, Release, ReleaseName, ReleaseNumber, ScheduleError, ScheduledTalk, Slot,
    StoreError, StoredDraft, Talk, TalkCopy, TalkId, TalkMessage, TalkMessageKind, TalkNumber,
};
use cfp_schedule_dynamodb::test_support::create_schedule_table;
use cfp_schedule_dynamodb::{MAX_RELEASE_CHUNKS, ScheduleTable};
use chrono::{Duration, Utc};
use rand::distr::{Alphanumeric, SampleString};
use uuid::Uuid;

const TABLE: &str = "ScheduleTable";
const EVENT: &str = "devconf-2027";

type Item = HashMap<String, AttributeValue>;

/// The table as template.yaml declares it: keys, stream with both images, TTL on `expiresAt`.
async fn table(moto: &MotoServer) -> (ScheduleTable, Client) {
    let client = Client::new(&moto.sdk_config().await);
    create_schedule_table(&client, TABLE).await;
    (ScheduleTable::new(client.clone(), TABLE), client)
}

/// Every item of the event whose sort key begins with `prefix`, straight from the table.
async fn raw_items(client: &Client, prefix: &str) -> Vec<Item> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let output = client
            .query()
            .table_name(TABLE)
            .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
            .expression_attribute_values(":pk", AttributeValue::S(format!("EVENT#{EVENT}")))
            .expression_attribute_values(":prefix", AttributeValue::S(prefix.to_owned()))
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("Query");
        items.extend(output.items.unwrap_or_default());
        start = output.last_evaluated_key;
        if start.is_none() {
            return items;
        }
    }
}

async fn raw_put(client: &Client, item: Item) {
    client
        .put_item()
        .table_name(TABLE)
        .set_item(Some(item))
        .send()
        .await
        .expect("raw PutItem");
}

fn s<'a>(item: &'a Item, name: &str) -> &'a str {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
        .unwrap_or_else(|| panic!("{name} is not an S in {item:?}"))
}

fn n(item: &Item, name: &str) -> i64 {
    item.get(name)
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{name} is not an N in {item:?}"))
}

fn event_copy(version: u32, organisers: &[&str]) -> EventCopy {
    EventCopy {
        frame: test_data::frame(),
        organisers: organisers.iter().map(|o| (*o).to_owned()).collect(),
        version,
    }
}

fn talk_copy(n: u32, version: u32, status: CopyStatus) -> TalkCopy {
    let talk = test_data::talk(n);
    TalkCopy {
        id: talk.id,
        number: talk.number,
        version,
        status,
        content: TalkContent {
            title: talk.title,
            abstract_: talk.abstract_,
            description: talk.description,
            session_type: talk.session_type,
            track: talk.track,
            language: talk.language,
            speakers: talk.speakers,
        },
    }
}

fn random_text(chars: usize) -> String {
    Alphanumeric.sample_string(&mut rand::rng(), chars)
}

fn number(n: u32) -> ReleaseNumber {
    ReleaseNumber::new(n).expect("release number")
}

/// A release of `count` talks whose abstracts are `abstract_chars` of random (barely
/// compressible) text, built directly: the store must keep whatever the domain hands it.
fn big_release(release: u32, count: u32, abstract_chars: usize) -> Release {
    let frame = test_data::frame();
    let start = at("2027-06-10T09:00:00+02:00");
    let talks = (1..=count)
        .map(|i| {
            let mut talk = test_data::talk(i);
            talk.abstract_ = random_text(abstract_chars);
            talk.description = Some("Ünïcødé & <markup> \"quoted\"".into());
            ScheduledTalk {
                talk,
                room: "Main".into(),
                start: start + Duration::minutes(i64::from(i)),
                end: start + Duration::minutes(i64::from(i) + 30),
            }
        })
        .collect();
    Release {
        number: number(release),
        name: Some(ReleaseName::parse("Big one").expect("name")),
        released_at: at("2027-05-01T12:00:00Z"),
        frame,
        talks,
    }
}

#[tokio::test]
async fn event_copies_are_replaced_only_over_the_version_they_were_read_at() {
    let moto = MotoServer::for_tests().await;
    let (store, client) = table(&moto).await;
    assert_eq!(store.event_copy(EVENT).await, Ok(None));
    assert_eq!(store.frame(EVENT).await, Ok(None));

    let v1 = event_copy(1, &["alice"]);
    store.put_event_copy(&v1, None).await.expect("first copy");
    assert_eq!(store.event_copy(EVENT).await, Ok(Some(v1.clone())));
    assert_eq!(store.frame(EVENT).await, Ok(Some(test_data::frame())));
    assert!(v1.is_organiser("alice"));

    // A second "first" copy and a copy over a version that is not stored both lose.
    let v2 = event_copy(2, &["alice", "bob"]);
    assert_eq!(
        store.put_event_copy(&v2, None).await,
        Err(StoreError::Concurrent)
    );
    assert_eq!(
        store.put_event_copy(&v2, Some(7)).await,
        Err(StoreError::Concurrent)
    );
    assert_eq!(store.event_copy(EVENT).await, Ok(Some(v1.clone())));

    store
        .put_event_copy(&v2, Some(1))
        .await
        .expect("v2 over v1");
    assert_eq!(
        store.put_event_copy(&event_copy(3, &[]), Some(1)).await,
        Err(StoreError::Concurrent),
        "v1 is no longer stored"
    );
    let stored = store.event_copy(EVENT).await.expect("read").expect("copy");
    assert_eq!(stored, v2);
    assert_eq!(
        stored.organisers,
        BTreeSet::from(["alice".to_owned(), "bob".to_owned()])
    );

    let item = &raw_items(&client, "EVENT").await[0];
    assert_eq!(s(item, "entity"), "event");
    assert_eq!(s(item, "eventSlug"), EVENT);
    assert_eq!(n(item, "version"), 2);

    // Another event is another partition.
    assert_eq!(store.event_copy("other-event").await, Ok(None));
}

#[tokio::test]
async fn talk_copies_are_replaced_only_over_the_version_they_were_read_at() {
    let moto = MotoServer::for_tests().await;
    let (store, client) = table(&moto).await;
    let id = test_data::talk_id(1);
    assert_eq!(store.talk_copy(EVENT, id).await, Ok(None));

    let v2 = talk_copy(1, 2, CopyStatus::Confirmed);
    store.put_talk_copy(EVENT, &v2, None).await.expect("first");
    assert_eq!(store.talk_copy(EVENT, id).await, Ok(Some(v2.clone())));
    assert_eq!(
        store.talk_copy("other-event", id).await,
        Ok(None),
        "copies are per event"
    );

    let v3 = talk_copy(1, 3, CopyStatus::Withdrawn);
    assert_eq!(
        store.put_talk_copy(EVENT, &v3, None).await,
        Err(StoreError::Concurrent),
        "a second first copy loses"
    );
    assert_eq!(
        store.put_talk_copy(EVENT, &v3, Some(1)).await,
        Err(StoreError::Concurrent),
        "a stale expected version loses"
    );
    store.put_talk_copy(EVENT, &v3, Some(2)).await.expect("v3");
    assert_eq!(store.talk_copy(EVENT, id).await, Ok(Some(v3)));

    let item = &raw_items(&client, "TALK#").await[0];
    assert_eq!(s(item, "sk"), format!("TALK#{id}"));
    assert_eq!(s(item, "entity"), "talk");
    assert_eq!(s(item, "status"), "withdrawn");
    assert_eq!(n(item, "version"), 3);
}

#[tokio::test]
async fn talk_numbers_count_up_per_event_and_never_repeat_under_concurrency() {
    let moto = MotoServer::for_tests().await;
    let (store, client) = table(&moto).await;
    for expected in 1..=3 {
        assert_eq!(
            store.allocate_talk_number(EVENT).await.map(|n| n.get()),
            Ok(expected)
        );
    }
    assert_eq!(
        store.allocate_talk_number("other-event").await,
        Ok(TalkNumber::first())
    );

    let store = Arc::new(store);
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let store = Arc::clone(&store);
            tokio::spawn(async move { store.allocate_talk_number(EVENT).await })
        })
        .collect();
    let mut numbers = HashSet::new();
    for task in tasks {
        let number = task.await.expect("task").expect("a number");
        assert!(numbers.insert(number.get()), "{number} handed out twice");
    }
    assert_eq!(numbers, (4..=23).collect::<HashSet<u32>>());

    let item = &raw_items(&client, "TALKNUMBER").await[0];
    assert_eq!(s(item, "entity"), "talk-number");
    assert_eq!(n(item, "lastNumber"), 23);
}

#[tokio::test]
async fn confirmed_talks_leave_out_withdrawn_ones_and_read_past_one_megabyte() {
    let moto = MotoServer::for_tests().await;
    let (store, client) = table(&moto).await;
    assert_eq!(store.confirmed_talks(EVENT).await, Ok(HashMap::new()));

    // 600 talks of about 2 KB each: more than one Query page (1 MB).
    const TALKS: u32 = 600;
    let mut expected = HashMap::new();
    for i in 1..=TALKS {
        let mut copy = talk_copy(i, 1, CopyStatus::Confirmed);
        copy.content.abstract_ = random_text(2_000);
        if i % 10 == 0 {
            copy.status = CopyStatus::Withdrawn;
        }
        if let Some(talk) = copy.confirmed() {
            expected.insert(talk.id, talk);
        }
        store.put_talk_copy(EVENT, &copy, None).await.expect("put");
    }
    // Another event's talk stays out.
    store
        .put_talk_copy(
            "other-event",
            &talk_copy(TALKS + 1, 1, CopyStatus::Confirmed),
            None,
        )
        .await
        .expect("put");

    let first_page = client
        .query()
        .table_name(TABLE)
        .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
        .expression_attribute_values(":pk", AttributeValue::S(format!("EVENT#{EVENT}")))
        .expression_attribute_values(":prefix", AttributeValue::S("TALK#".into()))
        .send()
        .await
        .expect("Query");
    assert!(
        first_page.last_evaluated_key.is_some(),
        "one page holds every talk: the test does not exercise pagination"
    );
    assert!(first_page.items().len() < TALKS as usize);

    let talks = store.confirmed_talks(EVENT).await.expect("talks");
    assert_eq!(talks.len(), 540);
    assert_eq!(talks, expected);
}

#[tokio::test]
async fn drafts_are_empty_until_saved_versioned_and_a_full_draft_fits() {
    let moto = MotoServer::for_tests().await;
    let (store, client) = table(&moto).await;
    assert_eq!(store.draft(EVENT).await, Ok(StoredDraft::default()));

    let small = Draft {
        slots: vec![Slot {
            talk_id: test_data::talk_id(1),
            room: "Main".into(),
            start: at("2027-06-10T09:00:00+02:00"),
        }],
    };
    // Only a write over the version it read goes through: two writers that read the same
    // version cannot both win, whether the draft is new or not.
    assert_eq!(
        store.put_draft(EVENT, &small, 1).await,
        Err(StoreError::Concurrent)
    );
    assert_eq!(store.put_draft(EVENT, &small, 0).await, Ok(1));
    assert_eq!(
        store.put_draft(EVENT, &Draft::default(), 0).await,
        Err(StoreError::Concurrent)
    );
    assert_eq!(
        store.draft(EVENT).await,
        Ok(StoredDraft {
            draft: small.clone(),
            version: 1
        })
    );
    assert_eq!(store.put_draft(EVENT, &small, 1).await, Ok(2));
    for stale in [0, 1, 3] {
        assert_eq!(
            store.put_draft(EVENT, &Draft::default(), stale).await,
            Err(StoreError::Concurrent),
            "expected {stale}"
        );
    }
    assert_eq!(
        store.draft(EVENT).await.map(|d| (d.draft, d.version)),
        Ok((small, 2))
    );
    assert_eq!(store.draft("other-event").await, Ok(StoredDraft::default()));

    // A draft stored before drafts had versions reads as version 0 and is replaced over it.
    let mut unversioned = raw_items(&client, "DRAFT").await[0].clone();
    unversioned.remove("version");
    raw_put(&client, unversioned).await;
    assert_eq!(store.draft(EVENT).await.map(|d| d.version), Ok(0));
    assert_eq!(store.put_draft(EVENT, &Draft::default(), 0).await, Ok(1));

    // The largest draft the domain accepts, with random ids, replaces it and reads back whole.
    let start = at("2027-06-10T09:00:00+02:00");
    let full = Draft {
        slots: (0..Draft::MAX_SLOTS)
            .map(|i| Slot {
                talk_id: TalkId::new(Uuid::new_v4()),
                room: format!("Room {} with a rather long name", i % 40),
                start: start + Duration::minutes(i64::try_from(i).expect("small")),
            })
            .collect(),
    };
    assert_eq!(store.put_draft(EVENT, &full, 1).await, Ok(2));
    assert_eq!(store.draft(EVENT).await.map(|d| d.draft), Ok(full));

    let item = &raw_items(&client, "DRAFT").await[0];
    assert_eq!(s(item, "entity"), "draft");
    assert_eq!(n(item, "slots"), 5_000);
    assert_eq!(n(item, "version"), 2);

    // A damaged body is an error, not a panic.
    let mut damaged = item.clone();
    damaged.insert(
        "body".into(),
        AttributeValue::B(Blob::new(b"\x1f\x8b garbage".to_vec())),
    );
    raw_put(&client, damaged).await;
    assert!(matches!(
        store.draft(EVENT).await,
        Err(StoreError::Corrupt { .. })
    ));
}

#[tokio::test]
async fn releases_are_numbered_once_and_the_latest_is_read_back() {
    let moto = MotoServer::for_tests().await;
    let (store, client) = table(&moto).await;
    assert_eq!(store.latest_release(EVENT).await, Ok(None));
    assert_eq!(store.latest_release_header(EVENT).await, Ok(None));

    let first = test_data::release(&[(1, "Main", "2027-06-10T09:00:00+02:00")]);
    store.put_release(EVENT, &first).await.expect("release 1");
    assert_eq!(store.latest_release(EVENT).await, Ok(Some(first.clone())));
    assert_eq!(
        store.latest_release_header(EVENT).await,
        Ok(Some(first.header()))
    );

    let mut second = test_data::release(&[
        (1, "Main", "2027-06-10T09:00:00+02:00"),
        (2, "Side", "2027-06-10T09:00:00+02:00"),
    ]);
    second.number = number(2);
    second.name = Some(ReleaseName::parse("Final").expect("name"));
    store.put_release(EVENT, &second).await.expect("release 2");
    assert_eq!(store.latest_release(EVENT).await, Ok(Some(second.clone())));
    // The header alone: number, name and time, as the release has them.
    assert_eq!(
        store.latest_release_header(EVENT).await,
        Ok(Some(second.header()))
    );

    // Someone else's release 2 loses, and the first release 2 is intact.
    let mut rival = test_data::release(&[(2, "Main", "2027-06-11T10:00:00+02:00")]);
    rival.number = number(2);
    assert_eq!(
        store.put_release(EVENT, &rival).await,
        Err(StoreError::Concurrent)
    );
    assert_eq!(store.latest_release(EVENT).await, Ok(Some(second.clone())));

    // Ten releases later, the latest is still found (the keys sort by number).
    for i in 3..=12 {
        let mut next = first.clone();
        next.number = number(i);
        store.put_release(EVENT, &next).await.expect("release");
    }
    assert_eq!(
        store
            .latest_release(EVENT)
            .await
            .map(|r| r.map(|r| r.number)),
        Ok(Some(number(12)))
    );
    assert_eq!(
        store
            .latest_release_header(EVENT)
            .await
            .map(|h| h.map(|h| h.number)),
        Ok(Some(number(12)))
    );
    assert_eq!(
        store.latest_release("other-event").await,
        Ok(None),
        "releases are per event"
    );
    assert_eq!(store.latest_release_header("other-event").await, Ok(None));

    // The layout: one header per number; committed chunks keep no TTL, the loser's expire.
    let headers = raw_items(&client, "RELEASE#").await;
    assert_eq!(headers.len(), 12);
    let header = &headers[1];
    assert_eq!(s(header, "sk"), "RELEASE#0000000002");
    assert_eq!(s(header, "entity"), "release");
    assert_eq!(s(header, "eventSlug"), EVENT);
    assert_eq!(n(header, "number"), 2);
    assert_eq!(s(header, "name"), "Final");
    assert_eq!(n(header, "chunks"), 1);
    let winner = s(header, "attempt").to_owned();
    let chunks = raw_items(&client, "RELEASECHUNK#0000000002#").await;
    assert_eq!(chunks.len(), 2, "the winner's chunk and the loser's");
    let now = Utc::now().timestamp();
    for chunk in &chunks {
        assert_eq!(s(chunk, "entity"), "release-chunk");
        if s(chunk, "sk") == format!("RELEASECHUNK#0000000002#{winner}#0000") {
            assert!(!chunk.contains_key("expiresAt"), "{chunk:?}");
        } else {
            let expires = n(chunk, "expiresAt");
            assert!(
                (now + 86_000..=now + 86_500).contains(&expires),
                "expires in a day: {expires} vs now {now}"
            );
        }
    }
}

#[tokio::test]
async fn a_release_bigger_than_an_item_round_trips_and_one_too_big_is_refused() {
    let moto = MotoServer::for_tests().await;
    let (store, client) = table(&moto).await;

    // 1,000 talks with 2 KB abstracts: about 2 MB of JSON, well over one item when compressed.
    let big = big_release(1, 1_000, 2_000);
    store.put_release(EVENT, &big).await.expect("stored");
    let chunks = raw_items(&client, "RELEASECHUNK#").await;
    assert!(chunks.len() > 2, "{} chunk(s)", chunks.len());
    assert!(chunks.iter().all(|c| !c.contains_key("expiresAt")));
    let header = &raw_items(&client, "RELEASE#").await[0];
    assert_eq!(
        n(header, "chunks"),
        i64::try_from(chunks.len()).expect("small")
    );
    assert_eq!(store.latest_release(EVENT).await, Ok(Some(big)));

    // More than 99 chunks cannot be committed in one transaction: refused before any write.
    let huge = big_release(2, 5_000, 10_000);
    let result = store.put_release(EVENT, &huge).await;
    assert!(
        matches!(&result, Err(StoreError::TooLarge(reason)) if reason.contains(&MAX_RELEASE_CHUNKS.to_string())),
        "{result:?}"
    );
    assert!(
        raw_items(&client, "RELEASECHUNK#0000000002#")
            .await
            .is_empty()
    );
    assert_eq!(
        store
            .latest_release(EVENT)
            .await
            .map(|r| r.map(|r| r.number)),
        Ok(Some(number(1)))
    );
}

#[tokio::test]
async fn damaged_releases_are_errors_not_panics() {
    let moto = MotoServer::for_tests().await;
    let (store, client) = table(&moto).await;
    let release = big_release(1, 400, 2_000);
    store.put_release(EVENT, &release).await.expect("stored");
    let header = raw_items(&client, "RELEASE#").await.remove(0);
    let chunks = raw_items(&client, "RELEASECHUNK#").await;
    assert!(chunks.len() >= 2);

    let corrupt = |result: Result<Option<Release>, StoreError>| {
        assert!(
            matches!(result, Err(StoreError::Corrupt { .. })),
            "{result:?}"
        );
    };

    // A chunk's bytes flipped: the gzip checksum or the JSON fails.
    let mut flipped = chunks[0].clone();
    let mut bytes = flipped["body"].as_b().expect("binary").clone().into_inner();
    for byte in bytes.iter_mut().skip(100).take(50) {
        *byte ^= 0x5a;
    }
    flipped.insert("body".into(), AttributeValue::B(Blob::new(bytes)));
    raw_put(&client, flipped).await;
    corrupt(store.latest_release(EVENT).await);
    raw_put(&client, chunks[0].clone()).await;
    assert_eq!(store.latest_release(EVENT).await, Ok(Some(release.clone())));

    // A chunk gone.
    client
        .delete_item()
        .table_name(TABLE)
        .key("pk", chunks[1]["pk"].clone())
        .key("sk", chunks[1]["sk"].clone())
        .send()
        .await
        .expect("DeleteItem");
    corrupt(store.latest_release(EVENT).await);
    // The header alone is read without the chunks.
    assert_eq!(
        store.latest_release_header(EVENT).await,
        Ok(Some(release.header()))
    );
    raw_put(&client, chunks[1].clone()).await;

    // A header that names another attempt, or a number that is not one.
    let mut other_attempt = header.clone();
    other_attempt.insert(
        "attempt".into(),
        AttributeValue::S(Uuid::new_v4().to_string()),
    );
    raw_put(&client, other_attempt).await;
    corrupt(store.latest_release(EVENT).await);
    let mut bad_number = header.clone();
    bad_number.insert("number".into(), AttributeValue::S("one".into()));
    raw_put(&client, bad_number).await;
    corrupt(store.latest_release(EVENT).await);
    assert!(matches!(
        store.latest_release_header(EVENT).await,
        Err(StoreError::Corrupt { .. })
    ));
    let mut bad_name = header.clone();
    bad_name.insert("name".into(), AttributeValue::S("two\nlines".into()));
    raw_put(&client, bad_name).await;
    assert!(matches!(
        store.latest_release_header(EVENT).await,
        Err(StoreError::Corrupt { .. })
    ));

    // A header whose chunks hold another release's body.
    let mut renumbered = header.clone();
    renumbered.insert("sk".into(), AttributeValue::S("RELEASE#0000000002".into()));
    renumbered.insert("number".into(), AttributeValue::N("2".into()));
    raw_put(&client, header.clone()).await;
    raw_put(&client, renumbered).await;
    corrupt(store.latest_release(EVENT).await);
    // Or those of the same number released at another time.
    let mut retimed = header.clone();
    retimed.insert(
        "releasedAt".into(),
        AttributeValue::S("2030-01-01T00:00:00Z".into()),
    );
    raw_put(&client, retimed).await;
    client
        .delete_item()
        .table_name(TABLE)
        .key("pk", header["pk"].clone())
        .key("sk", AttributeValue::S("RELEASE#0000000002".into()))
        .send()
        .await
        .expect("DeleteItem");
    corrupt(store.latest_release(EVENT).await);
}

#[tokio::test]
async fn damaged_copies_are_errors_not_panics() {
    let moto = MotoServer::for_tests().await;
    let (store, client) = table(&moto).await;
    store
        .put_event_copy(&event_copy(1, &["alice"]), None)
        .await
        .expect("copy");
    let mut item = raw_items(&client, "EVENT").await.remove(0);
    let mut frame = item["frame"].as_m().expect("frame is a map").clone();
    frame.insert("timeZone".into(), AttributeValue::S("Mars/Olympus".into()));
    item.insert("frame".into(), AttributeValue::M(frame));
    raw_put(&client, item).await;
    assert!(matches!(
        store.event_copy(EVENT).await,
        Err(StoreError::Corrupt { .. })
    ));

    let id = test_data::talk_id(1);
    raw_put(
        &client,
        HashMap::from([
            ("pk".into(), AttributeValue::S(format!("EVENT#{EVENT}"))),
            ("sk".into(), AttributeValue::S(format!("TALK#{id}"))),
            ("entity".into(), AttributeValue::S("talk".into())),
            ("status".into(), AttributeValue::S("confirmed".into())),
            ("version".into(), AttributeValue::S("three".into())),
        ]),
    )
    .await;
    assert!(matches!(
        store.talk_copy(EVENT, id).await,
        Err(StoreError::Corrupt { .. })
    ));
    assert!(matches!(
        store.confirmed_talks(EVENT).await,
        Err(StoreError::Corrupt { .. })
    ));
}

#[tokio::test]
async fn a_missing_table_is_unavailable() {
    let moto = MotoServer::for_tests().await;
    let client = Client::new(&moto.sdk_config().await);
    let store = ScheduleTable::new(client, "NoSuchTable");
    assert!(matches!(
        store.event_copy(EVENT).await,
        Err(StoreError::Unavailable(_))
    ));
    assert!(matches!(
        store.allocate_talk_number(EVENT).await,
        Err(StoreError::Unavailable(_))
    ));
    let release = test_data::release(&[(1, "Main", "2027-06-10T09:00:00+02:00")]);
    assert!(matches!(
        store.put_release(EVENT, &release).await,
        Err(StoreError::Unavailable(_))
    ));
}

fn message(n: u32, kind: TalkMessageKind, version: u32) -> TalkMessage {
    let mut m = test_data::message(kind, version);
    let talk = test_data::talk(n);
    m.talk_id = talk.id;
    m.talk.title = talk.title;
    m.talk.speakers = talk.speakers;
    m
}

fn slot(n: u32, room: &str, start: &str) -> Slot {
    Slot {
        talk_id: test_data::talk_id(n),
        room: room.into(),
        start: at(start),
    }
}

#[tokio::test]
async fn the_schedule_use_cases_run_on_the_table() {
    use TalkMessageKind::*;
    let moto = MotoServer::for_tests().await;
    let (store, client) = table(&moto).await;

    assert_eq!(
        published_schedule(&store, EVENT).await,
        Err(ScheduleError::UnknownEvent(EVENT.into()))
    );
    store
        .put_event_copy(&event_copy(1, &["alice"]), None)
        .await
        .expect("event");
    assert_eq!(
        published_schedule(&store, EVENT).await,
        Err(ScheduleError::NotReleased(EVENT.into()))
    );

    for n in 1..=3 {
        assert_eq!(
            apply_talk_message(&store, &message(n, TalkConfirmed, 2)).await,
            Ok(MessageOutcome::Stored { left_draft: false })
        );
    }
    // Redelivered and overtaken messages change nothing.
    assert_eq!(
        apply_talk_message(&store, &message(1, TalkConfirmed, 2)).await,
        Ok(MessageOutcome::Stale)
    );
    let mut updated = message(1, TalkUpdated, 4);
    updated.talk.title = "A better title".into();
    assert_eq!(
        apply_talk_message(&store, &updated).await,
        Ok(MessageOutcome::Stored { left_draft: false })
    );
    assert_eq!(
        apply_talk_message(&store, &message(1, TalkUpdated, 3)).await,
        Ok(MessageOutcome::Stale)
    );
    let talks: HashMap<TalkId, Talk> = store.confirmed_talks(EVENT).await.expect("talks");
    assert_eq!(talks.len(), 3);
    assert_eq!(talks[&test_data::talk_id(1)].title, "A better title");
    let numbers: BTreeSet<u32> = talks.values().map(|t| t.number.get()).collect();
    assert_eq!(numbers, BTreeSet::from([1, 2, 3]));

    // A conflicting draft is refused and not saved.
    let conflicting = Draft {
        slots: vec![
            slot(1, "Main", "2027-06-10T09:00:00+02:00"),
            slot(2, "Main", "2027-06-10T09:15:00+02:00"),
        ],
    };
    assert!(matches!(
        save_draft(&store, EVENT, conflicting).await,
        Err(ScheduleError::Conflicts(_))
    ));
    assert_eq!(store.draft(EVENT).await, Ok(StoredDraft::default()));

    let draft = Draft {
        slots: vec![
            slot(1, "Main", "2027-06-10T09:00:00+02:00"),
            slot(2, "Side", "2027-06-10T09:00:00+02:00"),
            slot(3, "Main", "2027-06-10T10:00:00+02:00"),
        ],
    };
    save_draft(&store, EVENT, draft.clone())
        .await
        .expect("saved");
    assert_eq!(store.draft(EVENT).await.map(|d| d.draft), Ok(draft));
    let first = release_draft(&store, EVENT, None, Utc::now())
        .await
        .expect("released");
    assert_eq!(first.number.get(), 1);
    assert_eq!(first.talks.len(), 3);
    assert_eq!(published_schedule(&store, EVENT).await, Ok(first.clone()));

    // Talk 2 is withdrawn: it leaves the draft but not the published release.
    assert_eq!(
        apply_talk_message(&store, &message(2, TalkWithdrawn, 3)).await,
        Ok(MessageOutcome::Stored { left_draft: true })
    );
    assert_eq!(store.draft(EVENT).await.map(|d| d.draft.slots.len()), Ok(2));
    assert_eq!(published_schedule(&store, EVENT).await, Ok(first));
    assert_eq!(store.confirmed_talks(EVENT).await.map(|t| t.len()), Ok(2));

    let name = ReleaseName::parse("After the withdrawal").expect("name");
    let second = release_draft(&store, EVENT, Some(name), Utc::now())
        .await
        .expect("released");
    assert_eq!(second.number.get(), 2);
    assert_eq!(second.talks.len(), 2);
    assert!(
        second
            .talks
            .iter()
            .all(|t| t.talk.id != test_data::talk_id(2))
    );
    assert_eq!(published_schedule(&store, EVENT).await, Ok(second));

    // Confirmed again later, talk 2 keeps its number.
    assert_eq!(
        apply_talk_message(&store, &message(2, TalkConfirmed, 5)).await,
        Ok(MessageOutcome::Stored { left_draft: false })
    );
    let again = store
        .talk_copy(EVENT, test_data::talk_id(2))
        .await
        .expect("read")
        .expect("copy");
    assert_eq!(again.number, talks[&test_data::talk_id(2)].number);
    assert_eq!(raw_items(&client, "RELEASE#").await.len(), 2);
}

/// updateSearchIndex relies on this: a release is exactly one INSERT of an `entity = release`
/// item on the stream, and a lost race adds none.
#[tokio::test]
async fn a_release_is_one_insert_of_a_release_item_on_the_stream() {
    let moto = MotoServer::for_tests().await;
    let (store, client) = table(&moto).await;
    let release = big_release(1, 1_000, 2_000);
    store.put_release(EVENT, &release).await.expect("stored");
    let mut rival = test_data::release(&[(1, "Main", "2027-06-10T09:00:00+02:00")]);
    rival.number = number(1);
    assert_eq!(
        store.put_release(EVENT, &rival).await,
        Err(StoreError::Concurrent)
    );
    let mut second = test_data::release(&[(1, "Main", "2027-06-10T09:00:00+02:00")]);
    second.number = number(2);
    store.put_release(EVENT, &second).await.expect("stored");

    let streams = aws_sdk_dynamodbstreams::Client::new(&moto.sdk_config().await);
    let arn = client
        .describe_table()
        .table_name(TABLE)
        .send()
        .await
        .expect("DescribeTable")
        .table
        .and_then(|t| t.latest_stream_arn)
        .expect("a stream");
    let shards = streams
        .describe_stream()
        .stream_arn(&arn)
        .send()
        .await
        .expect("DescribeStream")
        .stream_description
        .map(|d| d.shards.unwrap_or_default())
        .unwrap_or_default();
    let mut release_inserts = Vec::new();
    for shard in shards {
        let mut iterator = streams
            .get_shard_iterator()
            .stream_arn(&arn)
            .shard_id(shard.shard_id.unwrap_or_default())
            .shard_iterator_type(aws_sdk_dynamodbstreams::types::ShardIteratorType::TrimHorizon)
            .send()
            .await
            .expect("GetShardIterator")
            .shard_iterator;
        while let Some(current) = iterator {
            let output = streams
                .get_records()
                .shard_iterator(current)
                .send()
                .await
                .expect("GetRecords");
            let records = output.records.unwrap_or_default();
            if records.is_empty() {
                break;
            }
            for record in records {
                let Some(change) = record.dynamodb else {
                    continue;
                };
                let image = change.new_image.unwrap_or_default();
                let entity = image.get("entity").and_then(|v| v.as_s().ok()).cloned();
                if entity.as_deref() == Some("release") {
                    let is_insert = record.event_name
                        == Some(aws_sdk_dynamodbstreams::types::OperationType::Insert);
                    let number = image.get("number").and_then(|v| v.as_n().ok()).cloned();
                    release_inserts.push((is_insert, number));
                }
            }
            iterator = output.next_shard_iterator;
        }
    }
    assert_eq!(
        release_inserts,
        [(true, Some("1".to_owned())), (true, Some("2".to_owned()))]
    );
}

#[tokio::test]
async fn writers_racing_for_one_release_number_leave_exactly_one_winner() {
    let moto = MotoServer::for_tests().await;
    let (store, _) = table(&moto).await;
    let store = Arc::new(store);
    let tasks: Vec<_> = (1..=6u32)
        .map(|i| {
            let store = Arc::clone(&store);
            // Each writer's release 1 differs (and spans several chunks).
            let mut release = big_release(1, 300, 2_000);
            release
                .talks
                .truncate(usize::try_from(100 + i).expect("small"));
            tokio::spawn(async move {
                let result = store.put_release(EVENT, &release).await;
                (release, result)
            })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        let (release, result) = task.await.expect("task");
        match result {
            Ok(()) => winners.push(release),
            Err(StoreError::Concurrent) => {}
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one writer wins");
    assert_eq!(store.latest_release(EVENT).await, Ok(winners.pop()));
}
