use cfp_dynamodb::CfpTable;
use cfp_observability::Instrument;
use cfp_s3::PostPresigner;
use lambda_http::{Error, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    cfp_observability::init();

    // Built once per instance and reused by every invocation.
    let config = cfp_sdk_config::load().await;
    let bucket = std::env::var("PICTURES_BUCKET")
        .expect("PICTURES_BUCKET must name the pictures bucket (template.yaml sets it)");
    let region = config
        .region()
        .expect("the Region must be set (Lambda sets AWS_REGION)")
        .to_string();
    let credentials = config
        .credentials_provider()
        .expect("the SDK's default credentials chain is always there");
    let presigner = PostPresigner::resolve(
        bucket,
        region,
        config.endpoint_url(),
        config.use_fips().unwrap_or(false),
        config.use_dual_stack().unwrap_or(false),
        credentials,
    )
    .await
    .expect("the pictures bucket's endpoint must resolve");
    let store = CfpTable::from_env(cfp_dynamodb::client(&config));
    let (store, presigner) = (&store, &presigner);

    lambda_http::run(service_fn(move |request: lambda_http::Request| {
        // Each line of the invocation carries the event and proposal or talk it is about.
        let span = cfp_observability::http_request_span(&request);
        cfp_observability::http_invocation(create_picture_upload::handle(
            request,
            store,
            store,
            presigner,
            chrono::Utc::now(),
        ))
        .instrument(span)
    }))
    .await
}
