//! `AWS::SNS::Topic`: CreateTopic with its attributes and its `Subscription` list.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::error::{ProvisionError, aws_error};
use crate::physical_names::{NameRules, physical_name, random_suffix};
use crate::stack_resources::PhysicalResource;
use crate::template::Props;

pub const TOPIC_TYPE: &str = "AWS::SNS::Topic";

/// Topic properties that are SNS attributes of the same name.
const ATTRIBUTES: &[&str] = &[
    "ArchivePolicy",
    "ContentBasedDeduplication",
    "DisplayName",
    "FifoTopic",
    "KmsMasterKeyId",
    "SignatureVersion",
    "TracingConfig",
];

pub async fn create_topic(
    client: &aws_sdk_sns::Client,
    stack_name: &str,
    logical_id: &str,
    properties: &Map<String, Value>,
) -> Result<PhysicalResource, ProvisionError> {
    let props = Props::new(logical_id, properties);
    let fifo = props.bool("FifoTopic")?.unwrap_or(false);
    let topic_name = match props.string("TopicName")? {
        Some(name) => name,
        None => {
            let rules = if fifo {
                NameRules::SNS_FIFO_TOPIC
            } else {
                NameRules::SNS_TOPIC
            };
            physical_name(stack_name, logical_id, &random_suffix(), rules)
        }
    };
    let mut attributes = HashMap::new();
    for key in ATTRIBUTES {
        let Some(value) = props.get(key) else {
            continue;
        };
        let text = match value {
            Value::Object(_) => value.to_string(),
            _ => props.required_string(key)?,
        };
        attributes.insert((*key).to_owned(), text);
    }
    let topic_arn = client
        .create_topic()
        .name(&topic_name)
        .set_attributes(Some(attributes).filter(|a| !a.is_empty()))
        .send()
        .await
        .map_err(aws_error(logical_id, "CreateTopic"))?
        .topic_arn()
        .map(str::to_owned)
        .ok_or_else(|| ProvisionError::Aws {
            resource: logical_id.to_owned(),
            operation: "CreateTopic",
            message: "the answer has no TopicArn".into(),
        })?;

    for subscription in props.objects("Subscription")? {
        let subscription = Props::new(logical_id, subscription);
        let protocol = subscription.required_string("Protocol")?;
        if protocol == "lambda" {
            // Lambda subscriptions are delivered by the runner's event sources, not by moto.
            tracing::info!(
                topic = logical_id,
                "skipping a lambda subscription: the local event sources deliver SNS to functions"
            );
            continue;
        }
        client
            .subscribe()
            .topic_arn(&topic_arn)
            .protocol(protocol)
            .endpoint(subscription.required_string("Endpoint")?)
            .send()
            .await
            .map_err(aws_error(logical_id, "Subscribe"))?;
    }

    Ok(PhysicalResource::new(logical_id, TOPIC_TYPE, &topic_arn)
        .with("TopicArn", topic_arn)
        .with("TopicName", topic_name))
}
