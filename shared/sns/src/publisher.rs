//! [`DomainEventPublisher`] on SNS `Publish`: the event as a JSON message, with its type and event
//! slug as message attributes so that subscribers can filter without reading the body.

use async_trait::async_trait;
use aws_sdk_sns::Client;
use aws_sdk_sns::error::DisplayErrorContext;
use aws_sdk_sns::types::MessageAttributeValue;
use cfp_domain::domain_event::{DomainEvent, PublishError};
use cfp_domain::ports::DomainEventPublisher;

/// Subscribers' filter policies match on these: keep them in step with the consumers.
pub const EVENT_TYPE_ATTRIBUTE: &str = "eventType";
pub const EVENT_SLUG_ATTRIBUTE: &str = "eventSlug";

#[derive(Debug, Clone)]
pub struct SnsDomainEventPublisher {
    client: Client,
    topic_arn: String,
}

impl SnsDomainEventPublisher {
    pub fn new(client: Client, topic_arn: impl Into<String>) -> Self {
        SnsDomainEventPublisher {
            client,
            topic_arn: topic_arn.into(),
        }
    }
}

fn string_attribute(value: &str) -> Result<MessageAttributeValue, PublishError> {
    MessageAttributeValue::builder()
        .data_type("String")
        .string_value(value)
        .build()
        .map_err(|error| PublishError(format!("building a message attribute: {error}")))
}

#[async_trait]
impl DomainEventPublisher for SnsDomainEventPublisher {
    async fn publish(&self, event: &DomainEvent) -> Result<(), PublishError> {
        let message = serde_json::to_string(event)
            .map_err(|error| PublishError(format!("serializing the event: {error}")))?;
        let output = self
            .client
            .publish()
            .topic_arn(&self.topic_arn)
            .message(message)
            .message_attributes(EVENT_TYPE_ATTRIBUTE, string_attribute(event.type_name())?)
            .message_attributes(EVENT_SLUG_ATTRIBUTE, string_attribute(event.event_slug())?)
            .send()
            .await
            .map_err(|error| PublishError(DisplayErrorContext(&error).to_string()))?;
        tracing::info!(
            message_id = output.message_id().unwrap_or("unknown"),
            event_type = event.type_name(),
            subject = event.subject(),
            version = event.version(),
            "domain event published"
        );
        Ok(())
    }
}
