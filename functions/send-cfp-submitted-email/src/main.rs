use std::convert::Infallible;

use aws_lambda_events::event::dynamodb::Event;
use cfp_dynamodb::{CfpTable, invocation_deadline};
use cfp_ses::SesSender;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use send_cfp_submitted_email::{Dependencies, handle};

#[tokio::main]
async fn main() -> Result<(), Error> {
    cfp_observability::init();

    // Built once per instance and reused by every invocation.
    let config = cfp_sdk_config::load().await;
    let store = CfpTable::from_env(cfp_dynamodb::client(&config));
    let mail = SesSender::from_env(cfp_ses::client(&config))?;
    let dependencies = Dependencies {
        dedupe: &store,
        mailer: &mail.mailer,
        sender: &mail.from,
    };
    let dependencies = &dependencies;

    lambda_runtime::run(service_fn(move |event: LambdaEvent<Event>| {
        cfp_observability::invocation(async move {
            // Dedupe leases end when this invocation does, so a retry after a timeout can take over.
            let deadline = invocation_deadline(event.context.deadline);
            let response = handle(event.payload, dependencies, chrono::Utc::now(), deadline).await;
            cfp_observability::metrics::records_failed(response.batch_item_failures.len());
            Ok::<_, Infallible>(response)
        })
    }))
    .await
}
