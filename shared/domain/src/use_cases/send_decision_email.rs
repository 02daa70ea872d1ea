use chrono::{DateTime, Utc};

use crate::decision_email::{ProposalDecision, RenderError, decision_email};
use crate::email_address::EmailAddress;
use crate::error::MailError;
use crate::exactly_once::{Once, OnceError, run_once};
use crate::ports::{DedupeStore, Mailer};
use crate::proposal::Proposal;
use crate::validation::InvalidValue;

/// Not sent now; retry later.
#[derive(Debug, thiserror::Error)]
pub enum DecisionEmailError {
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error("the dedupe key {0}")]
    Key(InvalidValue),
    #[error(transparent)]
    Once(#[from] OnceError<MailError>),
}

/// For a change of a proposal from `old` to `new`: when it is a decision, the decision email to
/// the speaker, exactly once per proposal and decision however often the change is delivered.
/// `Ok(None)`: no decision, nothing to send. `deadline`: when the calling invocation ends (see
/// [`run_once`]).
pub async fn send_decision_email(
    dedupe: &dyn DedupeStore,
    mailer: &dyn Mailer,
    sender: &EmailAddress,
    old: &Proposal,
    new: &Proposal,
    now: DateTime<Utc>,
    deadline: DateTime<Utc>,
) -> Result<Option<(ProposalDecision, Once)>, DecisionEmailError> {
    let Some(decision) = ProposalDecision::made(old, new) else {
        return Ok(None);
    };
    let key = decision.email_key(new).map_err(DecisionEmailError::Key)?;
    let email = decision_email(new, decision)?;
    let once = run_once(dedupe, key, now, deadline, || mailer.send(sender, &email)).await?;
    Ok(Some((decision, once)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dedupe::DedupeState;
    use crate::in_memory::{InMemoryStore, RecordingMailer};
    use crate::proposal::{ProposalStatus, Title, Version};
    use crate::test_data;

    fn sender() -> EmailAddress {
        EmailAddress::parse("cfp@example.org").expect("sender")
    }

    /// The stream function's timeout in template.yaml, from now.
    fn deadline() -> DateTime<Utc> {
        Utc::now() + chrono::Duration::seconds(30)
    }

    fn change(to: ProposalStatus) -> (Proposal, Proposal) {
        let old = test_data::proposal();
        let mut new = old.clone();
        new.status = to;
        new.version = Version::new(2).expect("version");
        (old, new)
    }

    #[tokio::test]
    async fn each_decision_is_mailed_once() {
        let (store, mailer) = (InMemoryStore::new(), RecordingMailer::new());
        for status in [ProposalStatus::Confirmed, ProposalStatus::Rejected] {
            let (old, new) = change(status);
            let first = send_decision_email(
                &store,
                &mailer,
                &sender(),
                &old,
                &new,
                Utc::now(),
                deadline(),
            )
            .await
            .expect("sent");
            assert!(matches!(first, Some((_, Once::Done))), "{first:?}");
            let again = send_decision_email(
                &store,
                &mailer,
                &sender(),
                &old,
                &new,
                Utc::now(),
                deadline(),
            )
            .await
            .expect("skipped");
            assert!(matches!(again, Some((_, Once::AlreadyDone))), "{again:?}");
            let decision = first.map(|(d, _)| d).expect("a decision");
            let key = decision.email_key(&new).expect("key");
            assert_eq!(
                store.dedupe_record(&key).map(|r| r.state),
                Some(DedupeState::Sent)
            );
        }
        let sent = mailer.sent();
        assert_eq!(sent.len(), 2, "one confirmation, one rejection");
        assert!(sent[0].1.subject.starts_with("Accepted"));
        assert!(sent[1].1.subject.starts_with("Your proposal"));
    }

    #[tokio::test]
    async fn an_edit_of_a_decided_proposal_sends_nothing() {
        let (store, mailer) = (InMemoryStore::new(), RecordingMailer::new());
        let (_, confirmed) = change(ProposalStatus::Confirmed);
        let mut edited = confirmed.clone();
        edited.title = Title::parse("Renamed").expect("title");
        let result = send_decision_email(
            &store,
            &mailer,
            &sender(),
            &confirmed,
            &edited,
            Utc::now(),
            deadline(),
        )
        .await;
        assert!(matches!(result, Ok(None)), "{result:?}");
        let (old, withdrawn) = change(ProposalStatus::Withdrawn);
        let result = send_decision_email(
            &store,
            &mailer,
            &sender(),
            &old,
            &withdrawn,
            Utc::now(),
            deadline(),
        )
        .await;
        assert!(matches!(result, Ok(None)), "{result:?}");
        assert!(mailer.sent().is_empty());
    }

    #[tokio::test]
    async fn a_failed_send_is_an_error_and_a_retry_sends() {
        let (store, mailer) = (InMemoryStore::new(), RecordingMailer::new());
        let (old, new) = change(ProposalStatus::Confirmed);
        mailer.fail(true);
        let result = send_decision_email(
            &store,
            &mailer,
            &sender(),
            &old,
            &new,
            Utc::now(),
            deadline(),
        )
        .await;
        assert!(
            matches!(result, Err(DecisionEmailError::Once(OnceError::Effect(_)))),
            "{result:?}"
        );
        mailer.fail(false);
        let result = send_decision_email(
            &store,
            &mailer,
            &sender(),
            &old,
            &new,
            Utc::now(),
            deadline(),
        )
        .await;
        assert!(matches!(result, Ok(Some((_, Once::Done)))), "{result:?}");
        assert_eq!(mailer.sent().len(), 1);
    }
}
