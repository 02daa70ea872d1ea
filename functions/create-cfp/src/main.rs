use cfp_dynamodb::CfpTable;
use cfp_observability::Instrument;
use lambda_http::{Error, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    cfp_observability::init();

    // Built once per instance and reused by every invocation.
    let config = cfp_sdk_config::load().await;
    let store = CfpTable::from_env(cfp_dynamodb::client(&config));
    let store = &store;

    lambda_http::run(service_fn(move |request: lambda_http::Request| {
        // Each line of the invocation carries the event and proposal or talk it is about.
        let span = cfp_observability::http_request_span(&request);
        cfp_observability::http_invocation(create_cfp::handle(
            request,
            store,
            store,
            store,
            chrono::Utc::now(),
        ))
        .instrument(span)
    }))
    .await
}
