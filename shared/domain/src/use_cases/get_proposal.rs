use super::slug_from_path;
use crate::caller::Caller;
use crate::error::CfpError;
use crate::ports::{EventStore, ProposalStore};
use crate::proposal::{Proposal, ProposalId};

/// A proposal, to its owner and to the organisers and reviewers of its event.
pub async fn get_proposal(
    events: &dyn EventStore,
    proposals: &dyn ProposalStore,
    caller: &Caller,
    slug: &str,
    id: &str,
) -> Result<Proposal, CfpError> {
    let slug = slug_from_path(slug)?;
    let id = ProposalId::parse(id).map_err(|_| CfpError::ProposalNotFound)?;
    let proposal = proposals
        .get_proposal(&slug, id)
        .await?
        .ok_or(CfpError::ProposalNotFound)?;
    if caller.owns(&proposal) {
        return Ok(proposal);
    }
    // Only the team needs the event read.
    let event = events.get_event(&slug).await?;
    caller.ensure_may_read(&proposal, event.as_ref())?;
    Ok(proposal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::in_memory::InMemoryStore;
    use crate::ports::ProposalStore;
    use crate::team::{Role, Team};
    use crate::test_data;

    async fn store_with_proposal() -> (InMemoryStore, Proposal) {
        let mut event = test_data::event();
        event.team = Team::from_members([
            (test_data::admin().user_id, Role::Organiser),
            (test_data::reviewer().user_id, Role::Reviewer),
        ]);
        let store = InMemoryStore::with_event(event);
        let proposal = test_data::proposal();
        store.insert_proposal(&proposal).await.expect("stored");
        (store, proposal)
    }

    async fn read(
        store: &InMemoryStore,
        caller: &Caller,
        slug: &str,
        id: &str,
    ) -> Result<Proposal, CfpError> {
        get_proposal(store, store, caller, slug, id).await
    }

    #[tokio::test]
    async fn the_owner_organisers_and_reviewers_may_read() {
        let (store, proposal) = store_with_proposal().await;
        let id = proposal.id.to_string();
        for caller in [
            test_data::speaker(),
            test_data::admin(),
            test_data::reviewer(),
        ] {
            assert_eq!(
                read(&store, &caller, "devconf-2027", &id).await.ok(),
                Some(proposal.clone()),
                "{caller:?}"
            );
        }
    }

    #[tokio::test]
    async fn anyone_else_is_forbidden_even_an_admin_or_another_events_organiser() {
        let (store, proposal) = store_with_proposal().await;
        let mut other_event = test_data::event();
        other_event.slug = crate::event::EventSlug::parse("other-conf").expect("slug");
        other_event.team = Team::founded_by(test_data::other_admin().user_id);
        store.put_event(other_event);
        let id = proposal.id.to_string();
        for caller in [test_data::other_speaker(), test_data::other_admin()] {
            let result = read(&store, &caller, "devconf-2027", &id).await;
            assert!(
                matches!(result, Err(CfpError::Forbidden(_))),
                "{caller:?}: {result:?}"
            );
        }
    }

    #[tokio::test]
    async fn unknown_ids_and_ids_under_another_event_are_not_found() {
        let (store, proposal) = store_with_proposal().await;
        let missing = [
            (
                "devconf-2027".to_owned(),
                ProposalId::generate().to_string(),
            ),
            ("devconf-2027".to_owned(), "not-an-id".to_owned()),
            ("other-conf".to_owned(), proposal.id.to_string()),
        ];
        for (slug, id) in missing {
            let result = read(&store, &test_data::speaker(), &slug, &id).await;
            assert!(
                matches!(result, Err(CfpError::ProposalNotFound)),
                "{slug} {id}: {result:?}"
            );
        }
    }
}
