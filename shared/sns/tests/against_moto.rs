//! The SNS adapter against the real SNS API (moto in server mode), read back through an SQS
//! subscription as a consumer would.

use cfp_domain::domain_event::{CfpChange, DomainEvent, EventChange, ProposalChange, domain_event};
use cfp_domain::ports::DomainEventPublisher;
use cfp_domain::proposal::{ProposalStatus, Version};
use cfp_domain::team::Role;
use cfp_domain::test_data;
use cfp_local_moto::MotoServer;
use cfp_sns::SnsDomainEventPublisher;
use serde_json::Value;

fn confirmed_event() -> DomainEvent {
    let old = test_data::proposal();
    let mut new = old.clone();
    new.status = ProposalStatus::Confirmed;
    new.version = Version::new(2).expect("version");
    domain_event(&CfpChange::Proposal(ProposalChange::Modified { old, new }))
        .expect("a confirmation is an event")
}

fn event_updated() -> DomainEvent {
    let old = test_data::event();
    let team = old
        .team
        .with_member(test_data::reviewer().user_id, Role::Reviewer)
        .expect("team");
    let new = old
        .with_team(team, test_data::before_close())
        .expect("version 2");
    domain_event(&CfpChange::Event(EventChange::Modified { old, new }))
        .expect("a new version is an event")
}

struct Subscriber {
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
}

/// A topic with a queue subscribed to it (SNS envelope, optionally a filter policy).
async fn topic_with_queue(moto: &MotoServer, filter_policy: Option<&str>) -> (String, Subscriber) {
    let config = moto.sdk_config().await;
    let sns = aws_sdk_sns::Client::new(&config);
    let sqs = aws_sdk_sqs::Client::new(&config);
    let topic_arn = sns
        .create_topic()
        .name("cfp-events")
        .send()
        .await
        .expect("topic")
        .topic_arn
        .expect("topic arn");
    let queue_url = sqs
        .create_queue()
        .queue_name("consumer")
        .send()
        .await
        .expect("queue")
        .queue_url
        .expect("queue url");
    let queue_arn = "arn:aws:sqs:eu-central-1:123456789012:consumer";
    let mut subscribe = sns
        .subscribe()
        .topic_arn(&topic_arn)
        .protocol("sqs")
        .endpoint(queue_arn);
    if let Some(policy) = filter_policy {
        subscribe = subscribe.attributes("FilterPolicy", policy);
    }
    subscribe.send().await.expect("subscribed");
    (topic_arn, Subscriber { sqs, queue_url })
}

impl Subscriber {
    async fn envelopes(&self) -> Vec<Value> {
        let received = self
            .sqs
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .expect("receive");
        received
            .messages
            .unwrap_or_default()
            .iter()
            .filter_map(|m| serde_json::from_str(m.body.as_deref()?).ok())
            .collect()
    }
}

#[tokio::test]
async fn publishes_the_event_as_json_with_type_and_slug_attributes() {
    let moto = MotoServer::for_tests().await;
    let (topic_arn, subscriber) = topic_with_queue(&moto, None).await;
    let publisher = SnsDomainEventPublisher::new(
        aws_sdk_sns::Client::new(&moto.sdk_config().await),
        &topic_arn,
    );
    let event = confirmed_event();

    publisher.publish(&event).await.expect("published");

    let envelopes = subscriber.envelopes().await;
    assert_eq!(envelopes.len(), 1, "{envelopes:?}");
    let envelope = &envelopes[0];
    assert_eq!(envelope["TopicArn"], topic_arn.as_str());
    assert_eq!(
        envelope["MessageAttributes"]["eventType"],
        serde_json::json!({"Type": "String", "Value": "TalkConfirmed"})
    );
    assert_eq!(
        envelope["MessageAttributes"]["eventSlug"],
        serde_json::json!({"Type": "String", "Value": "devconf-2027"})
    );
    let message: Value =
        serde_json::from_str(envelope["Message"].as_str().expect("a message")).expect("JSON");
    assert_eq!(message, serde_json::to_value(&event).expect("json"));
    assert!(!envelope.to_string().contains("ada@example.org"));
}

#[tokio::test]
async fn publishes_an_event_snapshot_with_its_type_and_slug_attributes() {
    let moto = MotoServer::for_tests().await;
    let (topic_arn, subscriber) = topic_with_queue(
        &moto,
        Some(r#"{"eventType": ["EventCreated", "EventUpdated"]}"#),
    )
    .await;
    let publisher = SnsDomainEventPublisher::new(
        aws_sdk_sns::Client::new(&moto.sdk_config().await),
        &topic_arn,
    );
    publisher
        .publish(&confirmed_event())
        .await
        .expect("published");
    let event = event_updated();
    publisher.publish(&event).await.expect("published");

    let envelopes = subscriber.envelopes().await;
    assert_eq!(
        envelopes.len(),
        1,
        "only the snapshot passes the filter: {envelopes:?}"
    );
    let envelope = &envelopes[0];
    assert_eq!(
        envelope["MessageAttributes"]["eventType"],
        serde_json::json!({"Type": "String", "Value": "EventUpdated"})
    );
    assert_eq!(
        envelope["MessageAttributes"]["eventSlug"],
        serde_json::json!({"Type": "String", "Value": "devconf-2027"})
    );
    let message: Value =
        serde_json::from_str(envelope["Message"].as_str().expect("a message")).expect("JSON");
    assert_eq!(message, serde_json::to_value(&event).expect("json"));
    assert_eq!(message["version"], 2);
    assert_eq!(
        message["event"]["organisers"],
        serde_json::json!([test_data::admin().user_id.as_str()]),
        "organisers only, by user id"
    );
    assert!(!envelope.to_string().contains('@'), "{envelope}");
}

#[tokio::test]
async fn subscribers_filter_on_the_event_type() {
    let moto = MotoServer::for_tests().await;
    let (topic_arn, subscriber) =
        topic_with_queue(&moto, Some(r#"{"eventType": ["TalkWithdrawn"]}"#)).await;
    let publisher = SnsDomainEventPublisher::new(
        aws_sdk_sns::Client::new(&moto.sdk_config().await),
        &topic_arn,
    );
    publisher
        .publish(&confirmed_event())
        .await
        .expect("published");
    assert!(subscriber.envelopes().await.is_empty());
}

#[tokio::test]
async fn an_unknown_topic_is_a_publish_error_not_a_panic() {
    let moto = MotoServer::for_tests().await;
    let publisher = SnsDomainEventPublisher::new(
        aws_sdk_sns::Client::new(&moto.sdk_config().await),
        "arn:aws:sns:eu-central-1:123456789012:no-such-topic",
    );
    let result = publisher.publish(&confirmed_event()).await;
    assert!(result.is_err(), "{result:?}");
}
