//! A queue of the test's own on the CfP events topic: what a consumer of the domain events sees.

use std::time::Duration;

use serde_json::Value;

use crate::{Stack, eventually};

/// A queue of the test's own, subscribed to the CfP events topic for one event's talk events.
pub struct TopicSubscriber {
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
}

impl TopicSubscriber {
    pub async fn new(stack: &Stack, slug: &str) -> TopicSubscriber {
        let topic_arn = stack
            .info
            .topic_arn
            .clone()
            .expect("the stack has the CfP events topic");
        let sns = &stack.sns;
        let sqs = stack.sqs.clone();
        let queue_url = sqs
            .create_queue()
            .queue_name(format!("events-out-{slug}"))
            .send()
            .await
            .expect("create the test queue")
            .queue_url
            .expect("queue url");
        let queue_arn = sqs
            .get_queue_attributes()
            .queue_url(&queue_url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
            .send()
            .await
            .expect("queue attributes")
            .attributes
            .and_then(|a| {
                a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn)
                    .cloned()
            })
            .expect("queue arn");
        sns.subscribe()
            .topic_arn(topic_arn)
            .protocol("sqs")
            .endpoint(queue_arn)
            // Other tests publish on the same topic: only this event's messages, and of those
            // the talk events (not the event's own snapshots), as a talk consumer subscribes.
            .attributes(
                "FilterPolicy",
                serde_json::json!({
                    "eventSlug": [slug],
                    "eventType": ["TalkConfirmed", "TalkUpdated", "TalkWithdrawn"],
                })
                .to_string(),
            )
            .send()
            .await
            .expect("subscribe the test queue");
        TopicSubscriber { sqs, queue_url }
    }

    /// The SNS envelopes that arrived since the last call.
    pub async fn receive(&self) -> Vec<Value> {
        let received = self
            .sqs
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .expect("receive from the test queue");
        let messages = received.messages.unwrap_or_default();
        for message in &messages {
            if let Some(handle) = message.receipt_handle() {
                self.sqs
                    .delete_message()
                    .queue_url(&self.queue_url)
                    .receipt_handle(handle)
                    .send()
                    .await
                    .expect("delete the received message");
            }
        }
        messages
            .iter()
            .filter_map(|m| serde_json::from_str(m.body.as_deref()?).ok())
            .collect()
    }

    /// Waits for the next message, checks its attributes and returns its JSON body.
    pub async fn next_event(&self, event_type: &str, slug: &str) -> Value {
        let envelope = self.next_envelope(event_type, slug).await;
        serde_json::from_str(envelope["Message"].as_str().expect("a message")).expect("JSON")
    }

    /// Waits for the next message, checks its attributes and returns its whole SNS envelope
    /// (`Message`, `MessageAttributes`, `MessageId`...).
    pub async fn next_envelope(&self, event_type: &str, slug: &str) -> Value {
        let mut envelopes = eventually(event_type, Duration::from_secs(30), || async {
            let envelopes = self.receive().await;
            (!envelopes.is_empty()).then_some(envelopes)
        })
        .await;
        assert_eq!(envelopes.len(), 1, "one message: {envelopes:?}");
        let envelope = envelopes.remove(0);
        let attributes = &envelope["MessageAttributes"];
        assert_eq!(attributes["eventType"]["Value"], event_type, "{envelope}");
        assert_eq!(attributes["eventSlug"]["Value"], slug, "{envelope}");
        assert_eq!(attributes["eventType"]["Type"], "String", "{envelope}");
        envelope
    }
}

/// Publishes the message of a received SNS `envelope` on the topic once more, as its publisher
/// did (publishCfPEvents: the same body, the same string attributes): a redelivery as at-least-once
/// delivery makes one. Returns the new message's id.
pub async fn publish_again(stack: &Stack, envelope: &Value) -> String {
    let topic_arn = stack
        .info
        .topic_arn
        .clone()
        .expect("the stack has the CfP events topic");
    let mut publish = stack
        .sns
        .publish()
        .topic_arn(topic_arn)
        .message(envelope["Message"].as_str().expect("a message"));
    for (name, attribute) in envelope["MessageAttributes"]
        .as_object()
        .expect("message attributes")
    {
        let value = aws_sdk_sns::types::MessageAttributeValue::builder()
            .data_type(attribute["Type"].as_str().expect("an attribute type"))
            .string_value(attribute["Value"].as_str().expect("an attribute value"))
            .build()
            .expect("a message attribute");
        publish = publish.message_attributes(name, value);
    }
    publish
        .send()
        .await
        .expect("publish the message again")
        .message_id
        .expect("a message id")
}
