use aws_lambda_events::event::sns::SnsEvent;
use cfp_schedule_dynamodb::ScheduleTable;
use lambda_runtime::{Error, LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    cfp_observability::init();

    // Built once per instance and reused by every invocation.
    let config = cfp_sdk_config::load().await;
    let store = ScheduleTable::from_env(cfp_dynamodb::client(&config));
    let store = &store;

    // A failed invocation is retried by Lambda (SNS invokes asynchronously), then sent to the
    // dead-letter queue the template names.
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SnsEvent>| {
        cfp_observability::invocation(async move {
            update_talk_details::handle(event.payload, store)
                .await
                .map(|_| ())
                .inspect_err(|failed| cfp_observability::metrics::records_failed(failed.failed))
                .map_err(Error::from)
        })
    }))
    .await
}
