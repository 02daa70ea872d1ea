//! One side effect, once per [`DedupeKey`], under at-least-once delivery: the protocol of
//! [`crate::dedupe`] (claim or take over an expired claim, do it, mark it done; a failed effect
//! gives the claim back) for any effect, so every stream consumer shares one implementation.

use std::future::Future;

use chrono::{DateTime, Utc};

use crate::dedupe::{Claim, Decision, DedupeKey, decide};
use crate::error::StoreError;
use crate::ports::{ClaimOutcome, DedupeStore};

/// How the effect went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Once {
    Done,
    /// Done, but the record could not be marked: a redelivery after the lease may do it again.
    DoneUnrecorded,
    /// An earlier delivery did it.
    AlreadyDone,
}

/// Not done now; the caller retries later.
#[derive(Debug, thiserror::Error)]
pub enum OnceError<E> {
    #[error("another invocation is doing this right now")]
    InProgress,
    /// The invocation's deadline is not after `now`: a claim would protect nothing, so the
    /// effect is not started (a sign of a wrong deadline or clock).
    #[error("the invocation's deadline has passed")]
    OutOfTime,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Effect(E),
}

/// Runs `effect` unless a record says it ran; `Err` means it did not run now. `deadline` is when
/// the calling invocation ends (Lambda stops it then): the claim's lease ends there at the latest
/// (see [`Claim::new`]).
pub async fn run_once<E, F, Fut>(
    dedupe: &dyn DedupeStore,
    key: DedupeKey,
    now: DateTime<Utc>,
    deadline: DateTime<Utc>,
    effect: F,
) -> Result<Once, OnceError<E>>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<(), E>>,
{
    let claim = Claim::new(key, now, deadline);
    if claim.lease_until <= now {
        return Err(OnceError::OutOfTime);
    }
    match dedupe.claim(&claim).await? {
        ClaimOutcome::Claimed => {}
        ClaimOutcome::Held(None) => return Err(OnceError::InProgress),
        ClaimOutcome::Held(Some(existing)) => match decide(&existing, now) {
            Decision::AlreadyDone => return Ok(Once::AlreadyDone),
            Decision::Busy => return Err(OnceError::InProgress),
            Decision::TakeOver => {
                if !dedupe.take_over(&existing, &claim).await? {
                    return Err(OnceError::InProgress);
                }
            }
        },
    }

    if let Err(error) = effect().await {
        // Give the claim back so the retry need not wait for the lease; if that fails too, the
        // lease runs out and the retry takes over.
        if let Err(release_error) = dedupe.release(&claim).await {
            tracing::warn!(error = %release_error, key = claim.key.as_str(), "could not release the dedupe claim");
        }
        return Err(OnceError::Effect(error));
    }
    match dedupe.mark_sent(&claim).await {
        Ok(true) => Ok(Once::Done),
        Ok(false) => {
            tracing::warn!(
                key = claim.key.as_str(),
                "the dedupe lease ran out during the effect"
            );
            Ok(Once::DoneUnrecorded)
        }
        Err(error) => {
            tracing::warn!(%error, key = claim.key.as_str(), "done, but could not mark the dedupe record");
            Ok(Once::DoneUnrecorded)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use chrono::Duration;

    use super::*;
    use crate::dedupe::{DedupeState, LEASE};
    use crate::in_memory::InMemoryStore;

    fn key() -> DedupeKey {
        DedupeKey::parse("test-effect#1").expect("key")
    }

    /// A stream function's timeout in template.yaml.
    fn deadline_of(start: DateTime<Utc>) -> DateTime<Utc> {
        start + Duration::seconds(30)
    }

    async fn count(
        store: &InMemoryStore,
        runs: &AtomicUsize,
        now: DateTime<Utc>,
        fail: bool,
    ) -> Result<Once, OnceError<&'static str>> {
        count_until(store, runs, now, deadline_of(now), fail).await
    }

    async fn count_until(
        store: &InMemoryStore,
        runs: &AtomicUsize,
        now: DateTime<Utc>,
        deadline: DateTime<Utc>,
        fail: bool,
    ) -> Result<Once, OnceError<&'static str>> {
        run_once(store, key(), now, deadline, || async {
            runs.fetch_add(1, Ordering::SeqCst);
            if fail { Err("boom") } else { Ok(()) }
        })
        .await
    }

    #[tokio::test]
    async fn runs_once_then_reports_done() {
        let (store, runs, now) = (InMemoryStore::new(), AtomicUsize::new(0), Utc::now());
        assert_eq!(
            count(&store, &runs, now, false).await.ok(),
            Some(Once::Done)
        );
        for later in [now, now + LEASE * 2] {
            assert_eq!(
                count(&store, &runs, later, false).await.ok(),
                Some(Once::AlreadyDone)
            );
        }
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert_eq!(
            store.dedupe_record(&key()).map(|r| r.state),
            Some(DedupeState::Sent)
        );
    }

    #[tokio::test]
    async fn a_failed_effect_is_released_and_retried() {
        let (store, runs, now) = (InMemoryStore::new(), AtomicUsize::new(0), Utc::now());
        let failed = count(&store, &runs, now, true).await;
        assert!(
            matches!(failed, Err(OnceError::Effect("boom"))),
            "{failed:?}"
        );
        assert_eq!(store.dedupe_record(&key()), None);
        assert_eq!(
            count(&store, &runs, now, false).await.ok(),
            Some(Once::Done)
        );
        assert_eq!(runs.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_live_claim_elsewhere_is_in_progress_and_an_expired_one_is_taken_over() {
        let (store, runs, now) = (InMemoryStore::new(), AtomicUsize::new(0), Utc::now());
        let elsewhere = Claim::new(key(), now, now + LEASE * 2);
        assert_eq!(store.claim(&elsewhere).await, Ok(ClaimOutcome::Claimed));
        let busy = count(&store, &runs, now, false).await;
        assert!(matches!(busy, Err(OnceError::InProgress)), "{busy:?}");
        assert_eq!(runs.load(Ordering::SeqCst), 0);

        let after_lease = now + LEASE + Duration::seconds(1);
        assert_eq!(
            count(&store, &runs, after_lease, false).await.ok(),
            Some(Once::Done)
        );
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert_eq!(store.mark_sent(&elsewhere).await, Ok(false));
    }

    #[tokio::test]
    async fn a_failing_store_runs_nothing() {
        let (store, runs) = (InMemoryStore::new(), AtomicUsize::new(0));
        store.fail(true);
        let result = count(&store, &runs, Utc::now(), false).await;
        assert!(matches!(result, Err(OnceError::Store(_))), "{result:?}");
        assert_eq!(runs.load(Ordering::SeqCst), 0);
    }

    /// The holder's effect never finishes: the invocation times out at its deadline, holding the
    /// claim, and the holder is dropped mid-effect as Lambda stops it. Its lease's end.
    async fn time_out_holding_the_claim(
        store: &InMemoryStore,
        now: DateTime<Utc>,
        deadline: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let holder = run_once(store, key(), now, deadline, || {
            std::future::pending::<Result<(), &'static str>>()
        });
        let stopped = tokio::time::timeout(std::time::Duration::from_millis(20), holder).await;
        assert!(stopped.is_err(), "the effect never finishes: {stopped:?}");
        let held = store.dedupe_record(&key())?;
        assert_eq!(held.state, DedupeState::InProgress);
        Some(held.lease_until)
    }

    #[tokio::test]
    async fn the_retry_after_a_timeout_takes_over_once_the_deadline_has_passed() {
        let (store, runs, now) = (InMemoryStore::new(), AtomicUsize::new(0), Utc::now());
        let deadline = now + Duration::seconds(2);
        assert_eq!(
            time_out_holding_the_claim(&store, now, deadline).await,
            Some(deadline)
        );

        let retry = deadline + Duration::milliseconds(1);
        assert_eq!(
            count(&store, &runs, retry, false).await.ok(),
            Some(Once::Done)
        );
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert_eq!(
            store.dedupe_record(&key()).map(|r| r.state),
            Some(DedupeState::Sent)
        );
        assert_eq!(
            count(&store, &runs, retry, false).await.ok(),
            Some(Once::AlreadyDone)
        );
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_live_claim_keeps_a_concurrent_delivery_off_until_its_deadline() {
        let (store, runs, now) = (InMemoryStore::new(), AtomicUsize::new(0), Utc::now());
        let deadline = now + Duration::seconds(2);
        let holder = Claim::new(key(), now, deadline);
        assert_eq!(store.claim(&holder).await, Ok(ClaimOutcome::Claimed));

        for during in [
            now,
            now + Duration::seconds(1),
            deadline - Duration::milliseconds(1),
        ] {
            let busy = count(&store, &runs, during, false).await;
            assert!(matches!(busy, Err(OnceError::InProgress)), "{busy:?}");
        }
        assert_eq!(runs.load(Ordering::SeqCst), 0);
        assert_eq!(
            store.mark_sent(&holder).await,
            Ok(true),
            "still the holder's"
        );
        assert_eq!(
            count(&store, &runs, deadline, false).await.ok(),
            Some(Once::AlreadyDone)
        );
        assert_eq!(runs.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn a_far_deadline_still_leases_for_lease_at_most() {
        let (store, runs, now) = (InMemoryStore::new(), AtomicUsize::new(0), Utc::now());
        let far = now + Duration::days(1);
        assert_eq!(
            time_out_holding_the_claim(&store, now, far).await,
            Some(now + LEASE)
        );
        let before = now + LEASE - Duration::milliseconds(1);
        let busy = count_until(&store, &runs, before, far, false).await;
        assert!(matches!(busy, Err(OnceError::InProgress)), "{busy:?}");
        assert_eq!(runs.load(Ordering::SeqCst), 0);

        let at = now + LEASE;
        let result = count_until(&store, &runs, at, DateTime::<Utc>::MAX_UTC, false).await;
        assert_eq!(result.ok(), Some(Once::Done));
        assert_eq!(
            store.dedupe_record(&key()).map(|r| r.lease_until),
            Some(at + LEASE),
            "the taker's lease is bounded too"
        );
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_passed_deadline_runs_nothing_and_claims_nothing() {
        let (store, runs, now) = (InMemoryStore::new(), AtomicUsize::new(0), Utc::now());
        for deadline in [now, now - Duration::seconds(1), DateTime::<Utc>::MIN_UTC] {
            let result = count_until(&store, &runs, now, deadline, false).await;
            assert!(matches!(result, Err(OnceError::OutOfTime)), "{result:?}");
        }
        assert_eq!(runs.load(Ordering::SeqCst), 0);
        assert_eq!(store.dedupe_record(&key()), None);
    }
}
