//! `POST /events/{event}/cfps/{id}/confirm` and `.../reject`: an organiser of the event decides
//! on a submitted proposal. The route API Gateway matched says which decision; the write is
//! conditional on the state (and version) it was read in, so of two organisers deciding at once
//! one wins and the other gets a 409. `If-Match` is optional; an `Idempotency-Key` makes a retry
//! safe.

use cfp_domain::ports::{EventStore, IdempotencyStore, ProposalStore};
use cfp_domain::proposal::Action;
use cfp_domain::use_cases;
use cfp_http::{
    ApiError, Body, JsonResponse, ProposalPath, Request, Response, caller, idempotent, if_match,
    proposal_response, respond, route_key,
};
use chrono::{DateTime, Utc};

/// The routes template.yaml gives this function, each with the decision it stands for.
pub const ROUTES: [(&str, Action); 2] = [
    ("POST /events/{event}/cfps/{id}/confirm", Action::Confirm),
    ("POST /events/{event}/cfps/{id}/reject", Action::Reject),
];

/// 200 with the decided proposal and its new `ETag`, or a problem.
pub async fn handle(
    request: Request,
    events: &dyn EventStore,
    proposals: &dyn ProposalStore,
    idempotency: &dyn IdempotencyStore,
    now: DateTime<Utc>,
) -> Response<Body> {
    idempotent(request, idempotency, now, |request| async move {
        respond(decide_cfp(&request, events, proposals, now).await)
    })
    .await
}

async fn decide_cfp(
    request: &Request,
    events: &dyn EventStore,
    proposals: &dyn ProposalStore,
    now: DateTime<Utc>,
) -> Result<JsonResponse, ApiError> {
    let decision = decision(request)?;
    let caller = caller(request)?;
    let path = ProposalPath::of(request)?;
    let expected = if_match(request)?;
    let proposal = use_cases::decide_proposal(
        events,
        proposals,
        &caller,
        &path.event,
        &path.id,
        decision,
        expected,
        now,
    )
    .await?;
    tracing::info!(proposal = %proposal.id, status = proposal.status.as_str(), "proposal decided");
    cfp_observability::metrics::proposal_decided(proposal.event.as_str(), proposal.status.as_str());
    proposal_response(&proposal)
}

/// Any other route is a wiring mistake in the template, not the caller's: a 500.
fn decision(request: &Request) -> Result<Action, ApiError> {
    let route = route_key(request)?;
    ROUTES
        .iter()
        .find(|(key, _)| *key == route)
        .map(|(_, decision)| *decision)
        .ok_or_else(|| ApiError::UnservedRoute(route.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cfp_domain::in_memory::InMemoryStore;
    use cfp_domain::proposal::ProposalId;
    use cfp_domain::test_data;
    use cfp_http::test_support::*;
    use serde_json::Value;

    /// The sample (a confirmation), or the same request sent to the reject route.
    fn sample(decision: Action) -> Value {
        let mut event = sample_event("decide-cfp");
        if decision == Action::Reject {
            let path = event["rawPath"]
                .as_str()
                .expect("a path")
                .replace("/confirm", "/reject");
            set_route(&mut event, "POST /events/{event}/cfps/{id}/reject");
            event["rawPath"] = path.clone().into();
            event["requestContext"]["http"]["path"] = path.into();
            event["headers"]["idempotency-key"] = "6b1e0a4d-reject-sample".into();
        }
        event
    }

    fn set_route(event: &mut Value, route: &str) {
        event["routeKey"] = route.into();
        event["requestContext"]["routeKey"] = route.into();
    }

    async fn store() -> InMemoryStore {
        test_data::store_with_sample_proposal(test_data::event_with_reviewer()).await
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

    #[test]
    fn the_sample_is_a_confirmation_through_its_route() {
        let confirm = sample_event("decide-cfp");
        assert_eq!(
            decision(&request(&confirm)).ok(),
            Some(Action::Confirm),
            "{confirm}"
        );
        assert_eq!(
            decision(&request(&sample(Action::Reject))).ok(),
            Some(Action::Reject)
        );
    }

    #[tokio::test]
    async fn the_sample_event_records_the_decision_once() {
        for (decision, status, other) in [
            (Action::Confirm, "confirmed", Action::Reject),
            (Action::Reject, "rejected", Action::Confirm),
        ] {
            let store = store().await;
            let response = call(&store, &sample(decision)).await;
            assert_eq!(response.status().as_u16(), 200, "{status}: {response:?}");
            assert_eq!(header(&response, "etag"), Some("\"2\""));
            let body = body_json(&response);
            assert_eq!(body["status"], status);
            assert_eq!(body["decidedAt"], "2027-01-15T12:00:00.000+00:00");
            let stored = &store.proposals()[0];
            assert_eq!(stored.status.as_str(), status);
            assert_eq!(stored.decided_by, Some(test_data::admin().user_id));
            // A retry with the same key replays; a new decision, either one, is a conflict.
            assert_eq!(body_json(&call(&store, &sample(decision)).await), body);
            let mut again = sample(decision);
            again["headers"]["idempotency-key"] = "a-new-key".into();
            assert_problem(&call(&store, &again).await, 409, "invalid-transition");
            let mut changed_mind = sample(other);
            changed_mind["headers"]["idempotency-key"] = "changed-mind".into();
            assert_problem(
                &call(&store, &changed_mind).await,
                409,
                "invalid-transition",
            );
            assert_eq!(store.proposals()[0].version.get(), 2);
            assert_eq!(store.proposals()[0].status.as_str(), status);
        }
    }

    #[tokio::test]
    async fn reviewers_speakers_and_other_events_organisers_are_403() {
        for decision in [Action::Confirm, Action::Reject] {
            let store = store().await;
            for outsider in [
                test_data::reviewer(),
                test_data::speaker(),
                test_data::other_admin(),
            ] {
                let mut event = sample(decision);
                set_claim(&mut event, "sub", Some(outsider.user_id.as_str()));
                event["headers"]["idempotency-key"] = Value::String(outsider.user_id.to_string());
                assert_problem(&call(&store, &event).await, 403, "forbidden");
            }
            let mut anonymous = sample(decision);
            remove_authorizer(&mut anonymous);
            assert_problem(&call(&store, &anonymous).await, 401, "unauthenticated");
            let mut unknown = sample(decision);
            set_path_parameter(&mut unknown, "id", &ProposalId::generate().to_string());
            unknown["headers"]["idempotency-key"] = "unknown".into();
            assert_problem(&call(&store, &unknown).await, 404, "proposal-not-found");
            assert_eq!(store.proposals()[0].version.get(), 1);
        }
    }

    #[tokio::test]
    async fn a_route_it_does_not_serve_is_a_500_that_decides_nothing() {
        let store = store().await;
        let mut withdraw = sample(Action::Confirm);
        set_route(&mut withdraw, "POST /events/{event}/cfps/{id}/withdraw");
        assert_problem(&call(&store, &withdraw).await, 500, "internal-error");
        let mut no_route = sample(Action::Confirm);
        no_route["headers"]["idempotency-key"] = "no-route".into();
        if let Some(context) = no_route["requestContext"].as_object_mut() {
            context.remove("routeKey");
        }
        assert_problem(&call(&store, &no_route).await, 500, "internal-error");
        assert_eq!(store.proposals()[0].version.get(), 1);
        // A server error is not remembered: once the wiring is right, the same key decides.
        let response = call(&store, &sample(Action::Confirm)).await;
        assert_eq!(response.status().as_u16(), 200, "{response:?}");
    }
}
