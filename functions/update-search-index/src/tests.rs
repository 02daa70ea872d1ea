use std::collections::HashMap;

use async_trait::async_trait;
use cfp_dynamodb::stream_test_support::{failures, stream_event};
use cfp_schedule::in_memory::InMemoryScheduleStore;
use cfp_schedule::{
    Draft, EventCopy, Release, ReleaseNumber, StoreError, StoredDraft, Talk, TalkCopy, TalkId,
    TalkNumber, test_data,
};
use cfp_search::in_memory::InMemoryIndexBlobs;
use cfp_search::{IndexStamp, SearchIndex};
use serde_json::{Value, json};

use super::*;

const EVENT: &str = "devconf-2027";

/// A release of the test event numbered `number`, of test talks `(n, room, start)`.
fn release(number: u32, slots: &[(u32, &str, &str)]) -> Release {
    let mut release = test_data::release(slots);
    release.number = ReleaseNumber::new(number).expect("a release number");
    release
}

async fn schedule_with(releases: &[Release]) -> InMemoryScheduleStore {
    let store = InMemoryScheduleStore::with_frame(test_data::frame());
    for release in releases {
        store.put_release(EVENT, release).await.expect("stored");
    }
    store
}

fn first_release() -> Release {
    release(
        1,
        &[
            (1, "Main", "2027-06-10T09:00:00+02:00"),
            (2, "Side", "2027-06-10T09:00:00+02:00"),
        ],
    )
}

/// Release 2: talk 2 is gone (withdrawn), talk 3 is new.
fn second_release() -> Release {
    release(
        2,
        &[
            (1, "Main", "2027-06-10T09:00:00+02:00"),
            (3, "Side", "2027-06-10T11:00:00+02:00"),
        ],
    )
}

/// A stream record of a release header, as Lambda delivers it (payload of the template's
/// filter: INSERT, entity release).
fn release_record(sequence_number: &str, event: &str, number: u32) -> Value {
    let sk = format!("RELEASE#{number:010}");
    json!({
        "eventID": format!("id-{sequence_number}"),
        "eventName": "INSERT",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "eu-central-1",
        "dynamodb": {
            "ApproximateCreationDateTime": 1796121000,
            "Keys": {"pk": {"S": format!("EVENT#{event}")}, "sk": {"S": sk}},
            "NewImage": {
                "pk": {"S": format!("EVENT#{event}")},
                "sk": {"S": sk},
                "entity": {"S": "release"},
                "eventSlug": {"S": event},
                "number": {"N": number.to_string()},
                "releasedAt": {"S": "2027-05-01T12:00:00Z"},
                "attempt": {"S": "0190a000-0000-7000-8000-000000000001"},
                "chunks": {"N": "1"}
            },
            "SequenceNumber": sequence_number,
            "SizeBytes": 200,
            "StreamViewType": "NEW_AND_OLD_IMAGES"
        },
        "eventSourceARN": "arn:aws:dynamodb:eu-central-1:123456789012:table/ScheduleTable/stream/2027-01-01T00:00:00.000"
    })
}

fn batch(records: Vec<Value>) -> Event {
    stream_event(json!({ "Records": records }))
}

async fn deliver(
    schedule: &dyn ScheduleStore,
    blobs: &InMemoryIndexBlobs,
    records: Vec<Value>,
) -> Vec<String> {
    let dependencies = Dependencies { schedule, blobs };
    failures(&handle(batch(records), &dependencies).await)
}

fn stored_release(blobs: &InMemoryIndexBlobs) -> Option<u32> {
    blobs
        .blob(EVENT)
        .and_then(|blob| blob.stamp)
        .map(|stamp| stamp.release)
}

/// The ids of the stored index's hits for `query`.
fn found(blobs: &InMemoryIndexBlobs, query: &str) -> Vec<String> {
    let blob = blobs.blob(EVENT).expect("an index blob");
    let index = SearchIndex::load(&blob.bytes).expect("a loadable index");
    index
        .search(query, 10)
        .expect("search")
        .into_iter()
        .map(|hit| hit.talk.id)
        .collect()
}

fn talk(n: u32) -> String {
    test_data::talk_id(n).to_string()
}

#[tokio::test]
async fn a_new_release_becomes_a_searchable_index_stamped_with_its_number() {
    let (schedule, blobs) = (
        schedule_with(&[first_release()]).await,
        InMemoryIndexBlobs::new(),
    );
    let failed = deliver(&schedule, &blobs, vec![release_record("100", EVENT, 1)]).await;
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(
        blobs.blob(EVENT).and_then(|blob| blob.stamp),
        Some(IndexStamp::of_release(1))
    );
    // Title, speaker and track are searchable; hits carry the released slot.
    assert_eq!(found(&blobs, "speaker 2"), [talk(2)]);
    let mut both = found(&blobs, "rust");
    both.sort();
    assert_eq!(both, [talk(1), talk(2)]);
    let blob = blobs.blob(EVENT).expect("blob");
    let index = SearchIndex::load(&blob.bytes).expect("index");
    let hit = &index.search("talk number 2", 1).expect("search")[0];
    assert_eq!(hit.talk.room, "Side");
    assert_eq!(hit.talk.start.to_rfc3339(), "2027-06-10T09:00:00+02:00");
}

#[tokio::test]
async fn a_redelivered_record_writes_nothing_and_reads_no_release() {
    let (schedule, blobs) = (
        schedule_with(&[first_release()]).await,
        InMemoryIndexBlobs::new(),
    );
    for _ in 0..3 {
        let failed = deliver(&schedule, &blobs, vec![release_record("100", EVENT, 1)]).await;
        assert!(failed.is_empty(), "{failed:?}");
    }
    assert_eq!(blobs.puts(), 1);
}

#[tokio::test]
async fn a_later_release_replaces_the_index_and_a_withdrawn_talk_is_no_longer_found() {
    let schedule = schedule_with(&[first_release()]).await;
    let blobs = InMemoryIndexBlobs::new();
    deliver(&schedule, &blobs, vec![release_record("100", EVENT, 1)]).await;
    assert_eq!(found(&blobs, "speaker 2"), [talk(2)]);

    schedule
        .put_release(EVENT, &second_release())
        .await
        .expect("stored");
    let failed = deliver(&schedule, &blobs, vec![release_record("200", EVENT, 2)]).await;
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(stored_release(&blobs), Some(2));
    // "speaker 2" now matches only by its first word, in the talks still released.
    let mut remaining = found(&blobs, "speaker 2");
    remaining.sort();
    assert_eq!(remaining, [talk(1), talk(3)]);
    assert_eq!(found(&blobs, "speaker 3"), [talk(3)]);
}

#[tokio::test]
async fn records_out_of_order_never_roll_the_index_back() {
    let schedule = schedule_with(&[first_release(), second_release()]).await;
    let blobs = InMemoryIndexBlobs::new();
    // Release 2's record, then release 1's (a retry that arrives late), in one batch and apart.
    let failed = deliver(
        &schedule,
        &blobs,
        vec![
            release_record("200", EVENT, 2),
            release_record("100", EVENT, 1),
        ],
    )
    .await;
    assert!(failed.is_empty(), "{failed:?}");
    let failed = deliver(&schedule, &blobs, vec![release_record("100", EVENT, 1)]).await;
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(stored_release(&blobs), Some(2));
    assert_eq!(blobs.puts(), 1);
    assert_eq!(found(&blobs, "speaker 3"), [talk(3)]);
}

#[tokio::test]
async fn an_old_record_indexes_the_latest_release_once() {
    let schedule = schedule_with(&[first_release(), second_release()]).await;
    let blobs = InMemoryIndexBlobs::new();
    // Release 1's record comes first, when release 2 is already readable: the latest is indexed,
    // and release 2's record then finds nothing to do.
    deliver(&schedule, &blobs, vec![release_record("100", EVENT, 1)]).await;
    assert_eq!(stored_release(&blobs), Some(2));
    deliver(&schedule, &blobs, vec![release_record("200", EVENT, 2)]).await;
    assert_eq!(blobs.puts(), 1);
}

#[tokio::test]
async fn a_newer_index_stored_while_building_is_kept() {
    let schedule = schedule_with(&[first_release(), second_release()]).await;
    let blobs = InMemoryIndexBlobs::new();
    // Another invocation stores release 3's index between this one's read and its write.
    let newer = SearchIndex::build([]).expect("an index");
    blobs.before_next_put(EVENT, newer, Some(IndexStamp::of_release(3)));
    let failed = deliver(&schedule, &blobs, vec![release_record("200", EVENT, 2)]).await;
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(stored_release(&blobs), Some(3));
}

#[tokio::test]
async fn an_older_index_stored_while_building_is_replaced() {
    let schedule = schedule_with(&[first_release(), second_release()]).await;
    let blobs = InMemoryIndexBlobs::new();
    let older = SearchIndex::build([]).expect("an index");
    blobs.before_next_put(EVENT, older, Some(IndexStamp::of_release(1)));
    let failed = deliver(&schedule, &blobs, vec![release_record("200", EVENT, 2)]).await;
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(stored_release(&blobs), Some(2));
    assert_eq!(found(&blobs, "speaker 3"), [talk(3)]);
}

#[tokio::test]
async fn a_release_not_readable_yet_fails_the_record_for_a_retry() {
    let schedule = schedule_with(&[first_release()]).await;
    let blobs = InMemoryIndexBlobs::new();
    // The header of release 2 is on the stream; the store still answers release 1.
    let failed = deliver(&schedule, &blobs, vec![release_record("200", EVENT, 2)]).await;
    assert_eq!(failed, ["200"]);
    assert_eq!(blobs.blob(EVENT), None, "release 1 was not indexed instead");

    let failed = deliver(
        &schedule,
        &blobs,
        vec![release_record("300", "unknown-event", 1)],
    )
    .await;
    assert_eq!(failed, ["300"]);
}

#[tokio::test]
async fn only_the_failing_records_of_a_batch_are_reported() {
    let schedule = schedule_with(&[first_release()]).await;
    let blobs = InMemoryIndexBlobs::new();
    let mut malformed = release_record("200", EVENT, 1);
    if let Some(image) = malformed["dynamodb"]["NewImage"].as_object_mut() {
        image.remove("number");
    }
    let mut modify = release_record("300", EVENT, 1);
    modify["eventName"] = json!("MODIFY");
    let mut chunk = release_record("400", EVENT, 1);
    chunk["dynamodb"]["NewImage"]["entity"] = json!({"S": "release-chunk"});
    let failed = deliver(
        &schedule,
        &blobs,
        vec![
            release_record("100", EVENT, 1),
            malformed,
            modify,
            chunk,
            release_record("500", "no-release-2027", 1),
        ],
    )
    .await;
    assert_eq!(failed, ["200", "500"]);
    assert_eq!(stored_release(&blobs), Some(1));
}

#[tokio::test]
async fn the_response_serializes_as_lambda_expects() {
    let schedule = schedule_with(&[first_release()]).await;
    let blobs = InMemoryIndexBlobs::new();
    blobs.fail(true);
    let dependencies = Dependencies {
        schedule: &schedule,
        blobs: &blobs,
    };
    let response = handle(batch(vec![release_record("100", EVENT, 1)]), &dependencies).await;
    assert_eq!(
        serde_json::to_value(&response).expect("json"),
        json!({"batchItemFailures": [{"itemIdentifier": "100"}]})
    );
    blobs.fail(false);
    let response = handle(batch(vec![release_record("100", EVENT, 1)]), &dependencies).await;
    assert!(failures(&response).is_empty(), "{response:?}");
    assert_eq!(stored_release(&blobs), Some(1));
}

/// A schedule store that is down.
struct DownStore;

fn down<T>() -> Result<T, StoreError> {
    Err(StoreError::Unavailable("the table is down".into()))
}

#[async_trait]
impl ScheduleStore for DownStore {
    async fn event_copy(&self, _: &str) -> Result<Option<EventCopy>, StoreError> {
        down()
    }
    async fn put_event_copy(&self, _: &EventCopy, _: Option<u32>) -> Result<(), StoreError> {
        down()
    }
    async fn talk_copy(&self, _: &str, _: TalkId) -> Result<Option<TalkCopy>, StoreError> {
        down()
    }
    async fn put_talk_copy(&self, _: &str, _: &TalkCopy, _: Option<u32>) -> Result<(), StoreError> {
        down()
    }
    async fn allocate_talk_number(&self, _: &str) -> Result<TalkNumber, StoreError> {
        down()
    }
    async fn confirmed_talks(&self, _: &str) -> Result<HashMap<TalkId, Talk>, StoreError> {
        down()
    }
    async fn draft(&self, _: &str) -> Result<StoredDraft, StoreError> {
        down()
    }
    async fn put_draft(&self, _: &str, _: &Draft, _: u32) -> Result<u32, StoreError> {
        down()
    }
    async fn latest_release(&self, _: &str) -> Result<Option<Release>, StoreError> {
        down()
    }
    async fn put_release(&self, _: &str, _: &Release) -> Result<(), StoreError> {
        down()
    }
}

#[tokio::test]
async fn a_failing_schedule_store_fails_the_record_and_writes_nothing() {
    let blobs = InMemoryIndexBlobs::new();
    let failed = deliver(&DownStore, &blobs, vec![release_record("100", EVENT, 1)]).await;
    assert_eq!(failed, ["100"]);
    assert_eq!(blobs.puts(), 0);
}
