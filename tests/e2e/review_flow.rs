//! The review flow over HTTP against the local stack: the event team and per-event roles,
//! listing by state with pagination, edits with optimistic concurrency, withdrawal, decisions
//! (including two at once), who may do what, and Idempotency-Key replays.

use std::time::Duration;

use cfp_e2e::fixtures::{event_body_closing, proposal_body, unique_slug};
use cfp_e2e::{ApiResponse, Caller, Stack, User};
use serde_json::{Value, json};

async fn submit(stack: &Stack, slug: &str, speaker: &User, title: &str) -> String {
    stack.submit(slug, speaker, &proposal_body(title)).await
}

async fn set_role(stack: &Stack, slug: &str, by: &User, user: &User, role: &str) -> ApiResponse {
    stack
        .send(
            reqwest::Method::PUT,
            &format!("/events/{slug}/team/{}", user.sub),
            &by.caller(),
            Some(&json!({"role": role})),
            &[],
        )
        .await
}

async fn act(stack: &Stack, slug: &str, id: &str, action: &str, by: &Caller) -> ApiResponse {
    stack
        .send(
            reqwest::Method::POST,
            &format!("/events/{slug}/cfps/{id}/{action}"),
            by,
            None,
            &[],
        )
        .await
}

async fn patch(
    stack: &Stack,
    slug: &str,
    id: &str,
    by: &Caller,
    body: &Value,
    if_match: Option<&str>,
) -> ApiResponse {
    let headers: Vec<(&str, &str)> = if_match.map(|v| ("if-match", v)).into_iter().collect();
    stack
        .send(
            reqwest::Method::PATCH,
            &format!("/events/{slug}/cfps/{id}"),
            by,
            Some(body),
            &headers,
        )
        .await
}

fn ids(page: &ApiResponse) -> Vec<String> {
    page.json["items"]
        .as_array()
        .unwrap_or_else(|| panic!("a page: {page:?}"))
        .iter()
        .filter_map(|item| item["id"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn organisers_manage_the_team_and_roles_hold_per_event() {
    let stack = &Stack::connect().await;
    let organiser = stack.admin().await;
    let slug = stack.open_event(&organiser).await;
    let other_organiser = stack.admin().await;
    let other_slug = stack.open_event(&other_organiser).await;
    let (reviewer, co_organiser, speaker) = (
        stack.user(None).await,
        stack.user(None).await,
        stack.user(None).await,
    );
    let id = submit(stack, &slug, &speaker, "Team work").await;

    // Before being added, the reviewer reads nothing.
    stack
        .get(&format!("/events/{slug}/cfps/{id}"), reviewer.caller())
        .await
        .problem(403);
    let added = set_role(stack, &slug, &organiser, &reviewer, "reviewer").await;
    assert_eq!(added.status, 200, "{added:?}");
    assert!(
        added.json["members"]
            .as_array()
            .expect("members")
            .iter()
            .any(|m| m["userId"] == reviewer.sub.as_str() && m["role"] == "reviewer"),
        "{added:?}"
    );
    let read = stack
        .get(&format!("/events/{slug}/cfps/{id}"), reviewer.caller())
        .await;
    assert_eq!(read.status, 200, "{read:?}");
    let listed = stack
        .get(&format!("/events/{slug}/cfps"), reviewer.caller())
        .await;
    assert_eq!(ids(&listed), [id.as_str()]);

    // A reviewer does not manage the team; an organiser of another event neither.
    set_role(stack, &slug, &reviewer, &co_organiser, "organiser")
        .await
        .problem(403);
    set_role(stack, &slug, &other_organiser, &co_organiser, "organiser")
        .await
        .problem(403);
    set_role(stack, &slug, &speaker, &speaker, "organiser")
        .await
        .problem(403);
    let anonymous = stack
        .send(
            reqwest::Method::PUT,
            &format!("/events/{slug}/team/{}", speaker.sub),
            &Caller::Anonymous,
            Some(&json!({"role": "organiser"})),
            &[],
        )
        .await;
    assert_eq!(anonymous.status, 401, "{anonymous:?}");
    set_role(stack, &slug, &organiser, &reviewer, "boss")
        .await
        .problem(422);

    // A co-organiser decides in this event, and in no other.
    assert_eq!(
        set_role(stack, &slug, &organiser, &co_organiser, "organiser")
            .await
            .status,
        200
    );
    let other_id = submit(stack, &other_slug, &speaker, "Elsewhere").await;
    act(
        stack,
        &other_slug,
        &other_id,
        "confirm",
        &co_organiser.caller(),
    )
    .await
    .problem(403);
    stack
        .get(&format!("/events/{other_slug}/cfps"), co_organiser.caller())
        .await
        .problem(403);
    let confirmed = act(stack, &slug, &id, "confirm", &co_organiser.caller()).await;
    assert_eq!(confirmed.status, 200, "{confirmed:?}");

    // The last organiser cannot leave; removal takes the reviewer's rights away.
    let removed = stack
        .send(
            reqwest::Method::DELETE,
            &format!("/events/{slug}/team/{}", reviewer.sub),
            &organiser.caller(),
            None,
            &[],
        )
        .await;
    assert_eq!(removed.status, 200, "{removed:?}");
    stack
        .get(&format!("/events/{slug}/cfps/{id}"), reviewer.caller())
        .await
        .problem(403);
    set_role(
        stack,
        &other_slug,
        &other_organiser,
        &other_organiser,
        "reviewer",
    )
    .await
    .problem(409);
}

#[tokio::test]
async fn listing_by_state_newest_first_a_page_at_a_time_and_my_own() {
    let stack = &Stack::connect().await;
    let organiser = stack.admin().await;
    let slug = stack.open_event(&organiser).await;
    let speaker = stack.user(None).await;
    let mut submitted = Vec::new();
    for i in 0..7 {
        submitted.push(submit(stack, &slug, &speaker, &format!("Talk {i}")).await);
    }
    // Two decided: they leave the submitted listing.
    let confirmed = submitted.remove(1);
    let rejected = submitted.remove(3);
    assert_eq!(
        act(stack, &slug, &confirmed, "confirm", &organiser.caller())
            .await
            .status,
        200
    );
    assert_eq!(
        act(stack, &slug, &rejected, "reject", &organiser.caller())
            .await
            .status,
        200
    );
    let newest_first: Vec<String> = submitted.iter().rev().cloned().collect();

    let mut seen = Vec::new();
    let mut path = format!("/events/{slug}/cfps?status=submitted&limit=2");
    let mut pages = 0;
    loop {
        let page = stack.get(&path, organiser.caller()).await;
        assert_eq!(page.status, 200, "{page:?}");
        let items = ids(&page);
        assert!(items.len() <= 2, "{page:?}");
        assert!(
            page.json["items"]
                .as_array()
                .into_iter()
                .flatten()
                .all(|p| p["status"] == "submitted")
        );
        seen.extend(items);
        pages += 1;
        match page.json["nextCursor"].as_str() {
            Some(cursor) => {
                path = format!("/events/{slug}/cfps?status=submitted&limit=2&cursor={cursor}")
            }
            None => break,
        }
    }
    assert_eq!(seen, newest_first);
    assert_eq!(pages, 3);

    let confirmed_list = stack
        .get(
            &format!("/events/{slug}/cfps?status=confirmed"),
            organiser.caller(),
        )
        .await;
    assert_eq!(ids(&confirmed_list), [confirmed.as_str()]);
    assert_eq!(confirmed_list.json["nextCursor"], Value::Null);
    let all = stack
        .get(
            &format!("/events/{slug}/cfps?limit=100"),
            organiser.caller(),
        )
        .await;
    assert_eq!(ids(&all).len(), 7);

    // Bad parameters and forged cursors are 400 problems, never 500.
    for query in [
        "limit=0",
        "limit=101",
        "limit=abc",
        "status=accepted",
        "cursor=garbage",
        "cursor=eyJzIjoiZXZlbnQ6eDphbGwiLCJlIjoieHh4IiwiaSI6IjEifQ",
        "cursor=%00%01",
    ] {
        stack
            .get(&format!("/events/{slug}/cfps?{query}"), organiser.caller())
            .await
            .problem(400);
    }
    // A cursor of one listing does not continue another.
    let first = stack
        .get(
            &format!("/events/{slug}/cfps?status=submitted&limit=1"),
            organiser.caller(),
        )
        .await;
    let cursor = first.json["nextCursor"].as_str().expect("more").to_owned();
    stack
        .get(
            &format!("/events/{slug}/cfps?status=confirmed&cursor={cursor}"),
            organiser.caller(),
        )
        .await
        .problem(400);

    // Who may list.
    stack
        .get(&format!("/events/{slug}/cfps"), speaker.caller())
        .await
        .problem(403);
    let outsider = stack.admin().await;
    stack
        .get(&format!("/events/{slug}/cfps"), outsider.caller())
        .await
        .problem(403);
    assert_eq!(
        stack
            .get(&format!("/events/{slug}/cfps"), Caller::Anonymous)
            .await
            .status,
        401
    );

    // The speaker's own, across events, newest first.
    let other_slug = stack.open_event(&organiser).await;
    let elsewhere = submit(stack, &other_slug, &speaker, "Elsewhere").await;
    let mut mine = Vec::new();
    let mut path = "/me/cfps?limit=3".to_owned();
    loop {
        let page = stack.get(&path, speaker.caller()).await;
        assert_eq!(page.status, 200, "{page:?}");
        mine.extend(ids(&page));
        match page.json["nextCursor"].as_str() {
            Some(cursor) => path = format!("/me/cfps?limit=3&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(mine.len(), 8, "{mine:?}");
    assert_eq!(mine[0], elsewhere);
    let someone_else = stack.user(None).await;
    let theirs = stack.get("/me/cfps", someone_else.caller()).await;
    assert_eq!(ids(&theirs), Vec::<String>::new());
    assert_eq!(stack.get("/me/cfps", Caller::Anonymous).await.status, 401);
}

#[tokio::test]
async fn edits_need_the_current_version_an_open_cfp_and_a_submitted_proposal() {
    let stack = &Stack::connect().await;
    let organiser = stack.admin().await;
    let slug = stack.open_event(&organiser).await;
    let speaker = stack.user(None).await;
    let id = submit(stack, &slug, &speaker, "Draft title").await;
    let by = speaker.caller();

    let edited = patch(
        stack,
        &slug,
        &id,
        &by,
        &json!({"title": "Final title", "description": null}),
        Some("\"1\""),
    )
    .await;
    assert_eq!(edited.status, 200, "{edited:?}");
    assert_eq!(edited.header("etag"), Some("\"2\""));
    assert_eq!(edited.json["title"], "Final title");
    assert_eq!(edited.json["description"], Value::Null);
    assert_eq!(edited.json["abstract"], proposal_body("x")["abstract"]);
    let read = stack
        .get(&format!("/events/{slug}/cfps/{id}"), by.clone())
        .await;
    assert_eq!(read.header("etag"), Some("\"2\""));
    assert_eq!(read.json["title"], "Final title");

    // Stale: based on version 1. Missing If-Match: 428. Neither changes anything.
    patch(
        stack,
        &slug,
        &id,
        &by,
        &json!({"title": "Stale"}),
        Some("\"1\""),
    )
    .await
    .problem(412);
    patch(stack, &slug, &id, &by, &json!({"title": "Blind"}), None)
        .await
        .problem(428);
    patch(
        stack,
        &slug,
        &id,
        &by,
        &json!({"title": null}),
        Some("\"2\""),
    )
    .await
    .problem(422);
    // Nobody but the owner.
    let other_speaker = stack.user(None).await;
    patch(
        stack,
        &slug,
        &id,
        &other_speaker.caller(),
        &json!({"title": "Mine"}),
        Some("\"2\""),
    )
    .await
    .problem(403);
    patch(
        stack,
        &slug,
        &id,
        &organiser.caller(),
        &json!({"title": "Mine"}),
        Some("\"2\""),
    )
    .await
    .problem(403);
    assert_eq!(
        patch(
            stack,
            &slug,
            &id,
            &Caller::Anonymous,
            &json!({"title": "Mine"}),
            Some("\"2\"")
        )
        .await
        .status,
        401
    );
    let stored = stack
        .get(&format!("/events/{slug}/cfps/{id}"), by.clone())
        .await;
    assert_eq!(stored.json["title"], "Final title");
    assert_eq!(stored.json["version"], 2);

    // After a decision: 409, whatever the ETag.
    assert_eq!(
        act(stack, &slug, &id, "reject", &organiser.caller())
            .await
            .status,
        200
    );
    patch(
        stack,
        &slug,
        &id,
        &by,
        &json!({"title": "Too late"}),
        Some("\"3\""),
    )
    .await
    .problem(409);

    // After the CfP closed: 409.
    let closing = unique_slug();
    let closes = chrono::Utc::now() + chrono::Duration::seconds(4);
    let created = stack
        .post(
            "/events",
            organiser.caller(),
            &event_body_closing(&closing, &closes.to_rfc3339()),
        )
        .await;
    assert_eq!(created.status, 201, "{created:?}");
    let late_id = submit(stack, &closing, &speaker, "Just in time").await;
    let wait =
        (closes - chrono::Utc::now()).to_std().unwrap_or_default() + Duration::from_millis(500);
    tokio::time::sleep(wait).await;
    let problem = patch(
        stack,
        &closing,
        &late_id,
        &by,
        &json!({"title": "Too late"}),
        Some("\"1\""),
    )
    .await;
    assert_eq!(
        problem.problem(409)["type"]
            .as_str()
            .map(|t| t.ends_with("cfp-closed")),
        Some(true)
    );
    // Withdrawing stays possible after the CfP closed.
    let withdrawn = act(stack, &closing, &late_id, "withdraw", &by).await;
    assert_eq!(withdrawn.status, 200, "{withdrawn:?}");
    assert_eq!(withdrawn.json["status"], "withdrawn");
}

#[tokio::test]
async fn two_organisers_deciding_at_once_end_with_one_decision() {
    let stack = &Stack::connect().await;
    let organiser = stack.admin().await;
    let slug = stack.open_event(&organiser).await;
    let second = stack.user(None).await;
    assert_eq!(
        set_role(stack, &slug, &organiser, &second, "organiser")
            .await
            .status,
        200
    );
    let speaker = stack.user(None).await;

    for round in 0..3 {
        let id = submit(stack, &slug, &speaker, &format!("Contested {round}")).await;
        let (first, other) = (organiser.caller(), second.caller());
        let (a, b) = tokio::join!(
            act(stack, &slug, &id, "confirm", &first),
            act(stack, &slug, &id, "reject", &other),
        );
        let mut statuses = [a.status, b.status];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 409], "{a:?} {b:?}");
        let winner = if a.status == 200 { &a } else { &b };
        let loser = if a.status == 200 { &b } else { &a };
        loser.problem(409);
        let stored = stack
            .get(&format!("/events/{slug}/cfps/{id}"), speaker.caller())
            .await;
        assert_eq!(stored.json["status"], winner.json["status"], "{stored:?}");
        assert_eq!(stored.json["version"], 2);
        assert!(stored.json["decidedAt"].is_string(), "{stored:?}");
    }
}

#[tokio::test]
async fn decisions_and_withdrawals_are_for_the_right_people_only() {
    let stack = &Stack::connect().await;
    let organiser = stack.admin().await;
    let slug = stack.open_event(&organiser).await;
    let reviewer = stack.user(None).await;
    assert_eq!(
        set_role(stack, &slug, &organiser, &reviewer, "reviewer")
            .await
            .status,
        200
    );
    let other_organiser = stack.admin().await;
    stack.open_event(&other_organiser).await;
    let speaker = stack.user(None).await;
    let other_speaker = stack.user(None).await;
    let id = submit(stack, &slug, &speaker, "Guarded").await;

    for action in ["confirm", "reject"] {
        for (who, status) in [
            (reviewer.caller(), 403),
            (speaker.caller(), 403),
            (other_speaker.caller(), 403),
            (other_organiser.caller(), 403),
        ] {
            act(stack, &slug, &id, action, &who).await.problem(status);
        }
        assert_eq!(
            act(stack, &slug, &id, action, &Caller::Anonymous)
                .await
                .status,
            401
        );
    }
    for who in [
        organiser.caller(),
        reviewer.caller(),
        other_speaker.caller(),
    ] {
        act(stack, &slug, &id, "withdraw", &who).await.problem(403);
    }
    assert_eq!(
        act(stack, &slug, &id, "withdraw", &Caller::Anonymous)
            .await
            .status,
        401
    );
    let read = stack
        .get(&format!("/events/{slug}/cfps/{id}"), speaker.caller())
        .await;
    assert_eq!(
        (read.json["status"].clone(), read.json["version"].clone()),
        (json!("submitted"), json!(1))
    );

    // Confirmed, then withdrawn by its speaker; a decided proposal is not decided again.
    let confirmed = act(stack, &slug, &id, "confirm", &organiser.caller()).await;
    assert_eq!(confirmed.status, 200, "{confirmed:?}");
    assert_eq!(confirmed.json["status"], "confirmed");
    assert_eq!(confirmed.header("etag"), Some("\"2\""));
    act(stack, &slug, &id, "reject", &organiser.caller())
        .await
        .problem(409);
    let stale = stack
        .send(
            reqwest::Method::POST,
            &format!("/events/{slug}/cfps/{id}/withdraw"),
            &speaker.caller(),
            None,
            &[("if-match", "\"1\"")],
        )
        .await;
    stale.problem(412);
    let withdrawn = act(stack, &slug, &id, "withdraw", &speaker.caller()).await;
    assert_eq!(withdrawn.status, 200, "{withdrawn:?}");
    assert_eq!(withdrawn.json["status"], "withdrawn");
    assert_eq!(withdrawn.json["version"], 3);
    act(stack, &slug, &id, "withdraw", &speaker.caller())
        .await
        .problem(409);
    act(stack, &slug, &id, "confirm", &organiser.caller())
        .await
        .problem(409);
}

#[tokio::test]
async fn an_idempotency_key_replays_the_answer_and_refuses_another_body() {
    let stack = &Stack::connect().await;
    let organiser = stack.admin().await;
    let slug = stack.open_event(&organiser).await;
    let speaker = stack.user(None).await;
    let key = format!("submit-{}", uuid::Uuid::new_v4());
    let path = format!("/events/{slug}/cfps");
    let body = proposal_body("Once only");

    let first = stack
        .send(
            reqwest::Method::POST,
            &path,
            &speaker.caller(),
            Some(&body),
            &[("idempotency-key", &key)],
        )
        .await;
    assert_eq!(first.status, 201, "{first:?}");
    let again = stack
        .send(
            reqwest::Method::POST,
            &path,
            &speaker.caller(),
            Some(&body),
            &[("idempotency-key", &key)],
        )
        .await;
    assert_eq!(again.status, 201, "{again:?}");
    assert_eq!(again.json, first.json);
    assert_eq!(again.header("location"), first.header("location"));
    assert_eq!(again.header("etag"), first.header("etag"));
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(stack.stored_proposals(&slug).await.len(), 1);

    let other = stack
        .send(
            reqwest::Method::POST,
            &path,
            &speaker.caller(),
            Some(&proposal_body("Another")),
            &[("idempotency-key", &key)],
        )
        .await;
    other.problem(422);
    assert_eq!(stack.stored_proposals(&slug).await.len(), 1);
    // The same key of another caller is another key.
    let someone = stack.user(None).await;
    let theirs = stack
        .send(
            reqwest::Method::POST,
            &path,
            &someone.caller(),
            Some(&body),
            &[("idempotency-key", &key)],
        )
        .await;
    assert_eq!(theirs.status, 201, "{theirs:?}");
    assert_eq!(stack.stored_proposals(&slug).await.len(), 2);
    let bad_key = "k".repeat(256);
    stack
        .send(
            reqwest::Method::POST,
            &path,
            &speaker.caller(),
            Some(&body),
            &[("idempotency-key", &bad_key)],
        )
        .await
        .problem(400);

    // A decision retried with its key answers the same; events too.
    let id = first.json["id"].as_str().expect("an id");
    let decide = format!("/events/{slug}/cfps/{id}/confirm");
    let once = stack
        .send(
            reqwest::Method::POST,
            &decide,
            &organiser.caller(),
            None,
            &[("idempotency-key", "decide-1")],
        )
        .await;
    let twice = stack
        .send(
            reqwest::Method::POST,
            &decide,
            &organiser.caller(),
            None,
            &[("idempotency-key", "decide-1")],
        )
        .await;
    assert_eq!(
        (once.status, twice.status),
        (200, 200),
        "{once:?} {twice:?}"
    );
    assert_eq!(once.json, twice.json);
    let slug2 = unique_slug();
    let event = cfp_e2e::fixtures::event_body(&slug2);
    let made = stack
        .send(
            reqwest::Method::POST,
            "/events",
            &organiser.caller(),
            Some(&event),
            &[("idempotency-key", "event-1")],
        )
        .await;
    let remade = stack
        .send(
            reqwest::Method::POST,
            "/events",
            &organiser.caller(),
            Some(&event),
            &[("idempotency-key", "event-1")],
        )
        .await;
    assert_eq!(
        (made.status, remade.status),
        (201, 201),
        "{made:?} {remade:?}"
    );
    assert_eq!(made.json, remade.json);
}
