//! Bad input of any shape gets a clear 4xx problem+json and stores nothing.

use cfp_e2e::fixtures::{event_body, event_body_closing, proposal_body, unique_slug};
use cfp_e2e::{Stack, User};
use serde_json::{Value, json};

async fn open_event_and_speaker() -> (Stack, String, User) {
    let stack = Stack::connect().await;
    let organiser = stack.admin().await;
    let slug = stack.open_event(&organiser).await;
    let speaker = stack.user(None).await;
    (stack, slug, speaker)
}

fn with(mut body: Value, pointer: &str, value: Value) -> Value {
    *body.pointer_mut(pointer).expect("field exists") = value;
    body
}

fn without(mut body: Value, field: &str) -> Value {
    body.as_object_mut().expect("object").remove(field);
    body
}

#[tokio::test]
async fn malformed_or_mistyped_proposals_are_refused_and_nothing_is_stored() {
    let (stack, slug, speaker) = open_event_and_speaker().await;
    let path = format!("/events/{slug}/cfps");

    for (what, body) in [
        ("truncated JSON", &b"{\"title\": \"Half"[..]),
        ("not JSON", &b"title=Hello"[..]),
        ("empty body", &b""[..]),
        ("invalid UTF-8", &b"{\"title\": \"\xff\xfe\"}"[..]),
    ] {
        let response = stack
            .post_raw(&path, speaker.caller(), "application/json", body)
            .await;
        assert_eq!(response.status, 400, "{what}: {response:?}");
        response.problem(400);
    }

    let valid = proposal_body("A valid title");
    for (what, body, field) in [
        (
            "title is a number",
            with(valid.clone(), "/title", json!(42)),
            "title",
        ),
        (
            "speaker is a string",
            with(valid.clone(), "/speaker", json!("Ada")),
            "speaker",
        ),
        ("no title", without(valid.clone(), "title"), "title"),
        ("no speaker", without(valid.clone(), "speaker"), "speaker"),
        (
            "blank title",
            with(valid.clone(), "/title", json!("   ")),
            "title",
        ),
        (
            "title too long",
            with(valid.clone(), "/title", json!("x".repeat(201))),
            "title",
        ),
        (
            "abstract too long",
            with(valid.clone(), "/abstract", json!("x".repeat(2001))),
            "abstract",
        ),
        (
            "name too long",
            with(valid.clone(), "/speaker/name", json!("x".repeat(101))),
            "speaker.name",
        ),
        (
            "header injection",
            with(valid.clone(), "/title", json!("Hi\r\nBcc: all@example.org")),
            "title",
        ),
        (
            "unknown session type",
            with(valid.clone(), "/sessionType", json!("Keynote")),
            "sessionType",
        ),
        (
            "unknown track",
            with(valid.clone(), "/track", json!("Cooking")),
            "track",
        ),
        (
            "bad language",
            with(valid.clone(), "/language", json!("<script>")),
            "language",
        ),
        ("an array", json!([valid.clone()]), ""),
    ] {
        let response = stack.post(&path, speaker.caller(), &body).await;
        let problem = response.problem(422);
        if !field.is_empty() {
            let errors = problem["errors"]
                .as_array()
                .unwrap_or_else(|| panic!("{what}: {problem}"));
            assert!(
                errors.iter().any(|e| e["field"] == field),
                "{what}: expected an error on {field}: {problem}"
            );
        }
    }

    let huge = with(valid.clone(), "/description", json!("x".repeat(70 * 1024)));
    stack
        .post(&path, speaker.caller(), &huge)
        .await
        .problem(413);

    let response = stack
        .post_raw(
            &path,
            speaker.caller(),
            "text/plain",
            serde_json::to_vec(&valid).unwrap(),
        )
        .await;
    response.problem(415);

    assert!(
        stack.stored_proposals(&slug).await.is_empty(),
        "nothing stored"
    );
}

#[tokio::test]
async fn proposals_to_an_unknown_event_or_a_closed_cfp_are_refused() {
    let stack = &Stack::connect().await;
    let speaker = stack.user(None).await;
    let unknown = unique_slug();
    stack
        .post(
            &format!("/events/{unknown}/cfps"),
            speaker.caller(),
            &proposal_body("Nowhere"),
        )
        .await
        .problem(404);
    assert!(stack.stored_proposals(&unknown).await.is_empty());

    let organiser = stack.admin().await;
    let closed = unique_slug();
    let yesterday = (chrono::Utc::now() - chrono::Duration::days(1)).to_rfc3339();
    let created = stack
        .post(
            "/events",
            organiser.caller(),
            &event_body_closing(&closed, &yesterday),
        )
        .await;
    assert_eq!(created.status, 201, "{created:?}");
    assert_eq!(created.json["cfpOpen"], false);

    let response = stack
        .post(
            &format!("/events/{closed}/cfps"),
            speaker.caller(),
            &proposal_body("Too late"),
        )
        .await;
    let problem = response.problem(409);
    assert!(
        problem["type"]
            .as_str()
            .is_some_and(|t| t.ends_with("cfp-closed")),
        "{problem}"
    );
    assert!(stack.stored_proposals(&closed).await.is_empty());
}

#[tokio::test]
async fn invalid_events_are_refused_and_not_created() {
    let stack = &Stack::connect().await;
    let admin = stack.admin().await;
    let slug = unique_slug();
    let valid = event_body(&slug);
    for (what, body, field) in [
        (
            "bad slug",
            with(valid.clone(), "/slug", json!("Not A Slug!")),
            "slug",
        ),
        (
            "unknown time zone",
            with(valid.clone(), "/timeZone", json!("Mars/Olympus")),
            "timeZone",
        ),
        (
            "ends before it starts",
            with(valid.clone(), "/endDate", json!("2027-06-01")),
            "endDate",
        ),
        (
            "not a date",
            with(valid.clone(), "/startDate", json!("10.06.2027")),
            "startDate",
        ),
        (
            "no offset",
            with(valid.clone(), "/cfpClosesAt", json!("2027-01-01T00:00:00")),
            "cfpClosesAt",
        ),
        (
            "no rooms",
            with(valid.clone(), "/rooms", json!([])),
            "rooms",
        ),
        (
            "zero minutes",
            with(valid.clone(), "/sessionTypes/0/durationMinutes", json!(0)),
            "sessionTypes",
        ),
    ] {
        let response = stack.post("/events", admin.caller(), &body).await;
        let problem = response.problem(422);
        let errors = problem["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("{what}: {problem}"));
        assert!(
            errors
                .iter()
                .any(|e| e["field"].as_str().is_some_and(|f| f.starts_with(field))),
            "{what}: expected an error on {field}: {problem}"
        );
    }
    stack
        .post_raw("/events", admin.caller(), "application/json", "{not json")
        .await
        .problem(400);
    stack
        .get(&format!("/events/{slug}"), cfp_e2e::Caller::Anonymous)
        .await
        .problem(404);
}
