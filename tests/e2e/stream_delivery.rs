//! The CfP table's stream as Lambda delivers it: event filters, partial batch failures, bounded
//! retries into the on-failure queue, and an email handler that stays exactly-once under redelivery.

use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use cfp_e2e::fixtures::proposal_body;
use cfp_e2e::{Stack, eventually};
use serde_json::Value;

const EMAIL_FUNCTION: &str = "SendCfpSubmittedEmailFunction";
/// template.yaml: MaximumRetryAttempts of the email function's stream event.
const MAXIMUM_RETRY_ATTEMPTS: usize = 3;

/// The stream records (as delivered) in the email function's invocation log whose keys contain `sk`.
async fn deliveries_of(stack: &Stack, sk: &str) -> Vec<Value> {
    stack
        .invocations(EMAIL_FUNCTION)
        .await
        .into_iter()
        .flat_map(|invocation| {
            invocation["payload"]["Records"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter(|record| record["dynamodb"]["Keys"]["sk"]["S"] == sk)
        .collect()
}

async fn submit(stack: &Stack, title: &str) -> (String, String, cfp_e2e::User) {
    let organiser = stack.admin().await;
    let slug = stack.open_event(&organiser).await;
    let speaker = stack.user(None).await;
    let created = stack
        .post(
            &format!("/events/{slug}/cfps"),
            speaker.caller(),
            &proposal_body(title),
        )
        .await;
    assert_eq!(created.status, 201, "{created:?}");
    (
        slug,
        created.json["id"].as_str().unwrap().to_owned(),
        speaker,
    )
}

#[tokio::test]
async fn a_redelivered_stream_record_sends_no_second_email() {
    let stack = &Stack::connect().await;
    let (_, id, speaker) = submit(stack, "Delivered twice").await;
    let sk = format!("CFP#{id}");

    eventually("the submission email", Duration::from_secs(30), || async {
        (stack.emails_to(&speaker.email).await.len() == 1).then_some(())
    })
    .await;
    // The invocation is logged when it ends, which can be just after the email went out.
    let record = eventually(
        "the delivered record in the invocation log",
        Duration::from_secs(10),
        || async { deliveries_of(stack, &sk).await.into_iter().next() },
    )
    .await;

    // Deliver the very same record again, twice, as at-least-once delivery may.
    let event = serde_json::json!({"Records": [record]});
    for _ in 0..2 {
        let (status, function_error, response) = stack.invoke(EMAIL_FUNCTION, &event).await;
        assert_eq!(status, 200);
        assert_eq!(function_error, None, "{response}");
        let failures = response["batchItemFailures"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(
            failures.is_empty(),
            "a duplicate is a success, not a failure: {response}"
        );
    }
    assert_eq!(stack.emails_to(&speaker.email).await.len(), 1);
}

#[tokio::test]
async fn records_the_filter_excludes_never_reach_the_handler() {
    let stack = &Stack::connect().await;
    let (slug, id, _) = submit(stack, "Filtered").await;
    let sk = format!("CFP#{id}");
    eventually("the INSERT delivered", Duration::from_secs(30), || async {
        (!deliveries_of(stack, &sk).await.is_empty()).then_some(())
    })
    .await;

    // A MODIFY of the proposal and an INSERT of another kind of item: both outside the filter.
    stack
        .dynamodb
        .update_item()
        .table_name(stack.cfp_table())
        .key("pk", AttributeValue::S(format!("EVENT#{slug}")))
        .key("sk", AttributeValue::S(sk.clone()))
        .update_expression("SET touchedByTest = :t")
        .expression_attribute_values(":t", AttributeValue::Bool(true))
        .send()
        .await
        .expect("modify the proposal");
    let other_sk = format!("NOTE#{}", uuid::Uuid::new_v4());
    stack
        .dynamodb
        .put_item()
        .table_name(stack.cfp_table())
        .item("pk", AttributeValue::S(format!("EVENT#{slug}")))
        .item("sk", AttributeValue::S(other_sk.clone()))
        .item("entity", AttributeValue::S("Note".into()))
        .send()
        .await
        .expect("insert a non-proposal item");

    // A proposal written after them: once it has been delivered, the poller has passed them.
    let (_, later_id, _) = submit(stack, "After the filtered ones").await;
    let later_sk = format!("CFP#{later_id}");
    eventually(
        "the later INSERT delivered",
        Duration::from_secs(30),
        || async { (!deliveries_of(stack, &later_sk).await.is_empty()).then_some(()) },
    )
    .await;

    let deliveries = deliveries_of(stack, &sk).await;
    assert!(
        deliveries.iter().all(|r| r["eventName"] == "INSERT"),
        "the MODIFY reached the handler: {deliveries:?}"
    );
    assert!(
        deliveries_of(stack, &other_sk).await.is_empty(),
        "the Note reached the handler"
    );
}

#[tokio::test]
async fn a_record_the_handler_keeps_failing_is_retried_then_lands_in_the_on_failure_queue() {
    let stack = &Stack::connect().await;
    let queue_url = stack
        .info
        .stream_failure_queue_url
        .clone()
        .expect("the stack has a stream failure queue");

    // A proposal item without the fields a proposal must have: the handler can't mail it and
    // reports it as failed.
    let slug = cfp_e2e::fixtures::unique_slug();
    let sk = format!("CFP#{}", uuid::Uuid::now_v7());
    stack
        .dynamodb
        .put_item()
        .table_name(stack.cfp_table())
        .item("pk", AttributeValue::S(format!("EVENT#{slug}")))
        .item("sk", AttributeValue::S(sk.clone()))
        .item("entity", AttributeValue::S("Proposal".into()))
        .send()
        .await
        .expect("insert a corrupt proposal");

    // The sequence number names the record in the on-failure record, which holds no content.
    let first = eventually(
        "the first delivery of the corrupt record",
        Duration::from_secs(30),
        || async { deliveries_of(stack, &sk).await.into_iter().next() },
    )
    .await;
    let sequence = first["dynamodb"]["SequenceNumber"]
        .as_str()
        .expect("a delivered stream record has a sequence number")
        .to_owned();
    let stream_arn = first["eventSourceARN"]
        .as_str()
        .expect("a delivered stream record names its stream")
        .to_owned();

    let message = on_failure_record_of(stack, &queue_url, &stream_arn, &sequence).await;

    let deliveries = deliveries_of(stack, &sk).await;
    assert_eq!(
        deliveries.len(),
        1 + MAXIMUM_RETRY_ATTEMPTS,
        "one delivery and {MAXIMUM_RETRY_ATTEMPTS} retries"
    );
    let info = &message["DDBStreamBatchInfo"];
    assert_eq!(
        message["requestContext"]["condition"], "RetryAttemptsExhausted",
        "{message}"
    );
    assert_eq!(info["startSequenceNumber"], sequence.as_str(), "{message}");
    assert_eq!(info["streamArn"], stream_arn.as_str(), "{message}");
    assert!(
        message["requestContext"]["functionArn"]
            .as_str()
            .is_some_and(|arn| arn.contains(EMAIL_FUNCTION)),
        "{message}"
    );
}

/// The on-failure record of the batch that began with the record `sequence` of `stream_arn`.
///
/// Every stream consumer of the stack reports to the same queue, and other tests run at the same
/// time: records of other batches are left alone (they reappear after their visibility timeout),
/// only this one is taken off the queue.
async fn on_failure_record_of(
    stack: &Stack,
    queue_url: &str,
    stream_arn: &str,
    sequence: &str,
) -> Value {
    eventually("the on-failure record", Duration::from_secs(60), || async {
        let received = stack
            .sqs
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .expect("receive from the on-failure queue");
        for message in received.messages.unwrap_or_default() {
            let Some(body) = message
                .body()
                .and_then(|b| serde_json::from_str::<Value>(b).ok())
            else {
                continue;
            };
            let info = &body["DDBStreamBatchInfo"];
            if info["streamArn"] != stream_arn || info["startSequenceNumber"] != sequence {
                continue;
            }
            if let Some(handle) = message.receipt_handle() {
                stack
                    .sqs
                    .delete_message()
                    .queue_url(queue_url)
                    .receipt_handle(handle)
                    .send()
                    .await
                    .expect("delete the on-failure record");
            }
            return Some(body);
        }
        None
    })
    .await
}
