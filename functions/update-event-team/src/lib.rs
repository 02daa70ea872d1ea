//! `PUT /events/{event}/team/{userId}` (`{role}`) and `DELETE` of the same path: an organiser
//! of the event adds, changes or removes an organiser or reviewer. Roles hold for that event only.

use cfp_domain::ports::EventStore;
use cfp_domain::team::Team;
use cfp_domain::use_cases::{self, TeamMemberRequest};
use cfp_http::{
    ApiError, Body, JsonResponse, Request, Response, caller, json_body, path_parameter, respond,
};
use serde::Serialize;

/// The event's team after the change.
#[derive(Debug, Serialize)]
pub struct TeamView {
    pub event: String,
    pub members: Vec<MemberView>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberView {
    pub user_id: String,
    pub role: &'static str,
}

/// 200 with the team, or a problem.
pub async fn handle(request: Request, events: &dyn EventStore) -> Response<Body> {
    respond(update_team(&request, events).await)
}

async fn update_team(request: &Request, events: &dyn EventStore) -> Result<JsonResponse, ApiError> {
    let caller = caller(request)?;
    let slug = path_parameter(request, "event")?;
    let user = path_parameter(request, "userId")?;
    let team = if request.method() == http::Method::DELETE {
        use_cases::remove_team_member(events, &caller, &slug, &user).await?
    } else {
        let body: TeamMemberRequest = json_body(request)?;
        use_cases::set_team_member(events, &caller, &slug, &user, body).await?
    };
    tracing::info!(event = %slug, method = %request.method(), "team changed");
    JsonResponse::ok(&view(&slug, &team))
}

fn view(slug: &str, team: &Team) -> TeamView {
    TeamView {
        event: slug.to_owned(),
        members: team
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
        let response = handle(request(&sample()), &store).await;
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
        handle(request(&sample()), &store).await;
        let mut as_reviewer = sample();
        set_claim(
            &mut as_reviewer,
            "sub",
            Some(test_data::reviewer().user_id.as_str()),
        );
        set_path_parameter(&mut as_reviewer, "userId", "someone-else");
        assert_problem(
            &handle(request(&as_reviewer), &store).await,
            403,
            "forbidden",
        );

        let mut delete = sample();
        delete["requestContext"]["http"]["method"] = "DELETE".into();
        set_body(&mut delete, "", None);
        let response = handle(request(&delete), &store).await;
        assert_eq!(response.status().as_u16(), 200, "{response:?}");
        assert_eq!(role_of(&store, &test_data::reviewer()).await, None);

        let mut anonymous = sample();
        remove_authorizer(&mut anonymous);
        assert_problem(
            &handle(request(&anonymous), &store).await,
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
            &handle(request(&bad_role), &store).await,
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
            &handle(request(&demote_self), &store).await,
            409,
            "team-conflict",
        );

        let mut elsewhere = sample();
        set_path_parameter(&mut elsewhere, "event", "no-such-conf");
        assert_problem(
            &handle(request(&elsewhere), &store).await,
            404,
            "event-not-found",
        );
    }
}
