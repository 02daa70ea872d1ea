//! What the stream tests share: a moto server of their own, SDK clients for it, and a scripted stand-in
//! for the function (the boundary of this crate is the `Invoke` trait, so that is what is replaced).

#![allow(dead_code)] // Not every test file uses every helper.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType, StreamSpecification, StreamViewType,
};
use aws_sdk_sqs::types::QueueAttributeName;
use bytes::Bytes;
use cfp_local_event_sources::{
    DynamoDbStreamSubscription, OnFailureDestination, PollerTiming, StartingPosition, StreamClients,
};
use cfp_local_invoke::{Invoke, InvokeError};
use cfp_local_moto::MotoServer;
use serde_json::Value;
use tokio::task::JoinHandle;

pub use cfp_local_moto::{REGION, sdk_config};
pub const FUNCTION: &str = "StreamHandlerFunction";

/// The moto server, the clients the tests and the poller use, and the table under test.
pub struct Stack {
    pub moto: MotoServer,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub clients: StreamClients,
    pub table: String,
    pub stream_arn: String,
}

impl Stack {
    /// A table keyed by `pk` with a NEW_AND_OLD_IMAGES stream.
    pub async fn start() -> Self {
        let moto = MotoServer::for_tests().await;
        let config = moto.sdk_config().await;
        let dynamodb = aws_sdk_dynamodb::Client::new(&config);
        let sqs = aws_sdk_sqs::Client::new(&config);
        let clients = StreamClients {
            streams: aws_sdk_dynamodbstreams::Client::new(&config),
            sqs: sqs.clone(),
        };
        let table = "cfp".to_owned();
        let created = dynamodb
            .create_table()
            .table_name(&table)
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name("pk")
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .expect("attribute definition"),
            )
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name("pk")
                    .key_type(KeyType::Hash)
                    .build()
                    .expect("key schema"),
            )
            .billing_mode(BillingMode::PayPerRequest)
            .stream_specification(
                StreamSpecification::builder()
                    .stream_enabled(true)
                    .stream_view_type(StreamViewType::NewAndOldImages)
                    .build()
                    .expect("stream specification"),
            )
            .send()
            .await
            .expect("create the table");
        let stream_arn = created
            .table_description()
            .and_then(|t| t.latest_stream_arn())
            .expect("the table's stream ARN")
            .to_owned();
        Self {
            moto,
            dynamodb,
            sqs,
            clients,
            table,
            stream_arn,
        }
    }

    pub async fn put(&self, pk: &str, entity: &str, n: u32) {
        self.dynamodb
            .put_item()
            .table_name(&self.table)
            .item("pk", AttributeValue::S(pk.into()))
            .item("entity", AttributeValue::S(entity.into()))
            .item("n", AttributeValue::N(n.to_string()))
            .send()
            .await
            .expect("put an item");
    }

    pub async fn delete(&self, pk: &str) {
        self.dynamodb
            .delete_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(pk.into()))
            .send()
            .await
            .expect("delete an item");
    }

    /// A new queue as an on-failure destination.
    pub async fn queue(&self, name: &str) -> OnFailureDestination {
        let queue_url = self
            .sqs
            .create_queue()
            .queue_name(name)
            .send()
            .await
            .expect("create a queue")
            .queue_url
            .expect("the queue's URL");
        let queue_arn = self
            .sqs
            .get_queue_attributes()
            .queue_url(&queue_url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .expect("the queue's attributes")
            .attributes
            .and_then(|mut a| a.remove(&QueueAttributeName::QueueArn))
            .expect("the queue's ARN");
        OnFailureDestination::Sqs {
            queue_url,
            queue_arn,
        }
    }

    /// The messages of `queue`, waiting until there are `count` of them.
    pub async fn messages(&self, queue: &OnFailureDestination, count: usize) -> Vec<Value> {
        let OnFailureDestination::Sqs { queue_url, .. } = queue;
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut messages = Vec::new();
        while messages.len() < count {
            assert!(
                Instant::now() < deadline,
                "only {} of {count} messages arrived: {messages:?}",
                messages.len()
            );
            let received = self
                .sqs
                .receive_message()
                .queue_url(queue_url)
                .max_number_of_messages(10)
                .wait_time_seconds(1)
                .send()
                .await
                .expect("receive messages");
            for message in received.messages() {
                let body = message.body().expect("a message body");
                messages.push(serde_json::from_str(body).expect("a JSON message"));
            }
        }
        messages
    }

    /// A subscription of [`FUNCTION`] to the table's stream: TRIM_HORIZON, batches of 10, no batching
    /// window, retries until the record expires, no filter, no destination.
    pub fn subscription(&self) -> DynamoDbStreamSubscription {
        DynamoDbStreamSubscription {
            function: FUNCTION.to_owned(),
            stream_arn: self.stream_arn.clone(),
            starting_position: StartingPosition::TrimHorizon,
            batch_size: 10,
            maximum_batching_window: Duration::ZERO,
            maximum_retry_attempts: None,
            maximum_record_age: None,
            bisect_batch_on_function_error: false,
            report_batch_item_failures: false,
            filters: Vec::new(),
            on_failure: None,
            region: REGION.to_owned(),
        }
    }

    /// Runs the poller on a task that is aborted when the returned guard drops.
    pub fn run(
        &self,
        subscription: DynamoDbStreamSubscription,
        function: &Arc<ScriptedFunction>,
    ) -> Poller {
        Poller(tokio::spawn(
            cfp_local_event_sources::run_dynamodb_stream_with_timing(
                subscription,
                self.clients.clone(),
                Arc::clone(function) as Arc<dyn Invoke>,
                quick_timing(),
            ),
        ))
    }
}

/// Short pauses, so that retries take milliseconds.
pub fn quick_timing() -> PollerTiming {
    PollerTiming {
        poll_interval: Duration::from_millis(50),
        retry_backoff_initial: Duration::from_millis(20),
        retry_backoff_max: Duration::from_millis(200),
        shard_discovery_interval: Duration::from_secs(1),
    }
}

/// The poller's task; aborted on drop, as the runner does on shutdown.
pub struct Poller(pub JoinHandle<Result<(), cfp_local_event_sources::Error>>);

impl Drop for Poller {
    fn drop(&mut self) {
        self.0.abort();
    }
}

type Script = dyn Fn(usize, &[Value]) -> Result<Bytes, InvokeError> + Send + Sync;

/// A stand-in for the function: records every batch it receives and answers as its script says.
/// The script gets the call's number (from 0) and the batch's records.
pub struct ScriptedFunction {
    calls: Mutex<Vec<Vec<Value>>>,
    script: Box<Script>,
}

impl ScriptedFunction {
    pub fn new(
        script: impl Fn(usize, &[Value]) -> Result<Bytes, InvokeError> + Send + Sync + 'static,
    ) -> Arc<Self> {
        Arc::new(Self {
            calls: Mutex::new(Vec::new()),
            script: Box::new(script),
        })
    }

    /// A function that always succeeds.
    pub fn succeeding() -> Arc<Self> {
        Self::new(|_, _| Ok(Bytes::new()))
    }

    /// Every batch received so far, each as its list of records.
    pub fn calls(&self) -> Vec<Vec<Value>> {
        self.calls.lock().expect("calls lock").clone()
    }

    /// Waits until `done` holds for the batches received, and returns them.
    pub async fn wait_until(
        &self,
        what: &str,
        done: impl Fn(&[Vec<Value>]) -> bool,
    ) -> Vec<Vec<Value>> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let calls = self.calls();
            if done(&calls) {
                return calls;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; received {:#?}",
                calls.iter().map(|c| keys(c)).collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Waits until some batch holds the record of `pk` and returns all batches.
    pub async fn wait_for_key(&self, pk: &str) -> Vec<Vec<Value>> {
        self.wait_until(&format!("a batch with {pk}"), |calls| {
            calls
                .iter()
                .any(|batch| keys(batch).contains(&pk.to_owned()))
        })
        .await
    }
}

#[async_trait]
impl Invoke for ScriptedFunction {
    async fn invoke(&self, function: &str, payload: Bytes) -> Result<Bytes, InvokeError> {
        assert_eq!(function, FUNCTION, "the poller invoked another function");
        let event: Value = serde_json::from_slice(&payload).expect("the payload is JSON");
        let records = event["Records"]
            .as_array()
            .expect("a Records array")
            .clone();
        let number = {
            let mut calls = self.calls.lock().expect("calls lock");
            calls.push(records.clone());
            calls.len() - 1
        };
        (self.script)(number, &records)
    }
}

/// The `pk` of each record of a batch.
pub fn keys(batch: &[Value]) -> Vec<String> {
    batch.iter().map(key).collect()
}

pub fn key(record: &Value) -> String {
    record["dynamodb"]["Keys"]["pk"]["S"]
        .as_str()
        .expect("a record with a string pk")
        .to_owned()
}

pub fn sequence_number(record: &Value) -> String {
    record["dynamodb"]["SequenceNumber"]
        .as_str()
        .expect("a record with a sequence number")
        .to_owned()
}

/// A function error as the runtime reports it.
pub fn function_error() -> InvokeError {
    InvokeError::FunctionError {
        error_type: "Handled".into(),
        payload: Bytes::from_static(br#"{"errorType":"Handled","errorMessage":"boom"}"#),
    }
}
