//! The review flow's adapters against the real DynamoDB API (moto): conditional replacement of
//! proposals (keeping what other writers own), listings from the table and its indexes,
//! team changes conditional on the event's version, and the idempotency record's conditions.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, KeySchemaElement,
    KeyType, Projection, ProjectionType, ScalarAttributeType,
};
use cfp_domain::Caller;
use cfp_domain::event::Event;
use cfp_domain::idempotency::{Fingerprint, IdempotencyClaim, IdempotencyKey, StoredResponse};
use cfp_domain::listing::{Listing, PageLimit, PageRequest};
use cfp_domain::ports::{
    EventReplaced, EventStore, IdempotencyClaimOutcome, IdempotencyStore, ProposalStore, Replaced,
};
use cfp_domain::proposal::{Action, Proposal, ProposalStatus};
use cfp_domain::team::Role;
use cfp_domain::test_data;
use cfp_domain::use_cases::{self, TeamMemberRequest};
use cfp_dynamodb::CfpTable;
use cfp_local_moto::MotoServer;
use chrono::Utc;

const TABLE: &str = "CfpTable";

fn key(name: &str, key_type: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(key_type)
        .build()
        .expect("key schema")
}

/// The table as template.yaml declares it, with both indexes.
async fn table(moto: &MotoServer) -> (CfpTable, Client) {
    let client = Client::new(&moto.sdk_config().await);
    let attribute = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .expect("attribute")
    };
    let index = |name: &str, hash: &str| {
        GlobalSecondaryIndex::builder()
            .index_name(name)
            .key_schema(key(hash, KeyType::Hash))
            .key_schema(key("sk", KeyType::Range))
            .projection(
                Projection::builder()
                    .projection_type(ProjectionType::All)
                    .build(),
            )
            .build()
            .expect("index")
    };
    client
        .create_table()
        .table_name(TABLE)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key("pk", KeyType::Hash))
        .key_schema(key("sk", KeyType::Range))
        .attribute_definitions(attribute("pk"))
        .attribute_definitions(attribute("sk"))
        .attribute_definitions(attribute("eventStatus"))
        .attribute_definitions(attribute("ownerId"))
        .global_secondary_indexes(index("ByEventStatus", "eventStatus"))
        .global_secondary_indexes(index("ByOwner", "ownerId"))
        .send()
        .await
        .expect("creating the table");
    (CfpTable::new(client.clone(), TABLE), client)
}

#[tokio::test]
async fn a_replacement_is_conditional_and_keeps_the_picture() {
    let moto = MotoServer::for_tests().await;
    let (store, client) = table(&moto).await;
    let proposal = test_data::proposal();
    store.insert_proposal(&proposal).await.expect("inserted");
    // The picture pipeline's write: a `picture` map, one version on.
    client
        .update_item()
        .table_name(TABLE)
        .key("pk", AttributeValue::S("EVENT#devconf-2027".into()))
        .key("sk", AttributeValue::S(format!("CFP#{}", proposal.id)))
        .update_expression("SET picture = :p, version = :v")
        .expression_attribute_values(
            ":p",
            AttributeValue::M(
                [
                    (
                        "thumbnailKey",
                        AttributeValue::S("pictures/thumbnails/a.jpg".into()),
                    ),
                    ("contentType", AttributeValue::S("image/jpeg".into())),
                    ("width", AttributeValue::N("256".into())),
                    ("height", AttributeValue::N("256".into())),
                    (
                        "updatedAt",
                        AttributeValue::S("2027-01-15T12:00:00.000+00:00".into()),
                    ),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
            ),
        )
        .expression_attribute_values(":v", AttributeValue::N("2".into()))
        .send()
        .await
        .expect("the picture update");
    let current = store
        .get_proposal(&proposal.event, proposal.id)
        .await
        .expect("read")
        .expect("there");
    assert_eq!(current.version.get(), 2);
    assert_eq!(current.picture.as_ref().map(|p| p.width), Some(256));

    // Based on the old version: refused, with the proposal as it is now.
    let stale = proposal
        .decide(Action::Confirm, &test_data::admin().user_id, Utc::now())
        .expect("confirmed");
    assert_eq!(
        store.replace_proposal(&proposal, &stale).await,
        Ok(Replaced::Conflict(Some(Box::new(current.clone()))))
    );
    // Based on the current one: written; the picture stays, a cleared field goes.
    let mut next = current
        .decide(Action::Reject, &test_data::admin().user_id, Utc::now())
        .expect("rejected");
    next.description = None;
    assert_eq!(
        store.replace_proposal(&current, &next).await,
        Ok(Replaced::Done)
    );
    let stored = store
        .get_proposal(&proposal.event, proposal.id)
        .await
        .expect("read")
        .expect("there");
    assert_eq!(stored, next);
    assert!(stored.picture.is_some());
    assert_eq!(stored.description, None);
    assert_eq!(stored.status, ProposalStatus::Rejected);

    let mut gone = next.clone();
    gone.id = cfp_domain::proposal::ProposalId::generate();
    assert_eq!(
        store.replace_proposal(&gone, &gone).await,
        Ok(Replaced::Conflict(None))
    );
}

#[tokio::test]
async fn listings_page_newest_first_from_the_table_and_its_indexes() {
    let moto = MotoServer::for_tests().await;
    let (store, _) = table(&moto).await;
    let mut proposals: Vec<Proposal> = Vec::new();
    for i in 0..5 {
        let mut proposal = test_data::proposal();
        if i % 2 == 0 {
            let confirmed = proposal
                .decide(Action::Confirm, &test_data::admin().user_id, Utc::now())
                .expect("confirmed");
            store.insert_proposal(&proposal).await.expect("inserted");
            store
                .replace_proposal(&proposal, &confirmed)
                .await
                .expect("confirmed");
            proposal = confirmed;
        } else {
            store.insert_proposal(&proposal).await.expect("inserted");
        }
        proposals.push(proposal);
    }
    let newest_first = |status: Option<ProposalStatus>| -> Vec<_> {
        proposals
            .iter()
            .rev()
            .filter(|p| status.is_none_or(|s| p.status == s))
            .map(|p| p.id)
            .collect()
    };
    let listings = [
        (
            Listing::Event {
                event: test_data::event().slug,
                status: Some(ProposalStatus::Confirmed),
            },
            newest_first(Some(ProposalStatus::Confirmed)),
        ),
        (
            Listing::Event {
                event: test_data::event().slug,
                status: None,
            },
            newest_first(None),
        ),
        (
            Listing::Owner(test_data::speaker().user_id),
            newest_first(None),
        ),
        (
            Listing::Owner(test_data::other_speaker().user_id),
            Vec::new(),
        ),
    ];
    for (listing, expected) in listings {
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let page = store
                .list_proposals(
                    &listing,
                    &PageRequest {
                        limit: PageLimit::parse("2").expect("limit"),
                        after,
                    },
                )
                .await
                .expect("a page");
            assert!(page.items.len() <= 2);
            seen.extend(page.items.iter().map(|p| p.id));
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        assert_eq!(seen, expected, "{listing:?}");
    }
}

fn with_member(event: &Event, user: &Caller, role: Role) -> Event {
    let team = event
        .team
        .with_member(user.user_id.clone(), role)
        .expect("a valid team");
    event
        .with_team(team, test_data::before_close())
        .expect("the next version")
}

async fn raw_event_item(client: &Client) -> HashMap<String, AttributeValue> {
    client
        .get_item()
        .table_name(TABLE)
        .key("pk", AttributeValue::S("EVENT#devconf-2027".into()))
        .key("sk", AttributeValue::S("EVENT".into()))
        .consistent_read(true)
        .send()
        .await
        .expect("GetItem")
        .item
        .expect("the event item")
}

#[tokio::test]
async fn team_changes_are_writes_conditional_on_the_version() {
    let moto = MotoServer::for_tests().await;
    let (store, client) = table(&moto).await;
    let event = test_data::event();
    store.insert_event(&event).await.expect("inserted");
    assert_eq!(
        raw_event_item(&client).await.get("version"),
        Some(&AttributeValue::N("1".into()))
    );

    let with_reviewer = with_member(&event, &test_data::reviewer(), Role::Reviewer);
    assert_eq!(
        store.replace_team(&event, &with_reviewer).await,
        Ok(EventReplaced::Done)
    );
    assert_eq!(
        store.get_event(&event.slug).await,
        Ok(Some(with_reviewer.clone()))
    );
    let item = raw_event_item(&client).await;
    assert_eq!(item.get("version"), Some(&AttributeValue::N("2".into())));
    assert_eq!(
        item.get("updatedAt"),
        Some(&AttributeValue::S("2027-01-15T12:00:00.000+00:00".into()))
    );

    // A change made from version 1 lost the race: nothing written, the event as it is now.
    let stale = with_member(&event, &test_data::other_admin(), Role::Organiser);
    assert_eq!(
        store.replace_team(&event, &stale).await,
        Ok(EventReplaced::Conflict(Some(Box::new(
            with_reviewer.clone()
        ))))
    );
    assert_eq!(
        store.get_event(&event.slug).await,
        Ok(Some(with_reviewer.clone()))
    );

    // Made again from the new state, it is version 3 and keeps the reviewer.
    let both = with_member(&with_reviewer, &test_data::other_admin(), Role::Organiser);
    assert_eq!(
        store.replace_team(&with_reviewer, &both).await,
        Ok(EventReplaced::Done)
    );
    let read = store
        .get_event(&event.slug)
        .await
        .expect("read")
        .expect("there");
    assert_eq!(read.version.get(), 3);
    assert_eq!(test_data::reviewer().role_in(&read), Some(Role::Reviewer));
    assert_eq!(
        test_data::other_admin().role_in(&read),
        Some(Role::Organiser)
    );

    let mut unknown = test_data::event();
    unknown.slug = cfp_domain::event::EventSlug::parse("no-such-conf").expect("slug");
    let unknown_next = with_member(&unknown, &test_data::reviewer(), Role::Reviewer);
    assert_eq!(
        store.replace_team(&unknown, &unknown_next).await,
        Ok(EventReplaced::Conflict(None))
    );
    assert_eq!(
        store.get_event(&unknown.slug).await,
        Ok(None),
        "no event is made up"
    );
}

#[tokio::test]
async fn an_event_stored_without_a_version_is_changed_as_version_one() {
    let moto = MotoServer::for_tests().await;
    let (store, client) = table(&moto).await;
    let event = test_data::event();
    store.insert_event(&event).await.expect("inserted");
    // As items were written before versions were stored.
    client
        .update_item()
        .table_name(TABLE)
        .key("pk", AttributeValue::S("EVENT#devconf-2027".into()))
        .key("sk", AttributeValue::S("EVENT".into()))
        .update_expression("REMOVE #version, updatedAt")
        .expression_attribute_names("#version", "version")
        .send()
        .await
        .expect("UpdateItem");
    let old = store
        .get_event(&event.slug)
        .await
        .expect("read")
        .expect("there");
    assert_eq!(old, event, "read as version 1, updated when created");

    let first = with_member(&old, &test_data::reviewer(), Role::Reviewer);
    let second = with_member(&old, &test_data::other_admin(), Role::Organiser);
    assert_eq!(
        store.replace_team(&old, &first).await,
        Ok(EventReplaced::Done)
    );
    assert_eq!(
        store.replace_team(&old, &second).await,
        Ok(EventReplaced::Conflict(Some(Box::new(first.clone())))),
        "once versioned, version 1 is no longer the stored one"
    );
}

#[tokio::test]
async fn of_two_concurrent_team_writes_from_one_version_exactly_one_lands() {
    let moto = MotoServer::for_tests().await;
    let (store, _) = table(&moto).await;
    let event = test_data::event();
    store.insert_event(&event).await.expect("inserted");
    let a = with_member(&event, &test_data::reviewer(), Role::Reviewer);
    let b = with_member(&event, &test_data::other_admin(), Role::Organiser);
    let (store_a, store_b) = (store.clone(), store.clone());
    let (event_a, event_b) = (event.clone(), event.clone());
    let (first, second) = tokio::join!(
        tokio::spawn(async move { store_a.replace_team(&event_a, &a).await }),
        tokio::spawn(async move { store_b.replace_team(&event_b, &b).await }),
    );
    let outcomes = [first.expect("task"), second.expect("task")];
    let done = outcomes
        .iter()
        .filter(|outcome| **outcome == Ok(EventReplaced::Done))
        .count();
    assert_eq!(done, 1, "{outcomes:?}");
    let read = store
        .get_event(&event.slug)
        .await
        .expect("read")
        .expect("there");
    assert_eq!(read.version.get(), 2);
    assert!(
        outcomes.contains(&Ok(EventReplaced::Conflict(Some(Box::new(read))))),
        "{outcomes:?}"
    );
}

#[tokio::test]
async fn concurrent_team_changes_through_the_use_case_both_land() {
    let moto = MotoServer::for_tests().await;
    let (store, _) = table(&moto).await;
    let event = test_data::event();
    store.insert_event(&event).await.expect("inserted");
    let admin = test_data::admin();
    let add = |user: Caller, role: &str| {
        let (store, admin) = (store.clone(), admin.clone());
        let request = TeamMemberRequest {
            role: Some(role.to_owned()),
        };
        tokio::spawn(async move {
            use_cases::set_team_member(
                &store,
                &admin,
                "devconf-2027",
                user.user_id.as_str(),
                request,
                Utc::now(),
            )
            .await
            .map(|event| event.version.get())
            .map_err(|error| error.to_string())
        })
    };
    let (first, second) = tokio::join!(
        add(test_data::reviewer(), "reviewer"),
        add(test_data::other_admin(), "organiser")
    );
    let mut versions = [
        first.expect("task").expect("added"),
        second.expect("task").expect("added"),
    ];
    versions.sort();
    assert_eq!(versions, [2, 3], "one after the other, neither lost");
    let read = store
        .get_event(&event.slug)
        .await
        .expect("read")
        .expect("there");
    assert_eq!(read.version.get(), 3);
    assert_eq!(test_data::reviewer().role_in(&read), Some(Role::Reviewer));
    assert_eq!(
        test_data::other_admin().role_in(&read),
        Some(Role::Organiser)
    );
    assert_eq!(admin.role_in(&read), Some(Role::Organiser));
}

#[tokio::test]
async fn an_idempotency_record_is_claimed_once_completed_once_and_read_back() {
    let moto = MotoServer::for_tests().await;
    let (store, _) = table(&moto).await;
    let now = Utc::now();
    let claim = |now| {
        IdempotencyClaim::new(
            test_data::speaker().user_id,
            IdempotencyKey::parse("key-1").expect("key"),
            Fingerprint::of("POST", "/events/devconf-2027/cfps", b"{}"),
            now,
        )
    };
    let first = claim(now);
    assert_eq!(
        store.claim(&first).await,
        Ok(IdempotencyClaimOutcome::Claimed)
    );
    let second = claim(now);
    let held = store.claim(&second).await.expect("claim");
    let IdempotencyClaimOutcome::Held(Some(running)) = held else {
        panic!("{held:?}");
    };
    assert_eq!(running.response, None);
    assert_eq!(running.lease_token, first.token);
    // Only the holder completes it, once.
    let answer = StoredResponse {
        status: 201,
        headers: vec![("location".into(), "/events/devconf-2027/cfps/x".into())],
        body: b"{\"id\":\"x\"}".to_vec(),
    };
    assert_eq!(store.complete(&second, &answer).await, Ok(false));
    assert_eq!(store.take_over(&running, &second).await, Ok(true));
    // `second` took it over (its lease is the current one now): `first` has lost it.
    assert_eq!(store.complete(&first, &answer).await, Ok(false));
    assert_eq!(store.complete(&second, &answer).await, Ok(true));
    assert_eq!(
        store.release(&second).await,
        Ok(false),
        "a completed record stays"
    );
    let done = store.claim(&claim(now)).await.expect("claim");
    let IdempotencyClaimOutcome::Held(Some(done)) = done else {
        panic!("{done:?}");
    };
    assert_eq!(done.response, Some(answer));

    // A released record can be claimed again.
    let other = IdempotencyClaim::new(
        test_data::speaker().user_id,
        IdempotencyKey::parse("key-2").expect("key"),
        Fingerprint::of("POST", "/x", b""),
        now,
    );
    assert_eq!(
        store.claim(&other).await,
        Ok(IdempotencyClaimOutcome::Claimed)
    );
    assert_eq!(store.release(&other).await, Ok(true));
    assert_eq!(
        store.claim(&other).await,
        Ok(IdempotencyClaimOutcome::Claimed)
    );
}
