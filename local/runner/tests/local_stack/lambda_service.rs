//! The local Lambda service through the Lambda Invoke API over HTTP, running the probe function
//! (local/probe-function) from `tests/fixtures/template.yaml` against moto.

use std::collections::BTreeSet;

use crate::common::{TestStack, pid_of, process_exists};
use bytes::Bytes;
use cfp_local_invoke::{Invoke, InvokeError};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn echo_warm_reuse_function_errors_and_the_invocation_log() {
    let test = TestStack::start().await;

    let (status, headers, first) = test
        .invoke("ProbeFunction", &json!({"hello": "world"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["echo"], json!({"hello": "world"}));
    assert_eq!(headers["x-amz-executed-version"], "$LATEST");
    assert!(headers.get("x-amz-function-error").is_none());
    assert_eq!(
        headers["x-amzn-requestid"].to_str().expect("ascii"),
        first["requestId"]
            .as_str()
            .expect("the runtime saw a request id")
    );

    // The same warm instance takes the next call.
    let (_, _, second) = test.invoke("ProbeFunction", &json!({"n": 2})).await;
    assert_eq!(pid_of(&second), pid_of(&first), "a warm instance is reused");

    // A handler error is a function error; the instance stays warm.
    let (status, headers, error) = test
        .invoke("ProbeFunction", &json!({"action": "fail"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["x-amz-function-error"], "Unhandled");
    assert!(
        error["errorMessage"]
            .as_str()
            .is_some_and(|m| m.contains("asked to fail")),
        "{error}"
    );
    assert!(error["errorType"].is_string(), "{error}");
    let (_, _, after_error) = test.invoke("ProbeFunction", &json!({})).await;
    assert_eq!(
        pid_of(&after_error),
        pid_of(&first),
        "a function error keeps the instance"
    );

    // The package name and the physical name reach the same function.
    let (status, _, by_package) = test
        .invoke("cfp-probe-function", &json!({"via": "package"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(by_package["echo"]["via"], "package");
    let physical = test
        .stack
        .resources
        .reference("ProbeFunction")
        .expect("named")
        .to_owned();
    let (status, _, _) = test.invoke(&physical, &json!({})).await;
    assert_eq!(status, StatusCode::OK);

    // The read-out lists what the function was asked, oldest first.
    let records = test.recent_invocations("ProbeFunction").await;
    assert_eq!(records.len(), 6, "{records:?}");
    assert_eq!(records[0]["payload"], json!({"hello": "world"}));
    assert_eq!(records[0]["requestId"], first["requestId"]);
    assert_eq!(records[0]["outcome"], "Success");
    assert_eq!(records[0]["coldStart"], true);
    assert!(records[0]["initDurationMs"].is_number());
    assert_eq!(records[1]["coldStart"], false);
    assert_eq!(records[2]["outcome"], "FunctionError");
    assert!(
        test.recent_invocations("SlowProbeFunction")
            .await
            .is_empty()
    );

    // START, END and REPORT lines in Lambda's shape, with the init duration on the cold start only.
    let lines: Vec<String> = test
        .logs
        .lines()
        .into_iter()
        .filter(|(function, _)| function == "ProbeFunction")
        .map(|(_, line)| line)
        .collect();
    let id = first["requestId"].as_str().expect("id");
    let report = lines
        .iter()
        .find(|l| l.starts_with(&format!("REPORT RequestId: {id}\t")))
        .unwrap_or_else(|| panic!("a REPORT line for {id} in {lines:#?}"));
    for field in [
        "\tDuration: ",
        " ms\tBilled Duration: ",
        "\tMemory Size: 128 MB\tMax Memory Used: ",
        "\tInit Duration: ",
    ] {
        assert!(report.contains(field), "{report} lacks {field:?}");
    }
    assert!(
        lines.contains(&format!("START RequestId: {id} Version: $LATEST")),
        "{lines:#?}"
    );
    assert!(
        lines.contains(&format!("END RequestId: {id}")),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("probe: cold start in pid")),
        "function output is forwarded: {lines:#?}"
    );
    let warm_id = second["requestId"].as_str().expect("id");
    let warm_report = lines
        .iter()
        .find(|l| l.starts_with(&format!("REPORT RequestId: {warm_id}\t")))
        .expect("a REPORT line for the warm call");
    assert!(!warm_report.contains("Init Duration"), "{warm_report}");

    test.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overlapping_calls_scale_out_and_the_limit_throttles() {
    let test = TestStack::start().await;

    let sleep = json!({"action": "sleep", "ms": 700});
    let (a, b) = tokio::join!(
        test.invoke("ProbeFunction", &sleep),
        test.invoke("ProbeFunction", &sleep)
    );
    assert_eq!(
        (a.0, b.0),
        (StatusCode::OK, StatusCode::OK),
        "{} {}",
        a.2,
        b.2
    );
    assert_ne!(
        pid_of(&a.2),
        pid_of(&b.2),
        "an overlapping call starts a second instance"
    );
    let (_, _, next) = test.invoke("ProbeFunction", &json!({})).await;
    assert!(
        [pid_of(&a.2), pid_of(&b.2)].contains(&pid_of(&next)),
        "one of the two warm instances is reused"
    );

    // SlowProbeFunction is limited to one instance (ReservedConcurrentExecutions: 1): of two
    // overlapping calls one waits past the queue time (300 ms here) and is throttled.
    let sleep = json!({"action": "sleep", "ms": 800});
    let (a, b) = tokio::join!(
        test.invoke("SlowProbeFunction", &sleep),
        test.invoke("SlowProbeFunction", &sleep)
    );
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::TOO_MANY_REQUESTS],
        "{} {}",
        a.2,
        b.2
    );
    let throttled = if a.0 == StatusCode::TOO_MANY_REQUESTS {
        &a
    } else {
        &b
    };
    assert_eq!(throttled.1["x-amzn-errortype"], "TooManyRequestsException");
    assert_eq!(
        throttled.2["Reason"],
        "ReservedFunctionConcurrentInvocationLimitExceeded"
    );
    let outcomes: Vec<Value> = test
        .recent_invocations("SlowProbeFunction")
        .await
        .into_iter()
        .map(|r| r["outcome"].clone())
        .collect();
    assert!(
        outcomes.contains(&json!("Throttled")) && outcomes.contains(&json!("Success")),
        "{outcomes:?}"
    );

    test.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crashes_and_timeouts_discard_the_instance() {
    let test = TestStack::start().await;

    // A crash mid-invocation ends the call with Runtime.ExitError; the next call cold-starts.
    let (_, _, before) = test.invoke("ProbeFunction", &json!({})).await;
    let crashed_pid = pid_of(&before);
    let (status, headers, crash) = test
        .invoke("ProbeFunction", &json!({"action": "crash"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["x-amz-function-error"], "Unhandled");
    assert_eq!(crash["errorType"], "Runtime.ExitError");
    assert!(
        crash["errorMessage"]
            .as_str()
            .is_some_and(|m| m.contains("exit status 1")),
        "{crash}"
    );
    assert!(!process_exists(crashed_pid), "the crashed process is gone");
    let (status, _, after) = test.invoke("ProbeFunction", &json!({"again": true})).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_ne!(
        pid_of(&after),
        crashed_pid,
        "a fresh instance took the next call"
    );

    // A call past the function's Timeout (1 s) ends with Sandbox.Timedout and kills the instance.
    let (_, _, warm) = test.invoke("SlowProbeFunction", &json!({})).await;
    let slow_pid = pid_of(&warm);
    assert!(process_exists(slow_pid));
    let (status, headers, timed_out) = test
        .invoke("SlowProbeFunction", &json!({"action": "sleep", "ms": 5000}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["x-amz-function-error"], "Unhandled");
    assert_eq!(timed_out["errorType"], "Sandbox.Timedout");
    assert!(
        timed_out["errorMessage"]
            .as_str()
            .is_some_and(|m| m.contains("Task timed out after 1.00 seconds")),
        "{timed_out}"
    );
    assert!(
        !process_exists(slow_pid),
        "the timed-out instance was killed"
    );
    let (status, _, fresh) = test.invoke("SlowProbeFunction", &json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(pid_of(&fresh), slow_pid);

    let outcomes: Vec<Value> = test
        .recent_invocations("SlowProbeFunction")
        .await
        .into_iter()
        .map(|r| r["outcome"].clone())
        .collect();
    assert_eq!(
        outcomes,
        vec![json!("Success"), json!("Timeout"), json!("Success")]
    );
    let timeout_logged = test
        .logs
        .lines()
        .iter()
        .any(|(f, l)| f == "SlowProbeFunction" && l.contains("Status: timeout"));
    assert!(timeout_logged, "the REPORT line says timeout");

    // Shutting down leaves no instance behind.
    let live = pid_of(&fresh);
    test.stop().await;
    assert!(!process_exists(live), "shutdown killed every instance");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_environment_is_the_templates_and_lambdas_only() {
    let test = TestStack::start().await;
    let (status, _, answer) = test
        .invoke("ProbeFunction", &json!({"action": "env"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let env = answer["env"].as_object().expect("an environment");
    let var = |key: &str| {
        env.get(key)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("{key} is set: {env:?}"))
    };
    let resources = &test.stack.resources;

    // The template's variables, resolved to the local resources; Globals merged in.
    assert_eq!(
        var("TABLE_NAME"),
        resources.reference("ProbeTable").expect("table")
    );
    assert!(var("TABLE_NAME").starts_with("cfp-local-ProbeTable-"));
    assert_eq!(
        var("TABLE_ARN"),
        resources
            .get("ProbeTable")
            .and_then(|t| t.attribute_str("Arn"))
            .expect("arn")
    );
    assert_eq!(
        var("QUEUE_URL"),
        resources.reference("ProbeQueue").expect("queue")
    );
    assert_eq!(var("REGION_AND_STAGE"), "eu-central-1-test");
    assert_eq!(var("ONLY_IN_TEST"), "yes");
    assert_eq!((var("RUST_LOG"), var("STAGE")), ("info", "test"));

    // What Lambda sets, pointing the SDK at the local endpoint.
    assert_eq!(var("AWS_ENDPOINT_URL"), test.stack.info.aws_endpoint);
    assert_eq!(
        var("AWS_LAMBDA_FUNCTION_NAME"),
        resources.reference("ProbeFunction").expect("named")
    );
    assert_eq!(var("AWS_LAMBDA_FUNCTION_VERSION"), "$LATEST");
    assert_eq!(var("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"), "128");
    assert_eq!(
        (var("AWS_REGION"), var("AWS_DEFAULT_REGION")),
        ("eu-central-1", "eu-central-1")
    );
    assert!(var("AWS_LAMBDA_RUNTIME_API").starts_with("127.0.0.1:"));
    assert!(var("AWS_LAMBDA_LOG_GROUP_NAME").starts_with("/aws/lambda/cfp-local-ProbeFunction-"));
    assert!(var("AWS_LAMBDA_LOG_STREAM_NAME").contains("/[$LATEST]"));
    assert_eq!((var("_HANDLER"), var("TZ")), ("bootstrap", ":UTC"));
    for key in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "LAMBDA_TASK_ROOT",
    ] {
        assert!(!var(key).is_empty());
    }

    // Nothing of the runner's own environment leaks in but PATH, HOME and RUST_BACKTRACE.
    let template_keys = [
        "TABLE_NAME",
        "TABLE_ARN",
        "QUEUE_URL",
        "REGION_AND_STAGE",
        "ONLY_IN_TEST",
        "RUST_LOG",
        "STAGE",
    ];
    let lambda_keys = [
        "AWS_LAMBDA_RUNTIME_API",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL",
        "_HANDLER",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
        "TZ",
        "LANG",
        // Set by the Rust runtime client itself for each invocation.
        "_X_AMZN_TRACE_ID",
    ];
    let allowed: BTreeSet<&str> = template_keys
        .iter()
        .chain(lambda_keys.iter())
        .chain(["PATH", "HOME", "RUST_BACKTRACE"].iter())
        .copied()
        .collect();
    let leaked: Vec<&String> = env
        .keys()
        .filter(|k| !allowed.contains(k.as_str()))
        .collect();
    assert!(leaked.is_empty(), "leaked into the function: {leaked:?}");
    assert!(
        std::env::var_os("CARGO_MANIFEST_DIR").is_some() && !env.contains_key("CARGO_MANIFEST_DIR")
    );

    test.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_invoke_trait_and_bad_requests() {
    let test = TestStack::start().await;

    // Event sources call through the Invoke trait by logical id.
    let answer = test
        .stack
        .lambda
        .invoke("ProbeFunction", Bytes::from_static(b"{\"from\":\"trait\"}"))
        .await
        .expect("the call succeeds");
    let answer: Value = serde_json::from_slice(&answer).expect("JSON");
    assert_eq!(answer["echo"]["from"], "trait");
    assert_eq!(
        test.stack
            .lambda
            .invoke("NoSuchFunction", Bytes::new())
            .await,
        Err(InvokeError::FunctionNotFound("NoSuchFunction".into()))
    );
    let failed = test
        .stack
        .lambda
        .invoke(
            "ProbeFunction",
            Bytes::from_static(b"{\"action\":\"fail\"}"),
        )
        .await;
    assert!(
        matches!(failed, Err(InvokeError::FunctionError { .. })),
        "{failed:?}"
    );

    // The HTTP API refuses what Lambda refuses, with Lambda's error types.
    let (status, headers, body) = test.invoke("NoSuchFunction", &json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(headers["x-amzn-errortype"], "ResourceNotFoundException");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("NoSuchFunction"))
    );
    let (status, headers, _) = test.invoke_raw("ProbeFunction", "{not json".into()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        headers["x-amzn-errortype"],
        "InvalidRequestContentException"
    );
    let (status, _, empty) = test.invoke_raw("ProbeFunction", String::new()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(empty["echo"], json!({}), "an empty payload arrives as {{}}");
    let too_big = format!("\"{}\"", "x".repeat(7 * 1024 * 1024));
    let (status, headers, _) = test.invoke_raw("ProbeFunction", too_big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(headers["x-amzn-errortype"], "RequestTooLargeException");

    // Asynchronous and dry-run invocation types.
    let response = test
        .http
        .post(format!(
            "{}/2015-03-31/functions/ProbeFunction/invocations",
            test.lambda_endpoint()
        ))
        .header("X-Amz-Invocation-Type", "DryRun")
        .body("{}")
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let response = test
        .http
        .post(format!(
            "{}/2015-03-31/functions/ProbeFunction/invocations",
            test.lambda_endpoint()
        ))
        .header("X-Amz-Invocation-Type", "Bogus")
        .body("{}")
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    // The function list and an unknown function's read-out.
    let functions: Value = test
        .http
        .get(format!("{}/_local/functions", test.lambda_endpoint()))
        .send()
        .await
        .expect("answers")
        .json()
        .await
        .expect("JSON");
    let ids: Vec<&str> = functions
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|f| f["logicalId"].as_str())
        .collect();
    assert_eq!(
        ids,
        vec![
            "ProbeFunction",
            "ProbeNotificationsFunction",
            "SlowProbeFunction"
        ]
    );
    let response = test
        .http
        .get(format!(
            "{}/_local/functions/Nope/invocations",
            test.lambda_endpoint()
        ))
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    test.stop().await;
}
