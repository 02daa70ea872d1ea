use chrono::{DateTime, Utc};

use crate::caller::Caller;
use crate::error::{CfpError, StoreError};
use crate::event::{Event, NewEvent, NewEventRequest};
use crate::ports::EventStore;

/// An admin sets up an event and becomes its first organiser.
pub async fn create_event(
    events: &dyn EventStore,
    caller: &Caller,
    request: NewEventRequest,
    now: DateTime<Utc>,
) -> Result<Event, CfpError> {
    caller.ensure_may_create_events()?;
    let event = Event::create(NewEvent::parse(request)?, caller.user_id.clone(), now);
    events
        .insert_event(&event)
        .await
        .map_err(|error| match error {
            StoreError::AlreadyExists => CfpError::SlugTaken(event.slug.to_string()),
            other => CfpError::Store(other),
        })?;
    Ok(event)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::in_memory::InMemoryStore;
    use crate::team::Role;
    use crate::test_data;

    #[tokio::test]
    async fn an_admin_creates_and_organises_the_event() {
        let store = InMemoryStore::new();
        let admin = test_data::admin();
        let event = create_event(&store, &admin, test_data::event_request(), Utc::now())
            .await
            .expect("created");
        assert_eq!(admin.role_in(&event), Some(Role::Organiser));
        assert_eq!(store.get_event(&event.slug).await, Ok(Some(event)));
    }

    #[tokio::test]
    async fn only_admins_may() {
        let store = InMemoryStore::new();
        let result = create_event(
            &store,
            &test_data::speaker(),
            test_data::event_request(),
            Utc::now(),
        )
        .await;
        assert!(matches!(result, Err(CfpError::Forbidden(_))), "{result:?}");
        assert_eq!(store.event_count(), 0);
    }

    #[tokio::test]
    async fn a_taken_slug_conflicts_and_keeps_the_first_event() {
        let store = InMemoryStore::new();
        let first = create_event(
            &store,
            &test_data::admin(),
            test_data::event_request(),
            Utc::now(),
        )
        .await
        .expect("created");
        let mut second = test_data::event_request();
        second.name = Some("Another".into());
        let result = create_event(&store, &test_data::other_admin(), second, Utc::now()).await;
        assert!(
            matches!(result, Err(CfpError::SlugTaken(ref slug)) if slug == "devconf-2027"),
            "{result:?}"
        );
        assert_eq!(store.get_event(&first.slug).await, Ok(Some(first)));
    }

    #[tokio::test]
    async fn invalid_input_stores_nothing() {
        let store = InMemoryStore::new();
        let mut request = test_data::event_request();
        request.time_zone = Some("Nowhere/Special".into());
        let result = create_event(&store, &test_data::admin(), request, Utc::now()).await;
        assert!(matches!(result, Err(CfpError::Validation(_))), "{result:?}");
        assert_eq!(store.event_count(), 0);
    }
}
