//! The search index bucket against the real S3 API (moto in server mode): conditional reads and
//! writes, the stamp in the metadata, and storing without going backwards.

use cfp_local_moto::MotoServer;
use cfp_s3::SearchIndexBucket;
use cfp_search::{
    Fetched, IndexBlobStore, IndexStamp, Published, PutCondition, PutOutcome, SearchIndex,
    TalkDocument, publish_if_newer,
};

const BUCKET: &str = "cfp-search-test";
const EVENT: &str = "devconf-2027";

async fn bucket(moto: &MotoServer) -> (SearchIndexBucket, aws_sdk_s3::Client) {
    let config = moto.sdk_config().await;
    let client = SearchIndexBucket::client_for(&config);
    client
        .create_bucket()
        .bucket(BUCKET)
        .create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::EuCentral1)
                .build(),
        )
        .send()
        .await
        .expect("bucket");
    (SearchIndexBucket::new(client.clone(), BUCKET), client)
}

fn stamp(release: u32) -> IndexStamp {
    IndexStamp::of_release(release)
}

/// A real index of one talk titled `title`.
fn index_blob(title: &str) -> Vec<u8> {
    SearchIndex::build([TalkDocument {
        id: "talk-1".into(),
        slug: "devconf-2027-1".into(),
        title: title.into(),
        abstract_text: "An abstract.".into(),
        speakers: vec!["Ada Lovelace".into()],
        track: None,
        language: None,
        room: "Main".into(),
        start: chrono::DateTime::parse_from_rfc3339("2027-06-10T09:00:00+02:00").expect("time"),
    }])
    .expect("index")
}

async fn stored(blobs: &SearchIndexBucket) -> (Vec<u8>, Option<IndexStamp>) {
    let version = blobs.version(EVENT).await.expect("head").expect("a blob");
    match blobs.fetch(EVENT, None).await.expect("get") {
        Fetched::Blob { bytes, etag } => {
            assert_eq!(etag, version.etag);
            (bytes, version.stamp)
        }
        other => panic!("expected the blob, got {other:?}"),
    }
}

#[tokio::test]
async fn blobs_are_written_once_absent_then_only_over_the_etag_read() {
    let moto = MotoServer::for_tests().await;
    let (blobs, client) = bucket(&moto).await;

    assert_eq!(blobs.version(EVENT).await.expect("head"), None);
    assert_eq!(
        blobs.fetch(EVENT, None).await.expect("get"),
        Fetched::Missing
    );

    let first = index_blob("Rust on the Edge");
    let outcome = blobs
        .put(EVENT, &first, stamp(1), &PutCondition::Absent)
        .await
        .expect("put");
    assert_eq!(outcome, PutOutcome::Stored);
    let version = blobs.version(EVENT).await.expect("head").expect("a blob");
    assert_eq!(version.stamp, Some(stamp(1)));
    assert_eq!(stored(&blobs).await, (first.clone(), Some(stamp(1))));
    assert_eq!(title_of(&first), "Rust on the Edge");

    // The object is where the template's readers look, typed, with the stamp in its metadata.
    let head = client
        .head_object()
        .bucket(BUCKET)
        .key("search-index/devconf-2027.tar")
        .send()
        .await
        .expect("the key");
    assert_eq!(head.content_type(), Some("application/x-tar"));
    let metadata = head.metadata().cloned().unwrap_or_default();
    assert_eq!(metadata.get("index-release").map(String::as_str), Some("1"));

    // "Absent" again fails: the first writer's blob stays.
    let again = blobs
        .put(EVENT, b"other", stamp(9), &PutCondition::Absent)
        .await
        .expect("put");
    assert_eq!(again, PutOutcome::ConditionFailed);

    // Over the ETag read, a write succeeds; over a stale one, it fails and changes nothing.
    let second = index_blob("Kubernetes Operators");
    let over_read = PutCondition::Unchanged {
        etag: version.etag.clone(),
    };
    assert_eq!(
        blobs
            .put(EVENT, &second, stamp(2), &over_read)
            .await
            .expect("put"),
        PutOutcome::Stored
    );
    assert_eq!(
        blobs
            .put(EVENT, &first, stamp(3), &over_read)
            .await
            .expect("put"),
        PutOutcome::ConditionFailed
    );
    assert_eq!(stored(&blobs).await, (second, Some(stamp(2))));

    // An If-Match on a blob that is gone is a lost race too, not an error.
    client
        .delete_object()
        .bucket(BUCKET)
        .key("search-index/devconf-2027.tar")
        .send()
        .await
        .expect("delete");
    assert_eq!(
        blobs
            .put(EVENT, &first, stamp(3), &over_read)
            .await
            .expect("put"),
        PutOutcome::ConditionFailed
    );
}

#[tokio::test]
async fn a_reader_holding_the_current_blob_downloads_nothing() {
    let moto = MotoServer::for_tests().await;
    let (blobs, _) = bucket(&moto).await;
    blobs
        .put(EVENT, &index_blob("Rust"), stamp(1), &PutCondition::Absent)
        .await
        .expect("put");
    let Fetched::Blob { bytes, etag } = blobs.fetch(EVENT, None).await.expect("get") else {
        panic!("expected the blob");
    };
    // What was read loads as the index it is.
    let index = SearchIndex::load(&bytes).expect("an index");
    assert_eq!(index.len(), 1);

    assert_eq!(
        blobs.fetch(EVENT, Some(&etag)).await.expect("get"),
        Fetched::NotModified
    );
    assert!(matches!(
        blobs
            .fetch(EVENT, Some("\"not-the-etag\""))
            .await
            .expect("get"),
        Fetched::Blob { .. }
    ));
}

#[tokio::test]
async fn records_in_any_order_leave_the_latest_release_indexed() {
    let moto = MotoServer::for_tests().await;
    let (blobs, _) = bucket(&moto).await;
    // Release 2's record arrives before release 1's, and release 2's again (a redelivery).
    for (release, expected) in [(2, true), (1, false), (2, false), (3, true)] {
        let seen = blobs.version(EVENT).await.expect("head");
        let blob = index_blob(&format!("Release {release}"));
        let outcome = publish_if_newer(&blobs, EVENT, &blob, stamp(release), seen)
            .await
            .expect("published");
        assert_eq!(
            matches!(outcome, Published::Stored { .. }),
            expected,
            "release {release}: {outcome:?}"
        );
    }
    let (bytes, stamp_stored) = stored(&blobs).await;
    assert_eq!(stamp_stored, Some(stamp(3)));
    assert_eq!(title_of(&bytes), "Release 3");
}

/// The title of the one talk of an index blob (builds are not byte-for-byte reproducible:
/// tantivy names segments with random ids).
fn title_of(blob: &[u8]) -> String {
    let index = SearchIndex::load(blob).expect("an index");
    let hits = index.search("lovelace", 1).expect("search");
    hits.first().expect("one talk").talk.title.clone()
}

#[tokio::test]
async fn a_writer_that_read_before_another_wrote_reads_again_and_does_not_go_backwards() {
    let moto = MotoServer::for_tests().await;
    let (blobs, _) = bucket(&moto).await;
    // Both writers read "no blob"; release 2's writer stores first.
    let seen_by_both = blobs.version(EVENT).await.expect("head");
    let newer = publish_if_newer(
        &blobs,
        EVENT,
        &index_blob("Release 2"),
        stamp(2),
        seen_by_both.clone(),
    )
    .await
    .expect("stored");
    assert_eq!(newer, Published::Stored { replaced: None });
    // Release 1's writer, on what it read before, loses the conditional PUT, reads again and
    // leaves release 2 in place.
    let older = publish_if_newer(
        &blobs,
        EVENT,
        &index_blob("Release 1"),
        stamp(1),
        seen_by_both,
    )
    .await
    .expect("decided");
    assert_eq!(
        older,
        Published::AlreadyCurrent {
            stored: Some(stamp(2))
        }
    );
    assert_eq!(stored(&blobs).await.1, Some(stamp(2)));
}

#[tokio::test]
async fn a_missing_bucket_is_an_error_not_a_missing_blob() {
    let moto = MotoServer::for_tests().await;
    let config = moto.sdk_config().await;
    let blobs = SearchIndexBucket::new(SearchIndexBucket::client_for(&config), "no-such-bucket");
    assert!(blobs.fetch(EVENT, None).await.is_err());
    assert!(
        blobs
            .put(EVENT, b"x", stamp(1), &PutCondition::Absent)
            .await
            .is_err()
    );
}
