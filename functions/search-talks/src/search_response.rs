//! The answer of a search, as clients read it: ranked hits with what a result list shows, and
//! the matched words as pieces of text (no markup to trust, no byte offsets to count).

use cfp_search::{Highlight, HighlightSegment, SearchHit};
use serde::Serialize;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchResponse<'a> {
    pub query: &'a str,
    pub hits: Vec<HitView<'a>>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HitView<'a> {
    pub talk_id: &'a str,
    pub slug: &'a str,
    pub title: &'a str,
    pub speakers: &'a [String],
    pub track: Option<&'a str>,
    pub room: &'a str,
    /// RFC 3339 in the event's time zone, as the schedule shows it.
    pub start: String,
    /// Relevance; only the order means something.
    pub score: f32,
    pub highlights: Highlights<'a>,
}

/// Present when words of the query matched there (exact or stemmed; typo and prefix matches
/// rank a talk but are not marked).
#[derive(Debug, Serialize)]
pub struct Highlights<'a> {
    pub title: Option<Vec<HighlightSegment<'a>>>,
    /// A fragment of the abstract around the matched words.
    #[serde(rename = "abstract")]
    pub abstract_fragment: Option<Vec<HighlightSegment<'a>>>,
}

impl<'a> SearchResponse<'a> {
    pub fn of(query: &'a str, hits: &'a [SearchHit]) -> Self {
        let segments =
            |highlight: &'a Option<Highlight>| highlight.as_ref().map(Highlight::segments);
        SearchResponse {
            query,
            hits: hits
                .iter()
                .map(|hit| HitView {
                    talk_id: &hit.talk.id,
                    slug: &hit.talk.slug,
                    title: &hit.talk.title,
                    speakers: &hit.talk.speakers,
                    track: hit.talk.track.as_deref(),
                    room: &hit.talk.room,
                    start: hit
                        .talk
                        .start
                        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
                    score: hit.score,
                    highlights: Highlights {
                        title: segments(&hit.title_highlight),
                        abstract_fragment: segments(&hit.abstract_snippet),
                    },
                })
                .collect(),
        }
    }
}
