use aws_lambda_events::event::dynamodb::Event;
use cfp_s3::SearchIndexBucket;
use cfp_schedule_dynamodb::ScheduleTable;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use std::convert::Infallible;
use update_search_index::{Dependencies, handle};

#[tokio::main]
async fn main() -> Result<(), Error> {
    cfp_observability::init();

    // Built once per instance and reused by every invocation.
    let config = cfp_sdk_config::load().await;
    let bucket = std::env::var("SEARCH_INDEX_BUCKET")
        .expect("SEARCH_INDEX_BUCKET must name the search index bucket (template.yaml sets it)");
    let schedule = ScheduleTable::from_env(cfp_dynamodb::client(&config));
    let blobs = SearchIndexBucket::new(SearchIndexBucket::client_for(&config), bucket);
    let dependencies = Dependencies {
        schedule: &schedule,
        blobs: &blobs,
    };
    let dependencies = &dependencies;

    lambda_runtime::run(service_fn(move |event: LambdaEvent<Event>| {
        cfp_observability::invocation(async move {
            let response = handle(event.payload, dependencies).await;
            cfp_observability::metrics::records_failed(response.batch_item_failures.len());
            Ok::<_, Infallible>(response)
        })
    }))
    .await
}
