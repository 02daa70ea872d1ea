//! The document model: what the index knows about a released talk, and what a hit gives back.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

/// A talk of a released schedule, as search sees it. It carries speakers' names only, never their
/// e-mail addresses: the index is public and only public data goes into it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TalkDocument {
    /// The talk's id (its proposal's id); unique within an event's index.
    pub id: String,
    pub slug: String,
    pub title: String,
    #[serde(rename = "abstract")]
    pub abstract_text: String,
    pub speakers: Vec<String>,
    pub track: Option<String>,
    /// The talk's language as the proposal gave it (e.g. "en", "de"), if any.
    pub language: Option<String>,
    pub room: String,
    pub start: DateTime<FixedOffset>,
}
