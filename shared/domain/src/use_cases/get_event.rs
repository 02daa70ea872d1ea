use super::slug_from_path;
use crate::error::CfpError;
use crate::event::Event;
use crate::ports::EventStore;

/// An event by its slug, as written in a path.
pub async fn get_event(events: &dyn EventStore, slug: &str) -> Result<Event, CfpError> {
    let slug = slug_from_path(slug)?;
    events
        .get_event(&slug)
        .await?
        .ok_or_else(|| CfpError::EventNotFound(slug.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::in_memory::InMemoryStore;
    use crate::test_data;

    #[tokio::test]
    async fn found_not_found_and_impossible_slugs() {
        let store = InMemoryStore::with_event(test_data::event());
        assert_eq!(
            get_event(&store, "devconf-2027")
                .await
                .map(|e| e.slug.to_string())
                .ok(),
            Some("devconf-2027".to_owned())
        );
        for missing in ["other-event", "NOT A SLUG", ""] {
            let result = get_event(&store, missing).await;
            assert!(
                matches!(result, Err(CfpError::EventNotFound(_))),
                "{missing:?}: {result:?}"
            );
        }
    }

    #[tokio::test]
    async fn a_failing_store_is_a_store_error() {
        let store = InMemoryStore::with_event(test_data::event());
        store.fail(true);
        assert!(matches!(
            get_event(&store, "devconf-2027").await,
            Err(CfpError::Store(_))
        ));
    }
}
