//! Path parameters as API Gateway matched them against the template's route.

use lambda_http::{Request, RequestExt};

use crate::error::ApiError;

pub fn path_parameter(request: &Request, name: &'static str) -> Result<String, ApiError> {
    request
        .path_parameters_ref()
        .and_then(|parameters| parameters.first(name))
        .map(str::to_owned)
        .ok_or(ApiError::MissingPathParameter(name))
}

/// `{event}` and `{id}` of the routes under `/events/{event}/cfps/{id}`, as given: the use
/// cases parse them (an id that is no proposal id is a 404 there, not a 400 here).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalPath {
    pub event: String,
    pub id: String,
}

impl ProposalPath {
    pub fn of(request: &Request) -> Result<ProposalPath, ApiError> {
        Ok(ProposalPath {
            event: path_parameter(request, "event")?,
            id: path_parameter(request, "id")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{request, sample_event};

    #[test]
    fn a_proposal_route_names_the_event_and_the_id() {
        let path = ProposalPath::of(&request(&sample_event("get-cfp"))).expect("a path");
        assert_eq!(path.event, "devconf-2027");
        assert_eq!(path.id, cfp_domain::test_data::SAMPLE_PROPOSAL_ID);
    }

    #[test]
    fn a_route_without_them_is_a_wiring_error() {
        let result = ProposalPath::of(&request(&sample_event("get-event")));
        assert!(
            matches!(result, Err(ApiError::MissingPathParameter("id"))),
            "{result:?}"
        );
    }
}
