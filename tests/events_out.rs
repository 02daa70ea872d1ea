//! What leaves the CfP context through the table's stream: the decision emails (one per
//! confirmation, one per rejection, exactly once, hostile text escaped) and the domain events on
//! the CfP events topic (read by a test queue subscribed to the topic, as a consumer would),
//! each published once even when a stream record is delivered again.

use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use cfp_e2e::fixtures::proposal_body;
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

/// Whether the template already routes `POST .../{action}` (engineer A's decision routes).
fn route_exists(action: &str) -> bool {
    let template =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml"))
            .expect("template.yaml");
    template.contains(&format!("Path: /events/{{event}}/cfps/{{id}}/{action}"))
}

/// Moves the proposal from `from` to `to` (`action` is the route's name). Over HTTP when the
/// route exists; until then as the route will, with one conditional write that bumps the version.
async fn decide(stack: &Stack, proposal: &Submitted, action: &str, from: &str, to: &str) {
    if route_exists(action) {
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
        return;
    }
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, false);
    stack
        .dynamodb
        .update_item()
        .table_name(stack.cfp_table())
        .key("pk", AttributeValue::S(format!("EVENT#{}", proposal.slug)))
        .key("sk", AttributeValue::S(format!("CFP#{}", proposal.id)))
        .update_expression(
            "SET #status = :to, eventStatus = :event_status, version = version + :one, updatedAt = :now",
        )
        .condition_expression("#status = :from")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":to", AttributeValue::S(to.into()))
        .expression_attribute_values(":from", AttributeValue::S(from.into()))
        .expression_attribute_values(
            ":event_status",
            AttributeValue::S(format!("{}#{to}", proposal.slug)),
        )
        .expression_attribute_values(":one", AttributeValue::N("1".into()))
        .expression_attribute_values(":now", AttributeValue::S(now))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{action} by UpdateItem: {e:?}"));
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

/// A queue of the test's own, subscribed to the CfP events topic for one event's messages.
struct TopicSubscriber {
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
}

impl TopicSubscriber {
    async fn new(stack: &Stack, slug: &str) -> TopicSubscriber {
        let topic_arn = stack
            .info
            .topic_arn
            .clone()
            .expect("the stack has the CfP events topic");
        let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(&stack.info.aws_endpoint)
            .region(aws_config::Region::new(stack.info.region.clone()))
            .credentials_provider(aws_sdk_dynamodb::config::Credentials::for_tests())
            .load()
            .await;
        let sns = aws_sdk_sns::Client::new(&sdk);
        let sqs = stack.sqs.clone();
        let queue_url = sqs
            .create_queue()
            .queue_name(format!("events-out-{slug}"))
            .send()
            .await
            .expect("create the test queue")
            .queue_url
            .expect("queue url");
        let queue_arn = sqs
            .get_queue_attributes()
            .queue_url(&queue_url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
            .send()
            .await
            .expect("queue attributes")
            .attributes
            .and_then(|a| {
                a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn)
                    .cloned()
            })
            .expect("queue arn");
        sns.subscribe()
            .topic_arn(topic_arn)
            .protocol("sqs")
            .endpoint(queue_arn)
            // Other tests publish on the same topic: only this event's messages.
            .attributes(
                "FilterPolicy",
                serde_json::json!({"eventSlug": [slug]}).to_string(),
            )
            .send()
            .await
            .expect("subscribe the test queue");
        TopicSubscriber { sqs, queue_url }
    }

    /// The SNS envelopes that arrived since the last call.
    async fn receive(&self) -> Vec<Value> {
        let received = self
            .sqs
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .expect("receive from the test queue");
        let messages = received.messages.unwrap_or_default();
        for message in &messages {
            if let Some(handle) = message.receipt_handle() {
                self.sqs
                    .delete_message()
                    .queue_url(&self.queue_url)
                    .receipt_handle(handle)
                    .send()
                    .await
                    .expect("delete the received message");
            }
        }
        messages
            .iter()
            .filter_map(|m| serde_json::from_str(m.body.as_deref()?).ok())
            .collect()
    }

    /// Waits for the next message, checks its attributes and returns its JSON body.
    async fn next_event(&self, event_type: &str, slug: &str) -> Value {
        let envelopes = eventually(event_type, WAIT, || async {
            let envelopes = self.receive().await;
            (!envelopes.is_empty()).then_some(envelopes)
        })
        .await;
        assert_eq!(envelopes.len(), 1, "one message: {envelopes:?}");
        let envelope = &envelopes[0];
        let attributes = &envelope["MessageAttributes"];
        assert_eq!(attributes["eventType"]["Value"], event_type, "{envelope}");
        assert_eq!(attributes["eventSlug"]["Value"], slug, "{envelope}");
        assert_eq!(attributes["eventType"]["Type"], "String", "{envelope}");
        serde_json::from_str(envelope["Message"].as_str().expect("a message")).expect("JSON")
    }
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

    decide(stack, &proposal, "confirm", "submitted", "confirmed").await;

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

    decide(stack, &proposal, "reject", "submitted", "rejected").await;

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

    decide(stack, &proposal, "confirm", "submitted", "confirmed").await;
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

    decide(stack, &proposal, "withdraw", "confirmed", "withdrawn").await;
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

    decide(stack, &proposal, "confirm", "submitted", "confirmed").await;

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
