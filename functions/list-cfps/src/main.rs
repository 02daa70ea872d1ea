use std::convert::Infallible;

use cfp_dynamodb::CfpTable;
use lambda_http::{Error, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    cfp_observability::init_logging();

    // Built once per instance and reused by every invocation.
    let config = aws_config::load_from_env().await;
    let store = CfpTable::from_env(aws_sdk_dynamodb::Client::new(&config));
    let store = &store;

    lambda_http::run(service_fn(move |request| async move {
        Ok::<_, Infallible>(list_cfps::handle(request, store, store).await)
    }))
    .await
}
