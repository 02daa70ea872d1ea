//! The repository's own template.yaml must parse and wire up: its routes, authorizer, CORS,
//! function environments and stream subscription come out as the template says.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use cfp_local_event_sources::{OnFailureDestination, StartingPosition};
use serde_json::json;

use super::*;
use crate::provision::{
    cognito, dynamodb, name_serverless_resources, s3, ses_identities, sns, sqs,
};
use crate::stack_resources::{PhysicalResource, StackResources};
use crate::template::{
    FUNCTION_TYPE, FunctionCode, ParameterValues, Scope, StackSettings, Template,
    evaluate_conditions,
};

const POOL: &str = "eu-central-1_Pool0001";
const CLIENT: &str = "client0001";
pub(super) const STREAM: &str = "arn:aws:dynamodb:eu-central-1:123456789012:table/cfp-local-CfpTable-X/stream/2026-01-01T00:00:00.000";
const QUEUE_URL: &str = "http://127.0.0.1:5000/123456789012/cfp-local-StreamFailureQueue-X";
const BUCKET: &str = "cfp-pictures-local";
const TOPIC: &str = "arn:aws:sns:eu-central-1:123456789012:cfp-local-CfpEventsTopic-X";
const QUEUE_ARN: &str = "arn:aws:sqs:eu-central-1:123456789012:cfp-local-StreamFailureQueue-X";
pub(super) const SCHEDULE_STREAM: &str = "arn:aws:dynamodb:eu-central-1:123456789012:table/cfp-local-ScheduleTable-X/stream/2026-01-01T00:00:00.000";
const DEAD_LETTERS_ARN: &str =
    "arn:aws:sqs:eu-central-1:123456789012:cfp-local-TalkDetailsDeadLetterQueue-X";
const PICTURE_FAILURES_ARN: &str =
    "arn:aws:sqs:eu-central-1:123456789012:cfp-local-PictureUploadFailureQueue-X";

fn template_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../template.yaml")
}

/// What provisioning would have recorded for the template's resources.
fn created_resources() -> StackResources {
    let mut resources = StackResources::new();
    resources.insert(
        PhysicalResource::new("CfpTable", dynamodb::TABLE_TYPE, "cfp-local-CfpTable-X")
            .with(
                "Arn",
                "arn:aws:dynamodb:eu-central-1:123456789012:table/cfp-local-CfpTable-X",
            )
            .with("StreamArn", STREAM),
    );
    resources.insert(
        PhysicalResource::new(
            "ScheduleTable",
            dynamodb::TABLE_TYPE,
            "cfp-local-ScheduleTable-X",
        )
        .with(
            "Arn",
            "arn:aws:dynamodb:eu-central-1:123456789012:table/cfp-local-ScheduleTable-X",
        )
        .with("StreamArn", SCHEDULE_STREAM),
    );
    resources.insert(
        PhysicalResource::new("StreamFailureQueue", sqs::QUEUE_TYPE, QUEUE_URL)
            .with("Arn", QUEUE_ARN),
    );
    resources.insert(
        PhysicalResource::new(
            "TalkDetailsDeadLetterQueue",
            sqs::QUEUE_TYPE,
            "http://127.0.0.1:5000/123456789012/cfp-local-TalkDetailsDeadLetterQueue-X",
        )
        .with("Arn", DEAD_LETTERS_ARN),
    );
    resources.insert(
        PhysicalResource::new(
            "PictureUploadFailureQueue",
            sqs::QUEUE_TYPE,
            "http://127.0.0.1:5000/123456789012/cfp-local-PictureUploadFailureQueue-X",
        )
        .with("Arn", PICTURE_FAILURES_ARN),
    );
    resources.insert(
        PhysicalResource::new(
            "SearchIndexBucket",
            s3::BUCKET_TYPE,
            "cfp-local-searchindexbucket-x",
        )
        .with("Arn", "arn:aws:s3:::cfp-local-searchindexbucket-x"),
    );
    resources.insert(PhysicalResource::new(
        "UserPool",
        cognito::USER_POOL_TYPE,
        POOL,
    ));
    resources.insert(PhysicalResource::new(
        "UserPoolClient",
        cognito::USER_POOL_CLIENT_TYPE,
        CLIENT,
    ));
    resources.insert(
        PhysicalResource::new("PicturesBucket", s3::BUCKET_TYPE, BUCKET)
            .with("Arn", format!("arn:aws:s3:::{BUCKET}")),
    );
    resources.insert(
        PhysicalResource::new("CfpEventsTopic", sns::TOPIC_TYPE, TOPIC).with("TopicArn", TOPIC),
    );
    resources.insert(PhysicalResource::new(
        "AdminsGroup",
        cognito::USER_POOL_GROUP_TYPE,
        "admins",
    ));
    resources
}

/// The real template with parameter `overrides` applied (defaults elsewhere) and its conditions
/// evaluated, as the runner resolves it at startup.
struct ResolvedTemplate {
    template: Template,
    stack: StackSettings,
    parameters: ParameterValues,
    conditions: BTreeMap<String, bool>,
}

impl ResolvedTemplate {
    fn load(overrides: &[(String, String)]) -> Self {
        let template = Template::load(&template_path()).expect("template.yaml parses");
        let stack = StackSettings::default();
        let parameters =
            ParameterValues::resolve(&template.parameters, overrides).expect("parameters");
        let conditions = evaluate_conditions(
            &template.conditions,
            &template.mappings,
            &stack,
            &parameters,
        )
        .expect("conditions");
        ResolvedTemplate {
            template,
            stack,
            parameters,
            conditions,
        }
    }

    fn scope(&self) -> Scope<'_> {
        Scope {
            stack: &self.stack,
            parameters: &self.parameters,
            conditions: &self.conditions,
            mappings: &self.template.mappings,
        }
    }

    /// Every function of the template at a stand-in location: the functions' crates are
    /// another test's concern (function_builds_tests.rs).
    fn stand_in_functions(&self) -> Vec<LocatedFunction> {
        self.template
            .resources_of_type(FUNCTION_TYPE)
            .map(|f| LocatedFunction {
                logical_id: f.logical_id.clone(),
                code: FunctionCode {
                    crate_dir: PathBuf::from("/nowhere"),
                    package_name: f.logical_id.to_lowercase(),
                    binary_name: f.logical_id.to_lowercase(),
                },
                binary: PathBuf::from("/nowhere/bin"),
            })
            .collect()
    }
}

/// The real template's stream subscriptions, as the runner wires them against
/// [`created_resources`].
pub(super) fn real_stream_subscriptions() -> Vec<cfp_local_event_sources::DynamoDbStreamSubscription>
{
    let real = ResolvedTemplate::load(&[]);
    let mut resources = created_resources();
    name_serverless_resources(
        &real.template,
        real.scope(),
        &BTreeMap::new(),
        &mut resources,
    )
    .expect("names");
    let functions = resolve_functions(
        &real.template,
        real.scope(),
        &resources,
        &real.stand_in_functions(),
    )
    .expect("functions resolve");
    dynamodb_stream_subscriptions(&functions, &resources, "eu-central-1").expect("subscriptions")
}

#[test]
fn the_real_template_wires_up() {
    let real = ResolvedTemplate::load(&[]);
    let (template, scope) = (&real.template, real.scope());
    let mut resources = created_resources();
    let endpoints = BTreeMap::from([("HttpApi".to_owned(), "http://127.0.0.1:3000".to_owned())]);
    name_serverless_resources(template, scope, &endpoints, &mut resources).expect("names");
    let api_id = resources
        .reference("HttpApi")
        .expect("the HttpApi has an id")
        .to_owned();
    assert_eq!(
        resources
            .get("HttpApi")
            .and_then(|a| a.attribute_str("ApiEndpoint")),
        Some("http://127.0.0.1:3000")
    );

    let located = real.stand_in_functions();
    let functions =
        resolve_functions(template, scope, &resources, &located).expect("functions resolve");
    let function = |id: &str| {
        functions
            .iter()
            .find(|f| f.located.logical_id == id)
            .unwrap_or_else(|| panic!("{id} is in the template"))
    };

    // Globals merge into every function; references resolve to the created resources.
    let create_event = function("CreateEventFunction");
    assert_eq!(
        create_event.settings.environment["CFP_TABLE"],
        "cfp-local-CfpTable-X"
    );
    assert_eq!(create_event.settings.environment["RUST_LOG"], "info");
    assert_eq!(create_event.settings.timeout, Duration::from_secs(10));
    assert_eq!(create_event.settings.memory_size_mb, 128);
    assert!(
        functions.iter().all(|f| f.settings.tracing_active),
        "Globals turn on X-Ray active tracing for every function"
    );
    assert!(
        create_event
            .function_name
            .starts_with("cfp-local-CreateEventFunction-")
    );
    let mailer = function("SendCfpSubmittedEmailFunction");
    assert_eq!(
        mailer.settings.environment["SENDER_ADDRESS"],
        "cfp@example.org"
    );

    // The HTTP API: routes, the Cognito JWT authorizer, CORS.
    let apis = http_api_configs(
        template,
        scope,
        &resources,
        &functions,
        "http://127.0.0.1:5000",
    )
    .expect("APIs");
    assert_eq!(apis.len(), 1);
    let (logical_id, api) = &apis[0];
    assert_eq!(logical_id, "HttpApi");
    assert_eq!(api.api_id, api_id);
    assert_eq!(api.stage, "$default");
    assert_eq!(
        (api.account_id.as_str(), api.region.as_str()),
        ("123456789012", "eu-central-1")
    );
    let route = |method: &str, path: &str| {
        api.routes
            .iter()
            .find(|r| r.method == method && r.path == path)
            .unwrap_or_else(|| panic!("route {method} {path}"))
    };
    let post_events = route("POST", "/events");
    assert_eq!(post_events.function, "CreateEventFunction");
    let authorizer = post_events
        .authorizer
        .as_ref()
        .expect("POST /events needs a token");
    assert_eq!(authorizer.name, "CognitoAuthorizer");
    assert_eq!(
        authorizer.issuer,
        format!("https://cognito-idp.eu-central-1.amazonaws.com/{POOL}")
    );
    assert_eq!(authorizer.audience, vec![CLIENT.to_owned()]);
    assert_eq!(
        authorizer.jwks_uri,
        format!("http://127.0.0.1:5000/{POOL}/.well-known/jwks.json")
    );
    assert_eq!(authorizer.identity_source, "$request.header.Authorization");
    let get_event = route("GET", "/events/{event}");
    assert_eq!(get_event.function, "GetEventFunction");
    assert!(
        get_event.authorizer.is_none(),
        "GET /events/{{event}} is public"
    );
    assert_eq!(
        route("POST", "/events/{event}/cfps").function,
        "CreateCfpFunction"
    );
    assert!(
        route("GET", "/events/{event}/cfps/{id}")
            .authorizer
            .is_some()
    );
    let cors = api.cors.as_ref().expect("CORS");
    assert_eq!(cors.allow_origins, vec!["*"]);
    assert!(cors.allow_methods.contains(&"PATCH".to_owned()));
    assert!(cors.allow_headers.contains(&"idempotency-key".to_owned()));
    assert_eq!(cors.expose_headers, vec!["etag", "location"]);
    assert_eq!(cors.max_age, Some(600));

    // The stream subscription of the submitted-email function.
    let subscriptions = dynamodb_stream_subscriptions(&functions, &resources, "eu-central-1")
        .expect("subscriptions");
    let stream = subscriptions
        .iter()
        .find(|s| s.function == "SendCfpSubmittedEmailFunction")
        .expect("the mailer is subscribed");
    assert_eq!(stream.stream_arn, STREAM);
    assert_eq!(stream.starting_position, StartingPosition::TrimHorizon);
    assert_eq!(stream.batch_size, 10);
    assert_eq!(stream.maximum_batching_window, Duration::from_secs(1));
    assert_eq!(stream.maximum_retry_attempts, Some(3));
    assert_eq!(stream.maximum_record_age, None);
    assert!(stream.bisect_batch_on_function_error && stream.report_batch_item_failures);
    assert_eq!(
        stream.filters,
        vec![
            json!({"eventName": ["INSERT"], "dynamodb": {"NewImage": {"entity": {"S": ["Proposal"]}}}})
        ]
    );
    let Some(OnFailureDestination::Sqs {
        queue_url,
        queue_arn,
    }) = &stream.on_failure
    else {
        panic!("the failures go to the queue: {:?}", stream.on_failure)
    };
    assert_eq!(
        (queue_url.as_str(), queue_arn.as_str()),
        (QUEUE_URL, QUEUE_ARN)
    );
    assert_eq!(stream.region, "eu-central-1");

    // S3 notifications and SNS subscriptions name resources of the template; every function's
    // asynchronous settings resolve.
    let buckets = s3_notification_sources(&functions, &resources).expect("S3 sources");
    assert!(buckets.iter().all(|b| b.bucket == BUCKET), "{buckets:?}");
    if functions
        .iter()
        .any(|f| f.located.logical_id == "UpdateCfpPictureFunction")
    {
        let target = buckets
            .iter()
            .flat_map(|b| &b.targets)
            .find(|t| t.function == "UpdateCfpPictureFunction")
            .expect("the picture function gets the bucket's notifications");
        assert_eq!(target.prefix.as_deref(), Some("pictures/uploads/"));
        assert_eq!(target.events, vec!["s3:ObjectCreated:*"]);
    }
    // The schedule hears the CfP context's talk events and event snapshots, and nothing else.
    let subscriptions = sns_subscriptions(&functions, &resources);
    assert!(subscriptions.iter().all(|s| s.topic_arn == TOPIC));
    let talk_details = subscriptions
        .iter()
        .find(|s| s.function == "UpdateTalkDetailsFunction")
        .expect("updateTalkDetails subscribes to the topic");
    assert_eq!(
        talk_details.filter_policy,
        Some(json!({"eventType": [
            "TalkConfirmed", "TalkUpdated", "TalkWithdrawn", "EventCreated", "EventUpdated"
        ]}))
    );
    // The search index follows the schedule table's stream, releases only.
    let index_stream = dynamodb_stream_subscriptions(&functions, &resources, "eu-central-1")
        .expect("subscriptions")
        .into_iter()
        .find(|s| s.function == "UpdateSearchIndexFunction")
        .expect("updateSearchIndex is subscribed");
    assert_eq!(index_stream.stream_arn, SCHEDULE_STREAM);
    assert_eq!(
        index_stream.filters,
        vec![
            json!({"eventName": ["INSERT"], "dynamodb": {"NewImage": {"entity": {"S": ["release"]}}}})
        ]
    );
    assert_eq!(
        async_invoke_configs(&functions, &resources)
            .expect("async settings")
            .len(),
        functions.len()
    );

    // The SES identity deployment expects, verified locally before anything runs.
    assert_eq!(
        ses_identities(template, scope, &resources).expect("identities"),
        vec!["example.org"]
    );

    // Function configurations: the template's reserved concurrency (none) keeps the CLI's cap.
    let configs = function_configs(&functions, 10);
    assert!(configs.iter().all(|c| c.max_concurrency == 10));
}

#[test]
fn parameter_overrides_reach_the_functions() {
    let real = ResolvedTemplate::load(&[(
        "SenderAddress".to_owned(),
        "noreply@conf.example".to_owned(),
    )]);
    let (template, scope) = (&real.template, real.scope());
    let mut resources = created_resources();
    name_serverless_resources(template, scope, &BTreeMap::new(), &mut resources).expect("names");
    let located = vec![LocatedFunction {
        logical_id: "SendCfpSubmittedEmailFunction".into(),
        code: FunctionCode {
            crate_dir: PathBuf::from("/nowhere"),
            package_name: "mailer".into(),
            binary_name: "mailer".into(),
        },
        binary: PathBuf::from("/nowhere/mailer"),
    }];
    let functions = resolve_functions(template, scope, &resources, &located).expect("resolves");
    assert_eq!(
        functions[0].settings.environment["SENDER_ADDRESS"],
        "noreply@conf.example"
    );
}

#[test]
fn a_missing_resource_is_a_startup_error_naming_it() {
    let template = Template::load(&template_path()).expect("template.yaml parses");
    let stack = StackSettings::default();
    let parameters = ParameterValues::resolve(&template.parameters, &[]).expect("parameters");
    let conditions = BTreeMap::new();
    let scope = Scope {
        stack: &stack,
        parameters: &parameters,
        conditions: &conditions,
        mappings: &template.mappings,
    };
    // No CfpTable: every function that refers to it must fail, naming it.
    let mut resources = StackResources::new();
    resources.mark_unavailable("CfpTable", "is not created yet");
    let located = vec![LocatedFunction {
        logical_id: "CreateEventFunction".into(),
        code: FunctionCode {
            crate_dir: PathBuf::from("/nowhere"),
            package_name: "create-event".into(),
            binary_name: "create-event".into(),
        },
        binary: PathBuf::from("/nowhere/create-event"),
    }];
    let err = resolve_functions(&template, scope, &resources, &located).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("CreateEventFunction") && message.contains("CfpTable"),
        "{message}"
    );
}

#[test]
fn binaries_are_checked_with_the_build_command_to_run() {
    let located = vec![LocatedFunction {
        logical_id: "CreateEventFunction".into(),
        code: FunctionCode {
            crate_dir: PathBuf::from("/nowhere"),
            package_name: "create-event".into(),
            binary_name: "create-event".into(),
        },
        binary: PathBuf::from("/nowhere/target/release/create-event"),
    }];
    let err = check_binaries(&located, "release").unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("cargo build --release -p create-event"),
        "{message}"
    );
    assert!(
        message.contains("/nowhere/target/release/create-event"),
        "{message}"
    );
}

/// The alarms' dimension names the resource an alarm watches (`Ref: !Sub FunctionId` once
/// Fn::ForEach has run, or a plain `Ref`/`GetAtt`).
fn watched_resource(alarm: &crate::template::ResourceDecl) -> Option<String> {
    let value = &alarm.properties.get("Dimensions")?.get(0)?["Value"];
    match value.get("Ref") {
        Some(serde_json::Value::String(id)) => Some(id.clone()),
        Some(named) => named.get("Fn::Sub")?.as_str().map(str::to_owned),
        None => value
            .get("Fn::GetAtt")?
            .get(0)?
            .get("Fn::Sub")?
            .as_str()
            .map(str::to_owned),
    }
}

#[test]
fn every_function_stream_consumer_queue_and_the_api_have_alarms() {
    const ALARM: &str = "AWS::CloudWatch::Alarm";
    let template = Template::load(&template_path()).expect("template.yaml parses");
    let alarms: Vec<_> = template.resources_of_type(ALARM).collect();
    let watching = |metric: &str| -> Vec<String> {
        let mut ids: Vec<String> = alarms
            .iter()
            .filter(|a| a.properties["MetricName"] == metric)
            .filter_map(|a| watched_resource(a))
            .collect();
        ids.sort();
        ids
    };
    let mut functions: Vec<String> = template
        .resources_of_type(FUNCTION_TYPE)
        .map(|f| f.logical_id.clone())
        .collect();
    functions.sort();
    assert_eq!(
        watching("Errors"),
        functions,
        "an Errors alarm per function"
    );
    assert_eq!(
        watching("Throttles"),
        functions,
        "a Throttles alarm per function"
    );

    let mut stream_consumers: Vec<String> = template
        .resources_of_type(FUNCTION_TYPE)
        .filter(|f| {
            f.properties
                .get("Events")
                .and_then(|e| e.as_object())
                .is_some_and(|events| events.values().any(|e| e["Type"] == "DynamoDB"))
        })
        .map(|f| f.logical_id.clone())
        .collect();
    stream_consumers.sort();
    assert_eq!(stream_consumers.len(), 4);
    assert_eq!(watching("IteratorAge"), stream_consumers);
    assert_eq!(
        watching("ApproximateNumberOfMessagesVisible"),
        [
            "PictureUploadFailureQueue",
            "StreamFailureQueue",
            "TalkDetailsDeadLetterQueue"
        ]
    );
    assert_eq!(watching("5xx"), ["HttpApi"]);
    for alarm in &alarms {
        let p = &alarm.properties;
        assert_eq!(
            p["TreatMissingData"], "notBreaching",
            "{}",
            alarm.logical_id
        );
        assert!(p["AlarmActions"].is_array() && p["OKActions"].is_array());
    }
}

#[test]
fn stage_and_alarm_topic_parameters_choose_what_exists() {
    let template = Template::load(&template_path()).expect("template.yaml parses");
    let stack = StackSettings::default();
    let evaluate = |overrides: &[(&str, &str)]| {
        let overrides: Vec<(String, String)> = overrides
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let parameters =
            ParameterValues::resolve(&template.parameters, &overrides).expect("parameters");
        evaluate_conditions(
            &template.conditions,
            &template.mappings,
            &stack,
            &parameters,
        )
        .expect("conditions")
    };
    let dev = evaluate(&[]);
    assert!(!dev["IsProd"] && dev["CreateAlarmTopic"]);
    let prod = evaluate(&[
        ("Stage", "prod"),
        ("AlarmTopicArn", "arn:aws:sns:eu-central-1:123456789012:ops"),
    ]);
    assert!(prod["IsProd"] && !prod["CreateAlarmTopic"]);
    let topic = &template.resources["AlarmTopic"];
    assert_eq!(topic.condition.as_deref(), Some("CreateAlarmTopic"));
    assert!(matches!(
        ParameterValues::resolve(&template.parameters, &[("Stage".into(), "qa".into())]),
        Err(crate::template::parameters::ParameterError::NotAllowed { .. })
    ));
}

/// The queue a `!GetAtt Queue.Arn` names.
fn get_att_target(value: &serde_json::Value) -> Option<&str> {
    value.get("Fn::GetAtt")?.get(0)?.as_str()
}

/// Every object anywhere under `value` that is an IAM policy statement.
fn policy_statements<'a>(value: &'a serde_json::Value, found: &mut Vec<&'a serde_json::Value>) {
    match value {
        serde_json::Value::Object(map) => {
            if map.contains_key("Effect") {
                found.push(value);
            }
            map.values().for_each(|v| policy_statements(v, found));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| policy_statements(v, found)),
        _ => {}
    }
}

/// What cfn-lint's serverless rules ask of the template and what they cannot see: storage is
/// private and encrypted, tables can be restored, every place failed work lands is watched, and
/// no statement grants a wildcard action.
#[test]
fn the_real_template_is_hardened() {
    let template = Template::load(&template_path()).expect("template.yaml parses");
    let flag = |decl: &crate::template::ResourceDecl, pointer: &str| {
        serde_json::Value::Object(decl.properties.clone())
            .pointer(pointer)
            .cloned()
    };

    let buckets: Vec<_> = template.resources_of_type("AWS::S3::Bucket").collect();
    assert_eq!(buckets.len(), 2);
    for bucket in buckets {
        let id = &bucket.logical_id;
        for setting in [
            "BlockPublicAcls",
            "BlockPublicPolicy",
            "IgnorePublicAcls",
            "RestrictPublicBuckets",
        ] {
            assert_eq!(
                flag(
                    bucket,
                    &format!("/PublicAccessBlockConfiguration/{setting}")
                ),
                Some(json!(true)),
                "{id} {setting}"
            );
        }
        let algorithm = flag(
            bucket,
            "/BucketEncryption/ServerSideEncryptionConfiguration/0/ServerSideEncryptionByDefault/SSEAlgorithm",
        );
        assert!(
            matches!(
                algorithm.as_ref().and_then(|a| a.as_str()),
                Some("AES256" | "aws:kms")
            ),
            "{id} is encrypted: {algorithm:?}"
        );
        assert_eq!(
            flag(bucket, "/OwnershipControls/Rules/0/ObjectOwnership"),
            Some(json!("BucketOwnerEnforced")),
            "{id}: no ACLs"
        );
    }

    let tables: Vec<_> = template.resources_of_type("AWS::DynamoDB::Table").collect();
    assert_eq!(tables.len(), 2);
    for table in tables {
        let id = &table.logical_id;
        assert_eq!(
            flag(table, "/SSESpecification/SSEEnabled"),
            Some(json!(true)),
            "{id} SSE"
        );
        assert_eq!(
            flag(
                table,
                "/PointInTimeRecoverySpecification/PointInTimeRecoveryEnabled"
            ),
            Some(json!(true)),
            "{id} PITR"
        );
    }

    // Where each function's failed work goes: stream on-failure destinations, asynchronous
    // on-failure destinations and dead-letter queues. Each is a queue of the template, and every
    // queue of the template is one of them and has its alarm.
    let mut failure_queues = std::collections::BTreeSet::new();
    let mut asynchronous = Vec::new();
    for function in template.resources_of_type(FUNCTION_TYPE) {
        let id = &function.logical_id;
        let events = function
            .properties
            .get("Events")
            .and_then(|e| e.as_object())
            .into_iter()
            .flat_map(|events| events.values());
        for event in events {
            let kind = event["Type"].as_str().unwrap_or_default();
            let destination = &event["Properties"]["DestinationConfig"]["OnFailure"]["Destination"];
            match kind {
                "DynamoDB" => {
                    let queue = get_att_target(destination)
                        .unwrap_or_else(|| panic!("{id}'s stream failures go to a queue"));
                    failure_queues.insert(queue.to_owned());
                }
                "S3" | "SNS" => asynchronous.push(id.clone()),
                _ => {}
            }
        }
        let on_failure = flag(
            function,
            "/EventInvokeConfig/DestinationConfig/OnFailure/Destination",
        );
        let dead_letters = flag(function, "/DeadLetterQueue/TargetArn");
        for target in [on_failure.as_ref(), dead_letters.as_ref()]
            .into_iter()
            .flatten()
        {
            let queue = get_att_target(target).unwrap_or_else(|| panic!("{id}: {target}"));
            failure_queues.insert(queue.to_owned());
        }
        if asynchronous.last() == Some(id) {
            assert!(
                on_failure.is_some() || dead_letters.is_some(),
                "{id} is invoked asynchronously: its failed events need somewhere to go"
            );
        }
    }
    assert_eq!(
        asynchronous,
        ["UpdateCfpPictureFunction", "UpdateTalkDetailsFunction"]
    );
    let queues: std::collections::BTreeSet<String> = template
        .resources_of_type(sqs::QUEUE_TYPE)
        .map(|q| q.logical_id.clone())
        .collect();
    assert_eq!(failure_queues, queues, "every queue is a failure queue");
    let watched: std::collections::BTreeSet<String> = template
        .resources_of_type("AWS::CloudWatch::Alarm")
        .filter(|a| a.properties["MetricName"] == "ApproximateNumberOfMessagesVisible")
        .filter_map(watched_resource)
        .collect();
    assert_eq!(watched, queues, "every failure queue has an alarm");

    // Every IAM statement in the template names its actions; none is a wildcard.
    let mut statements = Vec::new();
    for resource in template.resources.values() {
        for value in resource.properties.values() {
            policy_statements(value, &mut statements);
        }
    }
    assert!(statements.len() >= 19, "{}", statements.len());
    for statement in statements {
        assert!(statement.get("NotAction").is_none(), "{statement}");
        let actions = match &statement["Action"] {
            serde_json::Value::String(action) => vec![action.as_str()],
            serde_json::Value::Array(actions) => {
                actions.iter().filter_map(|a| a.as_str()).collect()
            }
            other => panic!("a statement's actions are listed: {other}"),
        };
        assert!(!actions.is_empty(), "{statement}");
        for action in actions {
            assert!(
                !action.contains('*') && action.contains(':'),
                "`{action}` is not one named action: {statement}"
            );
        }
    }

    // The HTTP API: a default throttle on every route and JSON access logs to a kept log group.
    let api = &template.resources["HttpApi"];
    for limit in ["ThrottlingRateLimit", "ThrottlingBurstLimit"] {
        let value = flag(api, &format!("/DefaultRouteSettings/{limit}"));
        assert!(
            value
                .as_ref()
                .and_then(|v| v.as_u64())
                .is_some_and(|v| v > 0),
            "HttpApi {limit}: {value:?}"
        );
    }
    let log_group = flag(api, "/AccessLogSettings/DestinationArn")
        .and_then(|d| get_att_target(&d).map(str::to_owned))
        .expect("access logs go to a log group of the template");
    let format = flag(api, "/AccessLogSettings/Format").expect("an access log format");
    let format: serde_json::Value =
        serde_json::from_str(format.as_str().expect("a string")).expect("a JSON access log line");
    assert!(format.get("requestId").is_some(), "{format}");

    // Every function's log group (and the API's) expires its lines.
    let mut logged: Vec<String> = Vec::new();
    for group in template.resources_of_type("AWS::Logs::LogGroup") {
        assert!(
            group.properties.contains_key("RetentionInDays"),
            "{} keeps logs forever",
            group.logical_id
        );
        if group.logical_id == log_group {
            continue;
        }
        let name = &group.properties["LogGroupName"]["Fn::Join"];
        assert_eq!(name[0], "/", "{}", group.logical_id);
        assert_eq!(name[1][0], "/aws/lambda", "{}", group.logical_id);
        let function = &name[1][1]["Ref"];
        let function = function
            .as_str()
            .or_else(|| function["Fn::Sub"].as_str())
            .expect("the group is named after a function");
        logged.push(function.to_owned());
    }
    logged.sort();
    let mut functions: Vec<String> = template
        .resources_of_type(FUNCTION_TYPE)
        .map(|f| f.logical_id.clone())
        .collect();
    functions.sort();
    assert_eq!(logged, functions, "a log group per function");
}

/// The attribute the code writes a record's expiry into (epoch seconds): cfp-dynamodb's dedupe
/// and idempotency items (`expires_at`, serialised camelCase) and cfp-schedule-dynamodb's
/// uncommitted release chunks (`keys::EXPIRES_AT`). Neither crate exports the name (both are
/// `pub(crate)`), so it is spelled here once; the code side is pinned by
/// shared/dynamodb/tests/against_moto.rs (reads `expiresAt` off a stored dedupe record) and
/// shared/schedule-dynamodb/tests/against_moto.rs (reads it off a stored chunk).
const EXPIRY_ATTRIBUTE: &str = "expiresAt";

/// What each table's expiring records and stream consumers need from it: TTL on the attribute
/// the code writes (else records never expire: on the CfP table dedupe and idempotency records,
/// on the schedule table create-schedule's idempotency records and abandoned release chunks), and
/// a stream with old images. On the CfP table sendCfpConfirmedEmail compares the old status with
/// the new one and publishCfpEvents filters and publishes removals, which carry only an old
/// image. The schedule table's one consumer (updateSearchIndex) reads new images only today; old
/// images stay, as design.md declares the table.
/// moto streams whatever view the table has, so no e2e test would notice NEW_IMAGE.
#[test]
fn the_real_tables_expire_records_and_stream_both_images() {
    let template = Template::load(&template_path()).expect("template.yaml parses");
    let tables: Vec<_> = template.resources_of_type("AWS::DynamoDB::Table").collect();
    assert_eq!(
        tables
            .iter()
            .map(|t| t.logical_id.as_str())
            .collect::<Vec<_>>(),
        ["CfpTable", "ScheduleTable"]
    );
    for table in &tables {
        let id = &table.logical_id;
        let properties = serde_json::Value::Object(table.properties.clone());
        assert_eq!(
            properties.pointer("/TimeToLiveSpecification"),
            Some(&json!({"AttributeName": EXPIRY_ATTRIBUTE, "Enabled": true})),
            "{id}: TTL on the attribute the code writes"
        );
        assert_eq!(
            properties.pointer("/StreamSpecification/StreamViewType"),
            Some(&json!("NEW_AND_OLD_IMAGES")),
            "{id}: its stream consumers read old images"
        );
    }
}
