//! Rendered representations kept by the Lambda instance between requests. A release never
//! changes once stored, so what was rendered from it stays right for as long as it is kept;
//! rendering the exports of 1,000 talks again for every request of a keynote rush would not.
//! Bounded by the bytes it holds (least recently used out first): the function has little
//! memory.

use std::sync::{Arc, Mutex, MutexGuard};

use cfp_schedule::{ReleaseHeader, ReleaseNumber};
use chrono::{DateTime, Utc};
use lru::LruCache;

use crate::rendered::Rendered;
use crate::representation::Representation;

/// A representation of one release, known from the release's header alone. Its time of
/// release is part of the key so that a store wiped and filled again (a local stack reset)
/// cannot serve an old rendering of a new release with the same number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey {
    event: String,
    release: ReleaseNumber,
    released_at: DateTime<Utc>,
    pub representation: Representation,
}

impl CacheKey {
    pub fn new(event: &str, release: &ReleaseHeader, representation: Representation) -> Self {
        CacheKey {
            event: event.to_owned(),
            release: release.number,
            released_at: release.released_at,
            representation,
        }
    }
}

pub struct RenderCache {
    budget_bytes: usize,
    state: Mutex<State>,
}

struct State {
    entries: LruCache<CacheKey, Arc<Rendered>>,
    bytes: usize,
}

impl RenderCache {
    /// What a 128 MB function can spare: a 1,000-talk event in every format, plain and gzip.
    pub const DEFAULT_BUDGET_BYTES: usize = 24 * 1024 * 1024;

    pub fn new(budget_bytes: usize) -> Self {
        RenderCache {
            budget_bytes,
            state: Mutex::new(State {
                entries: LruCache::unbounded(),
                bytes: 0,
            }),
        }
    }

    /// A panic elsewhere cannot leave the map half-updated in a way that matters (the entries
    /// are immutable): carry on with it.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The cached rendering of `key`, if it is kept.
    pub fn get(&self, key: &CacheKey) -> Option<Arc<Rendered>> {
        self.lock().entries.get(key).map(Arc::clone)
    }

    /// The cached rendering of `key`, or `render`'s, which is kept if it fits the budget.
    /// Rendering runs without the lock held.
    pub fn get_or_render<E>(
        &self,
        key: CacheKey,
        render: impl FnOnce(&CacheKey) -> Result<Rendered, E>,
    ) -> Result<Arc<Rendered>, E> {
        if let Some(hit) = self.lock().entries.get(&key) {
            return Ok(Arc::clone(hit));
        }
        let rendered = Arc::new(render(&key)?);
        self.insert(key, Arc::clone(&rendered));
        Ok(rendered)
    }

    fn insert(&self, key: CacheKey, rendered: Arc<Rendered>) {
        let weight = rendered.weight();
        if weight > self.budget_bytes {
            return;
        }
        let mut state = self.lock();
        if let Some(previous) = state.entries.put(key, rendered) {
            state.bytes = state.bytes.saturating_sub(previous.weight());
        }
        state.bytes += weight;
        while state.bytes > self.budget_bytes {
            let Some((_, evicted)) = state.entries.pop_lru() else {
                break;
            };
            state.bytes = state.bytes.saturating_sub(evicted.weight());
        }
    }

    /// How many renderings it holds and their bytes.
    pub fn usage(&self) -> (usize, usize) {
        let state = self.lock();
        (state.entries.len(), state.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cfp_schedule::view::ViewFilter;
    use cfp_schedule::{Release, test_data};

    fn key(release: &Release, room: &str) -> CacheKey {
        CacheKey::new(
            release.frame.slug(),
            &release.header(),
            Representation::Schedule(ViewFilter {
                room: Some(room.into()),
                ..ViewFilter::default()
            }),
        )
    }

    fn render(bytes: usize) -> impl FnOnce(&CacheKey) -> Result<Rendered, ()> {
        move |_| Rendered::new("text/plain", "x".repeat(bytes)).map_err(|_| ())
    }

    #[test]
    fn a_hit_does_not_render_again() {
        let cache = RenderCache::new(10_000);
        let release = test_data::release(&[(1, "Main", "2027-06-10T09:00:00+02:00")]);
        let first = cache.get_or_render(key(&release, "Main"), render(100));
        let second = cache.get_or_render(key(&release, "Main"), |_| -> Result<Rendered, ()> {
            panic!("rendered twice")
        });
        assert!(Arc::ptr_eq(
            &first.expect("first"),
            &second.expect("second")
        ));
        assert_eq!(cache.usage(), (1, 100));
        assert!(cache.get(&key(&release, "Main")).is_some());
        assert!(cache.get(&key(&release, "Side")).is_none());
    }

    #[test]
    fn the_least_recently_used_leave_first_when_over_budget() {
        // Each rendering is 400 bytes (too few to be gzipped as well): two fit, three do not.
        let cache = RenderCache::new(1_000);
        let release = test_data::release(&[(1, "Main", "2027-06-10T09:00:00+02:00")]);
        for room in ["a", "b"] {
            cache
                .get_or_render(key(&release, room), render(400))
                .expect("rendered");
        }
        // "a" is used again, so "b" is the least recently used when "c" comes in.
        cache
            .get_or_render(key(&release, "a"), render(400))
            .expect("hit");
        cache
            .get_or_render(key(&release, "c"), render(400))
            .expect("rendered");
        assert_eq!(cache.usage(), (2, 800));
        let mut rendered_again = false;
        cache
            .get_or_render(key(&release, "b"), |k| {
                rendered_again = true;
                render(400)(k)
            })
            .expect("rendered");
        assert!(rendered_again);
    }

    #[test]
    fn failures_and_oversized_renderings_are_not_kept() {
        let cache = RenderCache::new(1_000);
        let release = test_data::release(&[(1, "Main", "2027-06-10T09:00:00+02:00")]);
        assert!(
            cache
                .get_or_render(key(&release, "a"), |_| Err::<Rendered, ()>(()))
                .is_err()
        );
        let big = cache
            .get_or_render(key(&release, "b"), render(5_000))
            .expect("still answered");
        assert!(big.weight() >= 5_000);
        assert_eq!(cache.usage(), (0, 0));
    }

    #[test]
    fn another_release_with_the_same_number_is_another_key() {
        let release = test_data::release(&[(1, "Main", "2027-06-10T09:00:00+02:00")]);
        let mut again = release.clone();
        again.released_at += chrono::Duration::milliseconds(1);
        assert_ne!(key(&release, "a"), key(&again, "a"));
    }
}
