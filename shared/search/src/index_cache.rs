//! The loaded indexes of one search container, per event. A warm container answers from memory;
//! at most every few seconds it asks the store whether the blob changed (a conditional read that
//! costs no transfer when it did not), so a new release is searchable within seconds.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::error::SearchError;
use crate::index::SearchIndex;
use crate::index_store::{BlobStoreError, Fetched, IndexBlobStore};

/// How long a loaded index is used without asking the store again.
pub const REVALIDATE_AFTER: Duration = Duration::from_secs(5);
/// Events held at once: a container serves the few events that are being searched; an index is
/// a few MB in memory at most.
pub const CACHED_EVENTS: usize = 8;

/// Why no index could be had.
#[derive(Debug, thiserror::Error)]
pub enum IndexCacheError {
    #[error(transparent)]
    Store(#[from] BlobStoreError),
    /// The stored blob cannot be loaded (damaged, or of another format).
    #[error(transparent)]
    Blob(#[from] SearchError),
}

struct Entry {
    index: Arc<SearchIndex>,
    etag: String,
    checked_at: Instant,
    used_at: Instant,
}

pub struct IndexCache {
    entries: Mutex<HashMap<String, Entry>>,
    revalidate_after: Duration,
    capacity: usize,
}

impl Default for IndexCache {
    fn default() -> Self {
        Self::new(REVALIDATE_AFTER, CACHED_EVENTS)
    }
}

impl IndexCache {
    /// A cache that asks the store again after `revalidate_after` and holds at most `capacity`
    /// events (at least one), dropping the least recently used.
    pub fn new(revalidate_after: Duration, capacity: usize) -> Self {
        IndexCache {
            entries: Mutex::new(HashMap::new()),
            revalidate_after,
            capacity: capacity.max(1),
        }
    }

    /// The lock guards plain data: a panic elsewhere cannot leave it half-changed.
    fn entries(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The event's index as of `now`, `None` when the store has none. While the store cannot be
    /// reached, or holds a blob that cannot be loaded, a loaded index is used as it is: an
    /// index one release old serves attendees better than an error.
    pub async fn index(
        &self,
        store: &dyn IndexBlobStore,
        event: &str,
        now: Instant,
    ) -> Result<Option<Arc<SearchIndex>>, IndexCacheError> {
        // The lock is never held across the store's call: concurrent requests for other events
        // are not held up, and two revalidations of one event are merely redundant.
        let held = self.entries().get_mut(event).map(|entry| {
            entry.used_at = now;
            (
                Arc::clone(&entry.index),
                entry.etag.clone(),
                entry.checked_at,
            )
        });
        if let Some((index, _, checked_at)) = &held
            && now.saturating_duration_since(*checked_at) < self.revalidate_after
        {
            return Ok(Some(Arc::clone(index)));
        }
        let etag = held.as_ref().map(|(_, etag, _)| etag.as_str());
        let fetched = match store.fetch(event, etag).await {
            Ok(fetched) => fetched,
            Err(error) => {
                return match held {
                    Some((index, _, _)) => {
                        tracing::warn!(%event, %error, "index store unavailable; using the loaded index");
                        Ok(Some(index))
                    }
                    None => Err(error.into()),
                };
            }
        };
        match fetched {
            Fetched::NotModified => match held {
                Some((index, _, _)) => {
                    self.mark_checked(event, now);
                    Ok(Some(index))
                }
                None => Err(BlobStoreError(
                    "the store answered Not Modified to an unconditional read".into(),
                )
                .into()),
            },
            Fetched::Missing => {
                self.entries().remove(event);
                Ok(None)
            }
            Fetched::Blob { bytes, etag } => match SearchIndex::load(&bytes) {
                Ok(index) => {
                    let index = Arc::new(index);
                    self.insert(event, Arc::clone(&index), etag, now);
                    Ok(Some(index))
                }
                Err(error) => match held {
                    Some((index, _, _)) => {
                        tracing::error!(%event, %error, "the new index blob cannot be loaded; using the loaded index");
                        // Not again before the interval: every request would download it.
                        self.mark_checked(event, now);
                        Ok(Some(index))
                    }
                    None => Err(error.into()),
                },
            },
        }
    }

    fn mark_checked(&self, event: &str, now: Instant) {
        if let Some(entry) = self.entries().get_mut(event) {
            entry.checked_at = now;
        }
    }

    fn insert(&self, event: &str, index: Arc<SearchIndex>, etag: String, now: Instant) {
        let mut entries = self.entries();
        if !entries.contains_key(event) && entries.len() >= self.capacity {
            let least_recent = entries
                .iter()
                .min_by_key(|(_, entry)| entry.used_at)
                .map(|(event, _)| event.clone());
            if let Some(least_recent) = least_recent {
                entries.remove(&least_recent);
            }
        }
        entries.insert(
            event.to_owned(),
            Entry {
                index,
                etag,
                checked_at: now,
                used_at: now,
            },
        );
    }

    /// The events held, for tests and logs.
    pub fn len(&self) -> usize {
        self.entries().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::in_memory::InMemoryIndexBlobs;
    use crate::index_store::IndexStamp;
    use crate::talk::TalkDocument;

    const EVENT: &str = "devconf-2027";

    fn blob(titles: &[&str]) -> Vec<u8> {
        let talks = titles.iter().enumerate().map(|(n, title)| TalkDocument {
            id: format!("talk-{n}"),
            slug: format!("talk-{n}"),
            title: (*title).to_owned(),
            abstract_text: String::new(),
            speakers: vec!["Ada Lovelace".into()],
            track: None,
            language: None,
            room: "Main".into(),
            start: chrono::DateTime::parse_from_rfc3339("2027-06-10T09:00:00+02:00").expect("time"),
        });
        SearchIndex::build(talks).expect("index")
    }

    fn titles(index: &SearchIndex, query: &str) -> Vec<String> {
        index
            .search(query, 10)
            .expect("search")
            .into_iter()
            .map(|hit| hit.talk.title)
            .collect()
    }

    fn store_with(titles: &[&str]) -> InMemoryIndexBlobs {
        let store = InMemoryIndexBlobs::new();
        store.insert(EVENT, blob(titles), Some(IndexStamp::of_release(1)));
        store
    }

    #[tokio::test]
    async fn a_loaded_index_is_reused_until_the_interval_passes() {
        let store = store_with(&["Rust on the Edge"]);
        let cache = IndexCache::default();
        let start = Instant::now();
        let index = cache.index(&store, EVENT, start).await.expect("index");
        assert_eq!(titles(&index.expect("some"), "rust"), ["Rust on the Edge"]);
        let later = start + REVALIDATE_AFTER - Duration::from_millis(1);
        assert!(
            cache
                .index(&store, EVENT, later)
                .await
                .expect("index")
                .is_some()
        );
        assert_eq!(store.fetches(), (1, 1), "one read, from the first request");
    }

    #[tokio::test]
    async fn after_the_interval_an_unchanged_blob_is_not_downloaded_again() {
        let store = store_with(&["Rust on the Edge"]);
        let cache = IndexCache::default();
        let start = Instant::now();
        cache.index(&store, EVENT, start).await.expect("index");
        let later = start + REVALIDATE_AFTER;
        assert!(
            cache
                .index(&store, EVENT, later)
                .await
                .expect("index")
                .is_some()
        );
        assert_eq!(
            store.fetches(),
            (2, 1),
            "a conditional read answered Not Modified"
        );
        // Checked again at `later`: the next interval starts there.
        cache
            .index(&store, EVENT, later + Duration::from_secs(1))
            .await
            .expect("index");
        assert_eq!(store.fetches(), (2, 1));
    }

    #[tokio::test]
    async fn a_new_release_is_searchable_after_the_interval() {
        let store = store_with(&["Rust on the Edge"]);
        let cache = IndexCache::default();
        let start = Instant::now();
        cache.index(&store, EVENT, start).await.expect("index");
        store.insert(
            EVENT,
            blob(&["Rust on the Edge", "Kubernetes Operators"]),
            Some(IndexStamp::of_release(2)),
        );
        let soon = cache.index(&store, EVENT, start).await.expect("index");
        assert!(titles(&soon.expect("some"), "kubernetes").is_empty());
        let later = start + REVALIDATE_AFTER;
        let index = cache.index(&store, EVENT, later).await.expect("index");
        assert_eq!(
            titles(&index.expect("some"), "kubernetes"),
            ["Kubernetes Operators"]
        );
    }

    #[tokio::test]
    async fn no_blob_is_none_and_a_removed_blob_is_forgotten() {
        let store = InMemoryIndexBlobs::new();
        let cache = IndexCache::default();
        let start = Instant::now();
        assert!(
            cache
                .index(&store, EVENT, start)
                .await
                .expect("ok")
                .is_none()
        );
        assert!(cache.is_empty());
        store.insert(EVENT, blob(&["Talk"]), Some(IndexStamp::of_release(1)));
        assert!(
            cache
                .index(&store, EVENT, start)
                .await
                .expect("ok")
                .is_some()
        );
        store.remove(EVENT);
        let later = start + REVALIDATE_AFTER;
        assert!(
            cache
                .index(&store, EVENT, later)
                .await
                .expect("ok")
                .is_none()
        );
        assert!(cache.is_empty());
    }

    #[tokio::test]
    async fn an_unreachable_store_serves_the_loaded_index_or_fails_without_one() {
        let store = store_with(&["Rust on the Edge"]);
        let cache = IndexCache::default();
        let start = Instant::now();
        cache.index(&store, EVENT, start).await.expect("index");
        store.fail(true);
        let later = start + REVALIDATE_AFTER;
        assert!(
            cache
                .index(&store, EVENT, later)
                .await
                .expect("stale")
                .is_some()
        );
        let other = cache.index(&store, "other-event", later).await;
        assert!(matches!(other, Err(IndexCacheError::Store(_))), "{other:?}");
    }

    #[tokio::test]
    async fn a_damaged_blob_fails_without_a_loaded_index_and_is_bridged_with_one() {
        let store = InMemoryIndexBlobs::new();
        store.insert(EVENT, b"not an index".to_vec(), None);
        let cache = IndexCache::default();
        let start = Instant::now();
        let result = cache.index(&store, EVENT, start).await;
        assert!(
            matches!(result, Err(IndexCacheError::Blob(_))),
            "{result:?}"
        );

        store.insert(EVENT, blob(&["Rust on the Edge"]), None);
        cache.index(&store, EVENT, start).await.expect("index");
        store.insert(EVENT, b"damaged again".to_vec(), None);
        let later = start + REVALIDATE_AFTER;
        let index = cache.index(&store, EVENT, later).await.expect("stale");
        assert_eq!(titles(&index.expect("some"), "rust"), ["Rust on the Edge"]);
        // Not downloaded again on every request until the interval passes once more.
        cache.index(&store, EVENT, later).await.expect("stale");
        assert_eq!(store.fetches(), (3, 3));
    }

    #[tokio::test]
    async fn the_least_recently_used_event_makes_room() {
        let store = InMemoryIndexBlobs::new();
        for event in ["one", "two", "three"] {
            store.insert(event, blob(&["Talk"]), None);
        }
        let cache = IndexCache::new(REVALIDATE_AFTER, 2);
        let start = Instant::now();
        cache.index(&store, "one", start).await.expect("one");
        cache
            .index(&store, "two", start + Duration::from_millis(1))
            .await
            .expect("two");
        // "one" is used again: "two" is now the least recently used.
        cache
            .index(&store, "one", start + Duration::from_millis(2))
            .await
            .expect("one");
        cache
            .index(&store, "three", start + Duration::from_millis(3))
            .await
            .expect("three");
        assert_eq!(cache.len(), 2);
        assert_eq!(store.fetches(), (3, 3));
        cache
            .index(&store, "one", start + Duration::from_millis(4))
            .await
            .expect("one");
        assert_eq!(store.fetches(), (3, 3), "one stayed");
        cache
            .index(&store, "two", start + Duration::from_millis(5))
            .await
            .expect("two");
        assert_eq!(store.fetches(), (4, 4), "two was dropped and read again");
    }
}
