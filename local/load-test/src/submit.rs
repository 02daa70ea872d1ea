//! The concurrent clients: each one a speaker with its own token and its own keep-alive
//! connection, taking the next proposal to submit until all are taken. A 429 (the local runner
//! throttles a call that waited too long for a free instance) or a lost connection is retried with
//! the same Idempotency-Key, as real clients do.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::error::LoadError;
use crate::setup::Speaker;

/// What the clients submit, and where.
#[derive(Debug, Clone)]
pub struct Plan {
    /// `<apiUrl>/events/<slug>/cfps`.
    pub url: String,
    /// Makes titles and Idempotency-Keys unique to the run.
    pub run_id: String,
    pub proposals: usize,
    pub max_attempts: u32,
    pub request_timeout: Duration,
}

/// One HTTP attempt: its status (`None`: no answer, the connection failed or timed out) and how
/// long it took, body included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt {
    pub status: Option<u16>,
    pub latency: Duration,
}

/// How a proposal's submission ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// 201 with the proposal's id.
    Created { id: String },
    /// The last answer was not a 201 (or a 201 without an id).
    Refused { status: u16, body: String },
    /// The last attempt got no answer.
    Unanswered { error: String },
}

/// One proposal: who sent it, every attempt, and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub index: usize,
    pub title: String,
    pub speaker_email: String,
    pub attempts: Vec<Attempt>,
    pub outcome: Outcome,
}

impl Submission {
    pub fn created_id(&self) -> Option<&str> {
        match &self.outcome {
            Outcome::Created { id } => Some(id),
            _ => None,
        }
    }
}

/// Every submission of the run, and how long submitting took.
#[derive(Debug, Clone)]
pub struct LoadResult {
    pub submissions: Vec<Submission>,
    pub clients: usize,
    pub started: Instant,
    pub elapsed: Duration,
}

/// The title of the run's `index`th proposal (unique, well within the title's limits).
pub fn title(run_id: &str, index: usize) -> String {
    format!("Load {run_id} proposal {index}")
}

/// Whether an answer is worth another attempt with the same key: a throttle, or (after an
/// earlier attempt that may still be running) the idempotency record's "in progress" conflict.
pub fn retryable(status: u16, attempt: u32) -> bool {
    status == 429 || (status == 409 && attempt > 1)
}

/// Exponential, capped, spread over the clients so they don't all come back at once.
fn backoff(attempt: u32, client: usize) -> Duration {
    let exponential = 100u64.saturating_mul(1 << attempt.min(5).saturating_sub(1));
    let spread = (client as u64 * 37) % 100;
    Duration::from_millis(exponential.min(2_000) + spread)
}

/// Runs one client per entry of `clients` (the speakers it submits as, in turn) until
/// `plan.proposals` are submitted. A client without speakers submits nothing.
pub async fn submit_all(plan: Plan, clients: Vec<Vec<Speaker>>) -> Result<LoadResult, LoadError> {
    let plan = Arc::new(plan);
    let next = Arc::new(AtomicUsize::new(0));
    let client_count = clients.len();
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for (client, speakers) in clients.into_iter().enumerate() {
        if speakers.is_empty() {
            continue;
        }
        // A client of its own per speaker: its own connection pool, kept alive between requests.
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(plan.request_timeout)
            .pool_max_idle_per_host(1)
            .build()
            .map_err(|source| LoadError::Http {
                what: "building an HTTP client".into(),
                source,
            })?;
        let (plan, next) = (Arc::clone(&plan), Arc::clone(&next));
        tasks.spawn(async move {
            let mut submitted = Vec::new();
            for speaker in speakers.iter().cycle() {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= plan.proposals {
                    break;
                }
                submitted.push(submit_one(&http, &plan, speaker, client, index).await);
            }
            submitted
        });
    }
    let mut submissions = Vec::with_capacity(plan.proposals);
    while let Some(done) = tasks.join_next().await {
        submissions.extend(done?);
    }
    let elapsed = started.elapsed();
    submissions.sort_by_key(|s| s.index);
    Ok(LoadResult {
        submissions,
        clients: client_count,
        started,
        elapsed,
    })
}

async fn submit_one(
    http: &reqwest::Client,
    plan: &Plan,
    speaker: &Speaker,
    client: usize,
    index: usize,
) -> Submission {
    let title = title(&plan.run_id, index);
    let body = cfp_e2e::fixtures::proposal_by(&title, &speaker.name).to_string();
    let key = format!("load-{}-{index}", plan.run_id);
    let mut attempts = Vec::new();
    let mut attempt = 0;
    let outcome = loop {
        attempt += 1;
        let started = Instant::now();
        let answer = async {
            let response = http
                .post(&plan.url)
                .bearer_auth(&speaker.id_token)
                .header("idempotency-key", &key)
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await?;
            let status = response.status().as_u16();
            Ok::<_, reqwest::Error>((status, response.bytes().await?))
        }
        .await;
        let latency = started.elapsed();
        let last = attempt >= plan.max_attempts;
        match answer {
            Ok((status, bytes)) => {
                attempts.push(Attempt {
                    status: Some(status),
                    latency,
                });
                if status == 201 {
                    break created(&bytes);
                }
                if !retryable(status, attempt) || last {
                    break Outcome::Refused {
                        status,
                        body: excerpt(&bytes),
                    };
                }
            }
            Err(err) => {
                attempts.push(Attempt {
                    status: None,
                    latency,
                });
                if last {
                    break Outcome::Unanswered {
                        error: err.to_string(),
                    };
                }
            }
        }
        tokio::time::sleep(backoff(attempt, client)).await;
    };
    Submission {
        index,
        title,
        speaker_email: speaker.email.clone(),
        attempts,
        outcome,
    }
}

/// A 201's id, or a refusal naming what was wrong with the body.
pub fn created(body: &[u8]) -> Outcome {
    let id = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|json| json.get("id")?.as_str().map(str::to_owned));
    match id {
        Some(id) if !id.is_empty() => Outcome::Created { id },
        _ => Outcome::Refused {
            status: 201,
            body: format!("no id in the 201's body: {}", excerpt(body)),
        },
    }
}

/// The start of a body, for a failure message.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut excerpt: String = text.chars().take(300).collect();
    if text.chars().count() > 300 {
        excerpt.push('…');
    }
    excerpt
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttles_are_retried_and_conflicts_only_on_a_repeat() {
        assert!(retryable(429, 1));
        assert!(retryable(429, 5));
        assert!(!retryable(409, 1));
        assert!(retryable(409, 2));
        for status in [201, 400, 401, 403, 404, 500, 502, 503, 504] {
            assert!(!retryable(status, 2), "{status}");
        }
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        assert!(backoff(1, 0) < backoff(3, 0));
        assert!(backoff(30, 99) <= Duration::from_millis(2_100));
    }

    #[test]
    fn a_201_needs_an_id() {
        assert_eq!(
            created(br#"{"id":"0190-abc","status":"submitted"}"#),
            Outcome::Created {
                id: "0190-abc".into()
            }
        );
        for body in [&b"{}"[..], b"not json", br#"{"id":""}"#, br#"{"id":7}"#] {
            assert!(
                matches!(created(body), Outcome::Refused { status: 201, .. }),
                "{body:?}"
            );
        }
    }

    #[test]
    fn titles_are_unique_per_run_and_index() {
        assert_ne!(title("r1", 1), title("r1", 2));
        assert_ne!(title("r1", 1), title("r2", 1));
    }
}
