use chrono::{DateTime, Utc};

use super::{get_event, slug_from_path};
use crate::caller::Caller;
use crate::error::CfpError;
use crate::event::EventSlug;
use crate::ports::{EventStore, ProposalStore, Replaced};
use crate::proposal::{Action, Proposal, ProposalChangesRequest, ProposalId, Version};

/// The speaker edits a submitted proposal while the CfP is open. `if_match` is the version the
/// edit is based on (required); the write is conditional on it.
#[allow(clippy::too_many_arguments)]
pub async fn update_proposal(
    events: &dyn EventStore,
    proposals: &dyn ProposalStore,
    caller: &Caller,
    slug: &str,
    id: &str,
    if_match: Option<Version>,
    changes: ProposalChangesRequest,
    now: DateTime<Utc>,
) -> Result<Proposal, CfpError> {
    let current = load(proposals, slug, id).await?;
    caller.ensure_owns(&current)?;
    let expected = if_match.ok_or(CfpError::PreconditionRequired(
        "send If-Match with the proposal's ETag, so that no other change is overwritten",
    ))?;
    let event = get_event(events, current.event.as_str()).await?;
    if !event.cfp.is_open(now) {
        return Err(CfpError::CfpClosed {
            closed_at: event.cfp.closes_at(),
        });
    }
    apply(
        proposals,
        current,
        Some(expected),
        Action::Edit,
        |current| current.edit(changes.clone(), &event, now),
    )
    .await
}

/// The speaker withdraws a submitted or confirmed proposal. Unlike an edit this needs no open
/// CfP: a confirmed speaker may cancel at any time.
pub async fn withdraw_proposal(
    proposals: &dyn ProposalStore,
    caller: &Caller,
    slug: &str,
    id: &str,
    if_match: Option<Version>,
    now: DateTime<Utc>,
) -> Result<Proposal, CfpError> {
    let current = load(proposals, slug, id).await?;
    caller.ensure_owns(&current)?;
    apply(proposals, current, if_match, Action::Withdraw, |current| {
        current.withdraw(now)
    })
    .await
}

/// An organiser of the event confirms or rejects a submitted proposal. Two organisers deciding
/// at the same moment end with one decision: the other gets [`CfpError::InvalidTransition`].
#[allow(clippy::too_many_arguments)]
pub async fn decide_proposal(
    events: &dyn EventStore,
    proposals: &dyn ProposalStore,
    caller: &Caller,
    slug: &str,
    id: &str,
    decision: Action,
    if_match: Option<Version>,
    now: DateTime<Utc>,
) -> Result<Proposal, CfpError> {
    // The role first: outsiders learn nothing about which proposals exist.
    let event = get_event(events, slug_from_path(slug)?.as_str()).await?;
    caller.ensure_organiser_of(&event)?;
    let current = load(proposals, slug, id).await?;
    apply(proposals, current, if_match, decision, |current| {
        current.decide(decision, &caller.user_id, now)
    })
    .await
}

async fn load(proposals: &dyn ProposalStore, slug: &str, id: &str) -> Result<Proposal, CfpError> {
    // Neither an impossible slug nor an impossible id can name a proposal.
    let slug = EventSlug::parse(slug).map_err(|_| CfpError::ProposalNotFound)?;
    let id = ProposalId::parse(id).map_err(|_| CfpError::ProposalNotFound)?;
    proposals
        .get_proposal(&slug, id)
        .await?
        .ok_or(CfpError::ProposalNotFound)
}

fn ensure_version(current: &Proposal, expected: Option<Version>) -> Result<(), CfpError> {
    match expected {
        Some(expected) if expected != current.version => Err(CfpError::VersionMismatch {
            expected: expected.get(),
            current: current.version.get(),
        }),
        _ => Ok(()),
    }
}

/// How often a step is retried on a proposal that changed in between.
const ATTEMPTS: usize = 3;

/// Checks `action` against the stored proposal, computes it with `step` and writes it
/// conditionally on the state and version it started from. When another change got in between,
/// it starts again from the proposal as it is now: a changed state then refuses the step
/// (409), and a caller who named a version gets 412. A caller who named none gets the step on
/// the current version, e.g. after the picture pipeline bumped it.
async fn apply(
    proposals: &dyn ProposalStore,
    mut current: Proposal,
    if_match: Option<Version>,
    action: Action,
    step: impl Fn(&Proposal) -> Result<Proposal, CfpError>,
) -> Result<Proposal, CfpError> {
    let started = current.version;
    for _ in 0..ATTEMPTS {
        current.status.after(action)?;
        ensure_version(&current, if_match)?;
        let next = step(&current)?;
        match proposals.replace_proposal(&current, &next).await? {
            Replaced::Done => return Ok(next),
            Replaced::Conflict(None) => return Err(CfpError::ProposalNotFound),
            Replaced::Conflict(Some(now_stored)) => current = *now_stored,
        }
    }
    // Changed under us every time: let the client read it again.
    Err(CfpError::VersionMismatch {
        expected: started.get(),
        current: current.version.get(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::in_memory::InMemoryStore;
    use crate::proposal::ProposalStatus;
    use crate::team::Role;
    use crate::test_data;

    async fn store() -> (InMemoryStore, Proposal) {
        let mut event = test_data::event();
        event.team = event
            .team
            .with_member(test_data::reviewer().user_id, Role::Reviewer)
            .expect("team");
        let store = InMemoryStore::with_event(event);
        let proposal = test_data::proposal();
        store.insert_proposal(&proposal).await.expect("stored");
        (store, proposal)
    }

    fn title(title: &str) -> ProposalChangesRequest {
        ProposalChangesRequest {
            title: Some(Some(title.to_owned())),
            ..Default::default()
        }
    }

    fn v(n: u64) -> Option<Version> {
        Version::new(n).ok()
    }

    async fn stored(store: &InMemoryStore, proposal: &Proposal) -> Proposal {
        store
            .get_proposal(&proposal.event, proposal.id)
            .await
            .expect("store")
            .expect("stored")
    }

    #[tokio::test]
    async fn the_owner_edits_with_the_current_version_only() {
        let (store, proposal) = store().await;
        let (speaker, id, now) = (
            test_data::speaker(),
            proposal.id.to_string(),
            test_data::before_close(),
        );
        let edit = |if_match, change| {
            update_proposal(
                &store,
                &store,
                &speaker,
                "devconf-2027",
                &id,
                if_match,
                change,
                now,
            )
        };

        let edited = edit(v(1), title("Better")).await.expect("edited");
        assert_eq!(edited.version.get(), 2);
        assert_eq!(stored(&store, &proposal).await, edited);

        let stale = edit(v(1), title("Stale")).await;
        assert!(
            matches!(
                stale,
                Err(CfpError::VersionMismatch {
                    expected: 1,
                    current: 2
                })
            ),
            "{stale:?}"
        );
        let missing = edit(None, title("Blind")).await;
        assert!(
            matches!(missing, Err(CfpError::PreconditionRequired(_))),
            "{missing:?}"
        );
        assert_eq!(stored(&store, &proposal).await.title.as_str(), "Better");

        for other in [test_data::other_speaker(), test_data::admin()] {
            let result = update_proposal(
                &store,
                &store,
                &other,
                "devconf-2027",
                &id,
                v(2),
                title("Mine"),
                now,
            )
            .await;
            assert!(matches!(result, Err(CfpError::Forbidden(_))), "{result:?}");
        }
    }

    #[tokio::test]
    async fn no_edits_after_the_cfp_closed_or_a_decision() {
        let (store, proposal) = store().await;
        let id = proposal.id.to_string();
        let closes = test_data::event().cfp.closes_at().with_timezone(&Utc);
        let result = update_proposal(
            &store,
            &store,
            &test_data::speaker(),
            "devconf-2027",
            &id,
            v(1),
            title("Late"),
            closes,
        )
        .await;
        assert!(
            matches!(result, Err(CfpError::CfpClosed { .. })),
            "{result:?}"
        );

        decide_proposal(
            &store,
            &store,
            &test_data::admin(),
            "devconf-2027",
            &id,
            Action::Reject,
            None,
            test_data::before_close(),
        )
        .await
        .expect("rejected");
        let result = update_proposal(
            &store,
            &store,
            &test_data::speaker(),
            "devconf-2027",
            &id,
            v(1),
            title("Again"),
            test_data::before_close(),
        )
        .await;
        assert!(
            matches!(
                result,
                Err(CfpError::InvalidTransition {
                    status: "rejected",
                    ..
                })
            ),
            "{result:?}"
        );
    }

    #[tokio::test]
    async fn only_organisers_decide_and_only_once() {
        let (store, proposal) = store().await;
        let id = proposal.id.to_string();
        let now = test_data::before_close();
        for outsider in [
            test_data::reviewer(),
            test_data::speaker(),
            test_data::other_admin(),
        ] {
            let result = decide_proposal(
                &store,
                &store,
                &outsider,
                "devconf-2027",
                &id,
                Action::Confirm,
                None,
                now,
            )
            .await;
            assert!(
                matches!(result, Err(CfpError::Forbidden(_))),
                "{outsider:?}: {result:?}"
            );
        }
        let confirmed = decide_proposal(
            &store,
            &store,
            &test_data::admin(),
            "devconf-2027",
            &id,
            Action::Confirm,
            v(1),
            now,
        )
        .await
        .expect("confirmed");
        assert_eq!(confirmed.status, ProposalStatus::Confirmed);
        assert_eq!(confirmed.decided_by, Some(test_data::admin().user_id));
        for again in [Action::Confirm, Action::Reject] {
            let result = decide_proposal(
                &store,
                &store,
                &test_data::admin(),
                "devconf-2027",
                &id,
                again,
                None,
                now,
            )
            .await;
            assert!(
                matches!(result, Err(CfpError::InvalidTransition { .. })),
                "{result:?}"
            );
        }
        let unknown = decide_proposal(
            &store,
            &store,
            &test_data::admin(),
            "devconf-2027",
            &ProposalId::generate().to_string(),
            Action::Confirm,
            None,
            now,
        )
        .await;
        assert!(
            matches!(unknown, Err(CfpError::ProposalNotFound)),
            "{unknown:?}"
        );
    }

    #[tokio::test]
    async fn a_race_lost_in_the_store_is_a_conflict_not_an_overwrite() {
        let (store, proposal) = store().await;
        // Another organiser decided between this one's read and write.
        let rejected = proposal
            .decide(
                Action::Reject,
                &test_data::admin().user_id,
                test_data::before_close(),
            )
            .expect("rejected");
        assert_eq!(
            store.replace_proposal(&proposal, &rejected).await,
            Ok(Replaced::Done)
        );
        let confirmed = proposal
            .decide(
                Action::Confirm,
                &test_data::admin().user_id,
                test_data::before_close(),
            )
            .expect("confirmed");
        let result = apply(&store, proposal.clone(), None, Action::Confirm, |_| {
            Ok(confirmed.clone())
        })
        .await;
        assert!(
            matches!(
                result,
                Err(CfpError::InvalidTransition {
                    status: "rejected",
                    ..
                })
            ),
            "{result:?}"
        );
        assert_eq!(stored(&store, &proposal).await, rejected);
    }

    #[tokio::test]
    async fn a_version_bump_in_between_is_retried_unless_a_version_was_named() {
        let (store, proposal) = store().await;
        // Another writer (the picture pipeline) bumps the version, not the state.
        let bumped = proposal.withdraw(test_data::before_close()).map(|mut p| {
            p.status = proposal.status;
            p
        });
        let bumped = bumped.expect("a bumped copy");
        assert_eq!(
            store.replace_proposal(&proposal, &bumped).await,
            Ok(Replaced::Done)
        );
        let now = test_data::before_close();
        let decide = |if_match| {
            apply(
                &store,
                proposal.clone(),
                if_match,
                Action::Confirm,
                move |current| current.decide(Action::Confirm, &test_data::admin().user_id, now),
            )
        };
        let stale = decide(v(1)).await;
        assert!(
            matches!(
                stale,
                Err(CfpError::VersionMismatch {
                    expected: 1,
                    current: 2
                })
            ),
            "{stale:?}"
        );
        let confirmed = decide(None).await.expect("confirmed on the new version");
        assert_eq!(confirmed.version.get(), 3);
        assert_eq!(stored(&store, &proposal).await, confirmed);
    }

    #[tokio::test]
    async fn the_owner_withdraws_submitted_or_confirmed() {
        let (store, proposal) = store().await;
        let id = proposal.id.to_string();
        let now = test_data::before_close();
        let result =
            withdraw_proposal(&store, &test_data::admin(), "devconf-2027", &id, None, now).await;
        assert!(matches!(result, Err(CfpError::Forbidden(_))), "{result:?}");
        decide_proposal(
            &store,
            &store,
            &test_data::admin(),
            "devconf-2027",
            &id,
            Action::Confirm,
            None,
            now,
        )
        .await
        .expect("confirmed");
        let stale = withdraw_proposal(
            &store,
            &test_data::speaker(),
            "devconf-2027",
            &id,
            v(1),
            now,
        )
        .await;
        assert!(
            matches!(stale, Err(CfpError::VersionMismatch { .. })),
            "{stale:?}"
        );
        // After the CfP closed, too.
        let later =
            test_data::event().cfp.closes_at().with_timezone(&Utc) + chrono::Duration::days(30);
        let withdrawn = withdraw_proposal(
            &store,
            &test_data::speaker(),
            "devconf-2027",
            &id,
            v(2),
            later,
        )
        .await
        .expect("withdrawn");
        assert_eq!(withdrawn.status, ProposalStatus::Withdrawn);
        assert_eq!(withdrawn.version.get(), 3);
        let again = withdraw_proposal(
            &store,
            &test_data::speaker(),
            "devconf-2027",
            &id,
            None,
            later,
        )
        .await;
        assert!(
            matches!(again, Err(CfpError::InvalidTransition { .. })),
            "{again:?}"
        );
    }
}
