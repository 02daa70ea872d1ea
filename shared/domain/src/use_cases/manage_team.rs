use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::slug_from_path;
use crate::caller::Caller;
use crate::error::CfpError;
use crate::event::Event;
use crate::ports::{EventReplaced, EventStore};
use crate::team::{Role, Team, UserId};
use crate::validation::FieldErrors;

/// How often a team change is made again from the stored state when another change got there
/// first. Team changes are rare and quick: a few tries make a lost race all but impossible.
const ATTEMPTS: usize = 4;

/// `PUT /events/{event}/team/{userId}`: `{role}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamMemberRequest {
    pub role: Option<String>,
}

/// An organiser of the event puts `user` into its team as organiser or reviewer. The event as
/// stored afterwards: a new version when the team changed, the same one when it was already so.
pub async fn set_team_member(
    events: &dyn EventStore,
    caller: &Caller,
    slug: &str,
    user: &str,
    request: TeamMemberRequest,
    now: DateTime<Utc>,
) -> Result<Event, CfpError> {
    let event = organised_event(events, caller, slug).await?;
    let mut errors = FieldErrors::new();
    let user = errors.check("userId", UserId::parse(user));
    let role = errors.required("role", request.role, |raw| Role::parse(&raw));
    let (Some(user), Some(role)) = (user, role) else {
        return Err(CfpError::Validation(errors.into_vec()));
    };
    change_team(events, caller, event, now, |team| {
        team.with_member(user.clone(), role)
    })
    .await
}

/// An organiser of the event takes `user` off its team (fine when not a member).
pub async fn remove_team_member(
    events: &dyn EventStore,
    caller: &Caller,
    slug: &str,
    user: &str,
    now: DateTime<Utc>,
) -> Result<Event, CfpError> {
    let event = organised_event(events, caller, slug).await?;
    let user = UserId::parse(user).map_err(|problem| {
        let mut errors = FieldErrors::new();
        errors.add("userId", problem);
        CfpError::Validation(errors.into_vec())
    })?;
    change_team(events, caller, event, now, |team| {
        team.without_member(&user)
    })
    .await
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

/// Read, check, write conditionally on the version read; when another change got there first,
/// check again against the event as it is now (the caller may have lost the organiser role, the
/// last organiser may be another one) and try again, a few times, then give up with a conflict.
async fn change_team(
    events: &dyn EventStore,
    caller: &Caller,
    mut event: Event,
    now: DateTime<Utc>,
    change: impl Fn(&Team) -> Result<Team, CfpError>,
) -> Result<Event, CfpError> {
    for _ in 0..ATTEMPTS {
        let team = change(&event.team)?;
        if team == event.team {
            // Nothing changes: no new version, no news for the schedule.
            return Ok(event);
        }
        let next = event.with_team(team, now)?;
        match events.replace_team(&event, &next).await? {
            EventReplaced::Done => return Ok(next),
            EventReplaced::Conflict(None) => {
                return Err(CfpError::EventNotFound(event.slug.to_string()));
            }
            EventReplaced::Conflict(Some(current)) => {
                caller.ensure_organiser_of(&current)?;
                event = *current;
            }
        }
    }
    Err(CfpError::ConcurrentChange(
        "the event's team kept being changed by other requests; read it again and retry",
    ))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use async_trait::async_trait;

    use super::*;
    use crate::error::StoreError;
    use crate::event::EventSlug;
    use crate::in_memory::InMemoryStore;
    use crate::test_data;

    fn role(raw: &str) -> TeamMemberRequest {
        TeamMemberRequest {
            role: Some(raw.to_owned()),
        }
    }

    fn now() -> DateTime<Utc> {
        test_data::before_close()
    }

    async fn stored(store: &dyn EventStore) -> Event {
        store
            .get_event(&test_data::event().slug)
            .await
            .expect("store")
            .expect("the event")
    }

    async fn role_of(store: &dyn EventStore, user: &Caller) -> Option<Role> {
        user.role_in(&stored(store).await)
    }

    #[tokio::test]
    async fn an_organiser_adds_a_reviewer_and_an_organiser() {
        let store = InMemoryStore::with_event(test_data::event());
        let (admin, reviewer, other) = (
            test_data::admin(),
            test_data::reviewer(),
            test_data::other_admin(),
        );
        let event = set_team_member(
            &store,
            &admin,
            "devconf-2027",
            reviewer.user_id.as_str(),
            role("reviewer"),
            now(),
        )
        .await
        .expect("added");
        assert_eq!(event.team.role_of(&reviewer.user_id), Some(Role::Reviewer));
        assert_eq!(role_of(&store, &reviewer).await, Some(Role::Reviewer));

        set_team_member(
            &store,
            &admin,
            "devconf-2027",
            other.user_id.as_str(),
            role("organiser"),
            now(),
        )
        .await
        .expect("added");
        assert_eq!(role_of(&store, &other).await, Some(Role::Organiser));
        // The new organiser may now manage the team too.
        remove_team_member(
            &store,
            &other,
            "devconf-2027",
            reviewer.user_id.as_str(),
            now(),
        )
        .await
        .expect("removed");
        assert_eq!(role_of(&store, &reviewer).await, None);
    }

    #[tokio::test]
    async fn every_team_change_is_a_new_version_and_no_change_is_none() {
        let store = InMemoryStore::with_event(test_data::event());
        let (admin, reviewer) = (test_data::admin(), test_data::reviewer());
        let later = now();
        let add = || {
            set_team_member(
                &store,
                &admin,
                "devconf-2027",
                reviewer.user_id.as_str(),
                role("reviewer"),
                later,
            )
        };
        let event = add().await.expect("added");
        assert_eq!(event.version.get(), 2);
        assert_eq!(event.updated_at, later);
        assert_eq!(stored(&store).await, event);

        let again = add().await.expect("the same again");
        assert_eq!(again.version.get(), 2, "nothing changed: no new version");
        assert_eq!(stored(&store).await.version.get(), 2);

        let remove = || {
            remove_team_member(
                &store,
                &admin,
                "devconf-2027",
                reviewer.user_id.as_str(),
                later,
            )
        };
        assert_eq!(remove().await.expect("removed").version.get(), 3);
        assert_eq!(
            remove().await.expect("not a member").version.get(),
            3,
            "removing a non-member changes nothing"
        );
        assert_eq!(stored(&store).await.version.get(), 3);
    }

    /// An [`InMemoryStore`] where, just before each of the first `races` team writes, another
    /// change (`rival`, applied to the stored event) lands first.
    struct RacingStore {
        inner: InMemoryStore,
        races: AtomicUsize,
        rival: fn(&Event) -> Event,
    }

    impl RacingStore {
        fn new(event: Event, races: usize, rival: fn(&Event) -> Event) -> Self {
            RacingStore {
                inner: InMemoryStore::with_event(event),
                races: AtomicUsize::new(races),
                rival,
            }
        }
    }

    #[async_trait]
    impl EventStore for RacingStore {
        async fn insert_event(&self, event: &Event) -> Result<(), StoreError> {
            self.inner.insert_event(event).await
        }

        async fn get_event(&self, slug: &EventSlug) -> Result<Option<Event>, StoreError> {
            self.inner.get_event(slug).await
        }

        async fn replace_team(
            &self,
            current: &Event,
            next: &Event,
        ) -> Result<EventReplaced, StoreError> {
            let race = self
                .races
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
            if race && let Some(stored) = self.inner.get_event(&current.slug).await? {
                let rival = (self.rival)(&stored);
                assert_eq!(
                    self.inner.replace_team(&stored, &rival).await?,
                    EventReplaced::Done
                );
            }
            self.inner.replace_team(current, next).await
        }
    }

    fn with(event: &Event, caller: &Caller, role: Role) -> Event {
        let team = event
            .team
            .with_member(caller.user_id.clone(), role)
            .expect("a valid team");
        event.with_team(team, now()).expect("next version")
    }

    fn co_organised() -> Event {
        with(
            &test_data::event(),
            &test_data::other_admin(),
            Role::Organiser,
        )
    }

    #[tokio::test]
    async fn a_change_that_lost_a_race_is_made_again_on_the_new_state() {
        let store = RacingStore::new(test_data::event(), 1, |event| {
            with(event, &test_data::other_admin(), Role::Organiser)
        });
        let event = set_team_member(
            &store,
            &test_data::admin(),
            "devconf-2027",
            test_data::reviewer().user_id.as_str(),
            role("reviewer"),
            now(),
        )
        .await
        .expect("made on the second try");
        assert_eq!(event.version.get(), 3, "the rival's change was version 2");
        assert_eq!(stored(&store).await, event);
        assert_eq!(
            role_of(&store, &test_data::other_admin()).await,
            Some(Role::Organiser),
            "the rival's change is kept"
        );
        assert_eq!(
            role_of(&store, &test_data::reviewer()).await,
            Some(Role::Reviewer)
        );
    }

    #[tokio::test]
    async fn two_organisers_removing_each_other_never_leave_the_event_without_one() {
        // The other organiser removes the admin first; the admin, no longer an organiser, may
        // then not remove them.
        let store = RacingStore::new(co_organised(), 1, |event| {
            let team = event
                .team
                .without_member(&test_data::admin().user_id)
                .expect("another organiser stays");
            event.with_team(team, now()).expect("next version")
        });
        let result = remove_team_member(
            &store,
            &test_data::admin(),
            "devconf-2027",
            test_data::other_admin().user_id.as_str(),
            now(),
        )
        .await;
        assert!(matches!(result, Err(CfpError::Forbidden(_))), "{result:?}");
        let event = stored(&store).await;
        assert_eq!(
            test_data::other_admin().role_in(&event),
            Some(Role::Organiser)
        );
        assert_eq!(test_data::admin().role_in(&event), None);
    }

    #[tokio::test]
    async fn two_organisers_stepping_down_at_once_leave_one() {
        // Both step down to reviewer; the other one's lands first, so the admin is the last.
        let store = RacingStore::new(co_organised(), 1, |event| {
            with(event, &test_data::other_admin(), Role::Reviewer)
        });
        let result = set_team_member(
            &store,
            &test_data::admin(),
            "devconf-2027",
            test_data::admin().user_id.as_str(),
            role("reviewer"),
            now(),
        )
        .await;
        assert!(
            matches!(result, Err(CfpError::TeamConflict(_))),
            "{result:?}"
        );
        assert_eq!(
            role_of(&store, &test_data::admin()).await,
            Some(Role::Organiser)
        );
    }

    #[tokio::test]
    async fn a_change_that_keeps_losing_is_a_conflict_and_writes_nothing() {
        let store = RacingStore::new(test_data::event(), ATTEMPTS, |event| {
            event
                .with_team(event.team.clone(), now())
                .expect("next version")
        });
        let result = set_team_member(
            &store,
            &test_data::admin(),
            "devconf-2027",
            test_data::reviewer().user_id.as_str(),
            role("reviewer"),
            now(),
        )
        .await;
        assert!(
            matches!(result, Err(CfpError::ConcurrentChange(_))),
            "{result:?}"
        );
        let event = stored(&store).await;
        assert_eq!(test_data::reviewer().role_in(&event), None);
        assert_eq!(
            event.version.get(),
            1 + ATTEMPTS as u32,
            "only the rivals wrote"
        );
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
                now(),
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
            let result =
                set_team_member(&store, &admin, "devconf-2027", user, request, now()).await;
            assert!(matches!(result, Err(CfpError::Validation(_))), "{result:?}");
        }
        let result = set_team_member(
            &store,
            &admin,
            "devconf-2027",
            admin.user_id.as_str(),
            role("reviewer"),
            now(),
        )
        .await;
        assert!(
            matches!(result, Err(CfpError::TeamConflict(_))),
            "{result:?}"
        );
        let result = remove_team_member(
            &store,
            &admin,
            "devconf-2027",
            admin.user_id.as_str(),
            now(),
        )
        .await;
        assert!(
            matches!(result, Err(CfpError::TeamConflict(_))),
            "{result:?}"
        );
        assert_eq!(role_of(&store, &admin).await, Some(Role::Organiser));
        assert_eq!(stored(&store).await.version.get(), 1, "nothing was written");
        let result = set_team_member(
            &store,
            &admin,
            "no-such-conf",
            "someone",
            role("reviewer"),
            now(),
        )
        .await;
        assert!(
            matches!(result, Err(CfpError::EventNotFound(_))),
            "{result:?}"
        );
    }
}
