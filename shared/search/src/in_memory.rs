//! An in-memory [`IndexBlobStore`] for tests, with the conditional rules of the real one (S3's
//! If-Match / If-None-Match on PUT, If-None-Match on GET), plus what tests need to stage races
//! and outages.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;

use crate::index_store::{
    BlobStoreError, BlobVersion, Fetched, IndexBlobStore, IndexStamp, PutCondition, PutOutcome,
};

/// One stored blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBlob {
    pub bytes: Vec<u8>,
    pub etag: String,
    pub stamp: Option<IndexStamp>,
}

/// A write another writer makes just before this store's next `put`.
struct Interference {
    event: String,
    bytes: Vec<u8>,
    stamp: Option<IndexStamp>,
}

#[derive(Default)]
struct State {
    blobs: HashMap<String, StoredBlob>,
    /// Every write gets a new entity tag, as S3's change with the content.
    writes: u64,
    failing: bool,
    interference: VecDeque<Interference>,
    puts: usize,
    fetches: usize,
    blob_reads: usize,
}

impl State {
    fn write(&mut self, event: &str, bytes: Vec<u8>, stamp: Option<IndexStamp>) -> String {
        self.writes += 1;
        let etag = format!("\"etag-{}\"", self.writes);
        self.blobs.insert(
            event.to_owned(),
            StoredBlob {
                bytes,
                etag: etag.clone(),
                stamp,
            },
        );
        etag
    }
}

#[derive(Default)]
pub struct InMemoryIndexBlobs {
    state: Mutex<State>,
}

impl InMemoryIndexBlobs {
    pub fn new() -> Self {
        Self::default()
    }

    /// Test helpers read and change the state even after a panicking test poisoned the lock.
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn serving(&self) -> Result<MutexGuard<'_, State>, BlobStoreError> {
        let state = self.state();
        if state.failing {
            return Err(BlobStoreError("the in-memory store is set to fail".into()));
        }
        Ok(state)
    }

    /// The event's blob as stored.
    pub fn blob(&self, event: &str) -> Option<StoredBlob> {
        self.state().blobs.get(event).cloned()
    }

    /// Writes a blob as another writer would; returns its entity tag.
    pub fn insert(&self, event: &str, bytes: Vec<u8>, stamp: Option<IndexStamp>) -> String {
        self.state().write(event, bytes, stamp)
    }

    pub fn remove(&self, event: &str) {
        self.state().blobs.remove(event);
    }

    /// Makes every call fail (`true`) or work again (`false`).
    pub fn fail(&self, failing: bool) {
        self.state().failing = failing;
    }

    /// Another writer stores this blob just before the next `put` (queued: one per `put`).
    pub fn before_next_put(&self, event: &str, bytes: Vec<u8>, stamp: Option<IndexStamp>) {
        self.state().interference.push_back(Interference {
            event: event.to_owned(),
            bytes,
            stamp,
        });
    }

    /// How many `put`s were attempted.
    pub fn puts(&self) -> usize {
        self.state().puts
    }

    /// How many `fetch`es were made, and how many of them returned the blob's bytes.
    pub fn fetches(&self) -> (usize, usize) {
        let state = self.state();
        (state.fetches, state.blob_reads)
    }
}

#[async_trait]
impl IndexBlobStore for InMemoryIndexBlobs {
    async fn version(&self, event: &str) -> Result<Option<BlobVersion>, BlobStoreError> {
        Ok(self.serving()?.blobs.get(event).map(|blob| BlobVersion {
            etag: blob.etag.clone(),
            stamp: blob.stamp,
        }))
    }

    async fn fetch(&self, event: &str, held: Option<&str>) -> Result<Fetched, BlobStoreError> {
        let mut state = self.serving()?;
        state.fetches += 1;
        let Some(blob) = state.blobs.get(event).cloned() else {
            return Ok(Fetched::Missing);
        };
        if held == Some(blob.etag.as_str()) {
            return Ok(Fetched::NotModified);
        }
        state.blob_reads += 1;
        Ok(Fetched::Blob {
            bytes: blob.bytes,
            etag: blob.etag,
        })
    }

    async fn put(
        &self,
        event: &str,
        blob: &[u8],
        stamp: IndexStamp,
        condition: &PutCondition,
    ) -> Result<PutOutcome, BlobStoreError> {
        let mut state = self.serving()?;
        state.puts += 1;
        if let Some(other) = state.interference.pop_front() {
            state.write(&other.event, other.bytes, other.stamp);
        }
        let current = state.blobs.get(event).map(|blob| blob.etag.as_str());
        let holds = match condition {
            PutCondition::Absent => current.is_none(),
            PutCondition::Unchanged { etag } => current == Some(etag.as_str()),
        };
        if !holds {
            return Ok(PutOutcome::ConditionFailed);
        }
        state.write(event, blob.to_vec(), Some(stamp));
        Ok(PutOutcome::Stored)
    }
}
