use chrono::{DateTime, Utc};

use crate::dedupe::DedupeKey;
use crate::email::proposal_received;
use crate::email_address::EmailAddress;
use crate::error::MailError;
use crate::exactly_once::{Once, OnceError, run_once};
use crate::ports::{DedupeStore, Mailer};
use crate::proposal::Proposal;

/// Sends the "proposal received" email exactly once per proposal, however often it is asked to,
/// by an invocation that ends by `deadline` (see [`run_once`]). `Err` means: not sent now, retry
/// later.
pub async fn send_submitted_email(
    dedupe: &dyn DedupeStore,
    mailer: &dyn Mailer,
    sender: &EmailAddress,
    proposal: &Proposal,
    now: DateTime<Utc>,
    deadline: DateTime<Utc>,
) -> Result<Once, OnceError<MailError>> {
    let email = proposal_received(proposal);
    let key = DedupeKey::submitted_email(proposal.id);
    run_once(dedupe, key, now, deadline, || mailer.send(sender, &email)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dedupe::{Claim, DedupeRecord, DedupeState, LEASE, LeaseToken};
    use crate::in_memory::{InMemoryStore, RecordingMailer};
    use crate::ports::ClaimOutcome;
    use crate::test_data;

    fn sender() -> EmailAddress {
        EmailAddress::parse("cfp@example.org").expect("sender")
    }

    /// The stream function's timeout in template.yaml.
    fn deadline_of(start: DateTime<Utc>) -> DateTime<Utc> {
        start + chrono::Duration::seconds(30)
    }

    #[tokio::test]
    async fn sends_once_however_often_it_is_asked() {
        let (store, mailer, proposal) = (
            InMemoryStore::new(),
            RecordingMailer::new(),
            test_data::proposal(),
        );
        let now = Utc::now();
        assert_eq!(
            send_submitted_email(&store, &mailer, &sender(), &proposal, now, deadline_of(now))
                .await
                .ok(),
            Some(Once::Done)
        );
        for later in [now, now + LEASE * 2, now + chrono::Duration::days(6)] {
            assert_eq!(
                send_submitted_email(
                    &store,
                    &mailer,
                    &sender(),
                    &proposal,
                    later,
                    deadline_of(later)
                )
                .await
                .ok(),
                Some(Once::AlreadyDone)
            );
        }
        let sent = mailer.sent();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].0, sender());
        assert_eq!(sent[0].1.to, proposal.speaker.email);
        assert_eq!(
            store
                .dedupe_record(&DedupeKey::submitted_email(proposal.id))
                .map(|r| r.state),
            Some(DedupeState::Sent)
        );
    }

    #[tokio::test]
    async fn a_live_lease_of_another_invocation_is_busy_until_its_deadline() {
        let (store, mailer, proposal) = (
            InMemoryStore::new(),
            RecordingMailer::new(),
            test_data::proposal(),
        );
        let now = Utc::now();
        let other_deadline = deadline_of(now);
        let other = Claim::new(DedupeKey::submitted_email(proposal.id), now, other_deadline);
        assert_eq!(store.claim(&other).await, Ok(ClaimOutcome::Claimed));

        let during = other_deadline - chrono::Duration::milliseconds(1);
        let result = send_submitted_email(
            &store,
            &mailer,
            &sender(),
            &proposal,
            during,
            deadline_of(during),
        )
        .await;
        assert!(matches!(result, Err(OnceError::InProgress)), "{result:?}");
        assert!(mailer.sent().is_empty());

        // The other invocation timed out at its deadline: the retry after it sends.
        let retry = other_deadline + chrono::Duration::milliseconds(1);
        let result = send_submitted_email(
            &store,
            &mailer,
            &sender(),
            &proposal,
            retry,
            deadline_of(retry),
        )
        .await;
        assert_eq!(result.ok(), Some(Once::Done));
        assert_eq!(mailer.sent().len(), 1);
        assert_eq!(store.mark_sent(&other).await, Ok(false));
    }

    #[tokio::test]
    async fn an_expired_lease_is_taken_over_and_the_old_holder_can_no_longer_mark_it() {
        let (store, mailer, proposal) = (
            InMemoryStore::new(),
            RecordingMailer::new(),
            test_data::proposal(),
        );
        let now = Utc::now();
        let crashed_at = now - LEASE - chrono::Duration::seconds(1);
        let crashed = Claim::new(
            DedupeKey::submitted_email(proposal.id),
            crashed_at,
            crashed_at + LEASE,
        );
        assert_eq!(store.claim(&crashed).await, Ok(ClaimOutcome::Claimed));

        assert_eq!(
            send_submitted_email(&store, &mailer, &sender(), &proposal, now, deadline_of(now))
                .await
                .ok(),
            Some(Once::Done)
        );
        assert_eq!(mailer.sent().len(), 1);
        assert_eq!(store.mark_sent(&crashed).await, Ok(false));
        assert_eq!(store.release(&crashed).await, Ok(false));
    }

    #[tokio::test]
    async fn a_take_over_loses_to_a_faster_one() {
        let store = InMemoryStore::new();
        let key = DedupeKey::submitted_email(test_data::proposal().id);
        let now = Utc::now();
        let crashed = Claim::new(key.clone(), now - LEASE * 2, now - LEASE);
        store.claim(&crashed).await.expect("claimed");
        let seen = DedupeRecord {
            key: key.clone(),
            state: DedupeState::InProgress,
            lease_token: crashed.token,
            lease_until: crashed.lease_until,
        };
        let (first, second) = (
            Claim::new(key.clone(), now, deadline_of(now)),
            Claim::new(key, now, deadline_of(now)),
        );
        assert_eq!(store.take_over(&seen, &first).await, Ok(true));
        assert_eq!(store.take_over(&seen, &second).await, Ok(false));
        let stale = DedupeRecord {
            lease_token: LeaseToken::generate(),
            ..seen
        };
        assert_eq!(store.take_over(&stale, &second).await, Ok(false));
    }

    #[tokio::test]
    async fn a_failed_send_releases_the_claim_so_a_retry_sends() {
        let (store, mailer, proposal) = (
            InMemoryStore::new(),
            RecordingMailer::new(),
            test_data::proposal(),
        );
        mailer.fail(true);
        let result = send_submitted_email(
            &store,
            &mailer,
            &sender(),
            &proposal,
            Utc::now(),
            deadline_of(Utc::now()),
        )
        .await;
        assert!(matches!(result, Err(OnceError::Effect(_))), "{result:?}");
        assert_eq!(
            store.dedupe_record(&DedupeKey::submitted_email(proposal.id)),
            None
        );

        mailer.fail(false);
        assert_eq!(
            send_submitted_email(
                &store,
                &mailer,
                &sender(),
                &proposal,
                Utc::now(),
                deadline_of(Utc::now())
            )
            .await
            .ok(),
            Some(Once::Done)
        );
        assert_eq!(mailer.sent().len(), 1);
    }

    #[tokio::test]
    async fn a_failing_store_sends_nothing() {
        let (store, mailer, proposal) = (
            InMemoryStore::new(),
            RecordingMailer::new(),
            test_data::proposal(),
        );
        store.fail(true);
        let result = send_submitted_email(
            &store,
            &mailer,
            &sender(),
            &proposal,
            Utc::now(),
            deadline_of(Utc::now()),
        )
        .await;
        assert!(matches!(result, Err(OnceError::Store(_))), "{result:?}");
        assert!(mailer.sent().is_empty());
    }
}
