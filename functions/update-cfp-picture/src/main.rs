use cfp_dynamodb::CfpTable;
use cfp_s3::PictureBucket;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;
use update_cfp_picture::{Dependencies, handle};

#[tokio::main]
async fn main() -> Result<(), Error> {
    cfp_observability::init();

    // Built once per instance and reused by every invocation.
    let config = cfp_sdk_config::load().await;
    let bucket = std::env::var("PICTURES_BUCKET")
        .expect("PICTURES_BUCKET must name the pictures bucket (template.yaml sets it)");
    let store = CfpTable::from_env(cfp_dynamodb::client(&config));
    let objects = PictureBucket::new(cfp_s3::client(&config), bucket.as_str());
    let dependencies = Dependencies {
        bucket: &bucket,
        objects: &objects,
        pictures: &store,
    };
    let dependencies = &dependencies;

    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        cfp_observability::invocation(async move {
            // A failed backend fails the invocation, so that Lambda retries it.
            handle(event.payload, dependencies, chrono::Utc::now())
                .await
                .inspect_err(|failure| cfp_observability::metrics::records_failed(failure.failed))
                .map_err(Error::from)
        })
    }))
    .await
}
