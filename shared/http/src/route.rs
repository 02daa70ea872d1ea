//! The route API Gateway matched, for a function that serves more than one.

use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};

use crate::error::ApiError;

/// `"<METHOD> <path template>"` of the matched route, as payload 2.0's `routeKey` carries it,
/// e.g. `POST /events/{event}/cfps/{id}/confirm`. API Gateway always sends one; without it the
/// function is wired to something else (a wiring error, 500).
pub fn route_key(request: &Request) -> Result<&str, ApiError> {
    match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context.route_key.as_deref(),
        _ => None,
    }
    .ok_or(ApiError::MissingRouteKey)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{request, sample_event};

    #[test]
    fn the_route_of_a_payload_2_event() {
        assert_eq!(
            route_key(&request(&sample_event("get-cfp"))).ok(),
            Some("GET /events/{event}/cfps/{id}")
        );
    }

    #[test]
    fn no_route_key_is_an_error_not_a_guess() {
        let mut event = sample_event("get-cfp");
        if let Some(context) = event["requestContext"].as_object_mut() {
            context.remove("routeKey");
        }
        assert!(matches!(
            route_key(&request(&event)),
            Err(ApiError::MissingRouteKey)
        ));
        let plain = http::Request::builder()
            .uri("/x")
            .body(lambda_http::Body::Empty)
            .expect("request");
        assert!(matches!(route_key(&plain), Err(ApiError::MissingRouteKey)));
    }
}
