//! The CfP flow in one piece, as the people in it live it: an admin sets up an event, a speaker
//! submits and uploads a picture, an organiser confirms, the speaker gets exactly two emails
//! (received, confirmed), and the rest of the system hears `TalkConfirmed` on the topic, with the
//! thumbnail and without the speaker's address.

use std::time::Duration;

use cfp_e2e::fixtures::proposal_body;
use cfp_e2e::pictures::{png, post_with_form};
use cfp_e2e::topic::TopicSubscriber;
use cfp_e2e::{Stack, eventually};
use serde_json::json;

const WAIT: Duration = Duration::from_secs(30);

#[tokio::test]
async fn submit_picture_confirm_emails_and_the_domain_event() {
    let stack = &Stack::connect().await;
    let organiser = stack.admin().await;
    let slug = stack.open_event(&organiser).await;
    let speaker = stack.user(None).await;
    let subscriber = TopicSubscriber::new(stack, &slug).await;
    let title = format!("The whole flow {}", uuid::Uuid::new_v4().simple());

    // Submit.
    let created = stack
        .post(
            &format!("/events/{slug}/cfps"),
            speaker.caller(),
            &proposal_body(&title),
        )
        .await;
    assert_eq!(created.status, 201, "{created:?}");
    let id = created.json["id"].as_str().expect("an id").to_owned();
    let path = format!("/events/{slug}/cfps/{id}");

    // Picture: the form from the API, the bytes straight to the bucket, the pipeline on its
    // notification; the proposal then points at the thumbnail.
    let form = stack
        .post(
            &format!("{path}/picture"),
            speaker.caller(),
            &json!({"contentType": "image/png"}),
        )
        .await;
    assert!(matches!(form.status, 200 | 201), "{form:?}");
    post_with_form(stack, &form.json, png(640, 480)).await;
    let with_picture = eventually("the thumbnail on the proposal", WAIT, || async {
        let proposal = stack.get(&path, speaker.caller()).await;
        proposal.json["picture"]["thumbnailKey"]
            .is_string()
            .then_some(proposal)
    })
    .await;
    let thumbnail_key = with_picture.json["picture"]["thumbnailKey"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        with_picture.json["picture"]["width"],
        with_picture.json["picture"]["height"]
    );
    assert_eq!(
        with_picture.json["version"], 2,
        "the picture is a change: {with_picture:?}"
    );

    // Confirm, with the version the organiser saw.
    let confirmed = stack
        .request(
            reqwest::Method::POST,
            &format!("{path}/confirm"),
            organiser.caller(),
            Some(("application/json", b"{}".to_vec())),
        )
        .await;
    assert_eq!(confirmed.status, 200, "{confirmed:?}");
    assert_eq!(confirmed.json["status"], "confirmed");
    assert_eq!(confirmed.header("etag"), Some("\"3\""));

    // Two emails, each once: received, then confirmed.
    eventually("the confirmation email", WAIT, || async {
        (stack.emails_to(&speaker.email).await.len() >= 2).then_some(())
    })
    .await;
    // Redeliveries would come within moments; give them the chance, then count.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mails = stack.emails_to(&speaker.email).await;
    assert_eq!(mails.len(), 2, "exactly two emails: {mails:?}");
    assert!(
        mails.iter().all(|mail| mail.subject.contains(&title)),
        "{mails:?}"
    );
    assert_ne!(
        mails[0].subject, mails[1].subject,
        "a receipt and a decision: {mails:?}"
    );

    // The domain event, as a consumer of the topic receives it.
    let event = subscriber.next_event("TalkConfirmed", &slug).await;
    assert_eq!(event["talkId"], id.as_str(), "{event}");
    assert_eq!(event["version"], 3, "{event}");
    assert_eq!(event["talk"]["title"], title.as_str(), "{event}");
    assert_eq!(
        event["talk"]["speakers"][0]["thumbnailKey"],
        thumbnail_key.as_str(),
        "{event}"
    );
    assert!(
        !event.to_string().contains('@'),
        "no e-mail address leaves the context: {event}"
    );

    // The organiser finds it among the confirmed; the speaker among their own.
    let listed = stack
        .get(
            &format!("/events/{slug}/cfps?status=confirmed"),
            organiser.caller(),
        )
        .await;
    assert_eq!(listed.status, 200, "{listed:?}");
    assert_eq!(listed.json["items"][0]["id"], id.as_str(), "{listed:?}");
    let mine = stack.get("/me/cfps", speaker.caller()).await;
    assert_eq!(mine.status, 200, "{mine:?}");
    assert!(
        mine.json["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == id.as_str()),
        "{mine:?}"
    );
}
