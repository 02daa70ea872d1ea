//! Stopping `cfp-local up` mid-flow and starting it again on the same AWS endpoint loses nothing
//! that was acknowledged: the resources are adopted (same table, same pool), and stream delivery
//! resumes at the saved checkpoints. After Ctrl-C (the batches in flight are let finish) every
//! proposal gets exactly one e-mail; after a SIGKILL, a batch killed halfway may leave a send
//! claimed until its invocation's deadline, so its record may end in the on-failure queue
//! instead; never two e-mails, never neither. A proposal written to the table while no runner is
//! up is delivered by the next one.

use std::sync::Arc;
use std::time::Duration;

use cfp_local_moto::MotoServer;
use tokio::task::JoinSet;

use crate::real_stack::{CfpClient, RealRunner, Speaker, Submitted, assert_each_once_or_reported};

async fn submit_many(
    client: &Arc<CfpClient>,
    slug: &str,
    speaker: &Speaker,
    label: &str,
    count: usize,
) -> Vec<Submitted> {
    let mut calls = JoinSet::new();
    let token = Arc::new(Speaker {
        email: speaker.email.clone(),
        token: speaker.token.clone(),
    });
    for n in 0..count {
        let title = format!("{label} {n} {}", uuid::Uuid::new_v4().simple());
        let (client, slug, token) = (client.clone(), slug.to_owned(), token.clone());
        calls.spawn(async move { client.submit(&slug, &token, &title).await });
    }
    calls
        .join_all()
        .await
        .into_iter()
        .map(|s| s.expect("the API accepts the proposal"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_runner_adopts_the_stack_and_loses_nothing_acknowledged() {
    let moto = MotoServer::for_tests().await;
    let endpoint = moto.endpoint().to_owned();
    let mut runner = RealRunner::new("restart");

    // Runner A: proposals accepted, then Ctrl-C at once, with e-mails still to go out.
    runner.start(Some(&endpoint), &[]);
    let info_a = runner.wait_until_up().await;
    let client_a = Arc::new(CfpClient::new(info_a.clone()).await);
    let organiser = client_a.user(Some("admins")).await;
    let slug = client_a.open_event(&organiser).await;
    let speaker = client_a.user(None).await;
    let before_sigint = submit_many(&client_a, &slug, &speaker, "before Ctrl-C", 12).await;
    runner.stop_with(libc::SIGINT).await;
    let mailed = client_a.submission_emails(&before_sigint).await;
    eprintln!(
        "at Ctrl-C, {} of {} proposals had their e-mail",
        mailed.values().filter(|n| **n > 0).count(),
        before_sigint.len()
    );

    // Runner B on the same endpoint: the same resources, and the user's token still works.
    runner.start(Some(&endpoint), &[]);
    let info_b = runner.wait_until_up().await;
    assert_eq!(info_b.cfp_table, info_a.cfp_table, "the table is adopted");
    assert_eq!(
        info_b.user_pool_id, info_a.user_pool_id,
        "the pool is adopted"
    );
    assert_eq!(
        info_b.stream_failure_queue_url, info_a.stream_failure_queue_url,
        "the queue is adopted"
    );
    assert!(
        runner.output().contains("adopted from the earlier run"),
        "{}",
        runner.output()
    );
    let client_b = Arc::new(CfpClient::new(info_b).await);
    // What runner A left undelivered, runner B delivers from A's checkpoint.
    client_b
        .wait_for_delivery(&runner, &before_sigint, Duration::from_secs(120))
        .await;
    let before_sigkill = submit_many(&client_b, &slug, &speaker, "before SIGKILL", 12).await;
    runner.stop_with(libc::SIGKILL).await;

    // Written while no runner is up: the stream keeps it for the next one.
    let while_down = client_b
        .put_proposal_copy(
            &slug,
            &before_sigkill[0],
            &format!("while down {}", uuid::Uuid::new_v4().simple()),
        )
        .await;

    // Runner C after the SIGKILL: everything so far, and what comes now, is delivered.
    runner.start(Some(&endpoint), &[]);
    let info_c = runner.wait_until_up().await;
    let client_c = Arc::new(CfpClient::new(info_c).await);
    let speaker = client_c.sign_in(&speaker).await;
    let after = submit_many(&client_c, &slug, &speaker, "after restarts", 6).await;

    let all: Vec<Submitted> = [
        before_sigint.clone(),
        before_sigkill,
        vec![while_down.clone()],
        after.clone(),
    ]
    .concat();
    let records = client_c
        .wait_for_delivery(&runner, &all, Duration::from_secs(180))
        .await;
    let emails = client_c.submission_emails(&all).await;
    let output = runner.output();
    for proposal in before_sigint.iter().chain(&after).chain([&while_down]) {
        assert_eq!(
            emails.get(&proposal.id),
            Some(&1),
            "{} ({}) after a graceful stop: {emails:?}\n{output}",
            proposal.id,
            proposal.title
        );
    }
    // Runner C resumed after runner B's checkpoint, not at TRIM_HORIZON: what B had delivered
    // before it was killed never reached the function again.
    let redelivered = client_c.deliveries(&before_sigint).await;
    assert!(
        redelivered.values().all(|n| *n == 0),
        "runner C delivered again what runner B had checkpointed: {redelivered:?}"
    );
    let on_failure = client_c.proposals_on_failure(&records).await;
    assert_each_once_or_reported(&all, &emails, &on_failure, &output);
    runner.stop_with(libc::SIGINT).await;
}
