//! The CfP events topic delivers at least once and in no particular order. A talk event published
//! again (the same body and attributes, as publishCfPEvents publishes it) or arriving after a
//! newer one must leave the schedule's copy of the talk (updateTalkDetails) as it was.
//!
//! The copy is an item of the schedule table that every application replaces whole (PutItem): a
//! marker the test writes onto it survives only if no delivery wrote the copy again.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use cfp_e2e::fixtures::proposal_body;
use cfp_e2e::topic::{TopicSubscriber, publish_again};
use cfp_e2e::{Stack, eventually};
use reqwest::Method;
use serde_json::{Value, json};

const SUBSCRIBER: &str = "UpdateTalkDetailsFunction";
/// How long the stream, the topic and the subscriber may take to carry a change.
const DELIVERY: Duration = Duration::from_secs(60);
/// The attribute the test puts on the talk copy.
const MARKER: &str = "e2eMarker";

type Item = HashMap<String, AttributeValue>;

fn schedule_table(stack: &Stack) -> &str {
    stack
        .info
        .schedule_table
        .as_deref()
        .expect("the stack has a schedule table")
}

/// The schedule's copy of the talk made from proposal `id` of `slug`, read consistently.
async fn talk_copy(stack: &Stack, slug: &str, id: &str) -> Option<Item> {
    stack
        .dynamodb
        .get_item()
        .table_name(schedule_table(stack))
        .key("pk", AttributeValue::S(format!("EVENT#{slug}")))
        .key("sk", AttributeValue::S(format!("TALK#{id}")))
        .consistent_read(true)
        .send()
        .await
        .expect("read the talk copy")
        .item
}

fn text<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

fn number(item: &Item, name: &str) -> Option<u64> {
    item.get(name)
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse().ok())
}

/// Waits until the copy of talk `id` is at `version`, and returns it.
async fn copy_at_version(stack: &Stack, slug: &str, id: &str, version: u64) -> Item {
    eventually(
        &format!("the talk copy at version {version}"),
        DELIVERY,
        || async {
            talk_copy(stack, slug, id)
                .await
                .filter(|item| number(item, "version") == Some(version))
        },
    )
    .await
}

/// Marks the copy, on the condition that it is still at `version`; returns the marker.
async fn mark(stack: &Stack, slug: &str, id: &str, version: u64) -> String {
    let marker = uuid::Uuid::new_v4().to_string();
    stack
        .dynamodb
        .update_item()
        .table_name(schedule_table(stack))
        .key("pk", AttributeValue::S(format!("EVENT#{slug}")))
        .key("sk", AttributeValue::S(format!("TALK#{id}")))
        .update_expression("SET #marker = :marker")
        .condition_expression("#version = :version")
        .expression_attribute_names("#marker", MARKER)
        .expression_attribute_names("#version", "version")
        .expression_attribute_values(":marker", AttributeValue::S(marker.clone()))
        .expression_attribute_values(":version", AttributeValue::N(version.to_string()))
        .send()
        .await
        .expect("mark the talk copy");
    marker
}

/// Waits until the subscriber has run for every message of `ids`, and checks each run succeeded.
async fn delivered(stack: &Stack, ids: &[String]) {
    let wanted: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
    let runs = eventually("the messages delivered", DELIVERY, || async {
        let runs: Vec<Value> = stack
            .invocations(SUBSCRIBER)
            .await
            .into_iter()
            .filter(|run| {
                run["payload"]["Records"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|record| {
                        record["Sns"]["MessageId"]
                            .as_str()
                            .is_some_and(|id| wanted.contains(id))
                    })
            })
            .collect();
        let seen: BTreeSet<&str> = runs
            .iter()
            .flat_map(|run| run["payload"]["Records"].as_array().into_iter().flatten())
            .filter_map(|record| record["Sns"]["MessageId"].as_str())
            .filter(|id| wanted.contains(id))
            .collect();
        (seen == wanted).then_some(runs.clone())
    })
    .await;
    for run in &runs {
        assert_eq!(run["outcome"], "Success", "{run}");
    }
}

/// How many talk copies the schedule keeps for the event.
async fn talk_copies(stack: &Stack, slug: &str) -> usize {
    stack
        .dynamodb
        .query()
        .table_name(schedule_table(stack))
        .key_condition_expression("pk = :pk AND begins_with(sk, :talk)")
        .expression_attribute_values(":pk", AttributeValue::S(format!("EVENT#{slug}")))
        .expression_attribute_values(":talk", AttributeValue::S("TALK#".into()))
        .consistent_read(true)
        .send()
        .await
        .expect("query the talk copies")
        .items
        .map_or(0, |items| items.len())
}

/// How many talk numbers the schedule has handed out in the event.
async fn numbers_handed_out(stack: &Stack, slug: &str) -> Option<u64> {
    let item = stack
        .dynamodb
        .get_item()
        .table_name(schedule_table(stack))
        .key("pk", AttributeValue::S(format!("EVENT#{slug}")))
        .key("sk", AttributeValue::S("TALKNUMBER".into()))
        .consistent_read(true)
        .send()
        .await
        .expect("read the talk number counter")
        .item?;
    number(&item, "lastNumber")
}

#[tokio::test]
async fn a_talk_event_delivered_again_or_late_changes_nothing_in_the_schedule() {
    let stack = &Stack::connect().await;
    let organiser = stack.admin().await;
    let slug = stack.open_event(&organiser).await;
    let speaker = stack.user(None).await;
    let subscriber = TopicSubscriber::new(stack, &slug).await;
    let id = stack
        .submit(&slug, &speaker, &proposal_body("Said twice, done once"))
        .await;
    let confirmed = stack
        .send(
            Method::POST,
            &format!("/events/{slug}/cfps/{id}/confirm"),
            &organiser.caller(),
            None,
            &[],
        )
        .await;
    assert_eq!(confirmed.status, 200, "{confirmed:?}");

    // The message as published, and its first delivery applied: talk number 1, version 2.
    let envelope = subscriber.next_envelope("TalkConfirmed", &slug).await;
    let first = copy_at_version(stack, &slug, &id, 2).await;
    assert_eq!(text(&first, "status"), Some("confirmed"), "{first:?}");
    assert_eq!(number(&first, "number"), Some(1), "{first:?}");
    let marker = mark(stack, &slug, &id, 2).await;

    // The same message twice more, at once.
    let (a, b) = tokio::join!(
        publish_again(stack, &envelope),
        publish_again(stack, &envelope)
    );
    delivered(stack, &[a, b]).await;
    let after = talk_copy(stack, &slug, &id).await.expect("the talk copy");
    assert_eq!(
        text(&after, MARKER),
        Some(marker.as_str()),
        "a duplicate wrote the copy again: {after:?}"
    );
    let mut expected = first.clone();
    expected.insert(MARKER.into(), AttributeValue::S(marker));
    assert_eq!(after, expected);
    assert_eq!(
        numbers_handed_out(stack, &slug).await,
        Some(1),
        "a duplicate took another talk number"
    );
    assert_eq!(
        talk_copies(stack, &slug).await,
        1,
        "one talk for one proposal"
    );

    // Withdrawn (version 3), then the confirmation arrives once more, late.
    let withdrawn = stack
        .send(
            Method::POST,
            &format!("/events/{slug}/cfps/{id}/withdraw"),
            &speaker.caller(),
            None,
            &[],
        )
        .await;
    assert_eq!(withdrawn.status, 200, "{withdrawn:?}");
    let gone = copy_at_version(stack, &slug, &id, 3).await;
    assert_eq!(text(&gone, "status"), Some("withdrawn"), "{gone:?}");
    let marker = mark(stack, &slug, &id, 3).await;
    let late = publish_again(stack, &envelope).await;
    delivered(stack, &[late]).await;
    let after = talk_copy(stack, &slug, &id).await.expect("the talk copy");
    assert_eq!(
        text(&after, MARKER),
        Some(marker.as_str()),
        "the late message wrote the copy: {after:?}"
    );
    assert_eq!(text(&after, "status"), Some("withdrawn"), "{after:?}");
    assert_eq!(number(&after, "version"), Some(3), "{after:?}");
    assert_eq!(numbers_handed_out(stack, &slug).await, Some(1));

    // And the organisers still cannot schedule it (once the schedule knows the event at all).
    let draft = json!({"slots": [
        {"talkId": id, "room": "Main Hall", "start": "2027-06-10T10:00:00+02:00"}
    ]});
    let refused = eventually("the schedule to know the event", DELIVERY, || async {
        let answer = stack
            .send(
                Method::PUT,
                &format!("/events/{slug}/schedule"),
                &organiser.caller(),
                Some(&draft),
                &[],
            )
            .await;
        (answer.status != 404).then_some(answer)
    })
    .await;
    let problem = refused.problem(409);
    assert!(
        problem["conflicts"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c["kind"] == "not-confirmed")),
        "{problem:#}"
    );
}
