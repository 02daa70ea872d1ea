//! The functions' logs: JSON lines carrying the Lambda request id, the function's name and what
//! the work is about, and never an e-mail address or a token, checked in the local stack's log
//! (`CFP_STACK_LOG`, set by scripts/test.sh) after a flow that sends both emails.

use std::path::PathBuf;
use std::time::Duration;

use cfp_e2e::fixtures::proposal_body;
use cfp_e2e::{Stack, User, eventually};
use serde_json::Value;

/// The runner prints each line of a function as `[LogicalId] line`.
fn function_line<'a>(line: &'a str, logical_id: &str) -> Option<&'a str> {
    line.strip_prefix('[')?
        .strip_prefix(logical_id)?
        .strip_prefix("] ")
}

fn stack_log() -> PathBuf {
    PathBuf::from(std::env::var_os("CFP_STACK_LOG").expect(
        "CFP_STACK_LOG names the local stack's log (scripts/test.sh sets it; for a stack of \
         your own, point it at the file its output goes to)",
    ))
}

fn read_log() -> String {
    let path = stack_log();
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A function's JSON line about `proposal` with `message`, once the runner has written it.
async fn json_line(logical_id: &str, proposal: &str, message: &str) -> Value {
    eventually(
        &format!("{logical_id}'s \"{message}\" line about {proposal}"),
        Duration::from_secs(30),
        || async {
            read_log()
                .lines()
                .filter_map(|line| function_line(line, logical_id))
                .filter_map(|line| serde_json::from_str::<Value>(line).ok())
                .find(|line| line["proposalId"] == proposal && line["message"] == message)
        },
    )
    .await
}

/// Every string a leak of `user`'s secrets would show: the address, each token, and each of a
/// token's three parts (a log could print one without the others).
fn secrets_of(user: &User) -> Vec<String> {
    let mut secrets = vec![user.email.clone()];
    for token in [&user.id_token, &user.access_token] {
        secrets.push(token.clone());
        secrets.extend(token.split('.').map(str::to_owned));
    }
    secrets
}

fn assert_context(line: &Value, logical_id: &str, slug: &str, proposal: &str) {
    let request_id = line["requestId"].as_str().unwrap_or_default();
    assert!(
        uuid::Uuid::parse_str(request_id).is_ok(),
        "a request id: {line}"
    );
    let function = line["functionName"].as_str().unwrap_or_default();
    let named = logical_id.trim_end_matches("Function");
    assert!(function.contains(named), "the function's name: {line}");
    assert_eq!(line["eventSlug"], slug, "{line}");
    assert_eq!(line["proposalId"], proposal, "{line}");
    assert!(
        line["level"].is_string() && line["timestamp"].is_string(),
        "{line}"
    );
}

#[tokio::test]
async fn the_logs_of_a_submission_and_a_decision_carry_ids_and_no_address_or_token() {
    let stack = &Stack::connect().await;
    let organiser = stack.admin().await;
    let slug = stack.open_event(&organiser).await;
    let speaker = stack.user(None).await;

    let id = stack
        .submit(&slug, &speaker, &proposal_body("Logs without secrets"))
        .await;
    let confirmed = stack
        .send(
            reqwest::Method::POST,
            &format!("/events/{slug}/cfps/{id}/confirm"),
            &organiser.caller(),
            None,
            &[],
        )
        .await;
    assert_eq!(confirmed.status, 200, "{confirmed:?}");
    eventually("both emails", Duration::from_secs(30), || async {
        (stack.emails_to(&speaker.email).await.len() >= 2).then_some(())
    })
    .await;

    // The lines of the HTTP functions (context from the path) and of the stream functions that
    // sent the emails (context from the record).
    let submitted = json_line("CreateCfpFunction", &id, "proposal submitted").await;
    assert_context(&submitted, "CreateCfpFunction", &slug, &id);
    let decided = json_line("DecideCfpFunction", &id, "proposal decided").await;
    assert_context(&decided, "DecideCfpFunction", &slug, &id);
    let received = json_line(
        "SendCfpSubmittedEmailFunction",
        &id,
        "submission email sent",
    )
    .await;
    assert_context(&received, "SendCfpSubmittedEmailFunction", &slug, &id);
    let decision = json_line("SendCfpConfirmedEmailFunction", &id, "decision email sent").await;
    assert_context(&decision, "SendCfpConfirmedEmailFunction", &slug, &id);
    assert_ne!(submitted["requestId"], received["requestId"]);

    // Not in any line of the whole log: the runner's own lines and every function's.
    let log = read_log();
    let mut secrets = secrets_of(&speaker);
    secrets.extend(secrets_of(&organiser));
    for (number, line) in log.lines().enumerate() {
        for secret in &secrets {
            assert!(
                !line.contains(secret.as_str()),
                "line {} of {} shows an address or a token ({secret}): {line}",
                number + 1,
                stack_log().display()
            );
        }
    }
}
