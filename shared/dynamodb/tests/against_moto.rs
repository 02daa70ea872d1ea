//! The DynamoDB adapters against the real DynamoDB API (moto in server mode): conditional
//! writes, the item layout the other functions and the stream filter rely on, and the dedupe
//! protocol's conditions.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};
use cfp_domain::StoreError;
use cfp_domain::dedupe::{Claim, Decision, DedupeKey, DedupeRecord, DedupeState, decide};
use cfp_domain::event::EventSlug;
use cfp_domain::ports::{ClaimOutcome, DedupeStore, EventStore, ProposalStore};
use cfp_domain::proposal::ProposalId;
use cfp_domain::test_data;
use cfp_dynamodb::{CfpTable, proposal_from_image};
use cfp_local_moto::MotoServer;
use chrono::{DateTime, Duration, Utc};

const TABLE: &str = "CfpTable";

async fn table(moto: &MotoServer) -> (CfpTable, Client) {
    let client = Client::new(&moto.sdk_config().await);
    let key = |name: &str, key_type| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(key_type)
            .build()
            .expect("key schema")
    };
    let attribute = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .expect("attribute")
    };
    client
        .create_table()
        .table_name(TABLE)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key("pk", KeyType::Hash))
        .key_schema(key("sk", KeyType::Range))
        .attribute_definitions(attribute("pk"))
        .attribute_definitions(attribute("sk"))
        .send()
        .await
        .expect("creating the table");
    (CfpTable::new(client.clone(), TABLE), client)
}

async fn raw_item(client: &Client, pk: &str, sk: &str) -> Option<HashMap<String, AttributeValue>> {
    client
        .get_item()
        .table_name(TABLE)
        .key("pk", AttributeValue::S(pk.to_owned()))
        .key("sk", AttributeValue::S(sk.to_owned()))
        .consistent_read(true)
        .send()
        .await
        .expect("GetItem")
        .item
}

fn s<'a>(item: &'a HashMap<String, AttributeValue>, name: &str) -> &'a str {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
        .unwrap_or_else(|| panic!("{name} is not an S in {item:?}"))
}

fn n<'a>(item: &'a HashMap<String, AttributeValue>, name: &str) -> &'a str {
    item.get(name)
        .and_then(|v| v.as_n().ok())
        .map(String::as_str)
        .unwrap_or_else(|| panic!("{name} is not an N in {item:?}"))
}

#[tokio::test]
async fn events_are_written_once_and_read_back() {
    let moto = MotoServer::for_tests().await;
    let (store, client) = table(&moto).await;
    let event = test_data::event();

    store.insert_event(&event).await.expect("first insert");
    assert_eq!(store.get_event(&event.slug).await, Ok(Some(event.clone())));

    let mut other = test_data::event();
    other.name = cfp_domain::event::EventName::parse("Someone else's").expect("name");
    assert_eq!(
        store.insert_event(&other).await,
        Err(StoreError::AlreadyExists)
    );
    assert_eq!(
        store.get_event(&event.slug).await,
        Ok(Some(event.clone())),
        "the first event is kept"
    );

    let unknown = EventSlug::parse("no-such-event").expect("slug");
    assert_eq!(store.get_event(&unknown).await, Ok(None));

    let item = raw_item(&client, "EVENT#devconf-2027", "EVENT")
        .await
        .expect("stored");
    assert_eq!(s(&item, "entity"), "Event");
    assert_eq!(s(&item, "timeZone"), "Europe/Berlin");
    let team = item["team"].as_m().expect("team is a map");
    assert_eq!(
        team.get(test_data::admin().user_id.as_str())
            .and_then(|r| r.as_s().ok())
            .map(String::as_str),
        Some("organiser")
    );
    let session_types = item["sessionTypes"].as_l().expect("a list");
    assert_eq!(
        n(session_types[0].as_m().expect("a map"), "durationMinutes"),
        "30"
    );
}

#[tokio::test]
async fn a_damaged_event_item_is_reported_corrupt() {
    let moto = MotoServer::for_tests().await;
    let (store, client) = table(&moto).await;
    client
        .put_item()
        .table_name(TABLE)
        .item("pk", AttributeValue::S("EVENT#broken".into()))
        .item("sk", AttributeValue::S("EVENT".into()))
        .item("entity", AttributeValue::S("Event".into()))
        .item("name", AttributeValue::N("42".into()))
        .send()
        .await
        .expect("raw put");
    let result = store
        .get_event(&EventSlug::parse("broken").expect("slug"))
        .await;
    assert!(
        matches!(result, Err(StoreError::Corrupt { .. })),
        "{result:?}"
    );
}

#[tokio::test]
async fn proposals_are_written_once_read_back_and_stay_under_their_event() {
    let moto = MotoServer::for_tests().await;
    let (store, client) = table(&moto).await;
    let mut proposal = test_data::proposal();
    proposal.description = None;

    store.insert_proposal(&proposal).await.expect("insert");
    assert_eq!(
        store.get_proposal(&proposal.event, proposal.id).await,
        Ok(Some(proposal.clone()))
    );
    assert_eq!(
        store.insert_proposal(&proposal).await,
        Err(StoreError::AlreadyExists)
    );

    let other_event = EventSlug::parse("other-event").expect("slug");
    assert_eq!(
        store.get_proposal(&other_event, proposal.id).await,
        Ok(None)
    );
    assert_eq!(
        store
            .get_proposal(&proposal.event, ProposalId::generate())
            .await,
        Ok(None)
    );

    let item = raw_item(
        &client,
        "EVENT#devconf-2027",
        &format!("CFP#{}", proposal.id),
    )
    .await
    .expect("stored");
    // The stream filter of the email function matches exactly this.
    assert_eq!(s(&item, "entity"), "Proposal");
    assert_eq!(s(&item, "title"), "Zero-cost idling");
    assert_eq!(s(&item, "status"), "submitted");
    assert_eq!(n(&item, "version"), "1");
    assert_eq!(s(&item, "eventName"), "DevConf 2027");
    assert_eq!(
        s(item["speaker"].as_m().expect("speaker map"), "email"),
        "ada@example.org"
    );
    assert!(
        !item.contains_key("description"),
        "absent, not NULL: {item:?}"
    );

    // What a stream record's NewImage carries reads back as the same proposal.
    assert_eq!(proposal_from_image(item), Ok(proposal));
}

#[tokio::test]
async fn the_dedupe_protocol_holds_against_dynamodb() {
    let moto = MotoServer::for_tests().await;
    let (store, client) = table(&moto).await;
    let key = DedupeKey::submitted_email(ProposalId::generate());
    let now = Utc::now();
    // A deadline within a second, as a Lambda deadline is: the lease ends there, to the ms.
    let deadline = DateTime::from_timestamp(now.timestamp() + 30, 0).expect("time")
        + Duration::milliseconds(456);

    let first = Claim::new(key.clone(), now, deadline);
    assert_eq!(first.lease_until, deadline);
    assert_eq!(store.claim(&first).await, Ok(ClaimOutcome::Claimed));
    let item = raw_item(&client, &format!("DEDUPE#{}", key.as_str()), "DEDUPE")
        .await
        .expect("stored");
    assert_eq!(s(&item, "entity"), "Dedupe");
    assert_eq!(s(&item, "state"), "in_progress");
    assert_eq!(
        n(&item, "expiresAt"),
        first.expires_at.timestamp().to_string(),
        "the TTL is a Number of epoch seconds"
    );
    assert_eq!(
        n(&item, "leaseUntilMs"),
        deadline.timestamp_millis().to_string()
    );
    assert_eq!(
        n(&item, "leaseUntil"),
        (deadline.timestamp() + 1).to_string(),
        "in whole seconds for older readers, rounded up so never before the lease ends"
    );

    let second = Claim::new(key.clone(), now, deadline);
    let held = match store.claim(&second).await {
        Ok(ClaimOutcome::Held(Some(record))) => record,
        other => panic!("expected the first claim's record, got {other:?}"),
    };
    assert_eq!(held.state, DedupeState::InProgress);
    assert_eq!(held.lease_token, first.token);
    assert_eq!(held.lease_until, deadline, "read back to the millisecond");

    // Only the holder marks or releases.
    assert_eq!(store.mark_sent(&second).await, Ok(false));
    assert_eq!(store.release(&second).await, Ok(false));
    assert_eq!(store.mark_sent(&first).await, Ok(true));
    match store.claim(&second).await {
        Ok(ClaimOutcome::Held(Some(record))) => assert_eq!(record.state, DedupeState::Sent),
        other => panic!("expected a sent record, got {other:?}"),
    }
    assert_eq!(
        store.release(&first).await,
        Ok(false),
        "a sent record is never released"
    );
}

#[tokio::test]
async fn an_expired_lease_is_taken_over_by_exactly_one_and_released_by_its_holder() {
    let moto = MotoServer::for_tests().await;
    let (store, client) = table(&moto).await;
    let key = DedupeKey::submitted_email(ProposalId::generate());
    let now = Utc::now();

    let deadline = now + Duration::seconds(30);
    // Timed out a millisecond ago.
    let crashed = Claim::new(
        key.clone(),
        now - Duration::seconds(30),
        now - Duration::milliseconds(1),
    );
    assert_eq!(store.claim(&crashed).await, Ok(ClaimOutcome::Claimed));
    let seen: DedupeRecord = match store.claim(&Claim::new(key.clone(), now, deadline)).await {
        Ok(ClaimOutcome::Held(Some(record))) => record,
        other => panic!("expected the crashed claim's record, got {other:?}"),
    };
    assert_eq!(decide(&seen, now), Decision::TakeOver);

    let (winner, loser) = (
        Claim::new(key.clone(), now, deadline),
        Claim::new(key.clone(), now, deadline),
    );
    assert_eq!(store.take_over(&seen, &winner).await, Ok(true));
    assert_eq!(store.take_over(&seen, &loser).await, Ok(false));
    assert_eq!(
        store.mark_sent(&crashed).await,
        Ok(false),
        "the old holder lost its lease"
    );

    assert_eq!(store.release(&winner).await, Ok(true));
    assert_eq!(
        raw_item(&client, &format!("DEDUPE#{}", key.as_str()), "DEDUPE").await,
        None
    );
    assert_eq!(
        store.claim(&loser).await,
        Ok(ClaimOutcome::Claimed),
        "released: the next claim wins"
    );
}
