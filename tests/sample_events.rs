//! Every sample event in events/ runs through its function on the local stack, invoked through the
//! Lambda Invoke API exactly as `cargo lambda invoke --data-file events/<name>.json <name>` does.

use std::path::Path;

use cfp_e2e::Stack;
use serde_json::Value;

fn sample(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../events")
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Invokes the function named like the sample (its crate name) and returns its answer.
async fn run(stack: &Stack, name: &str) -> Value {
    let (status, function_error, response) = stack.invoke(name, &sample(name)).await;
    assert_eq!(status, 200, "{name}: {response}");
    assert_eq!(function_error, None, "{name} failed: {response}");
    response
}

#[tokio::test]
async fn every_sample_event_runs_through_its_handler() {
    let stack = &Stack::connect().await;
    let mut names: Vec<String> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../events"))
            .expect("events/")
            .flatten()
            .filter_map(|entry| {
                let path = entry.path();
                (path.extension()? == "json")
                    .then(|| path.file_stem()?.to_str().map(str::to_owned))?
            })
            .collect();
    names.sort();
    // Each sample must belong to a function: its name is the function's crate under functions/.
    for name in &names {
        assert!(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../functions")
                .join(name)
                .is_dir(),
            "events/{name}.json names no function"
        );
    }

    // In dependency order: the event the others refer to first.
    let created = run(stack, "create-event").await;
    assert!(
        [201, 409].contains(&created["statusCode"].as_u64().unwrap_or(0)),
        "create-event: {created}"
    );
    let event = run(stack, "get-event").await;
    assert_eq!(event["statusCode"], 200, "get-event: {event}");
    // The sample event's CfP closes on a fixed date; before it the sample proposal is accepted,
    // after it refused as closed.
    let closes_at = serde_json::from_str::<Value>(sample("create-event")["body"].as_str().unwrap())
        .unwrap()["cfpClosesAt"]
        .as_str()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .expect("the sample event's cfpClosesAt");
    let proposal = run(stack, "create-cfp").await;
    let expected = if chrono::Utc::now() < closes_at {
        201
    } else {
        409
    };
    assert_eq!(proposal["statusCode"], expected, "create-cfp: {proposal}");
    let read = run(stack, "get-cfp").await;
    let status = read["statusCode"].as_u64().unwrap_or(0);
    assert!(status == 200 || status == 404, "get-cfp: {read}");
    let batch = run(stack, "send-cfp-submitted-email").await;
    assert_eq!(
        batch["batchItemFailures"]
            .as_array()
            .map(Vec::len)
            .unwrap_or(0),
        0,
        "send-cfp-submitted-email: {batch}"
    );

    let covered = [
        "create-cfp",
        "create-event",
        "get-cfp",
        "get-event",
        "send-cfp-submitted-email",
    ];
    for name in &names {
        assert!(
            covered.contains(&name.as_str()),
            "events/{name}.json is not run by this test"
        );
    }
}
