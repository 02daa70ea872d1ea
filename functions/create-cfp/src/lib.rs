//! `POST /events/{event}/cfps`: a signed-in speaker submits a proposal while the CfP is open.

use cfp_domain::ports::{EventStore, IdempotencyStore, ProposalStore};
use cfp_domain::proposal::NewProposalRequest;
use cfp_domain::use_cases;
use cfp_http::{
    ApiError, Body, JsonResponse, Request, Response, caller, created_proposal_response, idempotent,
    json_body, path_parameter, respond,
};
use chrono::{DateTime, Utc};

/// 201 with `Location`, `ETag` and the proposal, or a problem. A retry with the same
/// `Idempotency-Key` gets the same answer and stores no second proposal.
pub async fn handle(
    request: Request,
    events: &dyn EventStore,
    proposals: &dyn ProposalStore,
    idempotency: &dyn IdempotencyStore,
    now: DateTime<Utc>,
) -> Response<Body> {
    idempotent(request, idempotency, now, |request| async move {
        respond(create_cfp(&request, events, proposals, now).await)
    })
    .await
}

async fn create_cfp(
    request: &Request,
    events: &dyn EventStore,
    proposals: &dyn ProposalStore,
    now: DateTime<Utc>,
) -> Result<JsonResponse, ApiError> {
    let caller = caller(request)?;
    // Mail about the proposal goes to the token's address; without one, nothing is accepted.
    caller.email()?;
    let slug = path_parameter(request, "event")?;
    let body: NewProposalRequest = json_body(request)?;
    let proposal = use_cases::submit_proposal(events, proposals, &caller, &slug, body, now).await?;
    cfp_observability::record_proposal(&proposal.id.to_string());
    tracing::info!(proposal = %proposal.id, event = %proposal.event, "proposal submitted");
    cfp_observability::metrics::proposal_submitted(proposal.event.as_str());
    created_proposal_response(&proposal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cfp_domain::event::{Event, NewEventRequest};
    use cfp_domain::in_memory::InMemoryStore;
    use cfp_domain::test_data;
    use cfp_http::test_support::*;
    use serde_json::Value;

    fn sample() -> Value {
        sample_event("create-cfp")
    }

    /// The event that `events/create-event.json` creates, so the two samples fit together.
    async fn store_with_sample_event() -> InMemoryStore {
        let create_event = sample_event("create-event");
        let body: NewEventRequest =
            serde_json::from_str(create_event["body"].as_str().expect("a body"))
                .expect("the create-event body");
        let store = InMemoryStore::new();
        let event: Event =
            use_cases::create_event(&store, &test_data::admin(), body, test_data::before_close())
                .await
                .expect("the sample event");
        assert_eq!(event.slug.as_str(), "devconf-2027");
        store
    }

    async fn call(store: &InMemoryStore, event: &Value, now: DateTime<Utc>) -> Response<Body> {
        handle(request(event), store, store, store, now).await
    }

    #[tokio::test]
    async fn the_sample_event_submits_a_proposal() {
        let store = store_with_sample_event().await;
        let response = call(&store, &sample(), test_data::before_close()).await;

        assert_eq!(response.status().as_u16(), 201, "{response:?}");
        let body = body_json(&response);
        let id = body["id"].as_str().expect("an id");
        assert_eq!(
            header(&response, "location"),
            Some(format!("/events/devconf-2027/cfps/{id}").as_str())
        );
        assert_eq!(header(&response, "etag"), Some("\"1\""));
        assert_eq!(body["event"], "devconf-2027");
        assert_eq!(body["status"], "submitted");
        assert_eq!(body["version"], 1);
        assert_eq!(body["title"], "Zero-cost idling");
        assert_eq!(body["sessionType"], "Talk");
        assert_eq!(
            body["speaker"]["email"], "ada@example.org",
            "from the token"
        );
        assert_eq!(body["createdAt"], "2027-01-15T12:00:00.000+00:00");

        let stored = store.proposals();
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].id.to_string(), id);
        assert_eq!(
            stored[0].owner.as_str(),
            "3c9b6f2d-8a7e-4b1c-9d2f-5e6a7b8c9d01"
        );
    }

    #[tokio::test]
    async fn the_address_comes_from_the_token_never_the_body() {
        let store = store_with_sample_event().await;
        let mut event = sample();
        let mut body: Value =
            serde_json::from_str(event["body"].as_str().expect("body")).expect("json");
        body["speaker"]["email"] = Value::String("someone-else@example.org".into());
        set_body(&mut event, &body.to_string(), Some("application/json"));
        let problem = assert_problem(
            &call(&store, &event, test_data::before_close()).await,
            422,
            "validation-failed",
        );
        assert_eq!(problem["errors"][0]["field"], "speaker.email");
        assert_eq!(store.proposal_count(), 0);
    }

    #[tokio::test]
    async fn without_a_sub_or_an_email_claim_it_is_401() {
        let store = store_with_sample_event().await;
        let mut anonymous = sample();
        remove_authorizer(&mut anonymous);
        assert_problem(
            &call(&store, &anonymous, test_data::before_close()).await,
            401,
            "unauthenticated",
        );

        let mut access_token = sample();
        set_claim(&mut access_token, "email", None);
        set_claim(&mut access_token, "token_use", Some("access"));
        assert_problem(
            &call(&store, &access_token, test_data::before_close()).await,
            401,
            "unauthenticated",
        );
        assert_eq!(store.proposal_count(), 0);
    }

    #[tokio::test]
    async fn unknown_event_is_404_and_a_closed_cfp_is_409() {
        let store = store_with_sample_event().await;
        let mut elsewhere = sample();
        set_path_parameter(&mut elsewhere, "event", "no-such-conf");
        assert_problem(
            &call(&store, &elsewhere, test_data::before_close()).await,
            404,
            "event-not-found",
        );

        let closes = test_data::event().cfp.closes_at().with_timezone(&Utc);
        let problem = assert_problem(&call(&store, &sample(), closes).await, 409, "cfp-closed");
        assert!(
            problem["detail"]
                .as_str()
                .is_some_and(|d| d.contains("2027-03-31")),
            "{problem}"
        );
        assert_eq!(store.proposal_count(), 0);
    }

    #[tokio::test]
    async fn invalid_proposals_are_422_with_every_field() {
        let store = store_with_sample_event().await;
        let mut event = sample();
        let body = serde_json::json!({
            "title": "Line one\nline two",
            "abstract": "   ",
            "sessionType": "Keynote",
            "track": "Cooking",
            "language": "klingon!",
            "speaker": {"name": "x".repeat(101)}
        });
        set_body(&mut event, &body.to_string(), Some("application/json"));
        let problem = assert_problem(
            &call(&store, &event, test_data::before_close()).await,
            422,
            "validation-failed",
        );
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .filter_map(|e| e["field"].as_str())
            .collect();
        assert_eq!(
            fields,
            [
                "title",
                "abstract",
                "sessionType",
                "track",
                "language",
                "speaker.name"
            ]
        );
        assert_eq!(store.proposal_count(), 0);
    }

    #[tokio::test]
    async fn body_problems_have_their_own_statuses() {
        let store = store_with_sample_event().await;
        let valid = sample()["body"].as_str().expect("a body").to_owned();
        let cases: [(&str, Option<&str>, u16, &str); 4] = [
            ("not json", Some("application/json"), 400, "malformed-json"),
            (
                &valid,
                Some("application/x-www-form-urlencoded"),
                415,
                "unsupported-media-type",
            ),
            (
                r#"{"title": ["a"]}"#,
                Some("application/json"),
                422,
                "validation-failed",
            ),
            (
                r#"{"speaker": {"name": "Ada", "twitter": "@ada"}}"#,
                Some("application/json"),
                422,
                "validation-failed",
            ),
        ];
        for (body, content_type, status, name) in cases {
            let mut event = sample();
            set_body(&mut event, body, content_type);
            assert_problem(
                &call(&store, &event, test_data::before_close()).await,
                status,
                name,
            );
        }
        let mut huge = sample();
        let mut body: Value = serde_json::from_str(&valid).expect("json");
        body["description"] = Value::String("d".repeat(65 * 1024));
        set_body(&mut huge, &body.to_string(), Some("application/json"));
        assert_problem(
            &call(&store, &huge, test_data::before_close()).await,
            413,
            "payload-too-large",
        );
        assert_eq!(store.proposal_count(), 0);
    }

    #[tokio::test]
    async fn an_idempotency_key_stores_one_proposal_and_refuses_another_body() {
        let store = store_with_sample_event().await;
        let mut event = sample();
        event["headers"]["idempotency-key"] = "submit-once".into();
        let first = call(&store, &event, test_data::before_close()).await;
        let again = call(&store, &event, test_data::before_close()).await;
        assert_eq!(first.status().as_u16(), 201, "{first:?}");
        assert_eq!(again.status().as_u16(), 201, "{again:?}");
        assert_eq!(body_json(&again), body_json(&first));
        assert_eq!(header(&again, "location"), header(&first, "location"));
        assert_eq!(store.proposal_count(), 1);

        let mut other = event.clone();
        let mut body: Value =
            serde_json::from_str(other["body"].as_str().expect("body")).expect("json");
        body["title"] = Value::String("Another title".into());
        set_body(&mut other, &body.to_string(), Some("application/json"));
        assert_problem(
            &call(&store, &other, test_data::before_close()).await,
            422,
            "idempotency-key-reused",
        );
        assert_eq!(store.proposal_count(), 1);
    }

    #[tokio::test]
    async fn a_failing_store_is_a_generic_500() {
        let store = store_with_sample_event().await;
        store.fail(true);
        assert_problem(
            &call(&store, &sample(), test_data::before_close()).await,
            500,
            "internal-error",
        );
    }
}
