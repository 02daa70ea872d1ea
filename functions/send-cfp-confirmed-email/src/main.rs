use std::convert::Infallible;

use aws_lambda_events::event::dynamodb::Event;
use cfp_domain::EmailAddress;
use cfp_dynamodb::CfpTable;
use cfp_ses::SesMailer;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use send_cfp_confirmed_email::{Dependencies, handle};

#[tokio::main]
async fn main() -> Result<(), Error> {
    cfp_observability::init_logging();

    // Built once per instance and reused by every invocation.
    let config = aws_config::load_from_env().await;
    let table = std::env::var("CFP_TABLE")
        .expect("CFP_TABLE must name the CfP table (template.yaml sets it)");
    let sender = std::env::var("SENDER_ADDRESS")
        .expect("SENDER_ADDRESS must be set (template.yaml sets it)");
    let sender = EmailAddress::parse(&sender).expect("SENDER_ADDRESS must be an e-mail address");
    let store = CfpTable::new(aws_sdk_dynamodb::Client::new(&config), table);
    let mailer = SesMailer::new(aws_sdk_sesv2::Client::new(&config));
    let dependencies = Dependencies {
        dedupe: &store,
        mailer: &mailer,
        sender: &sender,
    };
    let dependencies = &dependencies;

    lambda_runtime::run(service_fn(move |event: LambdaEvent<Event>| async move {
        Ok::<_, Infallible>(handle(event.payload, dependencies, chrono::Utc::now()).await)
    }))
    .await
}
