//! SNS subscriptions of functions: each `Type: SNS` event gets an internal queue subscribed to the
//! topic (raw delivery off) with the event's filter policy on the subscription, so moto applies the
//! policy; the poller turns each envelope into Lambda's SNS event and invokes the function
//! asynchronously, as SNS does.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use aws_sdk_sns::error::DisplayErrorContext;
use bytes::Bytes;
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tracing::{error, info};

use crate::async_invocation::AsyncInvoker;
use crate::config::NotificationClients;
use crate::error::Error;
use crate::queue_poller;
use crate::sns_event::sns_record;

/// One `Type: SNS` event of a function.
#[derive(Debug, Clone, PartialEq)]
pub struct SnsSubscription {
    /// Logical id of the function.
    pub function: String,
    /// The event's name under the function's `Events`.
    pub event: String,
    pub topic_arn: String,
    /// `FilterPolicy`, a JSON object.
    pub filter_policy: Option<Value>,
    /// `MessageAttributes` (SNS's default) or `MessageBody`.
    pub filter_policy_scope: Option<String>,
}

/// Subscribes the internal queue and returns the poller to run, and the subscription's ARN. Fails
/// if the topic does not exist or moto refuses the filter policy.
pub async fn start_sns_subscription(
    subscription: SnsSubscription,
    clients: NotificationClients,
    invoker: Arc<AsyncInvoker>,
) -> Result<(String, impl Future<Output = ()> + Send + 'static), Error> {
    let setup_error = |message: String| Error::SnsSetup {
        function: subscription.function.clone(),
        event: subscription.event.clone(),
        topic_arn: subscription.topic_arn.clone(),
        message,
    };
    // Named after the topic (whose ARN is unique to the stack), not at random: a runner started
    // again on the same endpoint finds the queue and the subscription of the one before, with
    // whatever was published while no runner was up.
    let suffix = uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_URL,
        subscription.topic_arn.as_bytes(),
    )
    .simple()
    .to_string();
    let (queue_url, queue_arn) = queue_poller::create_queue(
        &clients.sqs,
        &queue_poller::queue_name(&[
            "cfp-local-sns",
            &suffix[..8],
            &subscription.function,
            &subscription.event,
        ]),
    )
    .await
    .map_err(setup_error)?;
    let mut attributes = HashMap::from([("RawMessageDelivery".to_owned(), "false".to_owned())]);
    if let Some(policy) = &subscription.filter_policy {
        attributes.insert("FilterPolicy".into(), policy.to_string());
        attributes.insert(
            "FilterPolicyScope".into(),
            subscription
                .filter_policy_scope
                .clone()
                .unwrap_or_else(|| "MessageAttributes".into()),
        );
    }
    let subscription_arn = clients
        .sns
        .subscribe()
        .topic_arn(&subscription.topic_arn)
        .protocol("sqs")
        .endpoint(&queue_arn)
        .set_attributes(Some(attributes))
        .return_subscription_arn(true)
        .send()
        .await
        .map_err(|e| setup_error(format!("Subscribe: {}", DisplayErrorContext(&e))))?
        .subscription_arn
        .ok_or_else(|| setup_error("Subscribe: the answer has no SubscriptionArn".into()))?;
    info!(
        function = subscription.function.as_str(),
        topic = subscription.topic_arn.as_str(),
        subscription = subscription_arn.as_str(),
        "SNS subscription wired"
    );
    let function = subscription.function.clone();
    let arn = subscription_arn.clone();
    let handle = move |body: &str| deliver(&function, &arn, body, &invoker);
    let poll = queue_poller::poll(
        clients.sqs,
        queue_url,
        format!("sns:{}:{}", subscription.function, subscription.event),
        handle,
    );
    Ok((subscription_arn, poll))
}

/// Hands one message to the function; the receiver tells when the event is dealt with.
fn deliver(
    function: &str,
    subscription_arn: &str,
    body: &str,
    invoker: &Arc<AsyncInvoker>,
) -> Vec<oneshot::Receiver<()>> {
    let record = match sns_record(body, subscription_arn) {
        Ok(record) => record,
        Err(e) => {
            error!(function, subscription = subscription_arn, error = %e, "an SNS message that cannot be read; dropped");
            return Vec::new();
        }
    };
    let message_id = record
        .pointer("/Sns/MessageId")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let payload = Bytes::from(json!({ "Records": [record] }).to_string());
    match invoker.enqueue_tracked(function, payload) {
        Ok((request_id, dealt_with)) => {
            info!(function, message_id, request_id, "SNS message accepted");
            vec![dealt_with]
        }
        Err(e) => {
            error!(function, message_id, error = %e, "SNS message not accepted");
            Vec::new()
        }
    }
}
