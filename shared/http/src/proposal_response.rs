//! A proposal as every route answers with it: its view, and its version as the `ETag` that a
//! later `If-Match` sends back.

use cfp_domain::proposal::{Proposal, ProposalView};

use crate::error::ApiError;
use crate::response::JsonResponse;

/// 200 with the proposal and its `ETag`.
pub fn proposal_response(proposal: &Proposal) -> Result<JsonResponse, ApiError> {
    JsonResponse::ok(&ProposalView::from(proposal))
        .map(|response| response.with_version(proposal.version.get()))
}

/// 201 with the new proposal, its `ETag` and its `Location`.
pub fn created_proposal_response(proposal: &Proposal) -> Result<JsonResponse, ApiError> {
    JsonResponse::created(
        format!("/events/{}/cfps/{}", proposal.event, proposal.id),
        &ProposalView::from(proposal),
    )
    .map(|response| response.with_version(proposal.version.get()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::response::respond;
    use crate::test_support::{body_json, header};
    use cfp_domain::test_data;

    #[test]
    fn the_view_with_its_version_as_etag() {
        let proposal = test_data::sample_proposal();
        let response = respond(proposal_response(&proposal));
        assert_eq!(response.status().as_u16(), 200);
        assert_eq!(header(&response, "etag"), Some("\"1\""));
        assert_eq!(header(&response, "location"), None);
        let body = body_json(&response);
        assert_eq!(body["id"], test_data::SAMPLE_PROPOSAL_ID);
        assert_eq!(body["version"], 1);
    }

    #[test]
    fn a_new_one_with_its_location() {
        let proposal = test_data::sample_proposal();
        let response = respond(created_proposal_response(&proposal));
        assert_eq!(response.status().as_u16(), 201);
        assert_eq!(header(&response, "etag"), Some("\"1\""));
        assert_eq!(
            header(&response, "location"),
            Some(
                format!(
                    "/events/devconf-2027/cfps/{}",
                    test_data::SAMPLE_PROPOSAL_ID
                )
                .as_str()
            )
        );
        assert_eq!(body_json(&response)["status"], "submitted");
    }
}
