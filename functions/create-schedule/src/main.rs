use cfp_dynamodb::CfpTable;
use cfp_observability::Instrument;
use cfp_schedule_dynamodb::ScheduleTable;
use lambda_http::{Error, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    cfp_observability::init();

    // Built once per instance and reused by every invocation.
    let config = cfp_sdk_config::load().await;
    let client = cfp_dynamodb::client(&config);
    let store = ScheduleTable::from_env(client.clone());
    // Idempotency-Key records of POST .../releases live in the schedule's own table: the
    // platform's idempotency store (cfp-dynamodb) only needs the pk/sk key schema and the
    // `expiresAt` TTL, which this table shares. It never touches the CfP table.
    let idempotency = CfpTable::new(client, store.table_name());
    let (store, idempotency) = (&store, &idempotency);

    lambda_http::run(service_fn(move |request: lambda_http::Request| {
        // Each line of the invocation carries the event and proposal or talk it is about.
        let span = cfp_observability::http_request_span(&request);
        cfp_observability::http_invocation(create_schedule::handle(
            request,
            store,
            idempotency,
            chrono::Utc::now(),
        ))
        .instrument(span)
    }))
    .await
}
