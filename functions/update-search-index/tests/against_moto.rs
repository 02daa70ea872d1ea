//! The function with its real adapters against the real APIs (moto in server mode): a release
//! stored by the schedule table's adapter, its header item delivered as the stream would, the
//! index written to the bucket and searched back as searchTalks does.

use std::time::Instant;

use aws_lambda_events::event::dynamodb::Event;
use aws_sdk_dynamodb::types::AttributeValue;
use cfp_local_moto::MotoServer;
use cfp_s3::SearchIndexBucket;
use cfp_schedule::ports::ScheduleStore;
use cfp_schedule::{Release, ReleaseNumber, test_data};
use cfp_schedule_dynamodb::ScheduleTable;
use cfp_schedule_dynamodb::test_support::create_schedule_table;
use cfp_search::{IndexBlobStore, IndexCache, IndexStamp, TalkSearch, search_talks};
use serde_json::json;
use update_search_index::{Dependencies, handle};

const TABLE: &str = "ScheduleTable";
const BUCKET: &str = "cfp-search-index";
const EVENT: &str = "devconf-2027";

async fn stack(moto: &MotoServer) -> (ScheduleTable, aws_sdk_dynamodb::Client, SearchIndexBucket) {
    let config = moto.sdk_config().await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&config);
    create_schedule_table(&dynamodb, TABLE).await;
    let s3 = SearchIndexBucket::client_for(&config);
    s3.create_bucket()
        .bucket(BUCKET)
        .create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::EuCentral1)
                .build(),
        )
        .send()
        .await
        .expect("the bucket");
    (
        ScheduleTable::new(dynamodb.clone(), TABLE),
        dynamodb,
        SearchIndexBucket::new(s3, BUCKET),
    )
}

fn release(number: u32, slots: &[(u32, &str, &str)]) -> Release {
    let mut release = test_data::release(slots);
    release.number = ReleaseNumber::new(number).expect("a release number");
    release
}

/// The stream event Lambda would deliver for the header item the adapter wrote for `number`.
async fn header_record(dynamodb: &aws_sdk_dynamodb::Client, number: u32, sequence: &str) -> Event {
    let key = [
        ("pk", format!("EVENT#{EVENT}")),
        ("sk", format!("RELEASE#{number:010}")),
    ];
    let item = dynamodb
        .get_item()
        .table_name(TABLE)
        .set_key(Some(
            key.iter()
                .map(|(name, value)| ((*name).to_owned(), AttributeValue::S(value.clone())))
                .collect(),
        ))
        .send()
        .await
        .expect("get")
        .item
        .expect("the release header");
    let image = serde_json::to_value(serde_dynamo::Item::from(item)).expect("an image");
    let keys = json!({"pk": image["pk"], "sk": image["sk"]});
    serde_json::from_value(json!({"Records": [{
        "eventID": format!("id-{sequence}"),
        "eventName": "INSERT",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "ApproximateCreationDateTime": 1796121000,
            "Keys": keys,
            "NewImage": image,
            "SequenceNumber": sequence,
            "SizeBytes": 300,
            "StreamViewType": "NEW_AND_OLD_IMAGES"
        }
    }]}))
    .expect("a stream event")
}

async fn search(blobs: &SearchIndexBucket, query: &str) -> Vec<String> {
    let search = TalkSearch::parse(Some(query), None).expect("a search");
    search_talks(
        &IndexCache::default(),
        blobs,
        EVENT,
        &search,
        Instant::now(),
    )
    .await
    .expect("hits")
    .into_iter()
    .map(|hit| hit.talk.title)
    .collect()
}

#[tokio::test]
async fn releases_stored_by_the_table_adapter_become_searchable_in_the_bucket() {
    let moto = MotoServer::for_tests().await;
    let (schedule, dynamodb, blobs) = stack(&moto).await;
    let dependencies = Dependencies {
        schedule: &schedule,
        blobs: &blobs,
    };

    let first = release(
        1,
        &[
            (1, "Main", "2027-06-10T09:00:00+02:00"),
            (2, "Side", "2027-06-10T09:00:00+02:00"),
        ],
    );
    schedule
        .put_release(EVENT, &first)
        .await
        .expect("release 1");
    let record = header_record(&dynamodb, 1, "100").await;
    let response = handle(record, &dependencies).await;
    assert!(response.batch_item_failures.is_empty(), "{response:?}");
    let stored = blobs.version(EVENT).await.expect("head").expect("a blob");
    assert_eq!(stored.stamp, Some(IndexStamp::of_release(1)));
    assert_eq!(search(&blobs, "talk number 2").await, ["Talk number 2"]);

    // Release 2 drops talk 2. Its record, then release 1's again (a late redelivery).
    let second = release(2, &[(1, "Main", "2027-06-10T09:00:00+02:00")]);
    schedule
        .put_release(EVENT, &second)
        .await
        .expect("release 2");
    for (number, sequence) in [(2, "200"), (1, "100")] {
        let response = handle(
            header_record(&dynamodb, number, sequence).await,
            &dependencies,
        )
        .await;
        assert!(response.batch_item_failures.is_empty(), "{response:?}");
    }
    let stored = blobs.version(EVENT).await.expect("head").expect("a blob");
    assert_eq!(stored.stamp, Some(IndexStamp::of_release(2)));
    assert_eq!(search(&blobs, "speaker 1").await, ["Talk number 1"]);
    assert!(
        !search(&blobs, "talk number 2")
            .await
            .contains(&"Talk number 2".to_owned())
    );
}
