use serde::Deserialize;

use super::slug_from_path;
use crate::caller::Caller;
use crate::error::CfpError;
use crate::event::Event;
use crate::ports::EventStore;
use crate::team::{Role, Team, UserId};
use crate::validation::FieldErrors;

/// `PUT /events/{event}/team/{userId}`: `{role}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamMemberRequest {
    pub role: Option<String>,
}

/// An organiser of the event puts `user` into its team as organiser or reviewer.
pub async fn set_team_member(
    events: &dyn EventStore,
    caller: &Caller,
    slug: &str,
    user: &str,
    request: TeamMemberRequest,
) -> Result<Team, CfpError> {
    let event = organised_event(events, caller, slug).await?;
    let mut errors = FieldErrors::new();
    let user = errors.check("userId", UserId::parse(user));
    let role = errors.required("role", request.role, |raw| Role::parse(&raw));
    let (Some(user), Some(role)) = (user, role) else {
        return Err(CfpError::Validation(errors.into_vec()));
    };
    let team = event.team.with_member(user.clone(), role)?;
    if !events.set_team_member(&event.slug, &user, role).await? {
        return Err(CfpError::EventNotFound(event.slug.to_string()));
    }
    Ok(team)
}

/// An organiser of the event takes `user` off its team (fine when not a member).
pub async fn remove_team_member(
    events: &dyn EventStore,
    caller: &Caller,
    slug: &str,
    user: &str,
) -> Result<Team, CfpError> {
    let event = organised_event(events, caller, slug).await?;
    let user = UserId::parse(user).map_err(|problem| {
        let mut errors = FieldErrors::new();
        errors.add("userId", problem);
        CfpError::Validation(errors.into_vec())
    })?;
    let team = event.team.without_member(&user)?;
    if !events.remove_team_member(&event.slug, &user).await? {
        return Err(CfpError::EventNotFound(event.slug.to_string()));
    }
    Ok(team)
}

async fn organised_event(
    events: &dyn EventStore,
    caller: &Caller,
    slug: &str,
) -> Result<Event, CfpError> {
    let event = super::get_event(events, slug_from_path(slug)?.as_str()).await?;
    caller.ensure_organiser_of(&event)?;
    Ok(event)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::in_memory::InMemoryStore;
    use crate::test_data;

    fn role(raw: &str) -> TeamMemberRequest {
        TeamMemberRequest {
            role: Some(raw.to_owned()),
        }
    }

    async fn role_of(store: &InMemoryStore, user: &Caller) -> Option<Role> {
        store
            .get_event(&test_data::event().slug)
            .await
            .expect("store")
            .and_then(|event| user.role_in(&event))
    }

    #[tokio::test]
    async fn an_organiser_adds_a_reviewer_and_an_organiser() {
        let store = InMemoryStore::with_event(test_data::event());
        let (admin, reviewer, other) = (
            test_data::admin(),
            test_data::reviewer(),
            test_data::other_admin(),
        );
        let team = set_team_member(
            &store,
            &admin,
            "devconf-2027",
            reviewer.user_id.as_str(),
            role("reviewer"),
        )
        .await
        .expect("added");
        assert_eq!(team.role_of(&reviewer.user_id), Some(Role::Reviewer));
        assert_eq!(role_of(&store, &reviewer).await, Some(Role::Reviewer));

        set_team_member(
            &store,
            &admin,
            "devconf-2027",
            other.user_id.as_str(),
            role("organiser"),
        )
        .await
        .expect("added");
        assert_eq!(role_of(&store, &other).await, Some(Role::Organiser));
        // The new organiser may now manage the team too.
        remove_team_member(&store, &other, "devconf-2027", reviewer.user_id.as_str())
            .await
            .expect("removed");
        assert_eq!(role_of(&store, &reviewer).await, None);
    }

    #[tokio::test]
    async fn reviewers_speakers_and_other_admins_may_not() {
        let mut event = test_data::event();
        event.team = event
            .team
            .with_member(test_data::reviewer().user_id, Role::Reviewer)
            .expect("team");
        let store = InMemoryStore::with_event(event);
        for outsider in [
            test_data::reviewer(),
            test_data::speaker(),
            test_data::other_admin(),
        ] {
            let result = set_team_member(
                &store,
                &outsider,
                "devconf-2027",
                outsider.user_id.as_str(),
                role("organiser"),
            )
            .await;
            assert!(matches!(result, Err(CfpError::Forbidden(_))), "{result:?}");
        }
        assert_eq!(
            role_of(&store, &test_data::reviewer()).await,
            Some(Role::Reviewer)
        );
    }

    #[tokio::test]
    async fn bad_roles_users_and_the_last_organiser() {
        let store = InMemoryStore::with_event(test_data::event());
        let admin = test_data::admin();
        for (user, request) in [
            ("someone", role("admin")),
            ("someone", TeamMemberRequest::default()),
            ("two words", role("reviewer")),
        ] {
            let result = set_team_member(&store, &admin, "devconf-2027", user, request).await;
            assert!(matches!(result, Err(CfpError::Validation(_))), "{result:?}");
        }
        let result = set_team_member(
            &store,
            &admin,
            "devconf-2027",
            admin.user_id.as_str(),
            role("reviewer"),
        )
        .await;
        assert!(
            matches!(result, Err(CfpError::TeamConflict(_))),
            "{result:?}"
        );
        let result =
            remove_team_member(&store, &admin, "devconf-2027", admin.user_id.as_str()).await;
        assert!(
            matches!(result, Err(CfpError::TeamConflict(_))),
            "{result:?}"
        );
        assert_eq!(role_of(&store, &admin).await, Some(Role::Organiser));
        let result =
            set_team_member(&store, &admin, "no-such-conf", "someone", role("reviewer")).await;
        assert!(
            matches!(result, Err(CfpError::EventNotFound(_))),
            "{result:?}"
        );
    }
}
