//! searchTalks: what the user typed, checked before anything is read, answered from the event's
//! index as the container holds it.

use std::time::Instant;

use crate::error::SearchError;
use crate::hit::SearchHit;
use crate::index::validate_search;
use crate::index_cache::{IndexCache, IndexCacheError};
use crate::index_store::IndexBlobStore;

#[derive(Debug, thiserror::Error)]
pub enum SearchTalksError {
    /// A request parameter (`q`, `limit`) is missing or not of its type (the caller's mistake).
    #[error("{parameter} {message}")]
    InvalidParameter {
        parameter: &'static str,
        message: &'static str,
    },
    /// The query or the limit is not acceptable (the caller's mistake), or the engine failed.
    #[error(transparent)]
    Search(#[from] SearchError),
    /// The event has no index: it does not exist, or nothing of it is released yet.
    #[error("the event {0} has no released schedule to search")]
    NotIndexed(String),
    #[error(transparent)]
    Index(#[from] IndexCacheError),
}

/// A search as requested: the query and how many hits, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TalkSearch {
    query: String,
    limit: usize,
}

impl TalkSearch {
    /// Hits per answer when the request does not say.
    pub const DEFAULT_LIMIT: usize = 20;

    /// The search of the request's `q` (required, not blank) and `limit` (optional, 1 to
    /// [`crate::MAX_LIMIT`]), as given.
    pub fn parse(query: Option<&str>, limit: Option<&str>) -> Result<Self, SearchTalksError> {
        let invalid =
            |parameter, message| SearchTalksError::InvalidParameter { parameter, message };
        let query = match query {
            None | Some("") => return Err(invalid("q", "is required")),
            Some(query) if query.trim().is_empty() => {
                return Err(invalid("q", "must have something to search for"));
            }
            Some(query) => query,
        };
        let limit = match limit {
            None => Self::DEFAULT_LIMIT,
            Some(raw) => raw
                .parse::<usize>()
                .map_err(|_| invalid("limit", "must be a whole number"))?,
        };
        validate_search(query, limit)?;
        Ok(TalkSearch {
            query: query.to_owned(),
            limit,
        })
    }

    pub fn query(&self) -> &str {
        &self.query
    }

    pub fn limit(&self) -> usize {
        self.limit
    }
}

/// The event's talks best matching the search, best first.
pub async fn search_talks(
    cache: &IndexCache,
    store: &dyn IndexBlobStore,
    event: &str,
    search: &TalkSearch,
    now: Instant,
) -> Result<Vec<SearchHit>, SearchTalksError> {
    let index = cache
        .index(store, event, now)
        .await?
        .ok_or_else(|| SearchTalksError::NotIndexed(event.to_owned()))?;
    Ok(index.search(&search.query, search.limit)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::in_memory::InMemoryIndexBlobs;
    use crate::index::SearchIndex;
    use crate::index_store::IndexStamp;
    use crate::talk::TalkDocument;

    const EVENT: &str = "devconf-2027";

    fn store() -> InMemoryIndexBlobs {
        let talk = TalkDocument {
            id: "rust".into(),
            slug: "devconf-2027-1-rust".into(),
            title: "Rust on the Edge".into(),
            abstract_text: "Small binaries, fast cold starts.".into(),
            speakers: vec!["Ferris Crab".into()],
            track: Some("Languages".into()),
            language: Some("en".into()),
            room: "Main".into(),
            start: chrono::DateTime::parse_from_rfc3339("2027-06-10T09:00:00+02:00").expect("time"),
        };
        let store = InMemoryIndexBlobs::new();
        let blob = SearchIndex::build([talk]).expect("index");
        store.insert(EVENT, blob, Some(IndexStamp::of_release(1)));
        store
    }

    fn search(query: &str) -> TalkSearch {
        TalkSearch::parse(Some(query), None).expect("a search")
    }

    #[tokio::test]
    async fn finds_talks_of_the_event() {
        let (store, cache) = (store(), IndexCache::default());
        let hits = search_talks(&cache, &store, EVENT, &search("binaries"), Instant::now())
            .await
            .expect("hits");
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].talk.id, "rust");
    }

    #[tokio::test]
    async fn an_event_without_an_index_is_not_indexed() {
        let (store, cache) = (store(), IndexCache::default());
        let result = search_talks(
            &cache,
            &store,
            "other-2027",
            &search("rust"),
            Instant::now(),
        )
        .await;
        assert!(
            matches!(&result, Err(SearchTalksError::NotIndexed(event)) if event == "other-2027"),
            "{result:?}"
        );
    }

    #[test]
    fn a_search_needs_a_query_and_takes_a_limit() {
        let parsed = TalkSearch::parse(Some("rust"), Some("5")).expect("a search");
        assert_eq!((parsed.query(), parsed.limit()), ("rust", 5));
        let default = TalkSearch::parse(Some("rust"), None).expect("a search");
        assert_eq!(default.limit(), TalkSearch::DEFAULT_LIMIT);
        // Punctuation is something to search for: it finds nothing rather than being refused.
        assert!(TalkSearch::parse(Some("C++ (advanced)"), None).is_ok());
    }

    #[test]
    fn bad_parameters_are_typed_errors_naming_the_parameter() {
        let long = "a".repeat(crate::query::MAX_QUERY_CHARS + 1);
        let cases: Vec<(Option<&str>, Option<&str>, &str)> = vec![
            (None, None, "q"),
            (Some(""), None, "q"),
            (Some("   "), None, "q"),
            (Some("rust"), Some(""), "limit"),
            (Some("rust"), Some("ten"), "limit"),
            (Some("rust"), Some("-1"), "limit"),
            (Some("rust"), Some("2.5"), "limit"),
            (Some("rust"), Some("99999999999999999999999"), "limit"),
        ];
        for (query, limit, parameter) in cases {
            let result = TalkSearch::parse(query, limit);
            assert!(
                matches!(&result, Err(SearchTalksError::InvalidParameter { parameter: p, .. }) if *p == parameter),
                "{query:?} {limit:?}: {result:?}"
            );
        }
        for (query, limit) in [
            ("rust", "0"),
            ("rust", "101"),
            (long.as_str(), "10"),
            ("a\nb", "10"),
        ] {
            let result = TalkSearch::parse(Some(query), Some(limit));
            assert!(
                matches!(result, Err(SearchTalksError::Search(_))),
                "{query:?} {limit}: {result:?}"
            );
        }
    }
}
