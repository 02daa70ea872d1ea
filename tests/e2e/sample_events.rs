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
    let description = run(stack, "get-openapi").await;
    assert_eq!(description["statusCode"], 200, "get-openapi: {description}");
    let document: Value =
        serde_json::from_str(description["body"].as_str().unwrap_or("")).unwrap_or_default();
    assert_eq!(document["openapi"], "3.1.0", "get-openapi: {description}");
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

    // The decision sample confirms the sample proposal: its speaker has the confirmation email.
    let batch = run(stack, "send-cfp-confirmed-email").await;
    assert_eq!(
        batch["batchItemFailures"]
            .as_array()
            .map(Vec::len)
            .unwrap_or(0),
        0,
        "send-cfp-confirmed-email: {batch}"
    );
    let accepted = stack
        .emails_to("ada@example.org")
        .await
        .into_iter()
        .filter(|mail| {
            mail.subject.starts_with("Accepted") && mail.subject.contains("Zero-cost idling")
        })
        .count();
    assert_eq!(
        accepted, 1,
        "send-cfp-confirmed-email sent one confirmation"
    );
    // The outbox sample: the sample talk's confirmation and update, each recorded as published.
    let batch = run(stack, "publish-cfp-events").await;
    assert_eq!(
        batch["batchItemFailures"]
            .as_array()
            .map(Vec::len)
            .unwrap_or(0),
        0,
        "publish-cfp-events: {batch}"
    );
    for key in ["2#TalkConfirmed", "3#TalkUpdated"] {
        let pk = format!("DEDUPE#cfp-talk-event#019a4b2c-7d10-7e3a-9b1c-2d3e4f5a6b7c#{key}");
        let record = stack
            .dynamodb
            .get_item()
            .table_name(stack.cfp_table())
            .key("pk", aws_sdk_dynamodb::types::AttributeValue::S(pk.clone()))
            .key(
                "sk",
                aws_sdk_dynamodb::types::AttributeValue::S("DEDUPE".into()),
            )
            .consistent_read(true)
            .send()
            .await
            .expect("reading the dedupe record")
            .item;
        let state = record
            .as_ref()
            .and_then(|item| item.get("state")?.as_s().ok().cloned());
        assert_eq!(
            state.as_deref(),
            Some("sent"),
            "publish-cfp-events: {pk}: {record:?}"
        );
    }

    // The picture form for the sample proposal: 200 when a sample run created a proposal with
    // the sample's id, else the handler's own 404 problem, or 409 once an earlier run's
    // withdraw sample withdrew it.
    let form = run(stack, "create-picture-upload").await;
    match form["statusCode"].as_u64() {
        Some(200) => {
            let body: Value = serde_json::from_str(form["body"].as_str().unwrap_or("")).unwrap();
            assert!(
                body["fields"]["policy"].is_string(),
                "create-picture-upload: {form}"
            );
        }
        Some(404) => assert!(
            form["body"]
                .as_str()
                .unwrap_or("")
                .contains("proposal-not-found"),
            "create-picture-upload: {form}"
        ),
        Some(409) => assert!(
            form["body"]
                .as_str()
                .unwrap_or("")
                .contains("cannot be given a picture"),
            "create-picture-upload: {form}"
        ),
        _ => panic!("create-picture-upload: {form}"),
    }
    // The sample names an example bucket, not the local one: the handler reports it skipped.
    let pictures = run(stack, "update-cfp-picture").await;
    assert_eq!(pictures["skipped"], 1, "update-cfp-picture: {pictures}");
    assert_eq!(
        pictures["uploads"],
        serde_json::json!([]),
        "update-cfp-picture: {pictures}"
    );

    // The review flow. The team sample makes rita a reviewer of devconf-2027 and the listing
    // sample lists its submitted proposals: both 200. The change samples name the fixed sample
    // proposal id: 200 when a proposal with that id exists here, else the handler's own problem
    // (404 no such proposal; 409/412 when an earlier run or sample changed it already).
    let team = run(stack, "update-event-team").await;
    assert_eq!(team["statusCode"], 200, "update-event-team: {team}");
    let list = run(stack, "list-cfps").await;
    assert_eq!(list["statusCode"], 200, "list-cfps: {list}");
    let page: Value = serde_json::from_str(list["body"].as_str().unwrap_or("")).unwrap_or_default();
    assert!(page["items"].is_array(), "list-cfps: {list}");
    for name in ["update-cfp", "withdraw-cfp"] {
        let answer = run(stack, name).await;
        let status = answer["statusCode"].as_u64().unwrap_or(0);
        let problem = answer["body"].as_str().unwrap_or("");
        assert!(
            status == 200
                || (matches!(status, 404 | 409 | 412)
                    && problem.contains("tag:cfp.example.org,2026:problems/")),
            "{name}: {answer}"
        );
    }

    // decide-cfp serves both decisions and takes the one to make from the route the event names;
    // its sample names the confirm route, so the answer is the confirmed proposal, or the problem
    // of one that cannot be confirmed (any more), or 404 as above. A route it failed to read
    // would be a 500.
    let decided = run(stack, "decide-cfp").await;
    let body: Value =
        serde_json::from_str(decided["body"].as_str().unwrap_or("")).unwrap_or_default();
    match decided["statusCode"].as_u64() {
        Some(200) => assert_eq!(body["status"], "confirmed", "decide-cfp: {decided}"),
        Some(409) => assert!(
            body["detail"]
                .as_str()
                .is_some_and(|detail| detail.ends_with("cannot be confirmed")),
            "decide-cfp: {decided}"
        ),
        Some(404) => assert!(
            body["type"]
                .as_str()
                .is_some_and(|t| t.ends_with("proposal-not-found")),
            "decide-cfp: {decided}"
        ),
        _ => panic!("decide-cfp: {decided}"),
    }

    // The schedule. The updateTalkDetails sample carries the sample event's snapshot (olga, who
    // created it, organises it) and the sample talk's confirmation; redelivered or older than
    // what the stack has heard already, they change nothing. Either way the handler succeeds.
    run(stack, "update-talk-details").await;
    // The createSchedule sample places the sample talk; the same event, routed to the release
    // route, releases it.
    let draft = run(stack, "create-schedule").await;
    assert_eq!(draft["statusCode"], 200, "create-schedule: {draft}");
    let mut release = sample("create-schedule");
    let route = "POST /events/{event}/schedule/releases";
    release["routeKey"] = route.into();
    release["requestContext"]["routeKey"] = route.into();
    release["requestContext"]["http"]["method"] = "POST".into();
    release["rawPath"] = "/events/devconf-2027/schedule/releases".into();
    release["requestContext"]["http"]["path"] = release["rawPath"].clone();
    release["body"] = r#"{"name": "Sample release"}"#.into();
    let (status, function_error, released) = stack.invoke("create-schedule", &release).await;
    assert_eq!((status, function_error), (200, None), "{released}");
    assert_eq!(
        released["statusCode"], 201,
        "create-schedule (release): {released}"
    );
    let ics = run(stack, "get-schedule").await;
    assert_eq!(ics["statusCode"], 200, "get-schedule: {ics}");
    assert!(
        ics["headers"]["content-type"]
            .as_str()
            .is_some_and(|t| t.starts_with("text/calendar")),
        "get-schedule: {ics}"
    );
    // The index sample names release 1 of the sample event: there is one now, so the handler
    // indexes the latest release (or finds it indexed already) and reports no failure.
    let batch = run(stack, "update-search-index").await;
    assert_eq!(
        batch["batchItemFailures"]
            .as_array()
            .map(Vec::len)
            .unwrap_or(0),
        0,
        "update-search-index: {batch}"
    );
    let found = run(stack, "search-talks").await;
    assert_eq!(found["statusCode"], 200, "search-talks: {found}");
    let hits: Value =
        serde_json::from_str(found["body"].as_str().unwrap_or("")).unwrap_or_default();
    assert!(
        hits["hits"].as_array().is_some_and(|hits| hits
            .iter()
            .any(|hit| hit["talkId"] == "019a4b2c-7d10-7e3a-9b1c-2d3e4f5a6b7c")),
        "search-talks finds the sample talk: {found}"
    );

    let covered = [
        "create-cfp",
        "create-picture-upload",
        "update-cfp-picture",
        "create-event",
        "get-cfp",
        "get-event",
        "get-openapi",
        "publish-cfp-events",
        "send-cfp-confirmed-email",
        "send-cfp-submitted-email",
        "update-event-team",
        "list-cfps",
        "update-cfp",
        "withdraw-cfp",
        "decide-cfp",
        "update-talk-details",
        "create-schedule",
        "get-schedule",
        "update-search-index",
        "search-talks",
    ];
    for name in &names {
        assert!(
            covered.contains(&name.as_str()),
            "events/{name}.json is not run by this test"
        );
    }
}
