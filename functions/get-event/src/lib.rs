//! `GET /events/{event}`: the public view of an event, to anyone.

use cfp_domain::event::PublicEvent;
use cfp_domain::ports::EventStore;
use cfp_domain::use_cases;
use cfp_http::{ApiError, Body, JsonResponse, Request, Response, path_parameter, respond};
use chrono::{DateTime, Utc};

/// 200 with the public event (no team, no user ids), or a problem.
pub async fn handle(
    request: Request,
    events: &dyn EventStore,
    now: DateTime<Utc>,
) -> Response<Body> {
    respond(get_event(&request, events, now).await)
}

async fn get_event(
    request: &Request,
    events: &dyn EventStore,
    now: DateTime<Utc>,
) -> Result<JsonResponse, ApiError> {
    let slug = path_parameter(request, "event")?;
    let event = use_cases::get_event(events, &slug).await?;
    JsonResponse::ok(&PublicEvent::of(&event, now))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cfp_domain::in_memory::InMemoryStore;
    use cfp_domain::test_data;
    use cfp_http::test_support::*;
    use serde_json::{Value, json};

    fn sample() -> Value {
        sample_event("get-event")
    }

    async fn call(store: &InMemoryStore, event: &Value, now: DateTime<Utc>) -> Response<Body> {
        handle(request(event), store, now).await
    }

    #[tokio::test]
    async fn the_sample_event_reads_the_public_event_without_a_token() {
        let store = InMemoryStore::with_event(test_data::event());
        let response = call(&store, &sample(), test_data::before_close()).await;

        assert_eq!(response.status().as_u16(), 200, "{response:?}");
        assert_eq!(
            body_json(&response),
            json!({
                "slug": "devconf-2027",
                "name": "DevConf 2027",
                "timeZone": "Europe/Berlin",
                "startDate": "2027-06-10",
                "endDate": "2027-06-12",
                "cfpClosesAt": "2027-03-31T23:59:00+02:00",
                "cfpOpen": true,
                "rooms": [{"name": "Main Hall"}, {"name": "Room 2"}],
                "tracks": [{"name": "Cloud"}, {"name": "Rust"}],
                "sessionTypes": [{"name": "Talk", "durationMinutes": 30}, {"name": "Workshop", "durationMinutes": 120}]
            })
        );
        let text = String::from_utf8_lossy(response.body().as_ref()).into_owned();
        assert!(
            !text.contains(test_data::admin().user_id.as_str()),
            "no user ids: {text}"
        );
    }

    #[tokio::test]
    async fn cfp_open_follows_the_clock() {
        let store = InMemoryStore::with_event(test_data::event());
        let closes = test_data::event().cfp.closes_at().with_timezone(&Utc);
        let response = call(&store, &sample(), closes).await;
        assert_eq!(body_json(&response)["cfpOpen"], false);
    }

    #[tokio::test]
    async fn unknown_and_impossible_slugs_are_404() {
        let store = InMemoryStore::with_event(test_data::event());
        for slug in ["devconf-2028", "Not-A-Slug", "x"] {
            let mut event = sample();
            set_path_parameter(&mut event, "event", slug);
            assert_problem(
                &call(&store, &event, test_data::before_close()).await,
                404,
                "event-not-found",
            );
        }
    }

    #[tokio::test]
    async fn a_failing_store_is_a_generic_500() {
        let store = InMemoryStore::with_event(test_data::event());
        store.fail(true);
        assert_problem(
            &call(&store, &sample(), test_data::before_close()).await,
            500,
            "internal-error",
        );
    }

    #[tokio::test]
    async fn a_route_without_the_parameter_is_a_500_not_a_panic() {
        let store = InMemoryStore::with_event(test_data::event());
        let mut event = sample();
        if let Some(event) = event.as_object_mut() {
            event.remove("pathParameters");
        }
        assert_problem(
            &call(&store, &event, test_data::before_close()).await,
            500,
            "internal-error",
        );
    }
}
