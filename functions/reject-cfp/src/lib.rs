//! `POST /events/{event}/cfps/{id}/reject`: an organiser of the event rejected a submitted
//! proposal. The write is conditional on the state (and version) it was read in, so of two
//! organisers deciding at once one wins and the other gets a 409. `If-Match` is optional; an
//! `Idempotency-Key` makes a retry safe.

use cfp_domain::ports::{EventStore, IdempotencyStore, ProposalStore};
use cfp_domain::proposal::{Action, ProposalView};
use cfp_domain::use_cases;
use cfp_http::{
    ApiError, Body, JsonResponse, Request, Response, caller, idempotent, if_match, path_parameter,
    respond,
};
use chrono::{DateTime, Utc};

/// 200 with the decided proposal and its new `ETag`, or a problem.
pub async fn handle(
    request: Request,
    events: &dyn EventStore,
    proposals: &dyn ProposalStore,
    idempotency: &dyn IdempotencyStore,
    now: DateTime<Utc>,
) -> Response<Body> {
    idempotent(request, idempotency, now, |request| async move {
        respond(reject_cfp(&request, events, proposals, now).await)
    })
    .await
}

async fn reject_cfp(
    request: &Request,
    events: &dyn EventStore,
    proposals: &dyn ProposalStore,
    now: DateTime<Utc>,
) -> Result<JsonResponse, ApiError> {
    let caller = caller(request)?;
    let slug = path_parameter(request, "event")?;
    let id = path_parameter(request, "id")?;
    let expected = if_match(request)?;
    let proposal = use_cases::decide_proposal(
        events,
        proposals,
        &caller,
        &slug,
        &id,
        Action::Reject,
        expected,
        now,
    )
    .await?;
    tracing::info!(proposal = %proposal.id, "proposal rejected");
    JsonResponse::ok(&ProposalView::from(&proposal))
        .map(|response| response.with_version(proposal.version.get()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cfp_domain::in_memory::InMemoryStore;
    use cfp_domain::ports::ProposalStore;
    use cfp_domain::proposal::ProposalId;
    use cfp_domain::team::Role;
    use cfp_domain::test_data;
    use cfp_http::test_support::*;
    use serde_json::Value;

    const SAMPLE_ID: &str = "019a4b2c-7d10-7e3a-9b1c-2d3e4f5a6b7c";

    fn sample() -> Value {
        load_event(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../events/reject-cfp.json"
        ))
    }

    async fn store() -> InMemoryStore {
        let mut event = test_data::event();
        event.team = event
            .team
            .with_member(test_data::reviewer().user_id, Role::Reviewer)
            .expect("team");
        let store = InMemoryStore::with_event(event);
        let mut proposal = test_data::proposal();
        proposal.id = ProposalId::parse(SAMPLE_ID).expect("the sample's id");
        store.insert_proposal(&proposal).await.expect("stored");
        store
    }

    async fn call(store: &InMemoryStore, event: &Value) -> Response<Body> {
        handle(
            request(event),
            store,
            store,
            store,
            test_data::before_close(),
        )
        .await
    }

    #[tokio::test]
    async fn the_sample_event_records_the_decision_once() {
        let store = store().await;
        let response = call(&store, &sample()).await;
        assert_eq!(response.status().as_u16(), 200, "{response:?}");
        assert_eq!(header(&response, "etag"), Some("\"2\""));
        let body = body_json(&response);
        assert_eq!(body["status"], "rejected");
        assert_eq!(body["decidedAt"], "2027-01-15T12:00:00.000+00:00");
        let stored = &store.proposals()[0];
        assert_eq!(stored.decided_by, Some(test_data::admin().user_id));
        // A retry with the same key replays; a new decision is a conflict.
        assert_eq!(body_json(&call(&store, &sample()).await), body);
        let mut again = sample();
        again["headers"]["idempotency-key"] = "a-new-key".into();
        assert_problem(&call(&store, &again).await, 409, "invalid-transition");
        assert_eq!(store.proposals()[0].version.get(), 2);
    }

    #[tokio::test]
    async fn reviewers_speakers_and_other_events_organisers_are_403() {
        let store = store().await;
        for outsider in [
            test_data::reviewer(),
            test_data::speaker(),
            test_data::other_admin(),
        ] {
            let mut event = sample();
            set_claim(&mut event, "sub", Some(outsider.user_id.as_str()));
            event["headers"]["idempotency-key"] = Value::String(outsider.user_id.to_string());
            assert_problem(&call(&store, &event).await, 403, "forbidden");
        }
        let mut anonymous = sample();
        remove_authorizer(&mut anonymous);
        assert_problem(&call(&store, &anonymous).await, 401, "unauthenticated");
        let mut unknown = sample();
        set_path_parameter(&mut unknown, "id", &ProposalId::generate().to_string());
        unknown["headers"]["idempotency-key"] = "unknown".into();
        assert_problem(&call(&store, &unknown).await, 404, "proposal-not-found");
        assert_eq!(store.proposals()[0].version.get(), 1);
    }
}
