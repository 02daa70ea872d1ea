//! `cfp-local up --fault ...` on the real template: under duplicate deliveries, SES errors,
//! handler errors and crashes in the middle of a batch, every proposal ends with exactly one
//! submission e-mail or with its record in the on-failure queue; none gets two, none is lost.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;

use crate::real_stack::{CfpClient, RealRunner, Submitted, assert_each_once_or_reported};

const PROPOSALS: usize = 24;

/// Submits [`PROPOSALS`] proposals through the API, six at a time; the accepted ones.
pub async fn submit_proposals(client: &Arc<CfpClient>, label: &str) -> Vec<Submitted> {
    let organiser = client.user(Some("admins")).await;
    let slug = Arc::new(client.open_event(&organiser).await);
    let speaker = Arc::new(client.user(None).await);
    let mut accepted = Vec::new();
    for chunk in (0..PROPOSALS).collect::<Vec<_>>().chunks(6) {
        let mut calls = JoinSet::new();
        for n in chunk {
            let title = format!("{label} {n} {}", uuid::Uuid::new_v4().simple());
            let (client, slug, speaker) = (client.clone(), slug.clone(), speaker.clone());
            calls.spawn(async move { client.submit(&slug, &speaker, &title).await });
        }
        for submitted in calls.join_all().await {
            accepted.push(submitted.expect("the API accepts the proposal"));
        }
    }
    accepted
}

/// What each run must show of its faults in the runner's log, at least once.
struct Evidence {
    ses_errors: bool,
    handler_errors: bool,
    crashes: bool,
}

/// Overrides the tests' fault seeds, to try others or replay a failure.
const SEED_VAR: &str = "CFP_FAULT_SEED";

async fn run_with_faults(name: &str, faults: &[&str], seed: u64, evidence: Evidence) {
    let seed = std::env::var(SEED_VAR)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(seed);
    eprintln!("{name}: --fault-seed {seed} (replay with {SEED_VAR}={seed})");
    let seed = seed.to_string();
    let mut runner = RealRunner::new(name);
    runner.start(None, &[faults, &["--fault-seed", &seed]].concat());
    let info = runner.wait_until_up().await;
    let client = Arc::new(CfpClient::new(info).await);

    let proposals = submit_proposals(&client, name).await;
    let records = client
        .wait_for_delivery(&runner, &proposals, Duration::from_secs(240))
        .await;
    let emails = client.submission_emails(&proposals).await;
    let on_failure = client.proposals_on_failure(&records).await;
    let output = runner.output();
    assert_each_once_or_reported(&proposals, &emails, &on_failure, &output);
    // The faults were really there: every record reached the function at least twice, and the
    // log tells of the injected errors.
    let deliveries = client.deliveries(&proposals).await;
    assert!(
        deliveries.values().all(|n| *n >= 2),
        "every record is delivered twice: {deliveries:?}"
    );
    let counted = |needle: &str| runner.log_lines_with(needle);
    let ses_errors = counted("SES call answered with an error");
    let handler_errors = counted("the function answered, but the invocation is reported as failed");
    let crashes = counted("Runtime exited with error: signal");
    eprintln!(
        "{name}: {ses_errors} SES errors, {handler_errors} handler errors, {crashes} crashes injected"
    );
    assert_eq!(
        evidence.ses_errors,
        ses_errors > 0,
        "SES errors: {ses_errors}"
    );
    assert_eq!(
        evidence.handler_errors,
        handler_errors > 0,
        "handler errors: {handler_errors}"
    );
    assert_eq!(evidence.crashes, crashes > 0, "crashes: {crashes}");
    let sent = emails.values().filter(|n| **n == 1).count();
    eprintln!(
        "{name}: {} proposals, {sent} e-mailed, {} reported to the on-failure queue",
        proposals.len(),
        on_failure.len()
    );
    runner.stop_with(libc::SIGINT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_deliveries_and_ses_errors_send_each_email_once_or_report_it() {
    run_with_faults(
        "dup-ses",
        &[
            "--fault",
            "duplicate-deliveries",
            "--fault",
            "ses-error-rate=0.3",
        ],
        20261127,
        Evidence {
            ses_errors: true,
            handler_errors: false,
            crashes: false,
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handler_errors_and_crashes_mid_batch_send_each_email_once_or_report_it() {
    run_with_faults(
        "errors-crashes",
        &[
            "--fault",
            "duplicate-deliveries",
            "--fault",
            "handler-error-rate=0.3",
            "--fault",
            "crash-mid-batch-rate=0.2",
            "--fault",
            "ses-error-rate=0.3",
        ],
        7,
        Evidence {
            ses_errors: true,
            handler_errors: true,
            crashes: true,
        },
    )
    .await;
}
