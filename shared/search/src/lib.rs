//! Full-text search over an event's released talks: an embedded tantivy index, built per event,
//! packed into one blob (kept in S3 by the functions that use this crate) and queried in memory.
//! Pure: no AWS, no Lambda. See README.md for why an embedded index rather than a search service.

mod error;
mod hit;
mod index;
mod packing;
mod query;
mod schema;
mod talk;

pub use error::SearchError;
pub use hit::{Highlight, SearchHit};
pub use index::{IndexChange, MAX_LIMIT, SearchIndex};
pub use query::{MAX_QUERY_CHARS, MAX_QUERY_TERMS};
pub use talk::TalkDocument;
