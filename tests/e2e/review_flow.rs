//! The review flow over HTTP against the local stack: the event team and per-event roles,
//! listing by state with pagination, edits with optimistic concurrency, withdrawal, decisions
//! (including two at once), who may do what, and Idempotency-Key replays.

use std::time::Duration;

use cfp_e2e::fixtures::{event_body_closing, proposal_body, unique_slug};
use cfp_e2e::idempotency::{assert_key_reused, assert_replayed};
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

/// The ids of every page of the listing at `path` (which may have a query already), following the
/// cursors `limit` at a time, and how many pages that took; each page checked for its size.
async fn list_all(stack: &Stack, by: &User, path: &str, limit: usize) -> (Vec<String>, usize) {
    let separator = if path.contains('?') { '&' } else { '?' };
    let first = format!("{path}{separator}limit={limit}");
    let mut next = first.clone();
    let (mut seen, mut pages) = (Vec::new(), 0);
    loop {
        let page = stack.get(&next, by.caller()).await;
        assert_eq!(page.status, 200, "{next}: {page:?}");
        let items = ids(&page);
        assert!(items.len() <= limit, "{next}: {page:?}");
        seen.extend(items);
        pages += 1;
        match page.json["nextCursor"].as_str() {
            Some(cursor) => next = format!("{first}&cursor={cursor}"),
            None => return (seen, pages),
        }
    }
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
    let mut all = Vec::new();
    for i in 0..8 {
        all.push(submit(stack, &slug, &speaker, &format!("Talk {i}")).await);
    }
    // One of each other state, the newest withdrawn: they leave the submitted listing.
    let (confirmed, rejected, withdrawn) = (all[1].clone(), all[4].clone(), all[7].clone());
    for (id, action, by) in [
        (&confirmed, "confirm", organiser.caller()),
        (&rejected, "reject", organiser.caller()),
        (&withdrawn, "withdraw", speaker.caller()),
    ] {
        let done = act(stack, &slug, id, action, &by).await;
        assert_eq!(done.status, 200, "{action}: {done:?}");
    }
    let newest_first =
        |ids: &[&String]| -> Vec<String> { ids.iter().rev().map(|id| (*id).clone()).collect() };
    let submitted: Vec<&String> = all
        .iter()
        .filter(|id| ![&confirmed, &rejected, &withdrawn].contains(id))
        .collect();

    let (seen, pages) = list_all(
        stack,
        &organiser,
        &format!("/events/{slug}/cfps?status=submitted"),
        2,
    )
    .await;
    assert_eq!(seen, newest_first(&submitted));
    assert_eq!(pages, 3);
    for (state, id) in [
        ("confirmed", &confirmed),
        ("rejected", &rejected),
        ("withdrawn", &withdrawn),
    ] {
        let listed = stack
            .get(
                &format!("/events/{slug}/cfps?status={state}"),
                organiser.caller(),
            )
            .await;
        assert_eq!(ids(&listed), [id.as_str()], "{state}");
        assert_eq!(listed.json["items"][0]["status"], state, "{listed:?}");
        assert_eq!(listed.json["nextCursor"], Value::Null);
    }
    // Unfiltered: every state, newest first, whole or a page at a time.
    let everything: Vec<&String> = all.iter().collect();
    let whole = stack
        .get(
            &format!("/events/{slug}/cfps?limit=100"),
            organiser.caller(),
        )
        .await;
    assert_eq!(ids(&whole), newest_first(&everything));
    let (paged, pages) = list_all(stack, &organiser, &format!("/events/{slug}/cfps"), 3).await;
    assert_eq!(paged, newest_first(&everything));
    assert_eq!(pages, 3);

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
    let (mine, _) = list_all(stack, &speaker, "/me/cfps", 3).await;
    let mut expected = vec![elsewhere];
    expected.extend(newest_first(&everything));
    assert_eq!(mine, expected);
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
        .post_with_key(&path, &speaker.caller(), Some(&body), &key)
        .await;
    assert_eq!(first.status, 201, "{first:?}");
    let again = stack
        .post_with_key(&path, &speaker.caller(), Some(&body), &key)
        .await;
    assert_replayed(&first, &again);
    assert_eq!(stack.stored_proposals(&slug).await.len(), 1);

    let other = stack
        .post_with_key(
            &path,
            &speaker.caller(),
            Some(&proposal_body("Another")),
            &key,
        )
        .await;
    assert_key_reused(&other);
    assert_eq!(stack.stored_proposals(&slug).await.len(), 1);
    // The same key of another caller is another key.
    let someone = stack.user(None).await;
    let theirs = stack
        .post_with_key(&path, &someone.caller(), Some(&body), &key)
        .await;
    assert_eq!(theirs.status, 201, "{theirs:?}");
    assert_eq!(stack.stored_proposals(&slug).await.len(), 2);
    let bad_key = "k".repeat(256);
    stack
        .post_with_key(&path, &speaker.caller(), Some(&body), &bad_key)
        .await
        .problem(400);

    // A decision retried with its key answers the same; events too.
    let id = first.json["id"].as_str().expect("an id");
    let decide = format!("/events/{slug}/cfps/{id}/confirm");
    let once = stack
        .post_with_key(&decide, &organiser.caller(), None, "decide-1")
        .await;
    assert_eq!(once.status, 200, "{once:?}");
    let twice = stack
        .post_with_key(&decide, &organiser.caller(), None, "decide-1")
        .await;
    assert_replayed(&once, &twice);
    let slug2 = unique_slug();
    let event = cfp_e2e::fixtures::event_body(&slug2);
    let made = stack
        .post_with_key("/events", &organiser.caller(), Some(&event), "event-1")
        .await;
    assert_eq!(made.status, 201, "{made:?}");
    let remade = stack
        .post_with_key("/events", &organiser.caller(), Some(&event), "event-1")
        .await;
    assert_replayed(&made, &remade);
}

#[tokio::test]
async fn a_withdrawal_retried_with_its_key_answers_the_same_and_withdraws_once() {
    let stack = &Stack::connect().await;
    let organiser = stack.admin().await;
    let slug = stack.open_event(&organiser).await;
    let speaker = stack.user(None).await;
    let id = submit(stack, &slug, &speaker, "Withdrawn once").await;
    let other_id = submit(stack, &slug, &speaker, "Left alone").await;
    let key = format!("withdraw-{}", uuid::Uuid::new_v4());
    let path = format!("/events/{slug}/cfps/{id}/withdraw");

    let first = stack
        .post_with_key(&path, &speaker.caller(), None, &key)
        .await;
    assert_eq!(first.status, 200, "{first:?}");
    assert_eq!(first.json["status"], "withdrawn");
    assert_eq!(first.header("etag"), Some("\"2\""));
    // Withdrawing again for real is a conflict: the retry gets the first answer instead.
    let again = stack
        .post_with_key(&path, &speaker.caller(), None, &key)
        .await;
    assert_replayed(&first, &again);

    // The key with another request: another body, or the withdrawal of another proposal.
    let with_body = stack
        .post_with_key(
            &path,
            &speaker.caller(),
            Some(&json!({"reason": "changed my mind"})),
            &key,
        )
        .await;
    assert_key_reused(&with_body);
    let elsewhere = stack
        .post_with_key(
            &format!("/events/{slug}/cfps/{other_id}/withdraw"),
            &speaker.caller(),
            None,
            &key,
        )
        .await;
    assert_key_reused(&elsewhere);

    // One effect: withdrawn once (version 2), the other proposal untouched.
    let stored = stack
        .get(&format!("/events/{slug}/cfps/{id}"), speaker.caller())
        .await;
    assert_eq!(
        (
            stored.json["status"].clone(),
            stored.json["version"].clone()
        ),
        (json!("withdrawn"), json!(2)),
        "{stored:?}"
    );
    let untouched = stack
        .get(&format!("/events/{slug}/cfps/{other_id}"), speaker.caller())
        .await;
    assert_eq!(
        (
            untouched.json["status"].clone(),
            untouched.json["version"].clone()
        ),
        (json!("submitted"), json!(1)),
        "{untouched:?}"
    );
    // Without the key, the same request is a new one, and refused.
    act(stack, &slug, &id, "withdraw", &speaker.caller())
        .await
        .problem(409);
}

#[tokio::test]
async fn a_picture_form_retried_with_its_key_is_the_same_form() {
    let stack = &Stack::connect().await;
    let organiser = stack.admin().await;
    let slug = stack.open_event(&organiser).await;
    let speaker = stack.user(None).await;
    let id = submit(stack, &slug, &speaker, "Pictured once").await;
    let key = format!("picture-{}", uuid::Uuid::new_v4());
    let path = format!("/events/{slug}/cfps/{id}/picture");
    let png = json!({"contentType": "image/png"});

    let first = stack
        .post_with_key(&path, &speaker.caller(), Some(&png), &key)
        .await;
    assert_eq!(first.status, 200, "{first:?}");
    let upload_key = first.json["fields"]["key"]
        .as_str()
        .expect("the form names its upload key")
        .to_owned();
    let again = stack
        .post_with_key(&path, &speaker.caller(), Some(&png), &key)
        .await;
    assert_replayed(&first, &again);

    // Without the key every request gets a form of its own, for another upload.
    let fresh = stack.post(&path, speaker.caller(), &png).await;
    assert_eq!(fresh.status, 200, "{fresh:?}");
    assert_ne!(
        fresh.json["fields"]["key"],
        upload_key.as_str(),
        "{fresh:?}"
    );

    let jpeg = stack
        .post_with_key(
            &path,
            &speaker.caller(),
            Some(&json!({"contentType": "image/jpeg"})),
            &key,
        )
        .await;
    assert_key_reused(&jpeg);
    // The key of another caller is another key (and they get no form for this proposal).
    let someone = stack.user(None).await;
    stack
        .post_with_key(&path, &someone.caller(), Some(&png), &key)
        .await
        .problem(403);

    // Asking for a form changes nothing: the proposal is as it was.
    let stored = stack
        .get(&format!("/events/{slug}/cfps/{id}"), speaker.caller())
        .await;
    assert_eq!(stored.json["version"], 1, "{stored:?}");
}
