//! What leaves the CfP context through the table's stream: the decision emails (one per
//! confirmation, one per rejection, exactly once, hostile text escaped) and the domain events on
//! the CfP events topic (read by a test queue subscribed to the topic, as a consumer would),
//! each published once even when a stream record is delivered again.

use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use cfp_e2e::fixtures::proposal_body;
use cfp_e2e::topic::TopicSubscriber;
use cfp_e2e::{Stack, User, eventually};
use serde_json::Value;

const EMAIL_FUNCTION: &str = "SendCfpConfirmedEmailFunction";
const EVENTS_FUNCTION: &str = "PublishCfpEventsFunction";
const WAIT: Duration = Duration::from_secs(30);

/// A submitted proposal and the people around it.
struct Submitted {
    slug: String,
    id: String,
    title: String,
    organiser: User,
    speaker: User,
}

async fn submit(stack: &Stack, title: &str) -> Submitted {
    let organiser = stack.admin().await;
    let slug = stack.open_event(&organiser).await;
    let speaker = stack.user(None).await;
    let created = stack
        .post(
            &format!("/events/{slug}/cfps"),
            speaker.caller(),
            &proposal_body(title),
        )
        .await;
    assert_eq!(created.status, 201, "{created:?}");
    let id = created.json["id"].as_str().expect("an id").to_owned();
    // The submission email first: the stream is flowing and later counts start from one.
    eventually("the submission email", WAIT, || async {
        (stack.emails_to(&speaker.email).await.len() == 1).then_some(())
    })
    .await;
    Submitted {
        slug,
        id,
        title: title.to_owned(),
        organiser,
        speaker,
    }
}

/// Moves the proposal to `to` over HTTP (`action` is the route's name).
async fn decide(stack: &Stack, proposal: &Submitted, action: &str, to: &str) {
    let caller = if action == "withdraw" {
        proposal.speaker.caller()
    } else {
        proposal.organiser.caller()
    };
    let response = stack
        .post(
            &format!("/events/{}/cfps/{}/{action}", proposal.slug, proposal.id),
            caller,
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(response.status, 200, "{action}: {response:?}");
    assert_eq!(response.json["status"], to, "{response:?}");
}

/// A picture arrives on the proposal, as the picture pipeline writes it (version bumped).
async fn set_picture(stack: &Stack, proposal: &Submitted, thumbnail_key: &str) {
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, false);
    let picture = AttributeValue::M(
        [
            ("thumbnailKey", AttributeValue::S(thumbnail_key.into())),
            ("contentType", AttributeValue::S("image/webp".into())),
            ("width", AttributeValue::N("400".into())),
            ("height", AttributeValue::N("400".into())),
            ("updatedAt", AttributeValue::S(now.clone())),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect(),
    );
    stack
        .dynamodb
        .update_item()
        .table_name(stack.cfp_table())
        .key("pk", AttributeValue::S(format!("EVENT#{}", proposal.slug)))
        .key("sk", AttributeValue::S(format!("CFP#{}", proposal.id)))
        .update_expression("SET picture = :picture, version = version + :one, updatedAt = :now")
        .expression_attribute_values(":picture", picture)
        .expression_attribute_values(":one", AttributeValue::N("1".into()))
        .expression_attribute_values(":now", AttributeValue::S(now))
        .send()
        .await
        .expect("set the picture");
}

/// The stream records (as delivered) in `function`'s invocation log for the proposal `id`.
async fn deliveries(stack: &Stack, function: &str, id: &str) -> Vec<Value> {
    let sk = format!("CFP#{id}");
    stack
        .invocations(function)
        .await
        .into_iter()
        .flat_map(|invocation| {
            invocation["payload"]["Records"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter(|record| record["dynamodb"]["Keys"]["sk"]["S"] == sk.as_str())
        .collect()
}

/// Delivers `record` to `function` again, as at-least-once delivery may; a duplicate is a
/// success, not a failure.
async fn redeliver(stack: &Stack, function: &str, record: &Value) {
    let event = serde_json::json!({"Records": [record]});
    let (status, function_error, response) = stack.invoke(function, &event).await;
    assert_eq!(status, 200, "{response}");
    assert_eq!(function_error, None, "{response}");
    let failures = response["batchItemFailures"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(failures.is_empty(), "{function}: {response}");
}

/// The decision emails to `speaker` (every email but the submission one).
async fn decision_emails(stack: &Stack, speaker: &User) -> Vec<cfp_local::mail::SentEmail> {
    stack
        .emails_to(&speaker.email)
        .await
        .into_iter()
        .filter(|mail| !mail.subject.starts_with("Proposal received"))
        .collect()
}

#[tokio::test]
async fn a_confirmation_is_mailed_once_and_published_once_even_when_delivered_again() {
    let stack = &Stack::connect().await;
    let title = format!("Zero-cost idling {}", uuid::Uuid::new_v4().simple());
    let proposal = submit(stack, &title).await;
    let subscriber = TopicSubscriber::new(stack, &proposal.slug).await;

    decide(stack, &proposal, "confirm", "confirmed").await;

    let mails = eventually("the confirmation email", WAIT, || async {
        let mails = decision_emails(stack, &proposal.speaker).await;
        (!mails.is_empty()).then_some(mails)
    })
    .await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    let mail = &mails[0];
    assert_eq!(mail.from, "cfp@example.org");
    assert!(mail.subject.starts_with("Accepted"), "{mail:?}");
    assert!(mail.subject.contains(&proposal.title), "{mail:?}");
    assert!(mail.subject.contains("DevConf 2027"), "{mail:?}");
    assert!(
        mail.body.contains(&proposal.title) && mail.body.contains("DevConf 2027"),
        "{mail:?}"
    );

    let event = subscriber.next_event("TalkConfirmed", &proposal.slug).await;
    assert_eq!(event["type"], "TalkConfirmed");
    assert_eq!(event["eventSlug"], proposal.slug.as_str());
    assert_eq!(event["talkId"], proposal.id.as_str());
    assert_eq!(event["version"], 2);
    assert!(
        chrono::DateTime::parse_from_rfc3339(event["occurredAt"].as_str().unwrap_or("")).is_ok(),
        "{event}"
    );
    assert_eq!(event["talk"]["title"], proposal.title.as_str());
    assert_eq!(event["talk"]["speakers"][0]["name"], "Ada Lovelace");
    let text = event.to_string();
    assert!(
        !text.contains('@'),
        "no e-mail address on the topic: {text}"
    );
    assert!(
        !text.contains(&proposal.speaker.sub),
        "no owner on the topic: {text}"
    );

    // The very records both functions got, delivered again.
    let email_record = eventually("the delivered decision record", WAIT, || async {
        deliveries(stack, EMAIL_FUNCTION, &proposal.id)
            .await
            .into_iter()
            .next()
    })
    .await;
    let event_record = eventually(
        "the confirmation delivered to the publisher",
        WAIT,
        || async {
            deliveries(stack, EVENTS_FUNCTION, &proposal.id)
                .await
                .into_iter()
                .find(|r| r["dynamodb"]["NewImage"]["status"]["S"] == "confirmed")
        },
    )
    .await;
    for _ in 0..2 {
        redeliver(stack, EMAIL_FUNCTION, &email_record).await;
        redeliver(stack, EVENTS_FUNCTION, &event_record).await;
    }
    // Give any stray delivery time to arrive, then count again.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(decision_emails(stack, &proposal.speaker).await.len(), 1);
    assert_eq!(subscriber.receive().await, Vec::<Value>::new());
}

#[tokio::test]
async fn a_rejection_is_mailed_once_and_is_no_news_for_the_topic() {
    let stack = &Stack::connect().await;
    let title = format!("Not this year {}", uuid::Uuid::new_v4().simple());
    let proposal = submit(stack, &title).await;
    let subscriber = TopicSubscriber::new(stack, &proposal.slug).await;

    decide(stack, &proposal, "reject", "rejected").await;

    let mails = eventually("the rejection email", WAIT, || async {
        let mails = decision_emails(stack, &proposal.speaker).await;
        (!mails.is_empty()).then_some(mails)
    })
    .await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(
        mails[0].subject.starts_with("Your proposal"),
        "{:?}",
        mails[0]
    );
    assert!(mails[0].subject.contains(&proposal.title), "{:?}", mails[0]);
    assert!(mails[0].body.contains("DevConf 2027"), "{:?}", mails[0]);

    let record = eventually("the delivered decision record", WAIT, || async {
        deliveries(stack, EMAIL_FUNCTION, &proposal.id)
            .await
            .into_iter()
            .next()
    })
    .await;
    redeliver(stack, EMAIL_FUNCTION, &record).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(decision_emails(stack, &proposal.speaker).await.len(), 1);
    assert_eq!(subscriber.receive().await, Vec::<Value>::new());
}

#[tokio::test]
async fn a_confirmed_talk_changing_and_leaving_is_published_and_mails_nothing_more() {
    let stack = &Stack::connect().await;
    let title = format!("Changes {}", uuid::Uuid::new_v4().simple());
    let proposal = submit(stack, &title).await;
    let subscriber = TopicSubscriber::new(stack, &proposal.slug).await;

    decide(stack, &proposal, "confirm", "confirmed").await;
    let confirmed = subscriber.next_event("TalkConfirmed", &proposal.slug).await;
    assert_eq!(confirmed["version"], 2);

    let thumbnail = format!(
        "pictures/thumbnails/{}/{}/abc.webp",
        proposal.slug, proposal.id
    );
    set_picture(stack, &proposal, &thumbnail).await;
    let updated = subscriber.next_event("TalkUpdated", &proposal.slug).await;
    assert_eq!(updated["version"], 3);
    assert_eq!(
        updated["talk"]["speakers"][0]["thumbnailKey"],
        thumbnail.as_str()
    );

    decide(stack, &proposal, "withdraw", "withdrawn").await;
    let withdrawn = subscriber.next_event("TalkWithdrawn", &proposal.slug).await;
    assert_eq!(withdrawn["version"], 4);
    assert_eq!(withdrawn["talkId"], proposal.id.as_str());

    // The edit after the decision and the withdrawal are no decisions: one email in all.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mails = decision_emails(stack, &proposal.speaker).await;
    assert_eq!(mails.len(), 1, "{mails:?}");
}

#[tokio::test]
async fn a_hostile_title_is_escaped_in_the_html_email() {
    let stack = &Stack::connect().await;
    let title = format!(
        "<script>alert('x')</script> & {}",
        uuid::Uuid::new_v4().simple()
    );
    let proposal = submit(stack, &title).await;

    decide(stack, &proposal, "confirm", "confirmed").await;

    let mails = eventually("the confirmation email", WAIT, || async {
        let mails = decision_emails(stack, &proposal.speaker).await;
        (!mails.is_empty()).then_some(mails)
    })
    .await;
    let body = &mails[0].body;
    // moto keeps the HTML part of the message.
    assert!(body.contains("<blockquote>"), "the HTML part: {body}");
    assert!(!body.contains("<script>"), "{body}");
    assert!(
        body.contains("&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62; &#38;"),
        "{body}"
    );
    assert!(!mails[0].subject.contains(['\r', '\n']), "{:?}", mails[0]);
}
