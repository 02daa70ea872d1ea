//! What a search answers: ranked talks, each with the part of its text that matched.

use std::ops::Range;

use serde::Serialize;

use crate::talk::TalkDocument;

/// One ranked result.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchHit {
    /// Relevance (BM25 plus the fuzzy and prefix bonuses); only the order is meaningful.
    pub score: f32,
    pub talk: TalkDocument,
    /// The title with the matched words marked, when an exact or stemmed term matched it.
    pub title_highlight: Option<Highlight>,
    /// A fragment of the abstract around the matched words, when any matched.
    pub abstract_snippet: Option<Highlight>,
}

/// A piece of text and the byte ranges in it that matched the query, so a client can mark them
/// however it renders (HTML, terminal) without trusting pre-rendered markup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Highlight {
    pub text: String,
    pub ranges: Vec<Range<usize>>,
}
