//! One run, in order: set up, submit, wait (bounded) for the asynchronous side, reconcile,
//! report.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use cfp_local::stack::StackInfo;
use cfp_local::users::LocalUsers;

use crate::cli::Args;
use crate::error::LoadError;
use crate::latency::Latencies;
use crate::reconcile::{Reconciliation, reconcile, status_counts};
use crate::report::{Figures, LastEmail, render};
use crate::setup::{self, Speaker};
use crate::stored::StoredProposals;
use crate::submission_mail;
use crate::submit::{self, LoadResult, Plan};

/// How a run ended: its figures, with every failed check.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    pub figures: Figures,
}

impl RunOutcome {
    pub fn passed(&self) -> bool {
        self.figures.failures.is_empty()
    }
}

/// What the wait for the asynchronous side saw last.
struct Settled {
    found: Reconciliation,
    /// When the number of the run's submission e-mails last grew.
    last_email: Option<EmailArrival>,
    emails: usize,
    /// Successful reads of the table and the mail.
    polls: usize,
}

/// When the last e-mail arrived, as well as polling can tell.
struct EmailArrival {
    /// Seen by the read that began then,
    by: Instant,
    /// and not by the read that began this long before (`None`: the first read saw it).
    within: Option<Duration>,
}

fn check(args: &Args) -> Result<(), LoadError> {
    for (value, name) in [
        (args.proposals, "--proposals"),
        (args.clients, "--clients"),
        (args.max_attempts as usize, "--max-attempts"),
    ] {
        if value == 0 {
            return Err(LoadError::Zero(name));
        }
    }
    if args.speakers < args.clients {
        return Err(LoadError::TooFewSpeakers {
            clients: args.clients,
            speakers: args.speakers,
        });
    }
    Ok(())
}

/// Runs the load against the stack in `args.stack_file` and prints the report.
pub async fn run(args: &Args) -> Result<RunOutcome, LoadError> {
    check(args)?;
    let info = StackInfo::load(&args.stack_file)?;
    let api_url = setup::api_url(&info)?.trim_end_matches('/').to_owned();
    let table = info
        .cfp_table
        .clone()
        .ok_or(LoadError::MissingInStack("cfpTable"))?;
    let users = LocalUsers::from_stack(&info)
        .await
        .map_err(LoadError::UserPool)?;
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .map_err(|source| LoadError::Http {
            what: "building an HTTP client".into(),
            source,
        })?;
    let run_id = uuid::Uuid::new_v4().simple().to_string()[..10].to_owned();

    eprintln!(
        "cfp-load-test: run {run_id}: signing up an admin and {} speakers, opening an event",
        args.speakers
    );
    let slug = setup::open_event(&users, &http, &api_url, &run_id).await?;
    let speakers = setup::speakers(&users, &run_id, args.speakers).await?;
    let addresses: HashSet<String> = speakers
        .iter()
        .map(|s| s.email.to_ascii_lowercase())
        .collect();

    eprintln!(
        "cfp-load-test: submitting {} proposals to {slug} from {} clients",
        args.proposals, args.clients
    );
    let plan = Plan {
        url: format!("{api_url}/events/{slug}/cfps"),
        run_id,
        proposals: args.proposals,
        max_attempts: args.max_attempts,
        request_timeout: args.request_timeout(),
    };
    let load = submit::submit_all(plan, per_client(speakers, args.clients)).await?;
    let answered_at = Instant::now();

    eprintln!(
        "cfp-load-test: {} answers in {:.1} s; waiting up to {} s for storage and e-mail",
        load.submissions.len(),
        load.elapsed.as_secs_f64(),
        args.wait_seconds
    );
    let sdk = cfp_local::aws_clients::sdk_config(&info.aws_endpoint, &info.region).await;
    let stored = StoredProposals::new(aws_sdk_dynamodb::Client::new(&sdk), table, slug.clone());
    let settled = wait_for_async(&load, &stored, &info.aws_endpoint, &addresses, args).await?;

    let figures = Figures {
        slug,
        proposals: load.submissions.len(),
        clients: load.clients,
        speakers: args.speakers,
        duration: load.elapsed,
        latency: load
            .submissions
            .iter()
            .flat_map(|s| s.attempts.iter().map(|a| &a.latency))
            .collect::<Latencies>()
            .summary(),
        statuses: status_counts(&load.submissions),
        emails: settled.emails,
        last_email: settled.last_email.map(|arrival| LastEmail {
            since_start: arrival.by.saturating_duration_since(load.started),
            since_answers: arrival.by.saturating_duration_since(answered_at),
            within: arrival.within,
        }),
        polls: settled.polls,
        failures: settled.found.failures(),
    };
    print!("{}", render(&figures));
    Ok(RunOutcome { figures })
}

/// Deals the speakers out to the clients: each client has speakers of its own.
pub fn per_client(speakers: Vec<Speaker>, clients: usize) -> Vec<Vec<Speaker>> {
    let mut dealt = vec![Vec::new(); clients.max(1)];
    for (index, speaker) in speakers.into_iter().enumerate() {
        dealt[index % clients.max(1)].push(speaker);
    }
    dealt
}

/// Reading the sent mail makes moto build its whole state, which grows with the stack's age (it
/// keeps every DynamoDB item version and stream shard iterator it ever made): after a read that
/// took `d`, the next one waits at least this many `d`, so the check never keeps moto busy long.
const MAIL_READ_SPACING: u32 = 2;

/// Polls the table and the sent mail until everything answered is stored and mailed (then
/// watches `settle` longer for late duplicates), or until `wait` has passed.
async fn wait_for_async(
    load: &LoadResult,
    stored: &StoredProposals,
    aws_endpoint: &str,
    addresses: &HashSet<String>,
    args: &Args,
) -> Result<Settled, LoadError> {
    let deadline = Instant::now() + args.wait();
    let mut settle_until: Option<Instant> = None;
    let mut seen = Settled {
        found: Reconciliation::default(),
        last_email: None,
        emails: 0,
        polls: 0,
    };
    let mut previous_read: Option<Instant> = None;
    let mut last_progress = Instant::now();
    loop {
        let read_at = Instant::now();
        let polled = poll(load, stored, aws_endpoint, addresses).await;
        let took = read_at.elapsed();
        match polled {
            Ok((found, emails)) => {
                seen.polls += 1;
                if emails > seen.emails {
                    seen.emails = emails;
                    // It arrived after the previous read began and before this one did.
                    seen.last_email = Some(EmailArrival {
                        by: read_at,
                        within: previous_read.map(|p| read_at.saturating_duration_since(p)),
                    });
                }
                previous_read = Some(read_at);
                if last_progress.elapsed() >= Duration::from_secs(10) {
                    last_progress = Instant::now();
                    eprintln!(
                        "cfp-load-test: stored {}/{}, submission e-mails {}/{} (reading moto's state took {:.1} s)",
                        found.stored,
                        found.accepted,
                        found.emails,
                        found.accepted,
                        took.as_secs_f64()
                    );
                }
                let caught_up = found.caught_up();
                seen.found = found;
                let now = Instant::now();
                if caught_up {
                    if now >= *settle_until.get_or_insert(now + args.settle()) {
                        return Ok(seen);
                    }
                } else {
                    settle_until = None;
                }
            }
            // moto builds its whole state for the mail, and now and then fails under load: a
            // failed poll is one poll; only a wait without any success fails the run.
            Err(err) if seen.polls == 0 && Instant::now() >= deadline => return Err(err),
            Err(err) => eprintln!("cfp-load-test: a poll failed, polling on: {err}"),
        }
        if Instant::now() >= deadline && seen.polls > 0 {
            return Ok(seen);
        }
        tokio::time::sleep(args.poll_interval().max(took * MAIL_READ_SPACING)).await;
    }
}

/// One read of the table and the sent mail, reconciled; and the run's submission e-mails.
async fn poll(
    load: &LoadResult,
    stored: &StoredProposals,
    aws_endpoint: &str,
    addresses: &HashSet<String>,
) -> Result<(Reconciliation, usize), LoadError> {
    let ids = stored.ids().await?;
    let sent = cfp_local::mail::sent_emails(aws_endpoint).await?;
    let emails = submission_mail::of_run(&sent, addresses);
    Ok((reconcile(&load.submissions, &ids, &emails), emails.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn speaker(index: usize) -> Speaker {
        Speaker {
            email: setup::address("r", &format!("speaker{index}")),
            name: format!("Load Speaker {index}"),
            id_token: String::new(),
        }
    }

    #[test]
    fn each_client_gets_speakers_of_its_own() {
        let dealt = per_client((0..5).map(speaker).collect(), 2);
        let emails: Vec<Vec<&str>> = dealt
            .iter()
            .map(|s| s.iter().map(|s| s.name.as_str()).collect())
            .collect();
        assert_eq!(
            emails,
            vec![
                vec!["Load Speaker 0", "Load Speaker 2", "Load Speaker 4"],
                vec!["Load Speaker 1", "Load Speaker 3"],
            ]
        );
    }

    #[test]
    fn impossible_plans_are_refused_before_anything_is_sent() {
        let args = |extra: &[&str]| {
            Args::try_parse_from(["cfp-load-test"].iter().chain(extra)).expect("parses")
        };
        assert!(check(&args(&[])).is_ok());
        assert!(matches!(
            check(&args(&["--clients", "60"])),
            Err(LoadError::TooFewSpeakers { .. })
        ));
        assert!(matches!(
            check(&args(&["--proposals", "0"])),
            Err(LoadError::Zero("--proposals"))
        ));
    }
}
