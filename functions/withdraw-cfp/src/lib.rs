//! `POST /events/{event}/cfps/{id}/withdraw`: the speaker withdraws a submitted or confirmed
//! proposal (a confirmed talk then leaves the schedule). `If-Match` is optional; an
//! `Idempotency-Key` makes a retry safe.

use cfp_domain::ports::{IdempotencyStore, ProposalStore};
use cfp_domain::use_cases;
use cfp_http::{
    ApiError, Body, JsonResponse, ProposalPath, Request, Response, caller, idempotent, if_match,
    proposal_response, respond,
};
use chrono::{DateTime, Utc};

/// 200 with the withdrawn proposal and its new `ETag`, or a problem.
pub async fn handle(
    request: Request,
    proposals: &dyn ProposalStore,
    idempotency: &dyn IdempotencyStore,
    now: DateTime<Utc>,
) -> Response<Body> {
    idempotent(request, idempotency, now, |request| async move {
        respond(withdraw_cfp(&request, proposals, now).await)
    })
    .await
}

async fn withdraw_cfp(
    request: &Request,
    proposals: &dyn ProposalStore,
    now: DateTime<Utc>,
) -> Result<JsonResponse, ApiError> {
    let caller = caller(request)?;
    let path = ProposalPath::of(request)?;
    let expected = if_match(request)?;
    let proposal =
        use_cases::withdraw_proposal(proposals, &caller, &path.event, &path.id, expected, now)
            .await?;
    tracing::info!(proposal = %proposal.id, "proposal withdrawn");
    cfp_observability::metrics::proposal_withdrawn(proposal.event.as_str());
    proposal_response(&proposal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cfp_domain::in_memory::InMemoryStore;
    use cfp_domain::test_data;
    use cfp_http::test_support::*;
    use serde_json::Value;

    fn sample() -> Value {
        sample_event("withdraw-cfp")
    }

    async fn store() -> InMemoryStore {
        test_data::store_with_sample_proposal(test_data::event()).await
    }

    async fn call(store: &InMemoryStore, event: &Value) -> Response<Body> {
        handle(request(event), store, store, test_data::before_close()).await
    }

    #[tokio::test]
    async fn the_sample_event_withdraws_and_a_replay_answers_the_same() {
        let store = store().await;
        let response = call(&store, &sample()).await;
        assert_eq!(response.status().as_u16(), 200, "{response:?}");
        assert_eq!(header(&response, "etag"), Some("\"2\""));
        assert_eq!(body_json(&response)["status"], "withdrawn");
        let replay = call(&store, &sample()).await;
        assert_eq!(replay.status().as_u16(), 200);
        assert_eq!(body_json(&replay), body_json(&response));
        assert_eq!(header(&replay, "idempotent-replayed"), Some("true"));

        let mut fresh_key = sample();
        fresh_key["headers"]["idempotency-key"] = "another-key".into();
        assert_problem(&call(&store, &fresh_key).await, 409, "invalid-transition");
    }

    #[tokio::test]
    async fn only_the_owner_and_a_stale_if_match_is_412() {
        let store = store().await;
        let mut other = sample();
        set_claim(&mut other, "sub", Some(test_data::admin().user_id.as_str()));
        assert_problem(&call(&store, &other).await, 403, "forbidden");
        let mut stale = sample();
        stale["headers"]["if-match"] = "\"7\"".into();
        stale["headers"]["idempotency-key"] = "stale".into();
        assert_problem(&call(&store, &stale).await, 412, "version-mismatch");
        let mut anonymous = sample();
        remove_authorizer(&mut anonymous);
        assert_problem(&call(&store, &anonymous).await, 401, "unauthenticated");
        assert_eq!(store.proposals()[0].version.get(), 1);
    }
}
