//! Full-text search over an event's released talks: an embedded tantivy index, built per event,
//! packed into one blob (kept in S3 by the functions that use this crate) and queried in memory.
//! Pure: no AWS, no Lambda. See README.md for why an embedded index rather than a search service.
//!
//! Around the engine, what the two search functions share: the port of the blob store
//! ([`IndexBlobStore`]), storing a new index without going backwards ([`publish_if_newer`]),
//! and a container's cache of loaded indexes behind [`search_talks`].

mod error;
mod hit;
#[cfg(any(test, feature = "in-memory"))]
pub mod in_memory;
mod index;
mod index_cache;
mod index_store;
mod packing;
mod publish_index;
mod query;
mod schema;
mod search_talks;
mod talk;

pub use error::SearchError;
pub use hit::{Highlight, HighlightSegment, SearchHit};
pub use index::{IndexChange, MAX_LIMIT, SearchIndex, validate_search};
pub use index_cache::{CACHED_EVENTS, IndexCache, IndexCacheError, REVALIDATE_AFTER};
pub use index_store::{
    BlobStoreError, BlobVersion, Fetched, IndexBlobStore, IndexStamp, PutCondition, PutOutcome,
};
pub use publish_index::{MAX_PUT_ATTEMPTS, PublishError, Published, publish_if_newer};
pub use query::{MAX_QUERY_CHARS, MAX_QUERY_TERMS};
pub use search_talks::{SearchTalksError, TalkSearch, search_talks};
pub use talk::TalkDocument;
