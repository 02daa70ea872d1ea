use chrono::{DateTime, Utc};

use crate::domain_event::{CfpChange, DomainEvent, PublishError, domain_event};
use crate::exactly_once::{Once, OnceError, run_once};
use crate::ports::{DedupeStore, DomainEventPublisher};
use crate::validation::InvalidValue;

/// Not published now; retry later.
#[derive(Debug, thiserror::Error)]
pub enum PublishDomainEventError {
    #[error("the dedupe key {0}")]
    Key(InvalidValue),
    #[error(transparent)]
    Once(#[from] OnceError<PublishError>),
}

/// The domain event a change of the CfP table makes (if any), published once per subject (talk
/// or event), version and type however often the change is delivered. `Ok(None)`: the change is
/// no news for other contexts. `deadline`: when the calling invocation ends (see [`run_once`]).
pub async fn publish_domain_event(
    dedupe: &dyn DedupeStore,
    publisher: &dyn DomainEventPublisher,
    change: &CfpChange,
    now: DateTime<Utc>,
    deadline: DateTime<Utc>,
) -> Result<Option<(DomainEvent, Once)>, PublishDomainEventError> {
    let Some(event) = domain_event(change) else {
        return Ok(None);
    };
    let key = event.dedupe_key().map_err(PublishDomainEventError::Key)?;
    let once = run_once(dedupe, key, now, deadline, || publisher.publish(&event)).await?;
    Ok(Some((event, once)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain_event::{EventChange, EventSnapshotType, ProposalChange, TalkEventType};
    use crate::in_memory::{InMemoryStore, RecordingPublisher};
    use crate::proposal::{ProposalStatus, Version};
    use crate::team::Role;
    use crate::test_data;

    /// The stream function's timeout in template.yaml, from now.
    fn deadline() -> DateTime<Utc> {
        Utc::now() + chrono::Duration::seconds(30)
    }

    fn confirmation() -> CfpChange {
        let old = test_data::proposal();
        let mut new = old.clone();
        new.status = ProposalStatus::Confirmed;
        new.version = Version::new(2).expect("version");
        CfpChange::Proposal(ProposalChange::Modified { old, new })
    }

    fn team_change() -> CfpChange {
        let old = test_data::event();
        let team = old
            .team
            .with_member(test_data::other_admin().user_id, Role::Organiser)
            .expect("team");
        let new = old.with_team(team, test_data::before_close()).expect("v2");
        CfpChange::Event(EventChange::Modified { old, new })
    }

    #[tokio::test]
    async fn a_change_is_published_once_however_often_it_is_delivered() {
        let (store, publisher) = (InMemoryStore::new(), RecordingPublisher::new());
        let change = confirmation();
        let first = publish_domain_event(&store, &publisher, &change, Utc::now(), deadline()).await;
        assert!(matches!(first, Ok(Some((_, Once::Done)))), "{first:?}");
        for _ in 0..2 {
            let again =
                publish_domain_event(&store, &publisher, &change, Utc::now(), deadline()).await;
            assert!(
                matches!(again, Ok(Some((_, Once::AlreadyDone)))),
                "{again:?}"
            );
        }
        let published = publisher.talk_events();
        assert_eq!(published.len(), 1);
        assert_eq!(published[0].kind, TalkEventType::TalkConfirmed);
        assert_eq!(published[0].version, 2);
    }

    #[tokio::test]
    async fn an_event_snapshot_is_published_once_too() {
        let (store, publisher) = (InMemoryStore::new(), RecordingPublisher::new());
        let created = CfpChange::Event(EventChange::Inserted(test_data::event()));
        for change in [&created, &team_change(), &created, &team_change()] {
            let result =
                publish_domain_event(&store, &publisher, change, Utc::now(), deadline()).await;
            assert!(matches!(result, Ok(Some(_))), "{result:?}");
        }
        let kinds: Vec<_> = publisher
            .event_snapshots()
            .iter()
            .map(|s| (s.kind, s.version))
            .collect();
        assert_eq!(
            kinds,
            [
                (EventSnapshotType::EventCreated, 1),
                (EventSnapshotType::EventUpdated, 2)
            ]
        );
        assert_eq!(publisher.published().len(), 2);
    }

    #[tokio::test]
    async fn no_news_publishes_nothing() {
        let (store, publisher) = (InMemoryStore::new(), RecordingPublisher::new());
        let old = test_data::proposal();
        let mut new = old.clone();
        new.status = ProposalStatus::Rejected;
        let event = test_data::event();
        for change in [
            CfpChange::Proposal(ProposalChange::Modified { old, new }),
            CfpChange::Event(EventChange::Modified {
                old: event.clone(),
                new: event,
            }),
        ] {
            let result =
                publish_domain_event(&store, &publisher, &change, Utc::now(), deadline()).await;
            assert!(matches!(result, Ok(None)), "{result:?}");
        }
        assert!(publisher.published().is_empty());
    }

    #[tokio::test]
    async fn a_failed_publish_is_an_error_and_a_retry_publishes() {
        let (store, publisher) = (InMemoryStore::new(), RecordingPublisher::new());
        publisher.fail(true);
        let result =
            publish_domain_event(&store, &publisher, &confirmation(), Utc::now(), deadline()).await;
        assert!(
            matches!(
                result,
                Err(PublishDomainEventError::Once(OnceError::Effect(_)))
            ),
            "{result:?}"
        );
        assert!(publisher.published().is_empty());
        publisher.fail(false);
        let result =
            publish_domain_event(&store, &publisher, &confirmation(), Utc::now(), deadline()).await;
        assert!(matches!(result, Ok(Some((_, Once::Done)))), "{result:?}");
        assert_eq!(publisher.published().len(), 1);
    }
}
