//! The DynamoDB stream event source against moto: the table's writes reach a scripted function as
//! Lambda's DynamoDB events, filtered, batched and retried as Lambda does.

mod support;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use cfp_local_event_sources::{
    Error, OnFailureDestination, StartingPosition, run_dynamodb_stream_with_timing,
};
use cfp_local_invoke::{Invoke, InvokeError};
use serde_json::{Value, json};
use support::{
    FUNCTION, REGION, ScriptedFunction, Stack, function_error, key, keys, quick_timing,
    sequence_number,
};

#[tokio::test]
async fn inserts_modifies_and_removes_arrive_in_order_with_their_images() {
    let stack = Stack::start().await;
    stack.put("p1", "Proposal", 1).await;
    let function = ScriptedFunction::succeeding();
    let _poller = stack.run(stack.subscription(), &function);
    stack.put("p1", "Proposal", 2).await;
    stack.delete("p1").await;
    stack.put("p2", "Proposal", 1).await;

    let calls = function.wait_for_key("p2").await;
    let records: Vec<Value> = calls.concat();
    let summary: Vec<(&str, String)> = records
        .iter()
        .map(|r| (r["eventName"].as_str().unwrap_or_default(), key(r)))
        .collect();
    assert_eq!(
        summary,
        [
            ("INSERT", "p1".to_owned()),
            ("MODIFY", "p1".to_owned()),
            ("REMOVE", "p1".to_owned()),
            ("INSERT", "p2".to_owned()),
        ]
    );
    let sequence_numbers: Vec<u128> = records
        .iter()
        .map(|r| {
            sequence_number(r)
                .parse()
                .expect("a numeric sequence number")
        })
        .collect();
    assert!(
        sequence_numbers.windows(2).all(|w| w[0] < w[1]),
        "{sequence_numbers:?}"
    );

    let (insert, modify, remove) = (&records[0], &records[1], &records[2]);
    assert_eq!(insert["dynamodb"]["NewImage"]["n"], json!({"N": "1"}));
    assert!(insert["dynamodb"].get("OldImage").is_none());
    assert_eq!(modify["dynamodb"]["OldImage"]["n"], json!({"N": "1"}));
    assert_eq!(modify["dynamodb"]["NewImage"]["n"], json!({"N": "2"}));
    assert_eq!(
        remove["dynamodb"]["OldImage"]["entity"],
        json!({"S": "Proposal"})
    );
    assert!(remove["dynamodb"].get("NewImage").is_none());
    for record in &records {
        assert_eq!(record["eventVersion"], "1.1");
        assert_eq!(record["eventSource"], "aws:dynamodb");
        assert_eq!(
            record["awsRegion"], REGION,
            "the stack's Region, not moto's"
        );
        assert_eq!(record["eventSourceARN"], stack.stream_arn.as_str());
        assert_eq!(record["dynamodb"]["StreamViewType"], "NEW_AND_OLD_IMAGES");
        assert!(record["dynamodb"]["ApproximateCreationDateTime"].is_i64());
    }

    // Every payload is a Lambda DynamoDB event.
    for batch in calls {
        let event: aws_lambda_events::event::dynamodb::Event =
            serde_json::from_value(json!({ "Records": batch })).expect("a Lambda DynamoDB event");
        assert!(!event.records.is_empty());
        assert!(
            event
                .records
                .iter()
                .all(|r| r.change.keys.contains_key("pk"))
        );
    }
}

#[tokio::test]
async fn records_no_filter_matches_never_reach_the_function() {
    let stack = Stack::start().await;
    let function = ScriptedFunction::succeeding();
    let mut subscription = stack.subscription();
    subscription.filters = vec![
        json!({"eventName": ["INSERT"], "dynamodb": {"NewImage": {"entity": {"S": ["Proposal"]}}}}),
        // Filters may come as the template's pattern text too.
        json!(
            r#"{"eventName": ["REMOVE"], "dynamodb": {"Keys": {"pk": {"S": [{"prefix": "gone-"}]}}}}"#
        ),
    ];
    let _poller = stack.run(subscription, &function);
    stack.put("p1", "Proposal", 1).await; // INSERT of a proposal: delivered
    stack.put("e1", "Event", 1).await; // INSERT of another entity: filtered out
    stack.put("p1", "Proposal", 2).await; // MODIFY: filtered out
    stack.delete("p1").await; // REMOVE, but not of a gone- key: filtered out
    stack.put("gone-1", "Talk", 1).await; // INSERT of a talk: filtered out
    stack.delete("gone-1").await; // REMOVE of a gone- key: delivered
    stack.put("p2", "Proposal", 1).await; // the last record, delivered

    let calls = function.wait_for_key("p2").await;
    let delivered: Vec<(String, String)> = calls
        .concat()
        .iter()
        .map(|r| {
            (
                r["eventName"].as_str().unwrap_or_default().to_owned(),
                key(r),
            )
        })
        .collect();
    assert_eq!(
        delivered,
        [
            ("INSERT".to_owned(), "p1".to_owned()),
            ("REMOVE".to_owned(), "gone-1".to_owned()),
            ("INSERT".to_owned(), "p2".to_owned()),
        ]
    );
}

#[tokio::test]
async fn a_partial_batch_failure_redelivers_from_the_lowest_failed_record() {
    let stack = Stack::start().await;
    for pk in ["a", "b", "c", "d"] {
        stack.put(pk, "Proposal", 1).await;
    }
    // The first call reports b and d as failed: a is done, b, c and d come again.
    let function = ScriptedFunction::new(|call, records| {
        let body = if call == 0 {
            json!({"batchItemFailures": [
                {"itemIdentifier": sequence_number(&records[3])},
                {"itemIdentifier": sequence_number(&records[1])},
            ]})
        } else {
            json!({"batchItemFailures": []})
        };
        Ok(Bytes::from(body.to_string()))
    });
    let mut subscription = stack.subscription();
    subscription.report_batch_item_failures = true;
    subscription.maximum_retry_attempts = Some(3);
    let _poller = stack.run(subscription, &function);
    function
        .wait_until("the retried batch", |calls| calls.len() >= 2)
        .await;
    stack.put("marker", "Proposal", 1).await;

    let calls = function.wait_for_key("marker").await;
    let batches: Vec<Vec<String>> = calls.iter().map(|b| keys(b)).collect();
    assert_eq!(
        batches,
        [
            vec!["a", "b", "c", "d"],
            vec!["b", "c", "d"],
            vec!["marker"]
        ]
    );
}

#[tokio::test]
async fn an_invalid_failed_item_fails_the_whole_batch() {
    let stack = Stack::start().await;
    for pk in ["a", "b"] {
        stack.put(pk, "Proposal", 1).await;
    }
    let function = ScriptedFunction::new(|call, _| {
        let body = match call {
            0 => json!({"batchItemFailures": [{"itemIdentifier": "no such sequence number"}]}),
            1 => json!({"batchItemFailures": [{"itemIdentifier": null}]}),
            _ => Value::Null,
        };
        Ok(Bytes::from(body.to_string()))
    });
    let mut subscription = stack.subscription();
    subscription.report_batch_item_failures = true;
    subscription.maximum_retry_attempts = Some(5);
    let _poller = stack.run(subscription, &function);
    function
        .wait_until("three calls", |calls| calls.len() >= 3)
        .await;
    stack.put("marker", "Proposal", 1).await;

    let calls = function.wait_for_key("marker").await;
    let batches: Vec<Vec<String>> = calls.iter().map(|b| keys(b)).collect();
    assert_eq!(
        batches,
        [
            vec!["a", "b"],
            vec!["a", "b"],
            vec!["a", "b"],
            vec!["marker"]
        ]
    );
}

#[tokio::test]
async fn a_record_that_always_fails_is_retried_then_reported_to_the_on_failure_queue() {
    let stack = Stack::start().await;
    let queue = stack.queue("stream-failures").await;
    let function = ScriptedFunction::new(|_, records| {
        if keys(records).iter().any(|k| k == "bad") {
            Err(function_error())
        } else {
            Ok(Bytes::new())
        }
    });
    let mut subscription = stack.subscription();
    subscription.batch_size = 1;
    subscription.maximum_retry_attempts = Some(2);
    subscription.on_failure = Some(queue.clone());
    let _poller = stack.run(subscription, &function);
    stack.put("bad", "Proposal", 1).await;

    let messages = stack.messages(&queue, 1).await;
    let bad_calls = function.calls();
    assert_eq!(bad_calls.len(), 3, "one invocation and two retries");
    assert!(bad_calls.iter().all(|batch| keys(batch) == ["bad"]));
    let record = &bad_calls[0][0];
    let message = &messages[0];

    assert_eq!(message["version"], "1.0");
    let request = &message["requestContext"];
    assert_eq!(request["condition"], "RetryAttemptsExhausted");
    assert_eq!(request["approximateInvokeCount"], 3);
    assert_eq!(
        request["functionArn"],
        format!("arn:aws:lambda:{REGION}:123456789012:function:{FUNCTION}")
    );
    assert!(
        request["requestId"]
            .as_str()
            .is_some_and(|id| !id.is_empty())
    );
    assert_eq!(
        message["responseContext"],
        json!({"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"})
    );
    assert!(
        message["timestamp"]
            .as_str()
            .is_some_and(|t| chrono::DateTime::parse_from_rfc3339(t).is_ok()),
        "{message}"
    );
    let info = &message["DDBStreamBatchInfo"];
    let shard_id = stack
        .clients
        .streams
        .describe_stream()
        .stream_arn(&stack.stream_arn)
        .send()
        .await
        .expect("describe the stream")
        .stream_description
        .and_then(|d| d.shards.and_then(|s| s.into_iter().next()))
        .and_then(|s| s.shard_id)
        .expect("the stream's shard");
    assert_eq!(info["shardId"], shard_id.as_str());
    assert_eq!(
        info["startSequenceNumber"],
        sequence_number(record).as_str()
    );
    assert_eq!(info["endSequenceNumber"], sequence_number(record).as_str());
    assert_eq!(info["batchSize"], 1);
    assert_eq!(info["streamArn"], stack.stream_arn.as_str());
    let created = record["dynamodb"]["ApproximateCreationDateTime"]
        .as_i64()
        .and_then(|secs| chrono::DateTime::from_timestamp(secs, 0))
        .expect("a creation time")
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    assert_eq!(info["approximateArrivalOfFirstRecord"], created.as_str());
    assert_eq!(info["approximateArrivalOfLastRecord"], created.as_str());

    // The shard moves on past the reported record.
    stack.put("good", "Proposal", 1).await;
    let calls = function.wait_for_key("good").await;
    assert_eq!(calls.len(), 4, "the bad record is not invoked again");
}

#[tokio::test]
async fn bisecting_isolates_the_failing_record_without_using_up_retries() {
    let stack = Stack::start().await;
    let queue = stack.queue("bisect-failures").await;
    for pk in ["a", "b", "bad", "d"] {
        stack.put(pk, "Proposal", 1).await;
    }
    let function = ScriptedFunction::new(|_, records| {
        if keys(records).iter().any(|k| k == "bad") {
            Err(function_error())
        } else {
            Ok(Bytes::new())
        }
    });
    let mut subscription = stack.subscription();
    subscription.bisect_batch_on_function_error = true;
    subscription.maximum_retry_attempts = Some(0);
    subscription.on_failure = Some(queue.clone());
    let _poller = stack.run(subscription, &function);

    let messages = stack.messages(&queue, 1).await;
    stack.put("marker", "Proposal", 1).await;
    let calls = function.wait_for_key("marker").await;
    let batches: Vec<Vec<String>> = calls.iter().map(|b| keys(b)).collect();
    assert_eq!(
        batches,
        [
            vec!["a", "b", "bad", "d"],
            vec!["a", "b"],
            vec!["bad", "d"],
            vec!["bad"],
            vec!["d"],
            vec!["marker"],
        ]
    );
    let bad = &calls[3][0];
    let info = &messages[0]["DDBStreamBatchInfo"];
    assert_eq!(info["batchSize"], 1);
    assert_eq!(info["startSequenceNumber"], sequence_number(bad).as_str());
    assert_eq!(
        messages[0]["requestContext"]["condition"],
        "RetryAttemptsExhausted"
    );
    assert_eq!(messages[0]["requestContext"]["approximateInvokeCount"], 3);
}

#[tokio::test]
async fn function_errors_of_any_kind_are_retried() {
    let stack = Stack::start().await;
    stack.put("a", "Proposal", 1).await;
    let function = ScriptedFunction::new(|call, _| match call {
        0 => Err(InvokeError::RuntimeExited("exit status 101".into())),
        1 => Err(InvokeError::Timeout(Duration::from_secs(3))),
        2 => Err(function_error()),
        _ => Ok(Bytes::new()),
    });
    let mut subscription = stack.subscription();
    subscription.maximum_retry_attempts = Some(3);
    let _poller = stack.run(subscription, &function);
    function
        .wait_until("four calls", |calls| calls.len() >= 4)
        .await;
    stack.put("marker", "Proposal", 1).await;

    let calls = function.wait_for_key("marker").await;
    let batches: Vec<Vec<String>> = calls.iter().map(|b| keys(b)).collect();
    assert_eq!(
        batches,
        [vec!["a"], vec!["a"], vec!["a"], vec!["a"], vec!["marker"]]
    );
}

#[tokio::test]
async fn throttling_does_not_use_up_retries() {
    let stack = Stack::start().await;
    let queue = stack.queue("throttle-failures").await;
    stack.put("a", "Proposal", 1).await;
    let function = ScriptedFunction::new(|call, _| {
        if call < 3 {
            Err(InvokeError::Throttled)
        } else {
            Ok(Bytes::new())
        }
    });
    let mut subscription = stack.subscription();
    subscription.maximum_retry_attempts = Some(0);
    subscription.on_failure = Some(queue.clone());
    let _poller = stack.run(subscription, &function);
    function
        .wait_until("four calls", |calls| calls.len() >= 4)
        .await;
    stack.put("marker", "Proposal", 1).await;

    let calls = function.wait_for_key("marker").await;
    let batches: Vec<Vec<String>> = calls.iter().map(|b| keys(b)).collect();
    assert_eq!(
        batches,
        [vec!["a"], vec!["a"], vec!["a"], vec!["a"], vec!["marker"]]
    );
    let OnFailureDestination::Sqs { queue_url, .. } = &queue;
    let left = stack
        .sqs
        .receive_message()
        .queue_url(queue_url)
        .wait_time_seconds(0)
        .send()
        .await
        .expect("receive");
    assert!(left.messages().is_empty(), "nothing was given up on");
}

#[tokio::test]
async fn records_older_than_the_maximum_age_are_reported_as_expired() {
    let stack = Stack::start().await;
    let queue = stack.queue("age-failures").await;
    let function = ScriptedFunction::new(|_, records| {
        if keys(records).iter().any(|k| k == "old") {
            Err(function_error())
        } else {
            Ok(Bytes::new())
        }
    });
    let mut subscription = stack.subscription();
    // Retry for ever, but only while the record is at most three seconds old: long enough for
    // a first invocation even on a loaded machine (a record already too old when read would be
    // discarded without one, as in Lambda).
    subscription.maximum_retry_attempts = None;
    subscription.maximum_record_age = Some(Duration::from_secs(3));
    subscription.on_failure = Some(queue.clone());
    let _poller = stack.run(subscription, &function);
    stack.put("old", "Proposal", 1).await;

    let messages = stack.messages(&queue, 1).await;
    let request = &messages[0]["requestContext"];
    assert_eq!(request["condition"], "RecordAgeExceeded");
    let invokes = request["approximateInvokeCount"]
        .as_u64()
        .expect("an invoke count");
    assert!(invokes >= 1);
    assert_eq!(messages[0]["responseContext"]["functionError"], "Unhandled");
    stack.put("fresh", "Proposal", 1).await;
    let calls = function.wait_for_key("fresh").await;
    assert_eq!(
        calls.len() as u64,
        invokes + 1,
        "the expired record is not invoked again"
    );
}

#[tokio::test]
async fn latest_starts_after_the_records_already_in_the_stream() {
    let stack = Stack::start().await;
    stack.put("before", "Proposal", 1).await;
    let function = ScriptedFunction::succeeding();
    let mut subscription = stack.subscription();
    subscription.starting_position = StartingPosition::Latest;
    let _poller = stack.run(subscription, &function);
    // Give the poller time to take its LATEST iterator; a record written before that would be missed,
    // as in Lambda.
    tokio::time::sleep(Duration::from_secs(2)).await;
    stack.put("after", "Proposal", 1).await;

    let calls = function.wait_for_key("after").await;
    assert_eq!(
        calls.concat().iter().map(key).collect::<Vec<_>>(),
        ["after"]
    );
}

#[tokio::test]
async fn a_batching_window_gathers_records_into_one_batch() {
    let stack = Stack::start().await;
    let function = ScriptedFunction::succeeding();
    let mut subscription = stack.subscription();
    subscription.maximum_batching_window = Duration::from_secs(2);
    subscription.batch_size = 3;
    let _poller = stack.run(subscription, &function);
    for pk in ["a", "b", "c", "d"] {
        stack.put(pk, "Proposal", 1).await;
    }
    // BatchSize closes the first batch; the window closes the second.
    let calls = function.wait_for_key("d").await;
    let batches: Vec<Vec<String>> = calls.iter().map(|b| keys(b)).collect();
    assert_eq!(batches, [vec!["a", "b", "c"], vec!["d"]]);
}

#[tokio::test]
async fn an_invalid_filter_is_a_setup_error_naming_the_function() {
    // No AWS call is made: the endpoint is never contacted.
    let config = support::sdk_config("http://127.0.0.1:9").await;
    let clients = cfp_local_event_sources::StreamClients {
        streams: aws_sdk_dynamodbstreams::Client::new(&config),
        sqs: aws_sdk_sqs::Client::new(&config),
    };
    let subscription = cfp_local_event_sources::DynamoDbStreamSubscription {
        function: FUNCTION.to_owned(),
        stream_arn:
            "arn:aws:dynamodb:eu-central-1:123456789012:table/cfp/stream/2026-01-01T00:00:00.000"
                .into(),
        starting_position: StartingPosition::TrimHorizon,
        batch_size: 10,
        maximum_batching_window: Duration::ZERO,
        maximum_retry_attempts: None,
        maximum_record_age: None,
        bisect_batch_on_function_error: false,
        report_batch_item_failures: false,
        filters: vec![
            json!({"eventName": ["INSERT"]}),
            json!({"eventName": "INSERT"}),
        ],
        on_failure: None,
        region: REGION.to_owned(),
    };
    let function: Arc<dyn Invoke> = ScriptedFunction::succeeding();
    let result =
        run_dynamodb_stream_with_timing(subscription, clients, function, quick_timing()).await;
    match result {
        Err(error @ Error::InvalidFilter { index: 1, .. }) => {
            let message = error.to_string();
            assert!(message.contains(FUNCTION), "{message}");
            assert!(message.contains("eventName"), "{message}");
        }
        other => panic!("expected an invalid filter error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_stream_that_does_not_exist_is_a_setup_error() {
    let stack = Stack::start().await;
    let mut subscription = stack.subscription();
    subscription.stream_arn = stack.stream_arn.replace("table/cfp/", "table/missing/");
    let function: Arc<dyn Invoke> = ScriptedFunction::succeeding();
    let result = tokio::time::timeout(
        Duration::from_secs(20),
        run_dynamodb_stream_with_timing(
            subscription,
            stack.clients.clone(),
            function,
            quick_timing(),
        ),
    )
    .await
    .expect("the poller gives up at once");
    match result {
        Err(Error::StreamNotFound {
            function,
            stream_arn,
        }) => {
            assert_eq!(function, FUNCTION);
            assert!(stream_arn.contains("table/missing/"));
        }
        other => panic!("expected a missing stream error, got {other:?}"),
    }
}
