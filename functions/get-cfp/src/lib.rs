//! `GET /events/{event}/cfps/{id}`: a proposal, to its owner and the event's organisers and
//! reviewers.

use cfp_domain::ports::{EventStore, ProposalStore};
use cfp_domain::use_cases;
use cfp_http::{
    ApiError, Body, JsonResponse, ProposalPath, Request, Response, caller, proposal_response,
    respond,
};

/// 200 with `ETag` and the proposal, or a problem.
pub async fn handle(
    request: Request,
    events: &dyn EventStore,
    proposals: &dyn ProposalStore,
) -> Response<Body> {
    respond(get_cfp(&request, events, proposals).await)
}

async fn get_cfp(
    request: &Request,
    events: &dyn EventStore,
    proposals: &dyn ProposalStore,
) -> Result<JsonResponse, ApiError> {
    let caller = caller(request)?;
    let path = ProposalPath::of(request)?;
    let proposal =
        use_cases::get_proposal(events, proposals, &caller, &path.event, &path.id).await?;
    proposal_response(&proposal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cfp_domain::in_memory::InMemoryStore;
    use cfp_domain::proposal::ProposalId;
    use cfp_domain::test_data;
    use cfp_http::test_support::*;
    use serde_json::Value;

    fn sample() -> Value {
        sample_event("get-cfp")
    }

    /// devconf-2027 with an organiser and a reviewer, and the sample's proposal by the speaker.
    async fn store() -> InMemoryStore {
        test_data::store_with_sample_proposal(test_data::event_with_reviewer()).await
    }

    fn as_caller(caller: &cfp_domain::Caller) -> Value {
        let mut event = sample();
        set_claim(&mut event, "sub", Some(caller.user_id.as_str()));
        event
    }

    async fn call(store: &InMemoryStore, event: &Value) -> Response<Body> {
        handle(request(event), store, store).await
    }

    #[tokio::test]
    async fn the_sample_event_reads_the_speakers_own_proposal() {
        let store = store().await;
        let response = call(&store, &sample()).await;
        assert_eq!(response.status().as_u16(), 200, "{response:?}");
        assert_eq!(header(&response, "etag"), Some("\"1\""));
        let body = body_json(&response);
        assert_eq!(body["id"], test_data::SAMPLE_PROPOSAL_ID);
        assert_eq!(body["event"], "devconf-2027");
        assert_eq!(body["title"], "Zero-cost idling");
        assert_eq!(body["speaker"]["email"], "ada@example.org");
    }

    #[tokio::test]
    async fn the_events_organisers_and_reviewers_may_read_it() {
        let store = store().await;
        for member in [test_data::admin(), test_data::reviewer()] {
            let response = call(&store, &as_caller(&member)).await;
            assert_eq!(response.status().as_u16(), 200, "{member:?}: {response:?}");
        }
    }

    #[tokio::test]
    async fn anyone_else_is_403_and_nobody_is_401() {
        let store = store().await;
        for outsider in [test_data::other_speaker(), test_data::other_admin()] {
            assert_problem(&call(&store, &as_caller(&outsider)).await, 403, "forbidden");
        }
        let mut anonymous = sample();
        remove_authorizer(&mut anonymous);
        assert_problem(&call(&store, &anonymous).await, 401, "unauthenticated");
    }

    #[tokio::test]
    async fn unknown_ids_and_other_events_are_404() {
        let store = store().await;
        let mut other_id = sample();
        set_path_parameter(&mut other_id, "id", &ProposalId::generate().to_string());
        assert_problem(&call(&store, &other_id).await, 404, "proposal-not-found");

        let mut not_an_id = sample();
        set_path_parameter(&mut not_an_id, "id", "42");
        assert_problem(&call(&store, &not_an_id).await, 404, "proposal-not-found");

        let mut other_event = sample();
        set_path_parameter(&mut other_event, "event", "other-conf");
        assert_problem(&call(&store, &other_event).await, 404, "proposal-not-found");
    }

    #[tokio::test]
    async fn a_failing_store_is_a_generic_500() {
        let store = store().await;
        store.fail(true);
        assert_problem(&call(&store, &sample()).await, 500, "internal-error");
    }
}
