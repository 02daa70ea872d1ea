//! `PUT /events/{event}/team/{userId}` (`{role}`) and `DELETE` of the same path: an organiser
//! of the event adds, changes or removes an organiser or reviewer. Roles hold for that event only.
//!
//! Each change is a new version of the event, written only if the event is still at the version
//! it was checked against; a change that lost a race with another is made again on the new state
//! a few times, then answered 409. A request that changes nothing writes nothing.

use cfp_domain::event::Event;
use cfp_domain::ports::EventStore;
use cfp_domain::use_cases::{self, TeamMemberRequest};
use cfp_http::{
    ApiError, Body, JsonResponse, Request, Response, caller, json_body, path_parameter, respond,
};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// The event's team after the change.
#[derive(Debug, Serialize)]
pub struct TeamView {
    pub event: String,
    /// The event's version: one more with every change of its team.
    pub version: u32,
    pub members: Vec<MemberView>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberView {
    pub user_id: String,
    pub role: &'static str,
}

/// 200 with the team, or a problem.
pub async fn handle(
    request: Request,
    events: &dyn EventStore,
    now: DateTime<Utc>,
) -> Response<Body> {
    respond(update_team(&request, events, now).await)
}

async fn update_team(
    request: &Request,
    events: &dyn EventStore,
    now: DateTime<Utc>,
) -> Result<JsonResponse, ApiError> {
    let caller = caller(request)?;
    let slug = path_parameter(request, "event")?;
    let user = path_parameter(request, "userId")?;
    let event = if request.method() == http::Method::DELETE {
        use_cases::remove_team_member(events, &caller, &slug, &user, now).await?
    } else {
        let body: TeamMemberRequest = json_body(request)?;
        use_cases::set_team_member(events, &caller, &slug, &user, body, now).await?
    };
    tracing::info!(event = %slug, method = %request.method(), version = event.version.get(), "team changed");
    JsonResponse::ok(&view(&event))
}

fn view(event: &Event) -> TeamView {
    TeamView {
        event: event.slug.to_string(),
        version: event.version.get(),
        members: event
            .team
            .members()
            .map(|(user, role)| MemberView {
                user_id: user.to_string(),
                role: role.as_str(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cfp_domain::in_memory::InMemoryStore;
    use cfp_domain::team::Role;
    use cfp_domain::test_data;
    use cfp_http::test_support::*;
    use serde_json::Value;

    async fn handle_now(request: Request, store: &InMemoryStore) -> Response<Body> {
        handle(request, store, test_data::before_close()).await
    }

    fn sample() -> Value {
        sample_event("update-event-team")
    }

    async fn role_of(store: &InMemoryStore, user: &cfp_domain::Caller) -> Option<Role> {
        let event = store
            .get_event(&test_data::event().slug)
            .await
            .expect("store")
            .expect("event");
        user.role_in(&event)
    }

    #[tokio::test]
    async fn the_sample_event_makes_rita_a_reviewer() {
        let store = InMemoryStore::with_event(test_data::event());
        let response = handle_now(request(&sample()), &store).await;
        assert_eq!(response.status().as_u16(), 200, "{response:?}");
        let body = body_json(&response);
        assert_eq!(body["event"], "devconf-2027");
        assert!(
            body["members"]
                .as_array()
                .expect("members")
                .iter()
                .any(|m| m["userId"] == test_data::reviewer().user_id.as_str()
                    && m["role"] == "reviewer"),
            "{body}"
        );
        assert_eq!(
            role_of(&store, &test_data::reviewer()).await,
            Some(Role::Reviewer)
        );
    }

    #[tokio::test]
    async fn delete_removes_and_only_organisers_may() {
        let store = InMemoryStore::with_event(test_data::event());
        handle_now(request(&sample()), &store).await;
        let mut as_reviewer = sample();
        set_claim(
            &mut as_reviewer,
            "sub",
            Some(test_data::reviewer().user_id.as_str()),
        );
        set_path_parameter(&mut as_reviewer, "userId", "someone-else");
        assert_problem(
            &handle_now(request(&as_reviewer), &store).await,
            403,
            "forbidden",
        );

        let mut delete = sample();
        delete["requestContext"]["http"]["method"] = "DELETE".into();
        set_body(&mut delete, "", None);
        let response = handle_now(request(&delete), &store).await;
        assert_eq!(response.status().as_u16(), 200, "{response:?}");
        assert_eq!(role_of(&store, &test_data::reviewer()).await, None);

        let mut anonymous = sample();
        remove_authorizer(&mut anonymous);
        assert_problem(
            &handle_now(request(&anonymous), &store).await,
            401,
            "unauthenticated",
        );
    }

    #[tokio::test]
    async fn bad_roles_and_the_last_organiser_are_refused() {
        let store = InMemoryStore::with_event(test_data::event());
        let mut bad_role = sample();
        set_body(
            &mut bad_role,
            r#"{"role":"admin"}"#,
            Some("application/json"),
        );
        assert_problem(
            &handle_now(request(&bad_role), &store).await,
            422,
            "validation-failed",
        );

        let mut demote_self = sample();
        set_path_parameter(
            &mut demote_self,
            "userId",
            test_data::admin().user_id.as_str(),
        );
        assert_problem(
            &handle_now(request(&demote_self), &store).await,
            409,
            "team-conflict",
        );

        let mut elsewhere = sample();
        set_path_parameter(&mut elsewhere, "event", "no-such-conf");
        assert_problem(
            &handle_now(request(&elsewhere), &store).await,
            404,
            "event-not-found",
        );
    }

    #[tokio::test]
    async fn each_change_answers_the_new_version_and_a_repeat_changes_nothing() {
        let store = InMemoryStore::with_event(test_data::event());
        let version = |response: &Response<Body>| {
            assert_eq!(response.status().as_u16(), 200, "{response:?}");
            body_json(response)["version"].as_u64()
        };
        assert_eq!(
            version(&handle_now(request(&sample()), &store).await),
            Some(2)
        );
        assert_eq!(
            version(&handle_now(request(&sample()), &store).await),
            Some(2),
            "the same role again is no change"
        );
        let stored = store
            .get_event(&test_data::event().slug)
            .await
            .expect("store")
            .expect("event");
        assert_eq!(stored.version.get(), 2);
        assert_eq!(stored.updated_at, test_data::before_close());

        let mut delete = sample();
        delete["requestContext"]["http"]["method"] = "DELETE".into();
        set_body(&mut delete, "", None);
        assert_eq!(
            version(&handle_now(request(&delete), &store).await),
            Some(3)
        );
        assert_eq!(
            version(&handle_now(request(&delete), &store).await),
            Some(3),
            "removing a non-member is no change"
        );
    }

    #[tokio::test]
    async fn a_failing_store_is_a_server_error_and_changes_nothing() {
        let store = InMemoryStore::with_event(test_data::event());
        store.fail(true);
        assert_problem(
            &handle_now(request(&sample()), &store).await,
            500,
            "internal-error",
        );
        store.fail(false);
        let stored = store
            .get_event(&test_data::event().slug)
            .await
            .expect("store")
            .expect("event");
        assert_eq!(stored.version.get(), 1);
        assert_eq!(test_data::reviewer().role_in(&stored), None);
    }

    /// Every team write finds that another change got there first.
    struct AlwaysOvertaken(InMemoryStore);

    #[async_trait::async_trait]
    impl EventStore for AlwaysOvertaken {
        async fn insert_event(&self, event: &Event) -> Result<(), cfp_domain::StoreError> {
            self.0.insert_event(event).await
        }

        async fn get_event(
            &self,
            slug: &cfp_domain::event::EventSlug,
        ) -> Result<Option<Event>, cfp_domain::StoreError> {
            self.0.get_event(slug).await
        }

        async fn replace_team(
            &self,
            current: &Event,
            _next: &Event,
        ) -> Result<cfp_domain::ports::EventReplaced, cfp_domain::StoreError> {
            let overtaken = current
                .with_team(current.team.clone(), test_data::before_close())
                .expect("a next version");
            Ok(cfp_domain::ports::EventReplaced::Conflict(Some(Box::new(
                overtaken,
            ))))
        }
    }

    #[tokio::test]
    async fn a_change_that_keeps_losing_races_is_a_conflict() {
        let store = AlwaysOvertaken(InMemoryStore::with_event(test_data::event()));
        let response = handle(request(&sample()), &store, test_data::before_close()).await;
        assert_problem(&response, 409, "concurrent-change");
        assert_eq!(role_of(&store.0, &test_data::reviewer()).await, None);
    }
}
