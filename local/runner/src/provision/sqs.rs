//! `AWS::SQS::Queue`: CreateQueue with the template's attributes, then its ARN.

use std::collections::HashMap;

use aws_sdk_sqs::types::QueueAttributeName;
use serde_json::{Map, Value};

use super::error::{ProvisionError, aws_error};
use crate::physical_names::{NameRules, physical_name, random_suffix};
use crate::stack_resources::PhysicalResource;
use crate::template::Props;

pub const QUEUE_TYPE: &str = "AWS::SQS::Queue";

/// Queue properties that are SQS attributes of the same name.
const ATTRIBUTES: &[&str] = &[
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "DelaySeconds",
    "FifoQueue",
    "FifoThroughputLimit",
    "KmsDataKeyReusePeriodSeconds",
    "KmsMasterKeyId",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "RedriveAllowPolicy",
    "RedrivePolicy",
    "SqsManagedSseEnabled",
    "VisibilityTimeout",
];

pub async fn create_queue(
    client: &aws_sdk_sqs::Client,
    stack_name: &str,
    logical_id: &str,
    properties: &Map<String, Value>,
) -> Result<PhysicalResource, ProvisionError> {
    let props = Props::new(logical_id, properties);
    let fifo = props.bool("FifoQueue")?.unwrap_or(false);
    let queue_name = match props.string("QueueName")? {
        Some(name) => name,
        None => {
            let rules = if fifo {
                NameRules::SQS_FIFO_QUEUE
            } else {
                NameRules::SQS_QUEUE
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
            // The policies are JSON documents in the template and JSON text in the API.
            Value::Object(_) => value.to_string(),
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            other => return Err(props.error(key, format!("unexpected {other}")).into()),
        };
        attributes.insert(QueueAttributeName::from(*key), text);
    }
    let created = client
        .create_queue()
        .queue_name(&queue_name)
        .set_attributes(Some(attributes).filter(|a| !a.is_empty()))
        .send()
        .await
        .map_err(aws_error(logical_id, "CreateQueue"))?;
    let queue_url = created
        .queue_url()
        .map(str::to_owned)
        .ok_or_else(|| ProvisionError::Aws {
            resource: logical_id.to_owned(),
            operation: "CreateQueue",
            message: "the answer has no QueueUrl".into(),
        })?;
    let arn = client
        .get_queue_attributes()
        .queue_url(&queue_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(aws_error(logical_id, "GetQueueAttributes"))?
        .attributes()
        .and_then(|a| a.get(&QueueAttributeName::QueueArn))
        .cloned()
        .ok_or_else(|| ProvisionError::Aws {
            resource: logical_id.to_owned(),
            operation: "GetQueueAttributes",
            message: "the answer has no QueueArn".into(),
        })?;
    Ok(PhysicalResource::new(logical_id, QUEUE_TYPE, queue_url)
        .with("Arn", arn)
        .with("QueueName", queue_name))
}
