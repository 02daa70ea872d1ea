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

/// A piece of a highlighted text: either matched words or the text between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct HighlightSegment<'a> {
    pub text: &'a str,
    pub matched: bool,
}

impl Highlight {
    /// The text cut into matched and unmatched pieces, in order, together the whole text: what a
    /// client renders without counting bytes. Ranges that overlap, are out of order, run past
    /// the end or split a character are tolerated: the first is merged, the others ignored.
    pub fn segments(&self) -> Vec<HighlightSegment<'_>> {
        let mut ranges: Vec<&Range<usize>> = self.ranges.iter().collect();
        ranges.sort_by_key(|range| (range.start, range.end));
        let mut segments = Vec::with_capacity(ranges.len() * 2 + 1);
        let mut cursor = 0;
        for range in ranges {
            let start = range.start.max(cursor);
            if start >= range.end {
                continue;
            }
            let (Some(before), Some(matched)) = (
                self.text.get(cursor..start),
                self.text.get(start..range.end),
            ) else {
                continue;
            };
            if !before.is_empty() {
                segments.push(HighlightSegment {
                    text: before,
                    matched: false,
                });
            }
            segments.push(HighlightSegment {
                text: matched,
                matched: true,
            });
            cursor = range.end;
        }
        if let Some(rest) = self.text.get(cursor..).filter(|rest| !rest.is_empty()) {
            segments.push(HighlightSegment {
                text: rest,
                matched: false,
            });
        }
        segments
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn highlight(text: &str, ranges: &[Range<usize>]) -> Highlight {
        Highlight {
            text: text.to_owned(),
            ranges: ranges.to_vec(),
        }
    }

    fn pieces(highlight: &Highlight) -> Vec<(&str, bool)> {
        highlight
            .segments()
            .into_iter()
            .map(|segment| (segment.text, segment.matched))
            .collect()
    }

    #[test]
    fn segments_alternate_and_cover_the_whole_text() {
        let title = highlight("Rust on the Edge", &[0..4, 12..16]);
        assert_eq!(
            pieces(&title),
            [("Rust", true), (" on the ", false), ("Edge", true)]
        );
        assert_eq!(pieces(&highlight("Rust", &[])), [("Rust", false)]);
        assert!(pieces(&highlight("", &[])).is_empty());
    }

    #[test]
    #[expect(
        clippy::reversed_empty_ranges,
        reason = "a reversed range is one of the odd inputs"
    )]
    fn odd_ranges_never_panic_or_lose_text() {
        // Out of order, overlapping, past the end, inside a multi-byte character, empty.
        let text = "Müller über Zürich";
        let odd = highlight(text, &[12..18, 0..3, 1..7, 17..40, 2..2, 9..8]);
        let joined: String = odd.segments().iter().map(|s| s.text).collect();
        assert_eq!(joined, text);
        assert_eq!(pieces(&odd)[0], ("Mü", true));
    }
}
