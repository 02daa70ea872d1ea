//! Metrics and traces of a submission, as the local stack's log shows them (`CFP_STACK_LOG`, set
//! by scripts/test.sh): the functions' CloudWatch EMF lines (create-cfp counts the proposal,
//! send-cfp-submitted-email the email, both with the event as a dimension) and the X-Ray
//! subsegments of create-cfp's DynamoDB calls, which the runner's X-Ray daemon logs under the
//! invocation's trace. No address or token in any of them.

use std::path::PathBuf;
use std::time::Duration;

use cfp_e2e::fixtures::proposal_body;
use cfp_e2e::{Stack, eventually};
use serde_json::Value;

/// The runner's tag of the lines its X-Ray daemon logs.
const XRAY_TAG: &str = "XRay";

fn stack_log() -> PathBuf {
    PathBuf::from(std::env::var_os("CFP_STACK_LOG").expect(
        "CFP_STACK_LOG names the local stack's log (scripts/test.sh sets it; for a stack of \
         your own, point it at the file its output goes to)",
    ))
}

/// The JSON lines the runner logged as `[tag] {...}`.
fn json_lines_of(tag: &str) -> Vec<Value> {
    let path = stack_log();
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let prefix = format!("[{tag}] ");
    String::from_utf8_lossy(&bytes)
        .lines()
        .filter_map(|line| line.strip_prefix(prefix.as_str()))
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .collect()
}

/// `function`'s EMF document about `slug` that carries `metric`, once the runner has logged it.
async fn emf_document(function: &str, slug: &str, metric: &str) -> Value {
    eventually(
        &format!("{function}'s {metric} metric for {slug}"),
        Duration::from_secs(30),
        || async {
            json_lines_of(function).into_iter().find(|line| {
                line.get("_aws").is_some() && line["event"] == slug && line.get(metric).is_some()
            })
        },
    )
    .await
}

/// `1-...` and the parent segment of an `X-Amzn-Trace-Id` header.
fn root_and_parent(header: &str) -> (String, String) {
    let field = |name: &str| {
        header
            .split(';')
            .find_map(|f| f.strip_prefix(name))
            .unwrap_or_default()
            .to_owned()
    };
    (field("Root="), field("Parent="))
}

fn assert_emf_shape(document: &Value, metric: &str, dimensions: &[&str]) {
    let directive = &document["_aws"]["CloudWatchMetrics"][0];
    assert_eq!(directive["Namespace"], "cfp", "{document}");
    assert_eq!(
        directive["Dimensions"][0],
        serde_json::json!(dimensions),
        "{document}"
    );
    let names: Vec<&str> = directive["Metrics"]
        .as_array()
        .map(|m| m.iter().filter_map(|m| m["Name"].as_str()).collect())
        .unwrap_or_default();
    assert!(names.contains(&metric), "{document}");
    assert!(document["_aws"]["Timestamp"].is_u64(), "{document}");
    assert!(
        document["function"].as_str().is_some_and(|f| !f.is_empty()),
        "{document}"
    );
}

#[tokio::test]
async fn a_submission_is_counted_in_emf_and_its_dynamodb_calls_are_subsegments_of_its_trace() {
    let stack = &Stack::connect().await;
    let organiser = stack.admin().await;
    let slug = stack.open_event(&organiser).await;
    let speaker = stack.user(None).await;
    let id = stack
        .submit(&slug, &speaker, &proposal_body("Counted and traced"))
        .await;

    let submitted = emf_document("CreateCfpFunction", &slug, "ProposalsSubmitted").await;
    assert_emf_shape(&submitted, "ProposalsSubmitted", &["function", "event"]);
    assert_eq!(submitted["ProposalsSubmitted"], 1, "{submitted}");

    let emailed = emf_document("SendCfpSubmittedEmailFunction", &slug, "EmailsSent").await;
    assert_emf_shape(&emailed, "EmailsSent", &["function", "event", "kind"]);
    assert_eq!(emailed["EmailsSent"], 1, "{emailed}");
    assert_eq!(emailed["kind"], "submitted", "{emailed}");

    // The invocation's trace, from its own log line (lambda_runtime's span carries it).
    let line = json_lines_of("CreateCfpFunction")
        .into_iter()
        .find(|line| line["proposalId"] == id.as_str() && line["message"] == "proposal submitted")
        .expect("create-cfp's line about the proposal");
    let header = line["xrayTraceId"]
        .as_str()
        .expect("the invocation's trace header");
    assert!(
        header.contains("Sampled=1"),
        "traced functions are sampled locally: {header}"
    );
    let (root, parent) = root_and_parent(header);
    assert_eq!(
        submitted["traceId"],
        root.as_str(),
        "the metric points at its trace"
    );

    let subsegments = eventually(
        "create-cfp's DynamoDB subsegments",
        Duration::from_secs(10),
        || async {
            let found: Vec<Value> = json_lines_of(XRAY_TAG)
                .into_iter()
                .filter(|s| s["trace_id"] == root.as_str() && s["name"] == "DynamoDB")
                .collect();
            (!found.is_empty()).then_some(found)
        },
    )
    .await;
    for subsegment in &subsegments {
        assert_eq!(subsegment["type"], "subsegment", "{subsegment}");
        assert_eq!(subsegment["namespace"], "aws", "{subsegment}");
        assert_eq!(subsegment["parent_id"], parent.as_str(), "{subsegment}");
        assert!(subsegment["aws"]["operation"].is_string(), "{subsegment}");
        assert!(
            subsegment["http"]["response"]["status"].is_u64(),
            "{subsegment}"
        );
        assert!(
            subsegment["end_time"].as_f64() >= subsegment["start_time"].as_f64(),
            "{subsegment}"
        );
    }
    assert!(
        subsegments
            .iter()
            .any(|s| s["http"]["response"]["status"] == 200 && s.get("error").is_none()),
        "the submission's write succeeded: {subsegments:?}"
    );

    // No address or token in any metric or segment of the whole log.
    let mut secrets = vec![speaker.email.clone(), organiser.email.clone()];
    for token in [
        &speaker.id_token,
        &speaker.access_token,
        &organiser.id_token,
        &organiser.access_token,
    ] {
        secrets.push(token.clone());
        secrets.extend(token.split('.').map(str::to_owned));
    }
    let documents = json_lines_of(XRAY_TAG).into_iter().chain(
        ["CreateCfpFunction", "SendCfpSubmittedEmailFunction"]
            .into_iter()
            .flat_map(json_lines_of)
            .filter(|line| line.get("_aws").is_some()),
    );
    for document in documents {
        let text = document.to_string();
        for secret in &secrets {
            assert!(!text.contains(secret.as_str()), "{secret} in {text}");
        }
    }
}
