//! `GET /events/{event}/talks?q=&limit=`: ranked full-text search over an event's released
//! talks, to anyone. Answered from the event's index as this container holds it (revalidated
//! against S3 every few seconds), never from the table.

mod search_response;

use std::time::Instant;

use cfp_domain::event::EventSlug;
use cfp_http::{
    Body, JsonResponse, Request, Response, SearchApiError, path_parameter, query_parameter,
    respond_search,
};
use cfp_search::{IndexBlobStore, IndexCache, SearchTalksError, TalkSearch, search_talks};
use http::HeaderValue;
use http::header::CACHE_CONTROL;

pub use search_response::{Highlights, HitView, SearchResponse};

/// Results change only with a release: shared caches (a CDN) may answer a repeated search for a
/// short while, so a keynote-time rush of the same queries reaches few containers, and a new
/// release still shows within a minute.
pub const CACHE_CONTROL_VALUE: &str = "public, max-age=30, s-maxage=60";

/// What this function needs from outside.
pub struct Dependencies<'a> {
    pub blobs: &'a dyn IndexBlobStore,
    /// The container's loaded indexes.
    pub cache: &'a IndexCache,
}

/// 200 with the ranked hits, or a problem: 400 for a bad `q` or `limit`, 404 when the event has
/// no index (unknown, or nothing released yet).
pub async fn handle(
    request: Request,
    dependencies: &Dependencies<'_>,
    now: Instant,
) -> Response<Body> {
    let mut response = respond_search(search(&request, dependencies, now).await);
    if response.status().is_success() {
        response
            .headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static(CACHE_CONTROL_VALUE));
    }
    response
}

async fn search(
    request: &Request,
    dependencies: &Dependencies<'_>,
    now: Instant,
) -> Result<JsonResponse, SearchApiError> {
    let event = path_parameter(request, "event")?;
    let search = TalkSearch::parse(
        query_parameter(request, "q")?.as_deref(),
        query_parameter(request, "limit")?.as_deref(),
    )?;
    // No event is named so: there is nothing to search, and no odd key reaches the store.
    if EventSlug::parse(&event).is_err() {
        return Err(SearchTalksError::NotIndexed(event).into());
    }
    let hits = search_talks(dependencies.cache, dependencies.blobs, &event, &search, now).await?;
    cfp_observability::metrics::search_answered(&event);
    Ok(JsonResponse::ok(&SearchResponse::of(
        search.query(),
        &hits,
    ))?)
}

#[cfg(test)]
mod tests;
