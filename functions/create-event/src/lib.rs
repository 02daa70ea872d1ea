//! `POST /events`: an admin sets up an event and becomes its first organiser.

use cfp_domain::event::{NewEventRequest, PublicEvent};
use cfp_domain::ports::{EventStore, IdempotencyStore};
use cfp_domain::use_cases;
use cfp_http::{
    ApiError, Body, JsonResponse, Request, Response, caller, idempotent, json_body, respond,
};
use chrono::{DateTime, Utc};

/// 201 with `Location` and the public event, or a problem. A retry with the same
/// `Idempotency-Key` gets the same answer.
pub async fn handle(
    request: Request,
    events: &dyn EventStore,
    idempotency: &dyn IdempotencyStore,
    now: DateTime<Utc>,
) -> Response<Body> {
    idempotent(request, idempotency, now, |request| async move {
        respond(create_event(&request, events, now).await)
    })
    .await
}

async fn create_event(
    request: &Request,
    events: &dyn EventStore,
    now: DateTime<Utc>,
) -> Result<JsonResponse, ApiError> {
    let caller = caller(request)?;
    // Before the body is read: whoever may not create events learns nothing about its validity.
    caller.ensure_may_create_events()?;
    let body: NewEventRequest = json_body(request)?;
    let event = use_cases::create_event(events, &caller, body, now).await?;
    cfp_observability::metrics::event_created(event.slug.as_str());
    JsonResponse::created(
        format!("/events/{}", event.slug),
        &PublicEvent::of(&event, now),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use cfp_domain::event::EventSlug;
    use cfp_domain::in_memory::InMemoryStore;
    use cfp_domain::team::Role;
    use cfp_domain::test_data;
    use cfp_http::test_support::*;
    use serde_json::{Value, json};

    fn sample() -> Value {
        sample_event("create-event")
    }

    fn slug() -> EventSlug {
        EventSlug::parse("devconf-2027").expect("slug")
    }

    async fn call(store: &InMemoryStore, event: &Value) -> Response<Body> {
        handle(request(event), store, store, test_data::before_close()).await
    }

    #[tokio::test]
    async fn the_sample_event_creates_devconf_with_its_admin_as_organiser() {
        let store = InMemoryStore::new();
        let response = call(&store, &sample()).await;

        assert_eq!(response.status().as_u16(), 201, "{response:?}");
        assert_eq!(header(&response, "location"), Some("/events/devconf-2027"));
        assert_eq!(header(&response, "content-type"), Some("application/json"));
        let body = body_json(&response);
        assert_eq!(body["slug"], "devconf-2027");
        assert_eq!(body["cfpOpen"], true);
        assert_eq!(body["cfpClosesAt"], "2027-03-31T23:59:00+02:00");
        assert_eq!(
            body["sessionTypes"][1],
            json!({"name": "Workshop", "durationMinutes": 120})
        );
        assert!(body.get("team").is_none(), "{body}");

        let stored = store
            .get_event(&slug())
            .await
            .expect("store")
            .expect("stored");
        assert_eq!(
            stored.team.role_of(&test_data::admin().user_id),
            Some(Role::Organiser)
        );
    }

    #[tokio::test]
    async fn not_signed_in_is_401_and_not_an_admin_is_403() {
        let store = InMemoryStore::new();
        let mut anonymous = sample();
        remove_authorizer(&mut anonymous);
        assert_problem(&call(&store, &anonymous).await, 401, "unauthenticated");

        let mut no_sub = sample();
        set_claim(&mut no_sub, "sub", None);
        assert_problem(&call(&store, &no_sub).await, 401, "unauthenticated");

        for groups in [
            None,
            Some("[]"),
            Some("[reviewers]"),
            Some("[admins-light]"),
        ] {
            let mut speaker = sample();
            set_claim(&mut speaker, "cognito:groups", groups);
            assert_problem(&call(&store, &speaker).await, 403, "forbidden");
        }
        assert_eq!(store.event_count(), 0);
    }

    #[tokio::test]
    async fn a_taken_slug_is_409() {
        let store = InMemoryStore::new();
        assert_eq!(call(&store, &sample()).await.status().as_u16(), 201);
        assert_problem(&call(&store, &sample()).await, 409, "slug-taken");
        assert_eq!(store.event_count(), 1);
    }

    #[tokio::test]
    async fn body_problems_have_their_own_statuses() {
        let store = InMemoryStore::new();
        let valid = sample()["body"].as_str().expect("a body").to_owned();
        let cases: [(&str, Option<&str>, u16, &str); 6] = [
            ("", Some("application/json"), 400, "body-required"),
            (
                "{\"slug\": ",
                Some("application/json"),
                400,
                "malformed-json",
            ),
            (&valid, Some("text/plain"), 415, "unsupported-media-type"),
            (&valid, None, 415, "unsupported-media-type"),
            (
                r#"{"slug": 42}"#,
                Some("application/json"),
                422,
                "validation-failed",
            ),
            (
                r#"{"slug": "x", "venue": "Berlin"}"#,
                Some("application/json"),
                422,
                "validation-failed",
            ),
        ];
        for (body, content_type, status, name) in cases {
            let mut event = sample();
            set_body(&mut event, body, content_type);
            assert_problem(&call(&store, &event).await, status, name);
        }

        let mut huge = sample();
        let mut body: Value = serde_json::from_str(&valid).expect("json");
        body["name"] = Value::String("x".repeat(70 * 1024));
        set_body(&mut huge, &body.to_string(), Some("application/json"));
        assert_problem(&call(&store, &huge).await, 413, "payload-too-large");

        assert_eq!(store.event_count(), 0);
    }

    #[tokio::test]
    async fn invalid_fields_are_listed() {
        let store = InMemoryStore::new();
        let mut event = sample();
        let body = json!({
            "slug": "DevConf",
            "name": "",
            "timeZone": "Europe/Paris",
            "startDate": "2027-06-10",
            "endDate": "2027-07-10",
            "cfpClosesAt": "2027-03-31T23:59:00+02:00",
            "rooms": [],
            "sessionTypes": [{"name": "Talk", "durationMinutes": 1}]
        });
        set_body(&mut event, &body.to_string(), Some("application/json"));
        let problem = assert_problem(&call(&store, &event).await, 422, "validation-failed");
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .filter_map(|e| e["field"].as_str())
            .collect();
        assert_eq!(
            fields,
            [
                "slug",
                "name",
                "endDate",
                "rooms",
                "sessionTypes[0].durationMinutes"
            ]
        );
    }

    #[tokio::test]
    async fn a_failing_store_is_a_generic_500() {
        let store = InMemoryStore::new();
        store.fail(true);
        let problem = assert_problem(&call(&store, &sample()).await, 500, "internal-error");
        assert!(!problem.to_string().contains("in-memory"), "{problem}");
    }
}
