use super::{get_event, slug_from_path};
use crate::caller::Caller;
use crate::error::CfpError;
use crate::listing::{ListCursor, Listing, Page, PageLimit, PageRequest};
use crate::ports::{EventStore, ProposalStore};
use crate::proposal::ProposalStatus;
use crate::validation::FieldErrors;

/// The query string of a listing, as sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListParams {
    pub status: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// An event's proposals, in one state or all, newest first: to its organisers and reviewers.
pub async fn list_event_proposals(
    events: &dyn EventStore,
    proposals: &dyn ProposalStore,
    caller: &Caller,
    slug: &str,
    params: ListParams,
) -> Result<Page, CfpError> {
    let event = get_event(events, slug_from_path(slug)?.as_str()).await?;
    caller.ensure_team_member_of(&event)?;
    let mut errors = FieldErrors::new();
    let status = errors
        .optional("status", params.status, |raw| ProposalStatus::parse(&raw))
        .flatten();
    let listing = Listing::Event {
        event: event.slug,
        status,
    };
    let page = page_request(&mut errors, &listing, params.limit, params.cursor);
    if !errors.is_empty() {
        return Err(CfpError::InvalidQuery(errors.into_vec()));
    }
    Ok(proposals.list_proposals(&listing, &page).await?)
}

/// The caller's own proposals across events, newest first.
pub async fn list_own_proposals(
    proposals: &dyn ProposalStore,
    caller: &Caller,
    params: ListParams,
) -> Result<Page, CfpError> {
    let mut errors = FieldErrors::new();
    if params.status.is_some() {
        errors.add(
            "status",
            crate::InvalidValue::invalid("is not supported here; your proposals come all at once"),
        );
    }
    let listing = Listing::Owner(caller.user_id.clone());
    let page = page_request(&mut errors, &listing, params.limit, params.cursor);
    if !errors.is_empty() {
        return Err(CfpError::InvalidQuery(errors.into_vec()));
    }
    Ok(proposals.list_proposals(&listing, &page).await?)
}

fn page_request(
    errors: &mut FieldErrors,
    listing: &Listing,
    limit: Option<String>,
    cursor: Option<String>,
) -> PageRequest {
    let limit = errors
        .optional("limit", limit, |raw| PageLimit::parse(&raw))
        .flatten()
        .unwrap_or(PageLimit::DEFAULT);
    let after = errors
        .optional("cursor", cursor, |raw| ListCursor::decode(&raw, listing))
        .flatten();
    PageRequest { limit, after }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::in_memory::InMemoryStore;
    use crate::ports::ProposalStore;
    use crate::proposal::{Action, Proposal};
    use crate::team::Role;
    use crate::test_data;

    /// devconf-2027 with a reviewer, and `n` proposals by the speaker, the odd ones confirmed.
    async fn store(n: usize) -> (InMemoryStore, Vec<Proposal>) {
        let mut event = test_data::event();
        event.team = event
            .team
            .with_member(test_data::reviewer().user_id, Role::Reviewer)
            .expect("team");
        let store = InMemoryStore::with_event(event);
        let mut proposals = Vec::new();
        for i in 0..n {
            let mut proposal = test_data::proposal();
            if i % 2 == 1 {
                proposal = proposal
                    .decide(
                        Action::Confirm,
                        &test_data::admin().user_id,
                        test_data::before_close(),
                    )
                    .expect("confirmed");
            }
            store.insert_proposal(&proposal).await.expect("stored");
            proposals.push(proposal);
        }
        (store, proposals)
    }

    fn params(status: Option<&str>, limit: Option<&str>, cursor: Option<String>) -> ListParams {
        ListParams {
            status: status.map(str::to_owned),
            limit: limit.map(str::to_owned),
            cursor,
        }
    }

    #[tokio::test]
    async fn pages_newest_first_by_state() {
        let (store, proposals) = store(7).await;
        let confirmed: Vec<_> = proposals
            .iter()
            .rev()
            .filter(|p| p.version.get() == 2)
            .map(|p| p.id)
            .collect();
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let page = list_event_proposals(
                &store,
                &store,
                &test_data::reviewer(),
                "devconf-2027",
                params(Some("confirmed"), Some("2"), cursor.take()),
            )
            .await
            .expect("a page");
            assert!(page.items.len() <= 2);
            seen.extend(page.items.iter().map(|p| p.id));
            match page.next {
                Some(next) => cursor = Some(next.encode()),
                None => break,
            }
        }
        assert_eq!(seen, confirmed);

        let all = list_event_proposals(
            &store,
            &store,
            &test_data::admin(),
            "devconf-2027",
            ListParams::default(),
        )
        .await
        .expect("all");
        let newest_first: Vec<_> = proposals.iter().rev().map(|p| p.id).collect();
        assert_eq!(
            all.items.iter().map(|p| p.id).collect::<Vec<_>>(),
            newest_first
        );
        assert_eq!(all.next, None);
    }

    #[tokio::test]
    async fn only_the_team_lists_and_bad_parameters_are_refused() {
        let (store, _) = store(1).await;
        for outsider in [test_data::speaker(), test_data::other_admin()] {
            let result = list_event_proposals(
                &store,
                &store,
                &outsider,
                "devconf-2027",
                ListParams::default(),
            )
            .await;
            assert!(matches!(result, Err(CfpError::Forbidden(_))), "{result:?}");
        }
        let result = list_event_proposals(
            &store,
            &store,
            &test_data::admin(),
            "devconf-2027",
            params(Some("accepted"), Some("0"), Some("garbage".into())),
        )
        .await;
        match result {
            Err(CfpError::InvalidQuery(errors)) => assert_eq!(
                errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(),
                ["status", "limit", "cursor"]
            ),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_speaker_lists_their_own() {
        let (store, proposals) = store(3).await;
        let mine = list_own_proposals(
            &store,
            &test_data::speaker(),
            params(None, Some("100"), None),
        )
        .await
        .expect("mine");
        assert_eq!(mine.items.len(), proposals.len());
        let theirs = list_own_proposals(&store, &test_data::other_speaker(), ListParams::default())
            .await
            .expect("none");
        assert!(theirs.items.is_empty());
        assert!(matches!(
            list_own_proposals(
                &store,
                &test_data::speaker(),
                params(Some("submitted"), None, None)
            )
            .await,
            Err(CfpError::InvalidQuery(_))
        ));
    }
}
