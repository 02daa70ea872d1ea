//! Storing a freshly built index without ever going backwards: a blob of a later release stays,
//! whatever order records arrive in and however many writers race. Each write is conditional on
//! the entity tag last seen; a lost race reads the store again and decides anew.

use crate::index_store::{
    BlobStoreError, BlobVersion, IndexBlobStore, IndexStamp, PutCondition, PutOutcome,
};

/// Writers of one event are few (one per release record in flight): a handful of attempts ends
/// any real race; more means something keeps rewriting the blob, and the caller retries later.
pub const MAX_PUT_ATTEMPTS: u32 = 5;

/// What [`publish_if_newer`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Published {
    /// The blob is stored; it replaced `replaced` (`None`: there was none, or it had no stamp).
    Stored { replaced: Option<IndexStamp> },
    /// The store already holds an index as new as this one, or newer: nothing was written.
    AlreadyCurrent { stored: Option<IndexStamp> },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PublishError {
    #[error(transparent)]
    Store(#[from] BlobStoreError),
    /// Every conditional write lost a race.
    #[error("the index blob kept changing; gave up after {attempts} conditional writes")]
    Contended { attempts: u32 },
}

/// Stores `blob`, the index stamped `stamp`, unless the store holds one as new or newer.
/// `seen` is what the caller last read of the store (`None`: no blob), so that a caller who
/// already looked does not pay for a second read.
pub async fn publish_if_newer(
    store: &dyn IndexBlobStore,
    event: &str,
    blob: &[u8],
    stamp: IndexStamp,
    seen: Option<BlobVersion>,
) -> Result<Published, PublishError> {
    let mut seen = seen;
    for _ in 0..MAX_PUT_ATTEMPTS {
        if let Some(current) = seen.as_ref().filter(|current| current.covers(stamp)) {
            return Ok(Published::AlreadyCurrent {
                stored: current.stamp,
            });
        }
        let condition = PutCondition::still(seen.as_ref());
        match store.put(event, blob, stamp, &condition).await? {
            PutOutcome::Stored => {
                return Ok(Published::Stored {
                    replaced: seen.and_then(|replaced| replaced.stamp),
                });
            }
            PutOutcome::ConditionFailed => seen = store.version(event).await?,
        }
    }
    Err(PublishError::Contended {
        attempts: MAX_PUT_ATTEMPTS,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::in_memory::InMemoryIndexBlobs;

    const EVENT: &str = "devconf-2027";

    fn stamp(release: u32) -> IndexStamp {
        IndexStamp::of_release(release)
    }

    async fn publish(store: &InMemoryIndexBlobs, release: u32) -> Result<Published, PublishError> {
        let seen = store.version(EVENT).await?;
        let blob = format!("release {release}").into_bytes();
        publish_if_newer(store, EVENT, &blob, stamp(release), seen).await
    }

    fn stored_release(store: &InMemoryIndexBlobs) -> Option<u32> {
        store
            .blob(EVENT)
            .and_then(|blob| blob.stamp)
            .map(|stamp| stamp.release)
    }

    #[tokio::test]
    async fn the_first_index_is_stored_and_later_ones_replace_it() {
        let store = InMemoryIndexBlobs::new();
        assert_eq!(
            publish(&store, 1).await,
            Ok(Published::Stored { replaced: None })
        );
        assert_eq!(
            publish(&store, 2).await,
            Ok(Published::Stored {
                replaced: Some(stamp(1))
            })
        );
        assert_eq!(stored_release(&store), Some(2));
        assert_eq!(
            store.blob(EVENT).map(|blob| blob.bytes),
            Some(b"release 2".to_vec())
        );
    }

    #[tokio::test]
    async fn an_older_or_the_same_release_never_replaces_the_stored_one() {
        let store = InMemoryIndexBlobs::new();
        publish(&store, 3).await.expect("stored");
        for release in [1, 2, 3] {
            assert_eq!(
                publish(&store, release).await,
                Ok(Published::AlreadyCurrent {
                    stored: Some(stamp(3))
                })
            );
        }
        assert_eq!(stored_release(&store), Some(3));
        assert_eq!(store.puts(), 1);
    }

    #[tokio::test]
    async fn a_blob_of_an_older_format_or_without_a_stamp_is_replaced() {
        let store = InMemoryIndexBlobs::new();
        let older_format = IndexStamp {
            release: 4,
            format: stamp(4).format - 1,
        };
        store.insert(EVENT, b"old format".to_vec(), Some(older_format));
        assert_eq!(
            publish(&store, 4).await,
            Ok(Published::Stored {
                replaced: Some(older_format)
            })
        );
        store.insert(EVENT, b"no stamp".to_vec(), None);
        assert_eq!(
            publish(&store, 4).await,
            Ok(Published::Stored { replaced: None })
        );
    }

    #[tokio::test]
    async fn a_newer_release_written_during_the_build_wins_the_race() {
        let store = InMemoryIndexBlobs::new();
        publish(&store, 1).await.expect("stored");
        // Between our read and our write, a writer of release 3 gets in.
        store.before_next_put(EVENT, b"release 3".to_vec(), Some(stamp(3)));
        assert_eq!(
            publish(&store, 2).await,
            Ok(Published::AlreadyCurrent {
                stored: Some(stamp(3))
            })
        );
        assert_eq!(stored_release(&store), Some(3));
    }

    #[tokio::test]
    async fn an_older_release_written_during_the_build_is_replaced_after_reading_again() {
        let store = InMemoryIndexBlobs::new();
        // The event had no blob; a writer of release 1 gets in before our write of release 2.
        store.before_next_put(EVENT, b"release 1".to_vec(), Some(stamp(1)));
        assert_eq!(
            publish(&store, 2).await,
            Ok(Published::Stored {
                replaced: Some(stamp(1))
            })
        );
        assert_eq!(stored_release(&store), Some(2));
        assert_eq!(store.puts(), 2);
    }

    #[tokio::test]
    async fn a_blob_that_keeps_changing_is_given_up_on() {
        let store = InMemoryIndexBlobs::new();
        for _ in 0..MAX_PUT_ATTEMPTS {
            store.before_next_put(EVENT, b"someone else".to_vec(), None);
        }
        assert_eq!(
            publish(&store, 1).await,
            Err(PublishError::Contended {
                attempts: MAX_PUT_ATTEMPTS
            })
        );
        assert_eq!(store.puts(), MAX_PUT_ATTEMPTS as usize);
    }

    #[tokio::test]
    async fn a_failing_store_is_an_error() {
        let store = InMemoryIndexBlobs::new();
        store.fail(true);
        let result = publish_if_newer(&store, EVENT, b"x", stamp(1), None).await;
        assert!(matches!(result, Err(PublishError::Store(_))), "{result:?}");
    }
}
