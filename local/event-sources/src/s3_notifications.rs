//! S3 event notifications to functions: the bucket's notification configuration points at an
//! internal queue (one per bucket) with one entry per function event, so moto itself matches the
//! event types and the key's prefix and suffix rules; the poller completes each record into the one
//! AWS sends and invokes the function of its `configurationId` asynchronously.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use aws_sdk_s3::error::DisplayErrorContext;
use aws_sdk_s3::types::{
    Event, FilterRule, FilterRuleName, NotificationConfiguration, NotificationConfigurationFilter,
    QueueConfiguration, S3KeyFilter,
};
use bytes::Bytes;
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tracing::{error, info};

use crate::async_invocation::AsyncInvoker;
use crate::config::NotificationClients;
use crate::error::Error;
use crate::queue_poller;
use crate::s3_event::{S3Message, Sequencer, complete_record, configuration_id, parse_message};

/// One `Type: S3` event of a function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3NotificationTarget {
    /// Logical id of the function.
    pub function: String,
    /// The event's name under the function's `Events`.
    pub event: String,
    /// `s3:ObjectCreated:*` and the like.
    pub events: Vec<String>,
    pub prefix: Option<String>,
    pub suffix: Option<String>,
}

impl S3NotificationTarget {
    /// The notification configuration's id, which every record of it carries.
    pub fn configuration_id(&self) -> String {
        format!("{}-{}", self.function, self.event)
    }
}

/// Every function event on one bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3NotificationSource {
    /// The bucket's name.
    pub bucket: String,
    pub targets: Vec<S3NotificationTarget>,
}

/// Sets the bucket's notifications up and returns the poller to run. Fails if the queue or the
/// notification configuration cannot be created.
pub async fn start_s3_notifications(
    source: S3NotificationSource,
    clients: NotificationClients,
    invoker: Arc<AsyncInvoker>,
) -> Result<impl Future<Output = ()> + Send + 'static, Error> {
    let setup_error = |message: String| Error::S3Setup {
        bucket: source.bucket.clone(),
        message,
    };
    let (queue_url, queue_arn) = queue_poller::create_queue(
        &clients.sqs,
        &queue_poller::queue_name(&["cfp-local-s3", &source.bucket]),
    )
    .await
    .map_err(setup_error)?;
    let mut configurations = Vec::new();
    for target in &source.targets {
        let mut rules = Vec::new();
        for (name, value) in [
            (FilterRuleName::Prefix, &target.prefix),
            (FilterRuleName::Suffix, &target.suffix),
        ] {
            if let Some(value) = value {
                rules.push(FilterRule::builder().name(name).value(value).build());
            }
        }
        let filter = (!rules.is_empty()).then(|| {
            NotificationConfigurationFilter::builder()
                .key(S3KeyFilter::builder().set_filter_rules(Some(rules)).build())
                .build()
        });
        configurations.push(
            QueueConfiguration::builder()
                .id(target.configuration_id())
                .queue_arn(&queue_arn)
                .set_events(Some(
                    target
                        .events
                        .iter()
                        .map(|e| Event::from(e.as_str()))
                        .collect(),
                ))
                .set_filter(filter)
                .build()
                .map_err(|e| setup_error(e.to_string()))?,
        );
    }
    clients
        .s3
        .put_bucket_notification_configuration()
        .bucket(&source.bucket)
        .notification_configuration(
            NotificationConfiguration::builder()
                .set_queue_configurations(Some(configurations))
                .build(),
        )
        .send()
        .await
        .map_err(|e| {
            setup_error(format!(
                "PutBucketNotificationConfiguration: {}",
                DisplayErrorContext(&e)
            ))
        })?;
    info!(
        bucket = source.bucket.as_str(),
        targets = source.targets.len(),
        "S3 notifications wired"
    );

    let functions: HashMap<String, String> = source
        .targets
        .iter()
        .map(|t| (t.configuration_id(), t.function.clone()))
        .collect();
    let bucket = source.bucket.clone();
    let sequencer = Sequencer::default();
    let handle = move |body: &str| deliver(&bucket, body, &functions, &sequencer, &invoker);
    Ok(queue_poller::poll(
        clients.sqs,
        queue_url,
        format!("s3:{}", source.bucket),
        handle,
    ))
}

/// Invokes the functions of one notification message, one event per record, as S3 does; one
/// receiver per event accepted, told when it is dealt with.
fn deliver(
    bucket: &str,
    body: &str,
    functions: &HashMap<String, String>,
    sequencer: &Sequencer,
    invoker: &Arc<AsyncInvoker>,
) -> Vec<oneshot::Receiver<()>> {
    let mut pending = Vec::new();
    let records = match parse_message(body) {
        Ok(S3Message::Test) => return pending,
        Ok(S3Message::Records(records)) => records,
        Err(e) => {
            error!(bucket, error = %e, "an S3 notification that cannot be read; dropped");
            return pending;
        }
    };
    for (index, record) in records.into_iter().enumerate() {
        let Some(function) = configuration_id(&record).and_then(|id| functions.get(id)) else {
            error!(bucket, configuration = ?configuration_id(&record), "an S3 notification for no known function; dropped");
            continue;
        };
        let record = match complete_record(record, index, sequencer) {
            Ok(record) => record,
            Err(e) => {
                error!(bucket, function = function.as_str(), error = %e, "an S3 record that cannot be read; dropped");
                continue;
            }
        };
        let key = record
            .pointer("/s3/object/key")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let payload = Bytes::from(json!({ "Records": [record] }).to_string());
        match invoker.enqueue_tracked(function, payload) {
            Ok((request_id, dealt_with)) => {
                info!(
                    bucket,
                    key,
                    function = function.as_str(),
                    request_id,
                    "S3 event accepted"
                );
                pending.push(dealt_with);
            }
            Err(e) => {
                error!(bucket, key, function = function.as_str(), error = %e, "S3 event not accepted")
            }
        }
    }
    pending
}
