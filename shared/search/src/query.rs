//! Turns whatever a user typed into a tantivy query, built from tokens: no query-parser syntax is
//! ever interpreted, so no input can produce a syntax error or reach an unexpected field.

use tantivy::Term;
use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;

use crate::error::SearchError;
use crate::schema::{TalkFields, folded_analyzer, query_analyzer, stemmed_analyzer};

/// Longer input is not a search query; refusing it bounds the work one request can cause.
pub const MAX_QUERY_CHARS: usize = 256;
/// Words past this many are ignored: each adds fuzzy automata to the query.
pub const MAX_QUERY_TERMS: usize = 12;

/// Title over abstract over speakers and track, as attendees expect.
const TITLE_BOOST: f32 = 3.0;
const ABSTRACT_BOOST: f32 = 1.5;
const SPEAKERS_BOOST: f32 = 1.0;
const TRACK_BOOST: f32 = 1.0;
/// Fuzzy and prefix matches score a constant, scaled to sit below a typical exact BM25 match.
const FUZZY_WEIGHT: f32 = 0.3;
const PREFIX_WEIGHT: f32 = 0.5;
/// Shorter prefixes match too much to tell the user anything.
const MIN_PREFIX_CHARS: usize = 2;

/// One word of the query, in the two forms the index holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QueryWord {
    /// Lower-cased and ASCII-folded: matched against names, tracks and prefixes.
    pub folded: String,
    /// Its English stem: matched against titles and abstracts.
    pub stem: String,
}

/// Whether a talk must match every word, or any (the fallback when every-word finds nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Matching {
    AllWords,
    AnyWord,
}

/// Splits the user's input into words. Empty or punctuation-only input gives no words.
pub(crate) fn query_words(input: &str) -> Result<Vec<QueryWord>, SearchError> {
    check_input(input)?;
    let mut folded = tokens(&mut query_analyzer(), input);
    if folded.is_empty() {
        // A query of stop words only ("the who") still means something: search for them.
        folded = tokens(&mut folded_analyzer(), input);
    }
    let mut seen = std::collections::HashSet::new();
    folded.retain(|word| seen.insert(word.clone()));
    folded.truncate(MAX_QUERY_TERMS);
    let mut stemmer = stemmed_analyzer();
    Ok(folded
        .into_iter()
        .map(|word| {
            let stem = tokens(&mut stemmer, &word)
                .into_iter()
                .next()
                .unwrap_or_else(|| word.clone());
            QueryWord { folded: word, stem }
        })
        .collect())
}

/// What any query must be: one line of text of bounded length. A control character (a newline,
/// a NUL, an escape) is never part of what someone typed into a search box.
pub(crate) fn check_input(input: &str) -> Result<(), SearchError> {
    let chars = input.chars().count();
    if chars > MAX_QUERY_CHARS {
        return Err(SearchError::QueryTooLong {
            chars,
            max: MAX_QUERY_CHARS,
        });
    }
    if let Some(position) = input.chars().position(char::is_control) {
        return Err(SearchError::ControlCharacter { position });
    }
    Ok(())
}

fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    analyzer
        .token_stream(text)
        .process(&mut |token| out.push(token.text.clone()));
    out
}

/// Edit distance a word may be off by: none for short words (too many false friends), one from
/// four characters, two from eight.
pub(crate) fn typo_distance(word: &str) -> u8 {
    match word.chars().count() {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

pub(crate) fn build_query(
    fields: &TalkFields,
    words: &[QueryWord],
    matching: Matching,
) -> Box<dyn Query> {
    let occur = match matching {
        Matching::AllWords => Occur::Must,
        Matching::AnyWord => Occur::Should,
    };
    let last = words.len().saturating_sub(1);
    let clauses = words
        .iter()
        .enumerate()
        .map(|(position, word)| (occur, word_query(fields, word, position == last)))
        .collect();
    Box::new(BooleanQuery::new(clauses))
}

/// Everything one word may match: its stem in title and abstract, its folded form in speakers and
/// track, each also with typos; the word being typed (the last) also as a prefix.
fn word_query(fields: &TalkFields, word: &QueryWord, is_last: bool) -> Box<dyn Query> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let mut add = |field: Field, text: &str, boost: f32| {
        let term = Term::from_field_text(field, text);
        clauses.push((
            Occur::Should,
            boosted(
                TermQuery::new(term.clone(), IndexRecordOption::WithFreqs),
                boost,
            ),
        ));
        let distance = typo_distance(text);
        if distance > 0 {
            clauses.push((
                Occur::Should,
                boosted(
                    FuzzyTermQuery::new(term, distance, true),
                    boost * FUZZY_WEIGHT,
                ),
            ));
        }
    };
    add(fields.title, &word.stem, TITLE_BOOST);
    add(fields.abstract_text, &word.stem, ABSTRACT_BOOST);
    add(fields.speakers, &word.folded, SPEAKERS_BOOST);
    add(fields.track, &word.folded, TRACK_BOOST);

    if is_last && word.folded.chars().count() >= MIN_PREFIX_CHARS {
        for (field, boost) in [
            (fields.title_prefix, TITLE_BOOST),
            (fields.abstract_prefix, ABSTRACT_BOOST),
            (fields.speakers, SPEAKERS_BOOST),
            (fields.track, TRACK_BOOST),
        ] {
            let term = Term::from_field_text(field, &word.folded);
            clauses.push((
                Occur::Should,
                boosted(
                    FuzzyTermQuery::new_prefix(term, 0, false),
                    boost * PREFIX_WEIGHT,
                ),
            ));
        }
    }
    Box::new(BooleanQuery::new(clauses))
}

fn boosted(query: impl Query, boost: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(Box::new(query), boost))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_folded_stemmed_and_stop_words_dropped() {
        let words = query_words("Testing in Zürich!").unwrap();
        let folded: Vec<_> = words.iter().map(|w| w.folded.as_str()).collect();
        let stems: Vec<_> = words.iter().map(|w| w.stem.as_str()).collect();
        assert_eq!(folded, ["testing", "zurich"]);
        assert_eq!(stems, ["test", "zurich"]);
    }

    #[test]
    fn a_query_of_stop_words_only_keeps_them() {
        let words = query_words("To be or not to be").unwrap();
        let folded: Vec<_> = words.iter().map(|w| w.folded.as_str()).collect();
        assert_eq!(folded, ["to", "be", "or", "not"]);
    }

    #[test]
    fn empty_and_punctuation_give_no_words() {
        assert!(query_words("").unwrap().is_empty());
        assert!(query_words("     ").unwrap().is_empty());
        assert!(query_words("\"(*)\" : -+~^ ").unwrap().is_empty());
    }

    #[test]
    fn too_long_a_query_is_a_typed_error() {
        let long = "a".repeat(MAX_QUERY_CHARS + 1);
        assert!(matches!(
            query_words(&long),
            Err(SearchError::QueryTooLong { .. })
        ));
        assert!(query_words(&"a".repeat(MAX_QUERY_CHARS)).is_ok());
    }

    #[test]
    fn control_characters_are_a_typed_error() {
        for input in ["rust\nlambda", "\t", "nul\0", "esc\u{1b}[31m", "c1\u{85}"] {
            assert!(
                matches!(
                    query_words(input),
                    Err(SearchError::ControlCharacter { .. })
                ),
                "{input:?}"
            );
        }
        assert!(matches!(
            query_words("ab\u{7f}"),
            Err(SearchError::ControlCharacter { position: 2 })
        ));
        // Letters of any script, symbols and emoji are text, not control characters.
        assert!(query_words("Zürich 中文 🦀 €").is_ok());
    }

    #[test]
    fn word_count_is_capped() {
        let many: Vec<String> = (0..40).map(|n| format!("w{n}")).collect();
        assert_eq!(query_words(&many.join(" ")).unwrap().len(), MAX_QUERY_TERMS);
    }

    #[test]
    fn typo_distance_grows_with_length() {
        assert_eq!(typo_distance("rust"), 1);
        assert_eq!(typo_distance("k8s"), 0);
        assert_eq!(typo_distance("kubernetes"), 2);
        assert_eq!(typo_distance("münchen"), 1);
    }
}
