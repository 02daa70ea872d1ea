use chrono::{DateTime, Utc};

use crate::domain_event::{ProposalChange, PublishError, TalkEvent, talk_event};
use crate::exactly_once::{Once, OnceError, run_once};
use crate::ports::{DedupeStore, TalkEventPublisher};
use crate::validation::InvalidValue;

/// Not published now; retry later.
#[derive(Debug, thiserror::Error)]
pub enum PublishTalkEventError {
    #[error("the dedupe key {0}")]
    Key(InvalidValue),
    #[error(transparent)]
    Once(#[from] OnceError<PublishError>),
}

/// The domain event a proposal change makes (if any), published once per talk, version and type
/// however often the change is delivered. `Ok(None)`: the change is no news for other contexts.
pub async fn publish_talk_event(
    dedupe: &dyn DedupeStore,
    publisher: &dyn TalkEventPublisher,
    change: &ProposalChange,
    now: DateTime<Utc>,
) -> Result<Option<(TalkEvent, Once)>, PublishTalkEventError> {
    let Some(event) = talk_event(change) else {
        return Ok(None);
    };
    let key = event.dedupe_key().map_err(PublishTalkEventError::Key)?;
    let once = run_once(dedupe, key, now, || publisher.publish(&event)).await?;
    Ok(Some((event, once)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain_event::TalkEventType;
    use crate::in_memory::{InMemoryStore, RecordingPublisher};
    use crate::proposal::{ProposalStatus, Version};
    use crate::test_data;

    fn confirmation() -> ProposalChange {
        let old = test_data::proposal();
        let mut new = old.clone();
        new.status = ProposalStatus::Confirmed;
        new.version = Version::new(2).expect("version");
        ProposalChange::Modified { old, new }
    }

    #[tokio::test]
    async fn a_change_is_published_once_however_often_it_is_delivered() {
        let (store, publisher) = (InMemoryStore::new(), RecordingPublisher::new());
        let change = confirmation();
        let first = publish_talk_event(&store, &publisher, &change, Utc::now()).await;
        assert!(matches!(first, Ok(Some((_, Once::Done)))), "{first:?}");
        for _ in 0..2 {
            let again = publish_talk_event(&store, &publisher, &change, Utc::now()).await;
            assert!(
                matches!(again, Ok(Some((_, Once::AlreadyDone)))),
                "{again:?}"
            );
        }
        let published = publisher.published();
        assert_eq!(published.len(), 1);
        assert_eq!(published[0].kind, TalkEventType::TalkConfirmed);
        assert_eq!(published[0].version, 2);
    }

    #[tokio::test]
    async fn no_news_publishes_nothing() {
        let (store, publisher) = (InMemoryStore::new(), RecordingPublisher::new());
        let old = test_data::proposal();
        let mut new = old.clone();
        new.status = ProposalStatus::Rejected;
        let result = publish_talk_event(
            &store,
            &publisher,
            &ProposalChange::Modified { old, new },
            Utc::now(),
        )
        .await;
        assert!(matches!(result, Ok(None)), "{result:?}");
        assert!(publisher.published().is_empty());
    }

    #[tokio::test]
    async fn a_failed_publish_is_an_error_and_a_retry_publishes() {
        let (store, publisher) = (InMemoryStore::new(), RecordingPublisher::new());
        publisher.fail(true);
        let result = publish_talk_event(&store, &publisher, &confirmation(), Utc::now()).await;
        assert!(
            matches!(
                result,
                Err(PublishTalkEventError::Once(OnceError::Effect(_)))
            ),
            "{result:?}"
        );
        assert!(publisher.published().is_empty());
        publisher.fail(false);
        let result = publish_talk_event(&store, &publisher, &confirmation(), Utc::now()).await;
        assert!(matches!(result, Ok(Some((_, Once::Done)))), "{result:?}");
        assert_eq!(publisher.published().len(), 1);
    }
}
