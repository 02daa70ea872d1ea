use chrono::{DateTime, Utc};

use super::get_event;
use crate::caller::Caller;
use crate::error::CfpError;
use crate::ports::{EventStore, ProposalStore};
use crate::proposal::{NewProposal, NewProposalRequest, Proposal};

/// A signed-in speaker submits a proposal to an event whose CfP is open.
pub async fn submit_proposal(
    events: &dyn EventStore,
    proposals: &dyn ProposalStore,
    caller: &Caller,
    slug: &str,
    request: NewProposalRequest,
    now: DateTime<Utc>,
) -> Result<Proposal, CfpError> {
    let email = caller.email()?.clone();
    let event = get_event(events, slug).await?;
    if !event.cfp.is_open(now) {
        return Err(CfpError::CfpClosed {
            closed_at: event.cfp.closes_at(),
        });
    }
    let new = NewProposal::parse(request, &event)?;
    let proposal = Proposal::submit(new, &event, caller.user_id.clone(), email, now);
    // A fresh UUID v7 never collides, so even AlreadyExists is an unexpected failure here.
    proposals.insert_proposal(&proposal).await?;
    Ok(proposal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proposal::ProposalStatus;
    use crate::test_data;

    use crate::in_memory::InMemoryStore;

    #[tokio::test]
    async fn stores_a_submitted_proposal_with_the_callers_address() {
        let store = InMemoryStore::with_event(test_data::event());
        let speaker = test_data::speaker();
        let proposal = submit_proposal(
            &store,
            &store,
            &speaker,
            "devconf-2027",
            test_data::proposal_request(),
            test_data::before_close(),
        )
        .await
        .expect("submitted");
        assert_eq!(proposal.status, ProposalStatus::Submitted);
        assert_eq!(proposal.version.get(), 1);
        assert_eq!(Some(&proposal.speaker.email), speaker.email.as_ref());
        assert_eq!(proposal.owner, speaker.user_id);
        assert_eq!(proposal.event_name.as_str(), "DevConf 2027");
        assert_eq!(
            store.get_proposal(&proposal.event, proposal.id).await,
            Ok(Some(proposal))
        );
    }

    #[tokio::test]
    async fn needs_an_email_claim() {
        let store = InMemoryStore::with_event(test_data::event());
        let mut speaker = test_data::speaker();
        speaker.email = None;
        let result = submit_proposal(
            &store,
            &store,
            &speaker,
            "devconf-2027",
            test_data::proposal_request(),
            test_data::before_close(),
        )
        .await;
        assert!(
            matches!(result, Err(CfpError::Unauthenticated(_))),
            "{result:?}"
        );
        assert_eq!(store.proposal_count(), 0);
    }

    #[tokio::test]
    async fn an_unknown_event_is_not_found() {
        let store = InMemoryStore::new();
        let result = submit_proposal(
            &store,
            &store,
            &test_data::speaker(),
            "devconf-2027",
            test_data::proposal_request(),
            test_data::before_close(),
        )
        .await;
        assert!(
            matches!(result, Err(CfpError::EventNotFound(_))),
            "{result:?}"
        );
    }

    #[tokio::test]
    async fn closed_from_the_instant_the_cfp_closes() {
        let store = InMemoryStore::with_event(test_data::event());
        let closes = test_data::event().cfp.closes_at().with_timezone(&Utc);
        let result = submit_proposal(
            &store,
            &store,
            &test_data::speaker(),
            "devconf-2027",
            test_data::proposal_request(),
            closes,
        )
        .await;
        assert!(
            matches!(result, Err(CfpError::CfpClosed { .. })),
            "{result:?}"
        );
        assert_eq!(store.proposal_count(), 0);
    }

    #[tokio::test]
    async fn invalid_input_stores_nothing() {
        let store = InMemoryStore::with_event(test_data::event());
        let mut request = test_data::proposal_request();
        request.session_type = Some("Keynote".into());
        let result = submit_proposal(
            &store,
            &store,
            &test_data::speaker(),
            "devconf-2027",
            request,
            test_data::before_close(),
        )
        .await;
        assert!(matches!(result, Err(CfpError::Validation(_))), "{result:?}");
        assert_eq!(store.proposal_count(), 0);
    }
}
