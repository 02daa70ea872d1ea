//! `PATCH /events/{event}/cfps/{id}`: the speaker changes a submitted proposal while the CfP is
//! open. Merge semantics; `If-Match` with the proposal's ETag is required (428 without it, 412
//! when stale), and the write is conditional on that version.

use cfp_domain::ports::{EventStore, ProposalStore};
use cfp_domain::proposal::ProposalChangesRequest;
use cfp_domain::use_cases;
use cfp_http::{
    ApiError, Body, JsonResponse, ProposalPath, Request, Response, caller, if_match, json_body,
    proposal_response, respond,
};
use chrono::{DateTime, Utc};

/// 200 with the new proposal and its new `ETag`, or a problem.
pub async fn handle(
    request: Request,
    events: &dyn EventStore,
    proposals: &dyn ProposalStore,
    now: DateTime<Utc>,
) -> Response<Body> {
    respond(update_cfp(&request, events, proposals, now).await)
}

async fn update_cfp(
    request: &Request,
    events: &dyn EventStore,
    proposals: &dyn ProposalStore,
    now: DateTime<Utc>,
) -> Result<JsonResponse, ApiError> {
    let caller = caller(request)?;
    let path = ProposalPath::of(request)?;
    let expected = if_match(request)?;
    let changes: ProposalChangesRequest = json_body(request)?;
    let proposal = use_cases::update_proposal(
        events,
        proposals,
        &caller,
        &path.event,
        &path.id,
        expected,
        changes,
        now,
    )
    .await?;
    tracing::info!(proposal = %proposal.id, version = proposal.version.get(), "proposal edited");
    cfp_observability::metrics::proposal_updated(proposal.event.as_str());
    proposal_response(&proposal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cfp_domain::in_memory::InMemoryStore;
    use cfp_domain::ports::ProposalStore;
    use cfp_domain::proposal::Action;
    use cfp_domain::test_data;
    use cfp_http::test_support::*;
    use serde_json::Value;

    fn sample() -> Value {
        sample_event("update-cfp")
    }

    async fn store() -> InMemoryStore {
        test_data::store_with_sample_proposal(test_data::event()).await
    }

    async fn call(store: &InMemoryStore, event: &Value) -> Response<Body> {
        handle(request(event), store, store, test_data::before_close()).await
    }

    #[tokio::test]
    async fn the_sample_event_edits_the_title_and_track() {
        let store = store().await;
        let response = call(&store, &sample()).await;
        assert_eq!(response.status().as_u16(), 200, "{response:?}");
        assert_eq!(header(&response, "etag"), Some("\"2\""));
        let body = body_json(&response);
        assert_eq!(body["title"], "Zero-cost idling, revisited");
        assert_eq!(body["track"], "Rust");
        assert_eq!(
            body["abstract"],
            "How we made the conference backend cost nothing while idle."
        );
        assert_eq!(body["version"], 2);
        assert_eq!(
            store.proposals()[0].title.as_str(),
            "Zero-cost idling, revisited"
        );
    }

    #[tokio::test]
    async fn stale_missing_and_malformed_if_match() {
        let store = store().await;
        call(&store, &sample()).await;
        // The same ETag again is stale now.
        assert_problem(&call(&store, &sample()).await, 412, "version-mismatch");
        let mut missing = sample();
        missing["headers"]
            .as_object_mut()
            .map(|h| h.remove("if-match"));
        assert_problem(&call(&store, &missing).await, 428, "precondition-required");
        let mut weak = sample();
        weak["headers"]["if-match"] = "W/\"2\"".into();
        assert_problem(&call(&store, &weak).await, 400, "invalid-if-match");
        assert_eq!(store.proposals()[0].version.get(), 2);
    }

    #[tokio::test]
    async fn only_the_owner_while_open_and_submitted() {
        let store = store().await;
        for other in [test_data::other_speaker(), test_data::admin()] {
            let mut event = sample();
            set_claim(&mut event, "sub", Some(other.user_id.as_str()));
            assert_problem(&call(&store, &event).await, 403, "forbidden");
        }
        let closes = test_data::event().cfp.closes_at().with_timezone(&Utc);
        assert_problem(
            &handle(request(&sample()), &store, &store, closes).await,
            409,
            "cfp-closed",
        );
        let proposal = store.proposals()[0].clone();
        let rejected = proposal
            .decide(
                Action::Reject,
                &test_data::admin().user_id,
                test_data::before_close(),
            )
            .expect("rejected");
        store
            .replace_proposal(&proposal, &rejected)
            .await
            .expect("stored");
        assert_problem(&call(&store, &sample()).await, 409, "invalid-transition");
        let mut invalid = sample();
        set_body(
            &mut invalid,
            r#"{"title": null, "status": "confirmed"}"#,
            Some("application/json"),
        );
        assert_problem(&call(&store, &invalid).await, 422, "validation-failed");
    }
}
