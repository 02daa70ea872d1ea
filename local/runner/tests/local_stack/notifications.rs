//! S3 notifications and SNS messages reach functions as AWS delivers them: through moto's own
//! notification machinery, asynchronously, with the filters of the template, retries and the
//! on-failure destination and dead-letter queue of a failing function. Also the Invoke API's
//! `Event` invocation type.

use std::time::{Duration, Instant};

use crate::common::TestStack;
use aws_lambda_events::event::s3::S3Event;
use aws_lambda_events::event::sns::SnsEvent;
use aws_sdk_sns::types::MessageAttributeValue;
use aws_sdk_sqs::types::MessageSystemAttributeName;
use cfp_local::aws_clients::AwsClients;
use serde_json::Value;

const FUNCTION: &str = "ProbeNotificationsFunction";

/// The payloads the function was invoked with, with their outcomes, oldest first.
async fn invocations(test: &TestStack) -> Vec<(Value, String)> {
    test.recent_invocations(FUNCTION)
        .await
        .into_iter()
        .map(|r| {
            (
                r["payload"].clone(),
                r["outcome"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// Waits until some invocation's payload satisfies `wanted`; returns every invocation so far.
async fn wait_for(
    test: &TestStack,
    what: &str,
    wanted: impl Fn(&Value) -> bool,
) -> Vec<(Value, String)> {
    let started = Instant::now();
    loop {
        let seen = invocations(test).await;
        if seen.iter().any(|(payload, _)| wanted(payload)) {
            return seen;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{what} within 20 s; invocations: {seen:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn s3_key(payload: &Value) -> Option<&str> {
    payload
        .pointer("/Records/0/s3/object/key")
        .and_then(Value::as_str)
}

fn sns_message(payload: &Value) -> Option<&str> {
    payload
        .pointer("/Records/0/Sns/Message")
        .and_then(Value::as_str)
}

async fn clients(test: &TestStack) -> AwsClients {
    AwsClients::new(&test.stack.info.aws_endpoint, &test.stack.info.region).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_under_the_prefix_reach_the_function_as_s3_events() {
    let test = TestStack::start().await;
    let clients = clients(&test).await;
    let bucket = test
        .stack
        .resources
        .reference("ProbeBucket")
        .expect("the bucket")
        .to_owned();
    assert_eq!(test.stack.s3_sources.len(), 1);

    for key in [
        "elsewhere/outside.jpg",
        "uploads/my photos/a b+c.jpg",
        "uploads/sentinel.txt",
    ] {
        clients
            .s3
            .put_object()
            .bucket(&bucket)
            .key(key)
            .body(b"pic".to_vec().into())
            .send()
            .await
            .expect("the upload succeeds");
    }

    let seen = wait_for(&test, "the sentinel upload", |p| {
        s3_key(p) == Some("uploads/sentinel.txt")
    })
    .await;
    let (payload, outcome) = seen
        .iter()
        .find(|(p, _)| s3_key(p) == Some("uploads/my+photos/a+b%2Bc.jpg"))
        .unwrap_or_else(|| {
            panic!("the upload with spaces and / arrived, encoded as AWS does: {seen:#?}")
        });
    assert_eq!(outcome, "Success");
    let event: S3Event = serde_json::from_value(payload.clone()).expect("a decodable S3Event");
    assert_eq!(event.records.len(), 1);
    let record = &event.records[0];
    assert_eq!(record.event_source.as_deref(), Some("aws:s3"));
    assert_eq!(record.event_name.as_deref(), Some("ObjectCreated:Put"));
    assert_eq!(
        record.aws_region.as_deref(),
        Some(test.stack.info.region.as_str())
    );
    assert_eq!(record.s3.bucket.name.as_deref(), Some(bucket.as_str()));
    assert_eq!(
        record.s3.configuration_id.as_deref(),
        Some("ProbeNotificationsFunction-Upload")
    );
    assert_eq!(record.s3.object.size, Some(3));
    assert!(record.s3.object.sequencer.is_some());
    assert!(
        seen.iter()
            .all(|(p, _)| s3_key(p) != Some("elsewhere/outside.jpg")),
        "a key outside the prefix never reaches the function: {seen:#?}"
    );
    // The first message on the notification queue is S3's test event; it is no invocation.
    assert!(
        seen.iter().all(|(p, _)| p.get("Event").is_none()),
        "{seen:#?}"
    );
    test.stop().await;
}

async fn publish(clients: &AwsClients, topic: &str, message: &str, kind: &str) {
    clients
        .sns
        .publish()
        .topic_arn(topic)
        .message(message)
        .message_attributes(
            "kind",
            MessageAttributeValue::builder()
                .data_type("String")
                .string_value(kind)
                .build()
                .expect("an attribute"),
        )
        .send()
        .await
        .expect("published");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sns_messages_matching_the_filter_policy_reach_the_function() {
    let test = TestStack::start().await;
    let clients = clients(&test).await;
    let topic = test
        .stack
        .resources
        .reference("ProbeTopic")
        .expect("the topic")
        .to_owned();
    let (subscription, subscription_arn) = test
        .stack
        .sns_subscriptions
        .first()
        .expect("the function subscribes to the topic");
    assert_eq!(subscription.function, FUNCTION);

    publish(&clients, &topic, "not for the function", "other").await;
    publish(&clients, &topic, "a notice", "notice").await;
    publish(&clients, &topic, "an urgent one", "urgent-fire").await;

    let seen = wait_for(&test, "the prefix-matched message", |p| {
        sns_message(p) == Some("an urgent one")
    })
    .await;
    let (payload, outcome) = seen
        .iter()
        .find(|(p, _)| sns_message(p) == Some("a notice"))
        .unwrap_or_else(|| panic!("the notice arrived: {seen:#?}"));
    assert_eq!(outcome, "Success");
    let event: SnsEvent = serde_json::from_value(payload.clone()).expect("a decodable SnsEvent");
    let record = &event.records[0];
    assert_eq!(record.event_source, "aws:sns");
    assert_eq!(record.event_version, "1.0");
    assert_eq!(&record.event_subscription_arn, subscription_arn);
    assert_eq!(record.sns.topic_arn, topic);
    assert_eq!(record.sns.sns_message_type, "Notification");
    assert_eq!(record.sns.message_attributes["kind"].value, "notice");
    assert!(
        seen.iter()
            .all(|(p, _)| sns_message(p) != Some("not for the function")),
        "a message the filter policy rejects never reaches the function: {seen:#?}"
    );
    // The template's own SQS subscription of the topic still gets every message.
    test.stop().await;
}

/// Receives one message from `queue_url`, waiting up to 20 s.
async fn receive_one(clients: &AwsClients, queue_url: &str) -> aws_sdk_sqs::types::Message {
    let started = Instant::now();
    loop {
        let received = clients
            .sqs
            .receive_message()
            .queue_url(queue_url)
            .message_attribute_names("All")
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .wait_time_seconds(1)
            .send()
            .await
            .expect("ReceiveMessage");
        if let Some(message) = received.messages.unwrap_or_default().into_iter().next() {
            return message;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "a message on {queue_url} within 20 s"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_event_is_retried_then_sent_to_the_destination_and_dead_letter_queue() {
    let test = TestStack::start().await;
    let clients = clients(&test).await;
    let topic = test
        .stack
        .resources
        .reference("ProbeTopic")
        .expect("the topic")
        .to_owned();
    publish(&clients, &topic, "probe-must-fail please", "notice").await;

    let failure_queue = test
        .stack
        .resources
        .reference("ProbeFailureQueue")
        .expect("the queue");
    let message = receive_one(&clients, failure_queue).await;
    let record: Value =
        serde_json::from_str(message.body().unwrap_or_default()).expect("a JSON record");
    assert_eq!(record["version"], "1.0");
    assert_eq!(record["requestContext"]["condition"], "RetriesExhausted");
    // MaximumRetryAttempts: 1, so one attempt and one retry.
    assert_eq!(record["requestContext"]["approximateInvokeCount"], 2);
    assert!(
        record["requestContext"]["functionArn"]
            .as_str()
            .is_some_and(|arn| arn.starts_with("arn:aws:lambda:") && arn.ends_with(":$LATEST")),
        "{record}"
    );
    assert_eq!(record["responseContext"]["functionError"], "Unhandled");
    assert_eq!(
        record["responsePayload"]["errorMessage"],
        "the probe was asked to fail"
    );
    assert_eq!(
        sns_message(&record["requestPayload"]),
        Some("probe-must-fail please")
    );

    let dead_letters = test
        .stack
        .resources
        .reference("ProbeDeadLetters")
        .expect("the DLQ");
    let dead = receive_one(&clients, dead_letters).await;
    let body: Value = serde_json::from_str(dead.body().unwrap_or_default()).expect("the event");
    assert_eq!(sns_message(&body), Some("probe-must-fail please"));
    let attributes = dead.message_attributes().expect("attributes");
    assert_eq!(
        attributes["ErrorMessage"].string_value(),
        Some("the probe was asked to fail")
    );
    assert!(attributes["RequestID"].string_value().is_some());

    let failed: Vec<_> = invocations(&test)
        .await
        .into_iter()
        .filter(|(p, _)| sns_message(p) == Some("probe-must-fail please"))
        .collect();
    assert_eq!(failed.len(), 2, "{failed:#?}");
    assert!(failed.iter().all(|(_, outcome)| outcome == "FunctionError"));
    test.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_event_invocation_type_answers_202_and_invokes_in_the_background() {
    let test = TestStack::start().await;
    let response = test
        .http
        .post(format!(
            "{}/2015-03-31/functions/{FUNCTION}/invocations",
            test.lambda_endpoint()
        ))
        .header("X-Amz-Invocation-Type", "Event")
        .body(r#"{"via":"event"}"#)
        .send()
        .await
        .expect("the Lambda API answers");
    assert_eq!(response.status(), 202);
    assert!(response.headers().contains_key("x-amzn-requestid"));
    wait_for(&test, "the event", |p| p["via"] == "event").await;

    let missing = test
        .http
        .post(format!(
            "{}/2015-03-31/functions/Nope/invocations",
            test.lambda_endpoint()
        ))
        .header("X-Amz-Invocation-Type", "Event")
        .body("{}")
        .send()
        .await
        .expect("the Lambda API answers");
    assert_eq!(missing.status(), 404);
    test.stop().await;
}
