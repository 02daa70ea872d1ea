//! The real template's stream filters against the records the tables really produce: each stream
//! consumer's `FilterCriteria`, evaluated by the filter engine the local stream poller uses,
//! passes exactly the records listed for it below.
//!
//! The handlers check every record again in code, so a deleted or widened filter breaks no
//! behaviour any other test sees: it only pays for invocations (and, for the mailers, dedupe
//! writes) on records the function then drops. That is what these tests catch.
//!
//! The records' images come from the real code where the crates expose it: event items from
//! cfp-dynamodb's own serialisation (`stream_test_support::event_record`), proposals from the
//! repository's sample stream event, each image read back through cfp-dynamodb's
//! `proposal_from_image` with the status it claims (so a renamed attribute or status value fails
//! here). Dedupe, idempotency and schedule items have no public serialisation; their images are
//! written from the attribute and entity names of their adapters (cfp-dynamodb's dedupe_item.rs,
//! idempotency_item.rs and keys.rs; cfp-schedule-dynamodb's keys.rs and release_items.rs).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use aws_lambda_events::event::dynamodb::EventRecord;
use cfp_dynamodb::stream_test_support::event_record;
use cfp_dynamodb::{event_from_image, is_event_image, is_proposal_image, proposal_from_image};
use cfp_local_event_sources::EventPattern;
use serde_json::{Value, json};

use super::real_template_tests::{SCHEDULE_STREAM, STREAM, real_stream_subscriptions};

fn sample_record(function: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../events")
        .join(format!("{function}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let event: Value = serde_json::from_str(&text).expect("a JSON sample event");
    event["Records"][0].clone()
}

/// A proposal's image in `status` at `version`, checked to read back as exactly that through
/// cfp-dynamodb's own reader.
fn proposal_image(status: &str, version: u32) -> Value {
    // The sample's new image is a confirmed proposal, with every optional attribute set.
    let mut image = sample_record("send-cfp-confirmed-email")["dynamodb"]["NewImage"].clone();
    let event = image["event"]["S"]
        .as_str()
        .expect("the event's slug")
        .to_owned();
    image["status"] = json!({"S": status});
    image["eventStatus"] = json!({"S": format!("{event}#{status}")});
    image["version"] = json!({"N": version.to_string()});
    if status == "submitted" {
        let decision = image.as_object_mut().expect("an image");
        decision.remove("decidedAt");
        decision.remove("decidedBy");
    }
    let item: serde_dynamo::Item = serde_json::from_value(image.clone()).expect("an item");
    assert!(is_proposal_image(&item), "{image}");
    let proposal = proposal_from_image(item).expect("cfp-dynamodb reads the proposal image");
    assert_eq!(proposal.status.as_str(), status);
    image
}

/// A stream record as Lambda delivers it, checked to deserialize as the handlers read it.
fn record(event_name: &str, old: Option<Value>, new: Option<Value>) -> Value {
    let keys_of = new.as_ref().or(old.as_ref()).expect("an image");
    let mut change = json!({
        "ApproximateCreationDateTime": 1796121000,
        "Keys": {"pk": keys_of["pk"].clone(), "sk": keys_of["sk"].clone()},
        "SequenceNumber": "4421584600000000017450440001",
        "SizeBytes": 900,
        "StreamViewType": "NEW_AND_OLD_IMAGES"
    });
    if let Some(new) = new {
        change["NewImage"] = new;
    }
    if let Some(old) = old {
        change["OldImage"] = old;
    }
    let record = json!({
        "eventID": "1",
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "eu-central-1",
        "dynamodb": change,
        "eventSourceARN": STREAM
    });
    serde_json::from_value::<EventRecord>(record.clone()).expect("a Lambda DynamoDB record");
    record
}

/// A record deleted by TTL: the service's identity, and the old image only.
fn expired(old: Value) -> Value {
    let mut record = record("REMOVE", Some(old), None);
    record["userIdentity"] = json!({"type": "Service", "principalId": "dynamodb.amazonaws.com"});
    record
}

/// A dedupe record (cfp-dynamodb dedupe_item.rs) in `state`.
fn dedupe_image(state: &str) -> Value {
    json!({
        "pk": {"S": "DEDUPE#decision-email#019a4b2c-7d10-7e3a-9b1c-2d3e4f5a6b7c#confirmed"},
        "sk": {"S": "DEDUPE"},
        "entity": {"S": "Dedupe"},
        "state": {"S": state},
        "leaseToken": {"S": "5f0c2a8e-1b7d-4c3e-9a6f-2d8b4e1c7a90"},
        "leaseUntil": {"N": "1796121031"},
        "leaseUntilMs": {"N": "1796121030250"},
        "expiresAt": {"N": "1796725800"},
        "updatedAt": {"S": "2026-12-01T10:30:00.250+00:00"}
    })
}

/// An Idempotency-Key record (cfp-dynamodb idempotency_item.rs), with its answer once stored.
fn idempotency_image(answered: bool) -> Value {
    let mut image = json!({
        "pk": {"S": "IDEMPOTENCY#3c9b6f2d-8a7e-4b1c-9d2f-5e6a7b8c9d01#2f1d3c4b-submit"},
        "sk": {"S": "IDEMPOTENCY"},
        "entity": {"S": "Idempotency"},
        "callerId": {"S": "3c9b6f2d-8a7e-4b1c-9d2f-5e6a7b8c9d01"},
        "idempotencyKey": {"S": "2f1d3c4b-submit"},
        "requestHash": {"S": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
        "leaseToken": {"S": "5f0c2a8e-1b7d-4c3e-9a6f-2d8b4e1c7a90"},
        "leaseUntil": {"N": "1796121031"},
        "expiresAt": {"N": "1796207400"},
        "updatedAt": {"S": "2026-12-01T10:30:00.250+00:00"}
    });
    if answered {
        image["response"] = json!({"M": {
            "status": {"N": "201"},
            "headers": {"L": [{"M": {"name": {"S": "location"}, "value": {"S": "/events/devconf-2027/cfps/1"}}}]},
            "body": {"S": "e30="}
        }});
    }
    image
}

/// An item of the schedule table (cfp-schedule-dynamodb keys.rs): `entity` under `sk`.
fn schedule_image(entity: &str, sk: &str) -> Value {
    json!({
        "pk": {"S": "EVENT#devconf-2027"},
        "sk": {"S": sk},
        "entity": {"S": entity},
        "eventSlug": {"S": "devconf-2027"},
        "version": {"N": "1"}
    })
}

fn with_expiry(mut image: Value) -> Value {
    image["expiresAt"] = json!({"N": "1796211000"});
    image
}

/// The records each table's stream carries, by name.
fn cfp_table_records() -> Vec<(&'static str, Value)> {
    let submitted = || proposal_image("submitted", 1);
    let event = cfp_domain::test_data::event();
    let event_image = |record: Value| {
        let image = record["dynamodb"]["NewImage"].clone();
        let item: serde_dynamo::Item = serde_json::from_value(image).expect("an item");
        assert!(is_event_image(&item));
        event_from_image(item).expect("cfp-dynamodb reads its own event image");
        record
    };
    vec![
        (
            "proposal submitted",
            record("INSERT", None, Some(submitted())),
        ),
        (
            "proposal confirmed",
            record(
                "MODIFY",
                Some(submitted()),
                Some(proposal_image("confirmed", 2)),
            ),
        ),
        (
            "proposal rejected",
            record(
                "MODIFY",
                Some(submitted()),
                Some(proposal_image("rejected", 2)),
            ),
        ),
        (
            "submitted proposal withdrawn",
            record(
                "MODIFY",
                Some(submitted()),
                Some(proposal_image("withdrawn", 2)),
            ),
        ),
        (
            "confirmed proposal withdrawn",
            record(
                "MODIFY",
                Some(proposal_image("confirmed", 2)),
                Some(proposal_image("withdrawn", 3)),
            ),
        ),
        (
            "submitted proposal edited",
            record(
                "MODIFY",
                Some(submitted()),
                Some(proposal_image("submitted", 2)),
            ),
        ),
        // A new picture (or any later change) of a confirmed talk.
        (
            "confirmed proposal edited",
            record(
                "MODIFY",
                Some(proposal_image("confirmed", 2)),
                Some(proposal_image("confirmed", 3)),
            ),
        ),
        (
            "proposal removed",
            record("REMOVE", Some(submitted()), None),
        ),
        (
            "confirmed proposal removed",
            record("REMOVE", Some(proposal_image("confirmed", 2)), None),
        ),
        (
            "dedupe record claimed",
            record("INSERT", None, Some(dedupe_image("in_progress"))),
        ),
        (
            "dedupe record sent",
            record(
                "MODIFY",
                Some(dedupe_image("in_progress")),
                Some(dedupe_image("sent")),
            ),
        ),
        ("dedupe record expired", expired(dedupe_image("sent"))),
        (
            "idempotency key claimed",
            record("INSERT", None, Some(idempotency_image(false))),
        ),
        (
            "idempotency answer stored",
            record(
                "MODIFY",
                Some(idempotency_image(false)),
                Some(idempotency_image(true)),
            ),
        ),
        ("idempotency key expired", expired(idempotency_image(true))),
        (
            "event created",
            event_image(event_record("1", None, &event)),
        ),
        (
            "event changed",
            event_image(event_record("2", Some(&event), &event)),
        ),
    ]
}

fn schedule_table_records() -> Vec<(&'static str, Value)> {
    let release = sample_record("update-search-index");
    assert_eq!(release["dynamodb"]["NewImage"]["entity"]["S"], "release");
    let release = release["dynamodb"]["NewImage"].clone();
    let chunk_sk = "RELEASECHUNK#0000000002#0b7e1f2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b#0000";
    let chunk = || schedule_image("release-chunk", chunk_sk);
    let draft = |version: u32| {
        let mut image = schedule_image("draft", "DRAFT");
        image["version"] = json!({"N": version.to_string()});
        image
    };
    let records = vec![
        ("release published", record("INSERT", None, Some(release))),
        (
            "release chunk written",
            record("INSERT", None, Some(with_expiry(chunk()))),
        ),
        // The release's transaction makes its chunks permanent (REMOVE expiresAt).
        (
            "release chunk committed",
            record("MODIFY", Some(with_expiry(chunk())), Some(chunk())),
        ),
        (
            "abandoned release chunk expired",
            expired(with_expiry(chunk())),
        ),
        ("draft created", record("INSERT", None, Some(draft(1)))),
        (
            "draft saved",
            record("MODIFY", Some(draft(1)), Some(draft(2))),
        ),
        (
            "talk copied",
            record(
                "INSERT",
                None,
                Some(schedule_image(
                    "talk",
                    "TALK#019a4b2c-7d10-7e3a-9b1c-2d3e4f5a6b7c",
                )),
            ),
        ),
        (
            "event copied",
            record("INSERT", None, Some(schedule_image("event", "EVENT"))),
        ),
        (
            "talk numbered",
            record(
                "INSERT",
                None,
                Some(schedule_image("talk-number", "TALKNUMBER")),
            ),
        ),
        // create-schedule keeps its Idempotency-Key records in the schedule table.
        (
            "idempotency key claimed",
            record("INSERT", None, Some(idempotency_image(false))),
        ),
    ];
    records
        .into_iter()
        .map(|(name, mut record)| {
            record["eventSourceARN"] = json!(SCHEDULE_STREAM);
            (name, record)
        })
        .collect()
}

/// What passes each consumer's filters: the records' names, per function.
fn passing(
    table_stream: &str,
    records: &[(&'static str, Value)],
) -> BTreeMap<String, BTreeSet<&'static str>> {
    real_stream_subscriptions()
        .into_iter()
        .filter(|s| s.stream_arn == table_stream)
        .map(|subscription| {
            let patterns: Vec<EventPattern> = subscription
                .filters
                .iter()
                .map(|p| EventPattern::parse(p).expect("the template's pattern parses"))
                .collect();
            // Lambda's rule, as the stream poller applies it: any pattern, or none at all.
            let passes =
                |record: &Value| patterns.is_empty() || patterns.iter().any(|p| p.matches(record));
            let names = records
                .iter()
                .filter(|(_, record)| passes(record))
                .map(|(name, _)| *name)
                .collect();
            (subscription.function, names)
        })
        .collect()
}

fn expect(table: &[(&str, &[&'static str])]) -> BTreeMap<String, BTreeSet<&'static str>> {
    table
        .iter()
        .map(|(function, names)| ((*function).to_owned(), names.iter().copied().collect()))
        .collect()
}

#[test]
fn cfp_table_stream_filters_pass_only_the_records_each_consumer_handles() {
    let records = cfp_table_records();
    assert_eq!(
        passing(STREAM, &records),
        expect(&[
            ("SendCfpSubmittedEmailFunction", &["proposal submitted"]),
            // Decisions only: a later edit of a confirmed talk is no decision.
            (
                "SendCfpConfirmedEmailFunction",
                &["proposal confirmed", "proposal rejected"]
            ),
            // What can be a talk event (confirmed now or before) and event items created or
            // changed; no rejection, nothing about submitted proposals, no dedupe or
            // idempotency record.
            (
                "PublishCfpEventsFunction",
                &[
                    "proposal confirmed",
                    "confirmed proposal withdrawn",
                    "confirmed proposal edited",
                    "confirmed proposal removed",
                    "event created",
                    "event changed"
                ]
            ),
        ])
    );
}

#[test]
fn schedule_table_stream_filter_passes_new_releases_only() {
    let records = schedule_table_records();
    assert_eq!(
        passing(SCHEDULE_STREAM, &records),
        expect(&[("UpdateSearchIndexFunction", &["release published"])])
    );
}

/// Every stream consumer of the template is in one of the tables above, and has filters: a new
/// consumer, or one on another table, fails here until its records are listed.
#[test]
fn every_stream_consumer_is_checked_above() {
    let subscriptions = real_stream_subscriptions();
    let mut consumers: Vec<(&str, &str)> = subscriptions
        .iter()
        .map(|s| (s.function.as_str(), s.stream_arn.as_str()))
        .collect();
    consumers.sort_unstable();
    assert_eq!(
        consumers,
        [
            ("PublishCfpEventsFunction", STREAM),
            ("SendCfpConfirmedEmailFunction", STREAM),
            ("SendCfpSubmittedEmailFunction", STREAM),
            ("UpdateSearchIndexFunction", SCHEDULE_STREAM),
        ]
    );
    for subscription in &subscriptions {
        assert!(
            !subscription.filters.is_empty(),
            "{} takes every record of its table",
            subscription.function
        );
    }
}
