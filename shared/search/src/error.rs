//! What can go wrong in search, as one typed error the search function maps to HTTP once.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum SearchError {
    /// The user's query is longer than any sensible search (a 400 for the caller).
    #[error("the query is {chars} characters long; at most {max} are allowed")]
    QueryTooLong { chars: usize, max: usize },

    /// The query holds a control character (a newline, NUL, escape...): not text someone typed
    /// (a 400 for the caller). `position` counts characters from 0.
    #[error("the query holds a control character at position {position}")]
    ControlCharacter { position: usize },

    /// The caller asked for more hits than one page may hold (a 400 for the caller).
    #[error("limit {limit} is out of range; it must be between 1 and {max}")]
    LimitOutOfRange { limit: usize, max: usize },

    /// A talk handed to the index cannot be indexed (an empty id, say).
    #[error("talk {id:?} cannot be indexed: {reason}")]
    InvalidTalk { id: String, reason: &'static str },

    /// The blob is not an index this crate wrote: truncated, damaged or not ours at all.
    #[error("the index blob is damaged or not a search index: {0}")]
    CorruptBlob(String),

    /// The blob was written by another version of this crate's schema; rebuild it from the talks.
    #[error("the index blob has format {found}, this code reads format {expected}; rebuild it")]
    IncompatibleFormat { found: u32, expected: u32 },

    /// The search engine itself failed (I/O on the in-memory directory, a writer error).
    #[error("search engine error: {0}")]
    Engine(#[from] tantivy::TantivyError),
}
