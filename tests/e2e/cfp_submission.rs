//! The walking skeleton's vertical slice: a signed-in speaker submits a proposal over HTTP, it is
//! stored, exactly one email reaches the speaker, and only the right people can read it.

use std::time::Duration;

use cfp_e2e::fixtures::proposal_body;
use cfp_e2e::{Caller, Stack, eventually};

#[tokio::test]
async fn a_submitted_proposal_is_stored_mailed_once_and_readable_by_owner_and_organiser() {
    let stack = &Stack::connect().await;
    let organiser = stack.admin().await;
    let slug = stack.open_event(&organiser).await;
    let speaker = stack.user(None).await;
    let title = format!("Zero-cost idling {}", uuid::Uuid::new_v4().simple());

    let created = stack
        .post(
            &format!("/events/{slug}/cfps"),
            speaker.caller(),
            &proposal_body(&title),
        )
        .await;
    assert_eq!(created.status, 201, "{created:?}");
    let id = created.json["id"].as_str().expect("an id").to_owned();
    assert_eq!(created.json["status"], "submitted");
    assert_eq!(created.json["version"], 1);
    assert_eq!(created.json["title"], title.as_str());
    assert_eq!(created.json["event"], slug.as_str());
    assert_eq!(
        created.header("location"),
        Some(format!("/events/{slug}/cfps/{id}").as_str())
    );
    assert_eq!(created.header("etag"), Some("\"1\""));

    // Stored, with the speaker's address from the token (never from the body).
    let stored = stack.stored_proposals(&slug).await;
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(stored[0]["sk"].as_s().ok(), Some(&format!("CFP#{id}")));
    assert_eq!(stored[0]["title"].as_s().ok(), Some(&title));

    // Exactly one submission email with the title reaches the speaker.
    let mails = eventually("the submission email", Duration::from_secs(30), || async {
        let mails = stack.emails_to(&speaker.email).await;
        (!mails.is_empty()).then_some(mails)
    })
    .await;
    assert!(mails[0].subject.contains(&title), "{:?}", mails[0]);
    // The stream may deliver again; give it time to, then count again.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(stack.emails_to(&speaker.email).await.len(), 1);

    let path = format!("/events/{slug}/cfps/{id}");
    let as_owner = stack.get(&path, speaker.caller()).await;
    assert_eq!(as_owner.status, 200, "{as_owner:?}");
    assert_eq!(as_owner.json["id"], id.as_str());
    assert_eq!(as_owner.json["title"], title.as_str());
    assert_eq!(as_owner.header("etag"), Some("\"1\""));

    let as_organiser = stack.get(&path, organiser.caller()).await;
    assert_eq!(as_organiser.status, 200, "{as_organiser:?}");
    assert_eq!(as_organiser.json["id"], id.as_str());

    let another_speaker = stack.user(None).await;
    stack
        .get(&path, another_speaker.caller())
        .await
        .problem(403);

    let anonymous = stack.get(&path, Caller::Anonymous).await;
    assert_eq!(anonymous.status, 401, "{anonymous:?}");
}

#[tokio::test]
async fn an_organiser_of_another_event_cannot_read_the_proposal() {
    let stack = &Stack::connect().await;
    let organiser = stack.admin().await;
    let slug = stack.open_event(&organiser).await;
    let other_organiser = stack.admin().await;
    stack.open_event(&other_organiser).await;
    let speaker = stack.user(None).await;

    let created = stack
        .post(
            &format!("/events/{slug}/cfps"),
            speaker.caller(),
            &proposal_body("Roles are per event"),
        )
        .await;
    assert_eq!(created.status, 201, "{created:?}");
    let id = created.json["id"].as_str().expect("an id");

    stack
        .get(
            &format!("/events/{slug}/cfps/{id}"),
            other_organiser.caller(),
        )
        .await
        .problem(403);
}

#[tokio::test]
async fn the_public_event_is_readable_without_a_token_and_only_admins_create_events() {
    let stack = &Stack::connect().await;
    let organiser = stack.admin().await;
    let slug = stack.open_event(&organiser).await;

    let event = stack
        .get(&format!("/events/{slug}"), Caller::Anonymous)
        .await;
    assert_eq!(event.status, 200, "{event:?}");
    assert_eq!(event.json["slug"], slug.as_str());
    assert_eq!(event.json["cfpOpen"], true);
    assert_eq!(event.json["sessionTypes"][0]["name"], "Talk");
    assert!(
        event.json.get("team").is_none(),
        "the team is not public: {event:?}"
    );
    assert!(
        !String::from_utf8_lossy(&event.body).contains(&organiser.sub),
        "no user ids in the public event"
    );

    let speaker = stack.user(None).await;
    let slug2 = cfp_e2e::fixtures::unique_slug();
    stack
        .post(
            "/events",
            speaker.caller(),
            &cfp_e2e::fixtures::event_body(&slug2),
        )
        .await
        .problem(403);
    let anonymous = stack
        .post(
            "/events",
            Caller::Anonymous,
            &cfp_e2e::fixtures::event_body(&slug2),
        )
        .await;
    assert_eq!(anonymous.status, 401, "{anonymous:?}");
    stack
        .post(
            "/events",
            organiser.caller(),
            &cfp_e2e::fixtures::event_body(&slug),
        )
        .await
        .problem(409);
    stack
        .get(&format!("/events/{slug2}"), Caller::Anonymous)
        .await
        .problem(404);
}
