//! The sample events of events/, in the order that makes each find the data it needs: the event
//! before the proposal, the proposal before its decision, the schedule's copies before the draft,
//! the release before the search (as `tests/e2e/sample_events.rs` runs them). Running them once
//! seeds the stack; every later run repeats the same handler paths.

use std::path::Path;

use anyhow::Context;
use bytes::Bytes;
use serde_json::Value;

/// One invocation of the sequence.
#[derive(Debug, Clone)]
pub struct SampleCall {
    /// The function's crate name (as the Invoke API accepts it).
    pub function: String,
    /// What the report calls this call (the function, or the function and the variant).
    pub label: String,
    pub payload: Bytes,
}

/// The functions in dependency order; `create-schedule` also runs as the release route.
const ORDER: &[&str] = &[
    "create-event",
    "get-event",
    "create-cfp",
    "get-cfp",
    "send-cfp-submitted-email",
    "send-cfp-confirmed-email",
    "publish-cfp-events",
    "create-picture-upload",
    "update-cfp-picture",
    "update-event-team",
    "list-cfps",
    "update-cfp",
    "decide-cfp",
    "withdraw-cfp",
    "update-talk-details",
    "create-schedule",
    "create-schedule/release",
    "get-schedule",
    "update-search-index",
    "search-talks",
    "get-openapi",
];

fn read_sample(events_dir: &Path, function: &str) -> anyhow::Result<Value> {
    let path = events_dir.join(format!("{function}.json"));
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

/// The createSchedule sample routed to `POST /events/{event}/schedule/releases`.
fn release_variant(mut draft: Value) -> Value {
    let route = "POST /events/{event}/schedule/releases";
    let path = "/events/devconf-2027/schedule/releases";
    draft["routeKey"] = route.into();
    draft["requestContext"]["routeKey"] = route.into();
    draft["requestContext"]["http"]["method"] = "POST".into();
    draft["requestContext"]["http"]["path"] = path.into();
    draft["rawPath"] = path.into();
    draft["body"] = r#"{"name": "Benchmark release"}"#.into();
    draft
}

/// The sequence; fails when a function under functions/ has no place in it (a new function
/// must be measured too) or a sample is missing.
pub fn sample_sequence(events_dir: &Path, functions: &[String]) -> anyhow::Result<Vec<SampleCall>> {
    for function in functions {
        anyhow::ensure!(
            ORDER.contains(&function.as_str()),
            "{function} has no place in the benchmark's sample order (local/bench/src/samples.rs)"
        );
    }
    let mut calls = Vec::new();
    for label in ORDER {
        let (function, payload) = match label.split_once('/') {
            Some((function, "release")) => (
                function,
                release_variant(read_sample(events_dir, function)?),
            ),
            _ => (*label, read_sample(events_dir, label)?),
        };
        if !functions.iter().any(|f| f == function) {
            continue;
        }
        calls.push(SampleCall {
            function: function.to_owned(),
            label: (*label).to_owned(),
            payload: Bytes::from(serde_json::to_vec(&payload)?),
        });
    }
    Ok(calls)
}

/// The proposal id the CfP samples name.
const SAMPLE_PROPOSAL_ID: &str = "019a4b2c-7d10-7e3a-9b1c-2d3e4f5a6b7c";

/// The samples that act on "the sample proposal" through the API: pointed at the proposal the
/// createCfP sample created, they run their real path (read, edit, confirm, withdraw) instead of
/// meeting a 404. The stream and schedule samples carry their own records and keep the id.
const PROPOSAL_SCOPED: &[&str] = &[
    "get-cfp",
    "create-picture-upload",
    "update-cfp",
    "decide-cfp",
    "withdraw-cfp",
];

/// Points the proposal-scoped calls at the proposal of `created` (createCfP's answer: 201 with
/// the new proposal's `id` in its body). Returns the id, or `None` when the answer holds none
/// (a closed CfP answers 409), leaving the calls as they were.
pub fn point_at_created_proposal(calls: &mut [SampleCall], created: &[u8]) -> Option<String> {
    let answer: Value = serde_json::from_slice(created).ok()?;
    if answer["statusCode"] != 201 {
        return None;
    }
    let body: Value = serde_json::from_str(answer["body"].as_str()?).ok()?;
    let id = body["id"].as_str()?.to_owned();
    for call in calls
        .iter_mut()
        .filter(|c| PROPOSAL_SCOPED.contains(&c.label.as_str()))
    {
        let text = String::from_utf8_lossy(&call.payload).replace(SAMPLE_PROPOSAL_ID, &id);
        call.payload = Bytes::from(text);
    }
    Some(id)
}

/// The HTTP status an API Gateway answer carries, if the response is one.
pub fn answer_status(response: &[u8]) -> Option<u16> {
    let value: Value = serde_json::from_slice(response).ok()?;
    value["statusCode"]
        .as_u64()
        .and_then(|s| u16::try_from(s).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events_dir() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events")
    }

    #[test]
    fn every_sample_has_its_place_and_the_release_follows_the_draft() {
        let functions: Vec<String> = ORDER
            .iter()
            .filter(|l| !l.contains('/'))
            .map(|l| (*l).to_owned())
            .collect();
        let calls = sample_sequence(&events_dir(), &functions).unwrap();
        assert_eq!(calls.len(), ORDER.len());
        let release = calls
            .iter()
            .find(|c| c.label == "create-schedule/release")
            .unwrap();
        let body: Value = serde_json::from_slice(&release.payload).unwrap();
        assert_eq!(body["routeKey"], "POST /events/{event}/schedule/releases");
        assert_eq!(release.function, "create-schedule");
        // Every file in events/ is one of them.
        for entry in std::fs::read_dir(events_dir()).unwrap().flatten() {
            let name = entry
                .path()
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            assert!(
                functions.contains(&name),
                "events/{name}.json is not benchmarked"
            );
        }
    }

    #[test]
    fn the_proposal_samples_follow_the_created_proposal() {
        let functions: Vec<String> = [
            "create-cfp",
            "get-cfp",
            "decide-cfp",
            "send-cfp-submitted-email",
        ]
        .iter()
        .map(|f| (*f).to_owned())
        .collect();
        let mut calls = sample_sequence(&events_dir(), &functions).unwrap();
        let created = serde_json::json!({
            "statusCode": 201,
            "body": r#"{"id": "019b0000-0000-7000-8000-000000000001", "status": "submitted"}"#,
        });
        let id = point_at_created_proposal(&mut calls, created.to_string().as_bytes());
        assert_eq!(id.as_deref(), Some("019b0000-0000-7000-8000-000000000001"));
        let payload = |label: &str| {
            let call = calls.iter().find(|c| c.label == label).unwrap();
            String::from_utf8_lossy(&call.payload).into_owned()
        };
        for label in ["get-cfp", "decide-cfp"] {
            assert!(
                payload(label).contains("/cfps/019b0000-0000-7000-8000-000000000001"),
                "{label}"
            );
            assert!(!payload(label).contains(SAMPLE_PROPOSAL_ID), "{label}");
        }
        // The stream sample keeps its own record.
        assert!(payload("send-cfp-submitted-email").contains(SAMPLE_PROPOSAL_ID));
        // A refusal changes nothing.
        let before: Vec<Bytes> = calls.iter().map(|c| c.payload.clone()).collect();
        let refused = serde_json::json!({"statusCode": 409, "body": "{}"});
        assert_eq!(
            point_at_created_proposal(&mut calls, refused.to_string().as_bytes()),
            None
        );
        assert_eq!(
            calls.iter().map(|c| c.payload.clone()).collect::<Vec<_>>(),
            before
        );
    }

    #[test]
    fn an_unknown_function_is_refused() {
        let err = sample_sequence(&events_dir(), &["brand-new".to_owned()]).unwrap_err();
        assert!(err.to_string().contains("brand-new"), "{err}");
    }

    #[test]
    fn reads_the_status_of_an_api_answer() {
        assert_eq!(
            answer_status(br#"{"statusCode": 201, "body": ""}"#),
            Some(201)
        );
        assert_eq!(answer_status(br#"{"batchItemFailures": []}"#), None);
        assert_eq!(answer_status(b"not json"), None);
    }
}
