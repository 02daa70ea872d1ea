//! Provisioning of `tests/fixtures/template.yaml` in moto, checked through the AWS SDK.

use crate::common::TestStack;
use aws_sdk_dynamodb::types::{StreamViewType, TimeToLiveStatus};
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};
use aws_sdk_sqs::types::QueueAttributeName;
use cfp_local::aws_clients::AwsClients;
use cfp_local::mail::{SentEmail, sent_emails};
use cfp_local::stack::StackInfo;
use cfp_local::users::LocalUsers;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fixture_is_created_in_moto() {
    let test = TestStack::start().await;
    let info = &test.stack.info;
    let resources = &test.stack.resources;
    let clients = AwsClients::new(&info.aws_endpoint, &info.region).await;

    // The table with its keys, index, stream and TTL.
    let table_name = resources
        .reference("ProbeTable")
        .expect("the table was created");
    let table = clients
        .dynamodb
        .describe_table()
        .table_name(table_name)
        .send()
        .await
        .expect("the table exists")
        .table
        .expect("a description");
    let stream = table.stream_specification().expect("a stream");
    assert!(stream.stream_enabled());
    assert_eq!(
        stream.stream_view_type(),
        Some(&StreamViewType::NewAndOldImages)
    );
    assert_eq!(
        Some(table.latest_stream_arn().expect("a stream ARN")),
        resources
            .get("ProbeTable")
            .and_then(|t| t.attribute_str("StreamArn"))
    );
    assert_eq!(table.key_schema().len(), 2);
    assert_eq!(
        table.global_secondary_indexes()[0].index_name(),
        Some("gsi1")
    );
    let ttl = clients
        .dynamodb
        .describe_time_to_live()
        .table_name(table_name)
        .send()
        .await
        .expect("TTL settings")
        .time_to_live_description
        .expect("a TTL description");
    assert_eq!(ttl.time_to_live_status(), Some(&TimeToLiveStatus::Enabled));
    assert_eq!(ttl.attribute_name(), Some("expiresAt"));

    // The queue, its redrive policy pointing at the dead-letter queue's ARN.
    let queue_url = resources
        .reference("ProbeQueue")
        .expect("the queue was created");
    let attributes = clients
        .sqs
        .get_queue_attributes()
        .queue_url(queue_url)
        .attribute_names(QueueAttributeName::All)
        .send()
        .await
        .expect("the queue exists");
    let attributes = attributes.attributes().expect("attributes");
    let dead_letter_arn = resources
        .get("ProbeDeadLetterQueue")
        .and_then(|q| q.attribute_str("Arn"))
        .expect("the DLQ has an ARN");
    assert!(attributes[&QueueAttributeName::RedrivePolicy].contains(dead_letter_arn));
    assert_eq!(attributes[&QueueAttributeName::VisibilityTimeout], "30");

    // The topic (and its SQS subscription); skipped: the alarm (not created locally) and the
    // topic whose condition is false.
    assert!(resources.get("ProbeAlarm").is_none());
    assert!(resources.get("OnlyInOtherStage").is_none());
    let topics = clients.sns.list_topics().send().await.expect("topics");
    let topic_arn = resources
        .reference("ProbeTopic")
        .expect("the topic was created");
    assert_eq!(
        topics
            .topics()
            .iter()
            .filter_map(|t| t.topic_arn())
            .collect::<Vec<_>>(),
        vec![topic_arn]
    );
    let subscriptions = clients
        .sns
        .list_subscriptions_by_topic()
        .topic_arn(topic_arn)
        .send()
        .await
        .expect("subscriptions");
    let queue_arn = resources
        .get("ProbeQueue")
        .and_then(|q| q.attribute_str("Arn"))
        .expect("queue ARN");
    assert_eq!(subscriptions.subscriptions()[0].endpoint(), Some(queue_arn));

    // The bucket, path style, with versioning. (moto names the root element of its
    // GetBucketVersioning answer wrongly for the SDK, so versioning shows through the versions.)
    let bucket = resources
        .reference("ProbeBucket")
        .expect("the bucket was created");
    assert!(bucket.starts_with("cfp-local-probebucket-"), "{bucket}");
    clients
        .s3
        .head_bucket()
        .bucket(bucket)
        .send()
        .await
        .expect("the bucket exists");
    for body in ["one", "two"] {
        clients
            .s3
            .put_object()
            .bucket(bucket)
            .key("k")
            .body(body.as_bytes().to_vec().into())
            .send()
            .await
            .expect("put");
    }
    let versions = clients
        .s3
        .list_object_versions()
        .bucket(bucket)
        .send()
        .await
        .expect("versions");
    assert_eq!(
        versions.versions().len(),
        2,
        "a versioned bucket keeps both"
    );

    // The stack file's keys: the fixture has no CfP or schedule table and no HTTP API.
    assert_eq!(
        *info,
        StackInfo {
            api_url: None,
            aws_endpoint: info.aws_endpoint.clone(),
            region: "eu-central-1".into(),
            user_pool_id: resources.reference("UserPool").map(str::to_owned),
            user_pool_client_id: resources.reference("UserPoolClient").map(str::to_owned),
            cfp_table: None,
            schedule_table: None,
            bucket: Some(bucket.to_owned()),
            search_index_bucket: None,
            topic_arn: Some(topic_arn.to_owned()),
            lambda_endpoint: info.lambda_endpoint.clone(),
            stream_failure_queue_url: None,
        }
    );
    assert!(
        info.user_pool_id
            .as_deref()
            .is_some_and(|id| id.starts_with("eu-central-1_"))
    );
    test.stop().await;
}

/// The claims of a JWT, unverified.
fn claims(token: &str) -> serde_json::Value {
    use base64::Engine as _;
    let payload = token.split('.').nth(1).expect("a JWT has three parts");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_sign_in_and_sent_mail_is_listed() {
    let test = TestStack::start().await;
    let info = &test.stack.info;

    // A user in the admins group signs in; its ID token carries the e-mail and the group.
    let users = LocalUsers::from_stack(info)
        .await
        .expect("the stack has a user pool");
    let tokens = users
        .create_and_sign_in(
            "Speaker@Probe.example",
            "Local-Passw0rd-1",
            &["admins".to_owned()],
        )
        .await
        .expect("created and signed in");
    let id = claims(&tokens.id_token);
    assert_eq!(id["email"], "Speaker@Probe.example");
    assert_eq!(id["cognito:groups"], serde_json::json!(["admins"]));
    assert_eq!(id["aud"], info.user_pool_client_id.clone().expect("client"));
    assert_eq!(
        id["iss"],
        format!(
            "https://cognito-idp.eu-central-1.amazonaws.com/{}",
            info.user_pool_id.clone().expect("pool")
        )
    );
    assert!(tokens.refresh_token.is_some());
    let again = users
        .sign_in("Speaker@Probe.example", "Local-Passw0rd-1")
        .await
        .expect("signs in again");
    assert_eq!(claims(&again.access_token)["client_id"], id["aud"]);
    assert!(matches!(
        users
            .create("Speaker@Probe.example", "Local-Passw0rd-1", &[])
            .await,
        Err(cfp_local::users::UsersError::UserExists(_))
    ));
    assert!(
        users
            .sign_in("Speaker@Probe.example", "Wrong-Passw0rd-1")
            .await
            .is_err()
    );
    let plain =
        cfp_local::users::create_user(info, "plain@probe.example", "Local-Passw0rd-1", None)
            .await
            .expect("a user without a group");
    let groups = claims(&plain.id_token).get("cognito:groups").cloned();
    assert!(
        groups.as_ref().is_none_or(|g| *g == serde_json::json!([])),
        "{groups:?}"
    );

    // The template's SES identity is verified: mail from it is accepted and listed, mail from
    // anywhere else is refused by SES.
    let clients = AwsClients::new(&info.aws_endpoint, &info.region).await;
    let send = |from: &'static str| {
        let ses = clients.ses.clone();
        async move {
            let text = |data: &str| Content::builder().data(data).build().expect("content");
            ses.send_email()
                .from_email_address(from)
                .destination(
                    Destination::builder()
                        .to_addresses("speaker@probe.example")
                        .build(),
                )
                .content(
                    EmailContent::builder()
                        .simple(
                            Message::builder()
                                .subject(text("Your proposal"))
                                .body(Body::builder().text(text("Thanks for submitting.")).build())
                                .build(),
                        )
                        .build(),
                )
                .send()
                .await
        }
    };
    send("cfp@test.probe.example")
        .await
        .expect("the identity is verified");
    assert!(
        send("cfp@unverified.example").await.is_err(),
        "SES refuses unverified senders"
    );
    let emails = sent_emails(&info.aws_endpoint)
        .await
        .expect("mail is listed");
    assert_eq!(
        emails,
        vec![SentEmail {
            from: "cfp@test.probe.example".into(),
            to: vec!["speaker@probe.example".into()],
            subject: "Your proposal".into(),
            body: "Thanks for submitting.".into(),
        }]
    );
    test.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_binary_stops_the_start_before_moto() {
    let missing_target =
        std::env::temp_dir().join(format!("cfp-local-no-target-{}", std::process::id()));
    let options = cfp_local::local_stack::LocalStackOptions {
        template: crate::common::fixture_template(),
        target_dir: missing_target.clone(),
        profile: "debug".into(),
        // Would fail if it were started: the binaries are checked first.
        aws: cfp_local::local_stack::AwsEndpoint::StartMoto("/nonexistent/moto_server".into()),
        api_port: 0,
        lambda_port: 0,
        stack: Default::default(),
        parameter_overrides: Vec::new(),
        max_instances: 1,
        queue_timeout: std::time::Duration::from_millis(100),
        async_timing: Default::default(),
        log_sink: std::sync::Arc::new(cfp_local::lambda::MemorySink::default()),
        faults: Default::default(),
        state_dir: None,
    };
    let err = match cfp_local::local_stack::LocalStack::start(options).await {
        Ok(_) => panic!("the start must fail"),
        Err(err) => err.to_string(),
    };
    assert!(err.contains("cargo build -p cfp-probe-function"), "{err}");
    assert!(
        err.contains(
            &missing_target
                .join("debug/cfp-probe-function")
                .display()
                .to_string()
        ),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_port_in_use_says_another_runner_may_hold_it() {
    crate::common::probe_binary();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let port = taken.local_addr().expect("an address").port();
    // The fixture has no HTTP API, so the Lambda API's port is the one to collide on.
    for (api_port, lambda_port, option) in [(0, port, "--lambda-port")] {
        let options = cfp_local::local_stack::LocalStackOptions {
            template: crate::common::fixture_template(),
            target_dir: crate::common::target_dir(),
            profile: "debug".into(),
            // Would fail if it were started: the ports are taken first.
            aws: cfp_local::local_stack::AwsEndpoint::StartMoto("/nonexistent/moto_server".into()),
            api_port,
            lambda_port,
            stack: Default::default(),
            parameter_overrides: Vec::new(),
            max_instances: 1,
            queue_timeout: std::time::Duration::from_millis(100),
            async_timing: Default::default(),
            log_sink: std::sync::Arc::new(cfp_local::lambda::MemorySink::default()),
            faults: Default::default(),
            state_dir: None,
        };
        let err = match cfp_local::local_stack::LocalStack::start(options).await {
            Ok(_) => panic!("the start must fail"),
            Err(err) => err.to_string(),
        };
        assert!(err.contains(&format!("port {port}")), "{err}");
        assert!(err.contains("another `cfp-local up` running"), "{err}");
        assert!(err.contains(option), "{err}");
    }
}
