//! Where each event's index blob is kept (S3 in production): the port both functions reach it
//! through. Blobs are versioned by their entity tag; writes are conditional on it, so two
//! writers never overwrite each other unknowingly.

use async_trait::async_trait;

use crate::schema::FORMAT_VERSION;

/// What a stored blob indexes: a release of the event's schedule, in a format of this crate.
/// Ordered by release, then format: a later release always wins, and for the same release a
/// blob of a newer format replaces one of an older format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IndexStamp {
    pub release: u32,
    pub format: u32,
}

impl IndexStamp {
    /// The stamp of an index of `release` built by this code.
    pub fn of_release(release: u32) -> Self {
        IndexStamp {
            release,
            format: FORMAT_VERSION,
        }
    }
}

/// The stored blob as seen without reading it: its entity tag and, when its metadata says so,
/// what it indexes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobVersion {
    pub etag: String,
    /// `None` when the blob carries no (readable) stamp: such a blob is replaced by any index.
    pub stamp: Option<IndexStamp>,
}

impl BlobVersion {
    /// Whether this blob is as new as an index stamped `stamp`, or newer: then writing that index
    /// would go backwards (or repeat the same work).
    pub fn covers(&self, stamp: IndexStamp) -> bool {
        self.stamp.is_some_and(|stored| stored >= stamp)
    }
}

/// A conditional read's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// The event has no blob.
    Missing,
    /// The blob still has the entity tag the reader holds.
    NotModified,
    Blob {
        bytes: Vec<u8>,
        etag: String,
    },
}

/// What must hold of the stored blob for a write to happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PutCondition {
    /// There is no blob yet.
    Absent,
    /// The blob still has this entity tag.
    Unchanged { etag: String },
}

impl PutCondition {
    /// The condition that the store still holds what `seen` says.
    pub fn still(seen: Option<&BlobVersion>) -> Self {
        match seen {
            None => PutCondition::Absent,
            Some(version) => PutCondition::Unchanged {
                etag: version.etag.clone(),
            },
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutOutcome {
    Stored,
    /// Someone else wrote (or removed) the blob since it was seen: nothing was written.
    ConditionFailed,
}

/// The store failed (network, permissions, throttling): worth retrying later.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the index store failed: {0}")]
pub struct BlobStoreError(pub String);

/// The blobs of every event's index, named by the event's slug.
#[async_trait]
pub trait IndexBlobStore: Send + Sync {
    /// The event's blob without its bytes, `None` when there is none.
    async fn version(&self, event: &str) -> Result<Option<BlobVersion>, BlobStoreError>;

    /// The event's blob, unless it still has entity tag `held` ([`Fetched::NotModified`]).
    async fn fetch(&self, event: &str, held: Option<&str>) -> Result<Fetched, BlobStoreError>;

    /// Writes the event's blob, stamped, if `condition` holds; otherwise writes nothing and says
    /// [`PutOutcome::ConditionFailed`].
    async fn put(
        &self,
        event: &str,
        blob: &[u8],
        stamp: IndexStamp,
        condition: &PutCondition,
    ) -> Result<PutOutcome, BlobStoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(stamp: Option<(u32, u32)>) -> BlobVersion {
        BlobVersion {
            etag: "\"e\"".into(),
            stamp: stamp.map(|(release, format)| IndexStamp { release, format }),
        }
    }

    #[test]
    fn a_later_release_or_a_newer_format_is_not_covered() {
        let ours = IndexStamp {
            release: 3,
            format: 2,
        };
        assert!(version(Some((3, 2))).covers(ours));
        assert!(version(Some((4, 1))).covers(ours));
        assert!(version(Some((3, 3))).covers(ours));
        assert!(!version(Some((2, 9))).covers(ours));
        assert!(!version(Some((3, 1))).covers(ours));
        assert!(!version(None).covers(ours));
    }

    #[test]
    fn the_condition_follows_what_was_seen() {
        assert_eq!(PutCondition::still(None), PutCondition::Absent);
        assert_eq!(
            PutCondition::still(Some(&version(None))),
            PutCondition::Unchanged {
                etag: "\"e\"".into()
            }
        );
    }
}
