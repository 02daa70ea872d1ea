//! Lambda's asynchronous invocation (the `Event` invocation type, as S3 and SNS use it): the event
//! is accepted at once, then invoked in the background; a function error is retried up to
//! `MaximumRetryAttempts` times (0 to 2, default 2) with growing pauses, throttling is retried
//! without counting until the event is older than `MaximumEventAgeInSeconds`, and an event given up
//! on goes to the function's on-failure destination and dead-letter queue, or is logged as dropped.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_sqs::error::DisplayErrorContext;
use aws_sdk_sqs::types::MessageAttributeValue;
use bytes::Bytes;
use cfp_local_invoke::{Invoke, InvokeError};
use chrono::{SecondsFormat, Utc};
use serde::Serialize;
use serde_json::Value;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use crate::config::{Delivery, OnFailureDestination};

/// Lambda's default and largest `MaximumRetryAttempts` for asynchronous invocation.
pub const MAX_ASYNC_RETRY_ATTEMPTS: u32 = 2;
/// Lambda's default and largest `MaximumEventAgeInSeconds` (six hours).
pub const MAX_EVENT_AGE: Duration = Duration::from_secs(6 * 60 * 60);
/// The largest `ErrorMessage` attribute put on a dead-letter message.
const DLQ_ERROR_MESSAGE_LIMIT: usize = 1024;

/// What a function's `EventInvokeConfig` and `DeadLetterQueue` say about its asynchronous events.
#[derive(Debug, Clone)]
pub struct AsyncInvokeConfig {
    /// Logical id of the function in template.yaml.
    pub function: String,
    /// `arn:aws:lambda:<region>:<account>:function:<name>`.
    pub function_arn: String,
    /// Retries after the first attempt fails, 0 to 2.
    pub maximum_retry_attempts: u32,
    pub maximum_event_age: Duration,
    /// `EventInvokeConfig.DestinationConfig.OnFailure`.
    pub on_failure: Option<OnFailureDestination>,
    /// `DeadLetterQueue` (SQS).
    pub dead_letter_queue: Option<OnFailureDestination>,
}

impl AsyncInvokeConfig {
    /// Lambda's defaults: two retries, six hours, nowhere to send a failed event.
    pub fn with_defaults(function: &str, function_arn: &str) -> Self {
        Self {
            function: function.to_owned(),
            function_arn: function_arn.to_owned(),
            maximum_retry_attempts: MAX_ASYNC_RETRY_ATTEMPTS,
            maximum_event_age: MAX_EVENT_AGE,
            on_failure: None,
            dead_letter_queue: None,
        }
    }
}

/// Pauses between attempts. Lambda waits about a minute before the first retry and two before the
/// second; the local stack shortens that.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AsyncTiming {
    /// The pause before the first retry; each further retry waits twice as long as the one before.
    pub first_retry_delay: Duration,
    /// The pause before trying a throttled event again.
    pub throttle_delay: Duration,
}

impl Default for AsyncTiming {
    fn default() -> Self {
        Self {
            first_retry_delay: Duration::from_secs(1),
            throttle_delay: Duration::from_millis(500),
        }
    }
}

/// Why an asynchronous invocation could not be accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnqueueError {
    #[error("function not found: {0}")]
    FunctionNotFound(String),
    #[error("the local Lambda service is shutting down")]
    ShuttingDown,
}

/// Why Lambda gave up on an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum AsyncFailureCondition {
    RetriesExhausted,
    EventAgeExceeded,
}

/// The asynchronous side of the local Lambda service: one per stack, shared by the event sources
/// and the Invoke API's `Event` invocation type.
pub struct AsyncInvoker {
    invoker: Arc<dyn Invoke>,
    sqs: aws_sdk_sqs::Client,
    configs: HashMap<String, AsyncInvokeConfig>,
    timing: AsyncTiming,
    delivery: Delivery,
    stop: CancellationToken,
}

impl AsyncInvoker {
    pub fn new(
        invoker: Arc<dyn Invoke>,
        sqs: aws_sdk_sqs::Client,
        configs: Vec<AsyncInvokeConfig>,
        timing: AsyncTiming,
    ) -> Self {
        Self {
            invoker,
            sqs,
            configs: configs
                .into_iter()
                .map(|c| (c.function.clone(), c))
                .collect(),
            timing,
            delivery: Delivery::Once,
            stop: CancellationToken::new(),
        }
    }

    /// Delivers every event `delivery.count()` times, each delivery after the previous one is over.
    pub fn with_delivery(mut self, delivery: Delivery) -> Self {
        self.delivery = delivery;
        self
    }

    /// Accepts `payload` for `function` (a logical id) and delivers it in the background; returns
    /// the request id of the event.
    pub fn enqueue(
        self: &Arc<Self>,
        function: &str,
        payload: Bytes,
    ) -> Result<String, EnqueueError> {
        self.enqueue_tracked(function, payload)
            .map(|(request_id, _)| request_id)
    }

    /// [`AsyncInvoker::enqueue`], with a receiver told once the event is dealt with (delivered,
    /// or given up on and reported). It is dropped unanswered if the stack stops first: then the
    /// event was not dealt with, and whoever handed it over should keep it for the next run.
    pub fn enqueue_tracked(
        self: &Arc<Self>,
        function: &str,
        payload: Bytes,
    ) -> Result<(String, tokio::sync::oneshot::Receiver<()>), EnqueueError> {
        if self.stop.is_cancelled() {
            return Err(EnqueueError::ShuttingDown);
        }
        let config = self
            .configs
            .get(function)
            .cloned()
            .ok_or_else(|| EnqueueError::FunctionNotFound(function.to_owned()))?;
        let request_id = uuid::Uuid::new_v4().to_string();
        let this = Arc::clone(self);
        let id = request_id.clone();
        let stop = self.stop.clone();
        let deliveries = self.delivery.count();
        let (done, dealt_with) = tokio::sync::oneshot::channel();
        tokio::spawn(async move {
            tokio::select! {
                () = stop.cancelled() => {}
                () = async {
                    this.deliver(&config, &id, payload.clone()).await;
                    // Another delivery of the same event, as Lambda's event queue may make.
                    for _ in 1..deliveries {
                        let again = uuid::Uuid::new_v4().to_string();
                        info!(function = config.function.as_str(), request_id = id.as_str(), redelivery = again.as_str(), "asynchronous event delivered again (duplicate deliveries)");
                        this.deliver(&config, &again, payload.clone()).await;
                    }
                    // Nobody waiting is fine.
                    let _ = done.send(());
                } => {}
            }
        });
        Ok((request_id, dealt_with))
    }

    /// Stops every delivery in flight and refuses new events.
    pub fn shutdown(&self) {
        self.stop.cancel();
    }

    /// Invokes until the event succeeds or is given up on.
    async fn deliver(&self, config: &AsyncInvokeConfig, request_id: &str, payload: Bytes) {
        let accepted = Instant::now();
        let mut invokes: u32 = 0;
        let mut retries: u32 = 0;
        let mut retry_delay = self.timing.first_retry_delay;
        loop {
            invokes += 1;
            let error = match self.invoker.invoke(&config.function, payload.clone()).await {
                Ok(_) => {
                    info!(
                        function = config.function.as_str(),
                        request_id,
                        invokes,
                        outcome = "succeeded",
                        "asynchronous event delivered"
                    );
                    return;
                }
                Err(error) => error,
            };
            if let InvokeError::FunctionNotFound(_) = error {
                error!(
                    function = config.function.as_str(),
                    request_id, "asynchronous event dropped: the function does not exist"
                );
                return;
            }
            let pause = if error.is_function_failure() {
                if retries >= config.maximum_retry_attempts {
                    self.give_up(
                        config,
                        request_id,
                        &payload,
                        invokes,
                        &error,
                        AsyncFailureCondition::RetriesExhausted,
                    )
                    .await;
                    return;
                }
                retries += 1;
                let pause = retry_delay;
                retry_delay = retry_delay.saturating_mul(2);
                pause
            } else {
                self.timing.throttle_delay
            };
            warn!(
                function = config.function.as_str(),
                request_id,
                invokes,
                error = %error,
                retry_in_ms = u64::try_from(pause.as_millis()).unwrap_or(u64::MAX),
                "asynchronous invocation failed; retrying"
            );
            tokio::time::sleep(pause).await;
            if accepted.elapsed() > config.maximum_event_age {
                self.give_up(
                    config,
                    request_id,
                    &payload,
                    invokes,
                    &error,
                    AsyncFailureCondition::EventAgeExceeded,
                )
                .await;
                return;
            }
        }
    }

    async fn give_up(
        &self,
        config: &AsyncInvokeConfig,
        request_id: &str,
        payload: &Bytes,
        invokes: u32,
        last_error: &InvokeError,
        condition: AsyncFailureCondition,
    ) {
        if config.on_failure.is_none() && config.dead_letter_queue.is_none() {
            error!(
                function = config.function.as_str(),
                request_id,
                invokes,
                condition = ?condition,
                error = %last_error,
                outcome = "dropped",
                "asynchronous event dropped: retries spent or event too old, and no on-failure destination or dead-letter queue"
            );
            return;
        }
        let error_document = last_error.error_document(request_id);
        if let Some(destination) = &config.on_failure {
            let record = AsyncFailureRecord::new(
                config,
                request_id,
                payload,
                invokes,
                last_error,
                error_document.as_ref(),
                condition,
            );
            match serde_json::to_string(&record) {
                Ok(body) => {
                    self.send(config, request_id, destination, body, None).await;
                }
                Err(e) => {
                    error!(function = config.function.as_str(), request_id, error = %e, "cannot encode the on-failure record; not sent");
                }
            }
        }
        if let Some(queue) = &config.dead_letter_queue {
            let message = error_document
                .as_ref()
                .and_then(|doc| serde_json::from_slice::<Value>(doc).ok())
                .and_then(|doc| {
                    doc.get("errorMessage")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                })
                .unwrap_or_else(|| last_error.to_string());
            let attributes = dead_letter_attributes(request_id, &message);
            let body = String::from_utf8_lossy(payload).into_owned();
            self.send(config, request_id, queue, body, Some(attributes))
                .await;
        }
    }

    /// Sends one message to a failure queue, retrying until the queue takes it or the stack stops.
    async fn send(
        &self,
        config: &AsyncInvokeConfig,
        request_id: &str,
        destination: &OnFailureDestination,
        body: String,
        attributes: Option<HashMap<String, MessageAttributeValue>>,
    ) {
        let OnFailureDestination::Sqs {
            queue_url,
            queue_arn,
        } = destination;
        let mut pause = self.timing.throttle_delay;
        loop {
            match self
                .sqs
                .send_message()
                .queue_url(queue_url)
                .message_body(&body)
                .set_message_attributes(attributes.clone())
                .send()
                .await
            {
                Ok(_) => {
                    warn!(
                        function = config.function.as_str(),
                        request_id,
                        destination = queue_arn.as_str(),
                        outcome = "sent to failure destination",
                        "asynchronous event given up"
                    );
                    return;
                }
                Err(e) => {
                    error!(
                        function = config.function.as_str(),
                        request_id,
                        destination = queue_arn.as_str(),
                        error = %DisplayErrorContext(&e),
                        "cannot send the failed event to its destination; retrying"
                    );
                    tokio::time::sleep(pause).await;
                    pause = pause.saturating_mul(2).min(Duration::from_secs(30));
                }
            }
        }
    }
}

/// The attributes Lambda puts on a dead-letter message.
fn dead_letter_attributes(
    request_id: &str,
    message: &str,
) -> HashMap<String, MessageAttributeValue> {
    let text = |data_type: &str, value: &str| {
        MessageAttributeValue::builder()
            .data_type(data_type)
            .string_value(value)
            .build()
    };
    let message: String = message.chars().take(DLQ_ERROR_MESSAGE_LIMIT).collect();
    [
        ("RequestID", text("String", request_id)),
        ("ErrorCode", text("Number", "200")),
        ("ErrorMessage", text("String", &message)),
    ]
    .into_iter()
    .filter_map(|(name, value)| Some((name.to_owned(), value.ok()?)))
    .collect()
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AsyncRequestContext {
    pub request_id: String,
    pub function_arn: String,
    pub condition: AsyncFailureCondition,
    pub approximate_invoke_count: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AsyncResponseContext {
    pub status_code: u16,
    pub executed_version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function_error: Option<&'static str>,
}

/// The invocation record Lambda sends to an asynchronous on-failure destination.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AsyncFailureRecord {
    pub version: &'static str,
    pub timestamp: String,
    pub request_context: AsyncRequestContext,
    /// The event, as JSON (or as a string when it was not JSON).
    pub request_payload: Value,
    pub response_context: AsyncResponseContext,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_payload: Option<Value>,
}

impl AsyncFailureRecord {
    pub fn new(
        config: &AsyncInvokeConfig,
        request_id: &str,
        payload: &[u8],
        invokes: u32,
        last_error: &InvokeError,
        error_document: Option<&Bytes>,
        condition: AsyncFailureCondition,
    ) -> Self {
        let status_code = match last_error {
            InvokeError::Throttled => 429,
            InvokeError::FunctionNotFound(_) => 404,
            _ => 200,
        };
        Self {
            version: "1.0",
            timestamp: Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
            request_context: AsyncRequestContext {
                request_id: request_id.to_owned(),
                function_arn: format!("{}:$LATEST", config.function_arn),
                condition,
                approximate_invoke_count: invokes,
            },
            request_payload: json_or_text(payload),
            response_context: AsyncResponseContext {
                status_code,
                executed_version: "$LATEST",
                function_error: last_error.is_function_failure().then_some("Unhandled"),
            },
            response_payload: error_document.map(|doc| json_or_text(doc)),
        }
    }
}

fn json_or_text(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_failure_record_has_lambdas_shape() {
        let config = AsyncInvokeConfig::with_defaults(
            "Pictures",
            "arn:aws:lambda:eu-central-1:123456789012:function:pictures",
        );
        let error = InvokeError::FunctionError {
            error_type: "Boom".into(),
            payload: Bytes::from_static(br#"{"errorType":"Boom","errorMessage":"no"}"#),
        };
        let record = AsyncFailureRecord::new(
            &config,
            "req-1",
            br#"{"Records":[]}"#,
            3,
            &error,
            error.error_document("req-1").as_ref(),
            AsyncFailureCondition::RetriesExhausted,
        );
        let mut value = serde_json::to_value(&record).expect("serializes");
        assert!(
            value["timestamp"]
                .as_str()
                .is_some_and(|t| t.ends_with('Z'))
        );
        value["timestamp"] = json!("t");
        assert_eq!(
            value,
            json!({
                "version": "1.0",
                "timestamp": "t",
                "requestContext": {
                    "requestId": "req-1",
                    "functionArn": "arn:aws:lambda:eu-central-1:123456789012:function:pictures:$LATEST",
                    "condition": "RetriesExhausted",
                    "approximateInvokeCount": 3
                },
                "requestPayload": {"Records": []},
                "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
                "responsePayload": {"errorType": "Boom", "errorMessage": "no"}
            })
        );
        let throttled = AsyncFailureRecord::new(
            &config,
            "req-2",
            b"not json",
            9,
            &InvokeError::Throttled,
            None,
            AsyncFailureCondition::EventAgeExceeded,
        );
        let value = serde_json::to_value(&throttled).expect("serializes");
        assert_eq!(value["requestPayload"], "not json");
        assert_eq!(
            value["responseContext"],
            json!({"statusCode": 429, "executedVersion": "$LATEST"})
        );
        assert!(value.get("responsePayload").is_none());
    }

    #[test]
    fn dead_letter_attributes_are_lambdas() {
        let long = "x".repeat(5000);
        let attributes = dead_letter_attributes("req-1", &long);
        assert_eq!(attributes["RequestID"].string_value(), Some("req-1"));
        assert_eq!(attributes["ErrorCode"].data_type(), "Number");
        assert_eq!(
            attributes["ErrorMessage"].string_value().map(str::len),
            Some(DLQ_ERROR_MESSAGE_LIMIT)
        );
    }
}
