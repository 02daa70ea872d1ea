//! The `Events` of an `AWS::Serverless::Function`: what triggers it. `HttpApi`, `DynamoDB`, `S3`
//! and `SNS` are driven locally; other types are kept by name so the runner can say it does not
//! drive them.

use std::time::Duration;

use serde_json::{Map, Value};

use super::properties::{PropertyError, Props};

/// One entry of a function's `Events`, properties resolved.
#[derive(Debug, Clone, PartialEq)]
pub enum FunctionEvent {
    HttpApi(HttpApiEvent),
    DynamoDb(DynamoDbEvent),
    S3(S3Event),
    Sns(SnsEvent),
    /// A type the local stack does not drive yet (S3, SNS, SQS, Schedule ...).
    Other {
        name: String,
        event_type: String,
    },
}

/// Which authorizer a route uses (`Auth.Authorizer` of the event).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteAuthorizer {
    /// The API's `DefaultAuthorizer`, if it has one.
    ApiDefault,
    /// `Authorizer: NONE`: a public route.
    None,
    Named(String),
}

/// `Type: HttpApi`.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpApiEvent {
    pub name: String,
    /// The resolved `ApiId` (the API's id); `None` attaches to SAM's implicit `ServerlessHttpApi`.
    pub api_id: Option<String>,
    pub path: String,
    /// Upper case; `ANY` for any method.
    pub method: String,
    pub authorizer: RouteAuthorizer,
    pub authorization_scopes: Vec<String>,
}

/// `Type: DynamoDB`.
#[derive(Debug, Clone, PartialEq)]
pub struct DynamoDbEvent {
    pub name: String,
    pub stream_arn: String,
    /// `TRIM_HORIZON` or `LATEST`.
    pub starting_position: String,
    pub batch_size: u64,
    pub maximum_batching_window: Duration,
    /// `None`: retry until the record expires (the template's `-1` or no setting).
    pub maximum_retry_attempts: Option<u32>,
    /// `None`: no age limit.
    pub maximum_record_age: Option<Duration>,
    pub bisect_batch_on_function_error: bool,
    pub function_response_types: Vec<String>,
    /// `FilterCriteria.Filters[].Pattern`, parsed from their JSON text.
    pub filter_patterns: Vec<Value>,
    /// `DestinationConfig.OnFailure.Destination`: an SQS queue (or SNS topic) ARN.
    pub on_failure_destination: Option<String>,
    pub enabled: bool,
}

/// `Type: S3`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Event {
    pub name: String,
    /// The resolved `Bucket`: the bucket's name (SAM wants a `!Ref` to a bucket of the template).
    pub bucket: String,
    /// `Events`: `s3:ObjectCreated:*` and the like.
    pub events: Vec<String>,
    /// `Filter.S3Key.Rules` with `Name: prefix`.
    pub prefix: Option<String>,
    /// `Filter.S3Key.Rules` with `Name: suffix`.
    pub suffix: Option<String>,
}

/// `Type: SNS`.
#[derive(Debug, Clone, PartialEq)]
pub struct SnsEvent {
    pub name: String,
    pub topic_arn: String,
    /// `FilterPolicy`, a JSON object.
    pub filter_policy: Option<Value>,
    /// `MessageAttributes` or `MessageBody`.
    pub filter_policy_scope: Option<String>,
    /// `SqsSubscription`: SAM puts a queue between the topic and the function.
    pub sqs_subscription: bool,
}

/// Parses the resolved `Events` mapping of function `function`.
pub fn parse_events(
    function: &str,
    events: &Map<String, Value>,
) -> Result<Vec<FunctionEvent>, PropertyError> {
    let mut parsed = Vec::with_capacity(events.len());
    for (name, event) in events {
        let owner = format!("{function}.Events.{name}");
        let Value::Object(event) = event else {
            return Err(PropertyError {
                owner,
                key: "Type".into(),
                message: "an event must be a mapping with Type and Properties".into(),
            });
        };
        let event_props = Props::new(&owner, event);
        let event_type = event_props.required_string("Type")?;
        let empty = Map::new();
        let properties = event_props.object("Properties")?.unwrap_or(&empty);
        let props = Props::new(&owner, properties);
        parsed.push(match event_type.as_str() {
            "HttpApi" => FunctionEvent::HttpApi(http_api_event(name, props)?),
            "DynamoDB" => FunctionEvent::DynamoDb(dynamodb_event(name, props)?),
            "S3" => FunctionEvent::S3(s3_event(name, props)?),
            "SNS" => FunctionEvent::Sns(sns_event(name, props)?),
            _ => FunctionEvent::Other {
                name: name.clone(),
                event_type,
            },
        });
    }
    Ok(parsed)
}

fn http_api_event(name: &str, props: Props<'_>) -> Result<HttpApiEvent, PropertyError> {
    // SAM's HttpApi event without Path and Method is the catch-all `$default` route.
    let path = props
        .string("Path")?
        .unwrap_or_else(|| "/{proxy+}".to_owned());
    if !path.starts_with('/') {
        return Err(props.error("Path", format!("`{path}` must start with /")));
    }
    let method = props
        .string("Method")?
        .unwrap_or_else(|| "ANY".to_owned())
        .to_ascii_uppercase();
    let method = if method == "X-AMAZON-APIGATEWAY-ANY-METHOD" {
        "ANY".to_owned()
    } else {
        method
    };
    const METHODS: &[&str] = &[
        "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY",
    ];
    if !METHODS.contains(&method.as_str()) {
        return Err(props.error(
            "Method",
            format!("`{method}` is not an HTTP method API Gateway routes"),
        ));
    }
    let (authorizer, authorization_scopes) = match props.object("Auth")? {
        None => (RouteAuthorizer::ApiDefault, Vec::new()),
        Some(auth) => {
            let auth_owner = format!("{}.Auth", props.owner());
            let auth = Props::new(&auth_owner, auth);
            let authorizer = match auth.string("Authorizer")? {
                None => RouteAuthorizer::ApiDefault,
                Some(a) if a == "NONE" => RouteAuthorizer::None,
                Some(a) => RouteAuthorizer::Named(a),
            };
            (authorizer, auth.strings("AuthorizationScopes")?)
        }
    };
    if let Some(version) = props.string("PayloadFormatVersion")?
        && version != "2.0"
    {
        return Err(props.error(
            "PayloadFormatVersion",
            format!("`{version}`: the local HTTP API sends payload format 2.0 only"),
        ));
    }
    Ok(HttpApiEvent {
        name: name.to_owned(),
        api_id: props.string("ApiId")?,
        path,
        method,
        authorizer,
        authorization_scopes,
    })
}

fn s3_event(name: &str, props: Props<'_>) -> Result<S3Event, PropertyError> {
    let bucket = props.required_string("Bucket")?;
    let events = match props.get("Events") {
        Some(Value::Array(_)) => props.strings("Events")?,
        _ => vec![props.required_string("Events")?],
    };
    if events.is_empty() {
        return Err(props.error("Events", "names no S3 event type"));
    }
    if let Some(bad) = events.iter().find(|e| !e.starts_with("s3:")) {
        return Err(props.error(
            "Events",
            format!("`{bad}` is not an S3 event type (s3:...)"),
        ));
    }
    let (mut prefix, mut suffix) = (None, None);
    if let Some(filter) = props.object("Filter")? {
        let owner = format!("{}.Filter", props.owner());
        let filter = Props::new(&owner, filter);
        if let Some(key) = filter.object("S3Key")? {
            let owner = format!("{owner}.S3Key");
            let key = Props::new(&owner, key);
            for rule in key.objects("Rules")? {
                let rule = Props::new(&owner, rule);
                let value = rule.required_string("Value")?;
                match rule.required_string("Name")?.to_ascii_lowercase().as_str() {
                    "prefix" => prefix = Some(value),
                    "suffix" => suffix = Some(value),
                    other => {
                        return Err(
                            rule.error("Name", format!("`{other}` is not prefix or suffix"))
                        );
                    }
                }
            }
        }
    }
    Ok(S3Event {
        name: name.to_owned(),
        bucket,
        events,
        prefix,
        suffix,
    })
}

fn sns_event(name: &str, props: Props<'_>) -> Result<SnsEvent, PropertyError> {
    let filter_policy = match props.get("FilterPolicy") {
        None => None,
        Some(policy @ Value::Object(_)) => Some(policy.clone()),
        // CloudFormation also takes the policy as JSON text.
        Some(Value::String(text)) => Some(
            serde_json::from_str::<Value>(text)
                .ok()
                .filter(Value::is_object)
                .ok_or_else(|| props.error("FilterPolicy", "is not a JSON object"))?,
        ),
        Some(other) => {
            return Err(props.error("FilterPolicy", format!("expected an object, found {other}")));
        }
    };
    let filter_policy_scope = props.string("FilterPolicyScope")?;
    if let Some(scope) = &filter_policy_scope
        && scope != "MessageAttributes"
        && scope != "MessageBody"
    {
        return Err(props.error(
            "FilterPolicyScope",
            format!("`{scope}` is not MessageAttributes or MessageBody"),
        ));
    }
    let sqs_subscription = match props.get("SqsSubscription") {
        None => false,
        Some(Value::Object(_)) => true,
        Some(_) => props.bool("SqsSubscription")?.unwrap_or(false),
    };
    Ok(SnsEvent {
        name: name.to_owned(),
        topic_arn: props.required_string("Topic")?,
        filter_policy,
        filter_policy_scope,
        sqs_subscription,
    })
}

fn dynamodb_event(name: &str, props: Props<'_>) -> Result<DynamoDbEvent, PropertyError> {
    let starting_position = props.required_string("StartingPosition")?;
    if starting_position != "TRIM_HORIZON" && starting_position != "LATEST" {
        return Err(props.error(
            "StartingPosition",
            format!("`{starting_position}`: DynamoDB streams start at TRIM_HORIZON or LATEST"),
        ));
    }
    let batch_size = props.u64("BatchSize")?.unwrap_or(100);
    if !(1..=10_000).contains(&batch_size) {
        return Err(props.error(
            "BatchSize",
            format!("{batch_size} is not between 1 and 10000"),
        ));
    }
    let window = props.u64("MaximumBatchingWindowInSeconds")?.unwrap_or(0);
    if window > 300 {
        return Err(props.error(
            "MaximumBatchingWindowInSeconds",
            format!("{window} is over 300"),
        ));
    }
    let maximum_retry_attempts = match props.i64("MaximumRetryAttempts")? {
        None | Some(-1) => None,
        Some(n) => Some(
            u32::try_from(n)
                .ok()
                .filter(|n| *n <= 10_000)
                .ok_or_else(|| {
                    props.error(
                        "MaximumRetryAttempts",
                        format!("{n} is not -1 or 0..=10000"),
                    )
                })?,
        ),
    };
    let maximum_record_age = match props.i64("MaximumRecordAgeInSeconds")? {
        None | Some(-1) => None,
        Some(n) if (60..=604_800).contains(&n) => Some(Duration::from_secs(n.unsigned_abs())),
        Some(n) => {
            return Err(props.error(
                "MaximumRecordAgeInSeconds",
                format!("{n} is not -1 or 60..=604800"),
            ));
        }
    };
    let function_response_types = props.strings("FunctionResponseTypes")?;
    if let Some(unknown) = function_response_types
        .iter()
        .find(|t| *t != "ReportBatchItemFailures")
    {
        return Err(props.error(
            "FunctionResponseTypes",
            format!("`{unknown}` is not ReportBatchItemFailures"),
        ));
    }
    let mut filter_patterns = Vec::new();
    if let Some(criteria) = props.object("FilterCriteria")? {
        let owner = format!("{}.FilterCriteria", props.owner());
        let criteria = Props::new(&owner, criteria);
        for filter in criteria.objects("Filters")? {
            let filter = Props::new(&owner, filter);
            let pattern = filter.required_string("Pattern")?;
            let parsed: Value = serde_json::from_str(&pattern)
                .map_err(|e| filter.error("Pattern", format!("not JSON: {e}")))?;
            if !parsed.is_object() {
                return Err(filter.error("Pattern", "a filter pattern must be a JSON object"));
            }
            filter_patterns.push(parsed);
        }
    }
    let on_failure_destination = match props.object("DestinationConfig")? {
        None => None,
        Some(config) => {
            let owner = format!("{}.DestinationConfig", props.owner());
            let config = Props::new(&owner, config);
            match config.object("OnFailure")? {
                None => None,
                Some(on_failure) => {
                    let owner = format!("{owner}.OnFailure");
                    Props::new(&owner, on_failure).string("Destination")?
                }
            }
        }
    };
    Ok(DynamoDbEvent {
        name: name.to_owned(),
        stream_arn: props.required_string("Stream")?,
        starting_position,
        batch_size,
        maximum_batching_window: Duration::from_secs(window),
        maximum_retry_attempts,
        maximum_record_age,
        bisect_batch_on_function_error: props.bool("BisectBatchOnFunctionError")?.unwrap_or(false),
        function_response_types,
        filter_patterns,
        on_failure_destination,
        enabled: props.bool("Enabled")?.unwrap_or(true),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(events: Value) -> Result<Vec<FunctionEvent>, PropertyError> {
        parse_events("Fn", events.as_object().expect("map"))
    }

    #[test]
    fn http_api_events() {
        let events = parse(json!({
            "Public": {"Type": "HttpApi", "Properties": {"ApiId": "abc", "Path": "/e/{id}", "Method": "get", "Auth": {"Authorizer": "NONE"}}},
            "Scoped": {"Type": "HttpApi", "Properties": {"Path": "/x", "Method": "POST", "Auth": {"Authorizer": "Jwt", "AuthorizationScopes": ["a", "b"]}}},
            "CatchAll": {"Type": "HttpApi"},
        }))
        .expect("parses");
        assert_eq!(
            events,
            vec![
                FunctionEvent::HttpApi(HttpApiEvent {
                    name: "CatchAll".into(),
                    api_id: None,
                    path: "/{proxy+}".into(),
                    method: "ANY".into(),
                    authorizer: RouteAuthorizer::ApiDefault,
                    authorization_scopes: vec![],
                }),
                FunctionEvent::HttpApi(HttpApiEvent {
                    name: "Public".into(),
                    api_id: Some("abc".into()),
                    path: "/e/{id}".into(),
                    method: "GET".into(),
                    authorizer: RouteAuthorizer::None,
                    authorization_scopes: vec![],
                }),
                FunctionEvent::HttpApi(HttpApiEvent {
                    name: "Scoped".into(),
                    api_id: None,
                    path: "/x".into(),
                    method: "POST".into(),
                    authorizer: RouteAuthorizer::Named("Jwt".into()),
                    authorization_scopes: vec!["a".into(), "b".into()],
                }),
            ]
        );
    }

    #[test]
    fn dynamodb_event_defaults_and_settings() {
        let events = parse(json!({
            "Min": {"Type": "DynamoDB", "Properties": {"Stream": "arn:s", "StartingPosition": "LATEST"}},
            "Full": {"Type": "DynamoDB", "Properties": {
                "Stream": "arn:s", "StartingPosition": "TRIM_HORIZON", "BatchSize": 10,
                "MaximumBatchingWindowInSeconds": 1, "MaximumRetryAttempts": 3,
                "MaximumRecordAgeInSeconds": 3600, "BisectBatchOnFunctionError": true,
                "FunctionResponseTypes": ["ReportBatchItemFailures"],
                "FilterCriteria": {"Filters": [{"Pattern": "{\"eventName\": [\"INSERT\"]}"}]},
                "DestinationConfig": {"OnFailure": {"Type": "SQS", "Destination": "arn:q"}}}},
            "Later": {"Type": "Schedule", "Properties": {"Schedule": "rate(1 minute)"}},
        }))
        .expect("parses");
        let FunctionEvent::DynamoDb(full) = &events[0] else {
            panic!("{events:?}")
        };
        assert_eq!(full.batch_size, 10);
        assert_eq!(full.maximum_retry_attempts, Some(3));
        assert_eq!(full.maximum_record_age, Some(Duration::from_secs(3600)));
        assert_eq!(full.filter_patterns, vec![json!({"eventName": ["INSERT"]})]);
        assert_eq!(full.on_failure_destination.as_deref(), Some("arn:q"));
        assert!(full.bisect_batch_on_function_error);
        let FunctionEvent::Other { event_type, .. } = &events[1] else {
            panic!("{events:?}")
        };
        assert_eq!(event_type, "Schedule");
        let FunctionEvent::DynamoDb(min) = &events[2] else {
            panic!("{events:?}")
        };
        assert_eq!(min.batch_size, 100);
        assert_eq!(min.maximum_retry_attempts, None);
        assert_eq!(min.maximum_batching_window, Duration::ZERO);
        assert!(
            min.enabled && min.filter_patterns.is_empty() && min.on_failure_destination.is_none()
        );
    }

    #[test]
    fn s3_and_sns_events() {
        let events = parse(json!({
            "Upload": {"Type": "S3", "Properties": {"Bucket": "pictures", "Events": "s3:ObjectCreated:*",
                "Filter": {"S3Key": {"Rules": [{"Name": "prefix", "Value": "uploads/"}, {"Name": "Suffix", "Value": ".jpg"}]}}}},
            "Any": {"Type": "S3", "Properties": {"Bucket": "b", "Events": ["s3:ObjectCreated:Put", "s3:ObjectRemoved:*"]}},
            "Talks": {"Type": "SNS", "Properties": {"Topic": "arn:t", "FilterPolicy": {"kind": ["confirmed"]},
                "FilterPolicyScope": "MessageBody"}},
            "Queued": {"Type": "SNS", "Properties": {"Topic": "arn:t", "FilterPolicy": "{\"a\": [\"b\"]}", "SqsSubscription": true}},
        }))
        .expect("parses");
        assert_eq!(
            events[0],
            FunctionEvent::S3(S3Event {
                name: "Any".into(),
                bucket: "b".into(),
                events: vec!["s3:ObjectCreated:Put".into(), "s3:ObjectRemoved:*".into()],
                prefix: None,
                suffix: None,
            })
        );
        assert_eq!(
            events[2],
            FunctionEvent::Sns(SnsEvent {
                name: "Talks".into(),
                topic_arn: "arn:t".into(),
                filter_policy: Some(json!({"kind": ["confirmed"]})),
                filter_policy_scope: Some("MessageBody".into()),
                sqs_subscription: false,
            })
        );
        let FunctionEvent::Sns(queued) = &events[1] else {
            panic!("{events:?}")
        };
        assert!(queued.sqs_subscription);
        assert_eq!(queued.filter_policy, Some(json!({"a": ["b"]})));
        let FunctionEvent::S3(upload) = &events[3] else {
            panic!("{events:?}")
        };
        assert_eq!(upload.prefix.as_deref(), Some("uploads/"));
        assert_eq!(upload.suffix.as_deref(), Some(".jpg"));
    }

    #[test]
    fn bad_events_name_the_property() {
        for (events, needle) in [
            (
                json!({"E": {"Type": "DynamoDB", "Properties": {"Stream": "s", "StartingPosition": "AT_TIMESTAMP"}}}),
                "StartingPosition",
            ),
            (
                json!({"E": {"Type": "DynamoDB", "Properties": {"Stream": "s", "StartingPosition": "LATEST", "FilterCriteria": {"Filters": [{"Pattern": "{nope"}]}}}}),
                "Pattern",
            ),
            (
                json!({"E": {"Type": "DynamoDB", "Properties": {"StartingPosition": "LATEST"}}}),
                "Stream",
            ),
            (
                json!({"E": {"Type": "DynamoDB", "Properties": {"Stream": "s", "StartingPosition": "LATEST", "BatchSize": 0}}}),
                "BatchSize",
            ),
            (
                json!({"E": {"Type": "HttpApi", "Properties": {"Path": "nope"}}}),
                "Path",
            ),
            (
                json!({"E": {"Type": "HttpApi", "Properties": {"Path": "/a", "Method": "FETCH"}}}),
                "Method",
            ),
            (
                json!({"E": {"Type": "S3", "Properties": {"Bucket": "b", "Events": "ObjectCreated"}}}),
                "Events",
            ),
            (
                json!({"E": {"Type": "S3", "Properties": {"Bucket": "b", "Events": "s3:ObjectCreated:*", "Filter": {"S3Key": {"Rules": [{"Name": "middle", "Value": "x"}]}}}}}),
                "Name",
            ),
            (
                json!({"E": {"Type": "SNS", "Properties": {"Topic": "t", "FilterPolicy": "[1]"}}}),
                "FilterPolicy",
            ),
            (
                json!({"E": {"Type": "SNS", "Properties": {"Topic": "t", "FilterPolicyScope": "Everything"}}}),
                "FilterPolicyScope",
            ),
            (json!({"E": {"Type": "SNS", "Properties": {}}}), "Topic"),
            (json!({"E": {"Properties": {}}}), "Type"),
            (json!({"E": "x"}), "Fn.Events.E"),
        ] {
            let err = parse(events).expect_err(needle);
            assert!(
                err.to_string().contains(needle),
                "{err} should name {needle}"
            );
        }
    }
}
