//! `GET /events/{event}/cfps?status=&limit=&cursor=`: an event's proposals, to its organisers
//! and reviewers; `GET /me/cfps?limit=&cursor=`: the caller's own, across events. Newest first,
//! a page at a time, `{items, nextCursor}`.

use cfp_domain::listing::Page;
use cfp_domain::ports::{EventStore, ProposalStore};
use cfp_domain::proposal::ProposalView;
use cfp_domain::use_cases::{self, ListParams};
use cfp_http::{ApiError, Body, JsonResponse, Request, Response, caller, query_parameter, respond};
use lambda_http::RequestExt;
use serde::Serialize;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PageView {
    pub items: Vec<ProposalView>,
    /// Send as `cursor` for the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

/// 200 with a page, or a problem.
pub async fn handle(
    request: Request,
    events: &dyn EventStore,
    proposals: &dyn ProposalStore,
) -> Response<Body> {
    respond(list_cfps(&request, events, proposals).await)
}

async fn list_cfps(
    request: &Request,
    events: &dyn EventStore,
    proposals: &dyn ProposalStore,
) -> Result<JsonResponse, ApiError> {
    let caller = caller(request)?;
    let params = ListParams {
        status: query_parameter(request, "status")?,
        limit: query_parameter(request, "limit")?,
        cursor: query_parameter(request, "cursor")?,
    };
    // The `/me/cfps` route has no `{event}`.
    let event = request
        .path_parameters_ref()
        .and_then(|parameters| parameters.first("event"))
        .map(str::to_owned);
    let page = match event {
        Some(slug) => {
            use_cases::list_event_proposals(events, proposals, &caller, &slug, params).await?
        }
        None => use_cases::list_own_proposals(proposals, &caller, params).await?,
    };
    JsonResponse::ok(&view(&page))
}

fn view(page: &Page) -> PageView {
    PageView {
        items: page.items.iter().map(ProposalView::from).collect(),
        next_cursor: page.next.as_ref().map(|cursor| cursor.encode()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cfp_domain::in_memory::InMemoryStore;
    use cfp_domain::ports::ProposalStore;
    use cfp_domain::team::Role;
    use cfp_domain::test_data;
    use cfp_http::test_support::*;
    use serde_json::Value;

    fn sample() -> Value {
        sample_event("list-cfps")
    }

    fn with_query(mut event: Value, pairs: &[(&str, &str)]) -> Value {
        let query: serde_json::Map<String, Value> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Value::String((*v).to_owned())))
            .collect();
        event["rawQueryString"] = Value::String(
            pairs
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("&"),
        );
        event["queryStringParameters"] = Value::Object(query);
        event
    }

    async fn store(n: usize) -> InMemoryStore {
        let mut event = test_data::event();
        event.team = event
            .team
            .with_member(test_data::reviewer().user_id, Role::Reviewer)
            .expect("team");
        let store = InMemoryStore::with_event(event);
        for _ in 0..n {
            store
                .insert_proposal(&test_data::proposal())
                .await
                .expect("stored");
        }
        store
    }

    #[tokio::test]
    async fn the_sample_event_lists_submitted_proposals_a_page_at_a_time() {
        let store = store(12).await;
        let response = handle(request(&sample()), &store, &store).await;
        assert_eq!(response.status().as_u16(), 200, "{response:?}");
        let first = body_json(&response);
        assert_eq!(first["items"].as_array().map(Vec::len), Some(10));
        let cursor = first["nextCursor"]
            .as_str()
            .expect("a next page")
            .to_owned();
        let next = with_query(
            sample(),
            &[
                ("status", "submitted"),
                ("limit", "10"),
                ("cursor", &cursor),
            ],
        );
        let second = body_json(&handle(request(&next), &store, &store).await);
        assert_eq!(second["items"].as_array().map(Vec::len), Some(2));
        assert_eq!(second["nextCursor"], Value::Null);
        let ids: Vec<&str> = first["items"]
            .as_array()
            .into_iter()
            .chain(second["items"].as_array())
            .flatten()
            .filter_map(|p| p["id"].as_str())
            .collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable_by(|a, b| b.cmp(a));
        assert_eq!(ids, sorted, "newest first");
    }

    #[tokio::test]
    async fn bad_parameters_are_400_and_outsiders_403() {
        let store = store(1).await;
        for pairs in [
            vec![("limit", "0")],
            vec![("limit", "101")],
            vec![("status", "accepted")],
            vec![("cursor", "not-a-cursor")],
            vec![("cursor", "eyJzIjoiZXZlbnQ6b3RoZXI6YWxsIn0")],
        ] {
            let event = with_query(sample(), &pairs);
            assert_problem(
                &handle(request(&event), &store, &store).await,
                400,
                "invalid-query",
            );
        }
        let mut speaker = sample();
        set_claim(
            &mut speaker,
            "sub",
            Some(test_data::speaker().user_id.as_str()),
        );
        assert_problem(
            &handle(request(&speaker), &store, &store).await,
            403,
            "forbidden",
        );
        let mut anonymous = sample();
        remove_authorizer(&mut anonymous);
        assert_problem(
            &handle(request(&anonymous), &store, &store).await,
            401,
            "unauthenticated",
        );
    }

    #[tokio::test]
    async fn me_lists_the_callers_own() {
        let store = store(3).await;
        let mut mine = with_query(sample(), &[]);
        mine["routeKey"] = "GET /me/cfps".into();
        mine["rawPath"] = "/me/cfps".into();
        mine["pathParameters"] = Value::Null;
        set_claim(
            &mut mine,
            "sub",
            Some(test_data::speaker().user_id.as_str()),
        );
        let body = body_json(&handle(request(&mine), &store, &store).await);
        assert_eq!(body["items"].as_array().map(Vec::len), Some(3), "{body}");
        set_claim(
            &mut mine,
            "sub",
            Some(test_data::other_speaker().user_id.as_str()),
        );
        let body = body_json(&handle(request(&mine), &store, &store).await);
        assert_eq!(body["items"].as_array().map(Vec::len), Some(0), "{body}");
    }
}
