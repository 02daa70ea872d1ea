//! Behaviour of the search index through its public API: ranking, stemming, typos, prefixes,
//! speakers, no results, hostile input, and the blob round trip.

use cfp_search::{IndexChange, SearchError, SearchHit, SearchIndex, TalkDocument};
use chrono::DateTime;
use proptest::prelude::*;

fn talk(id: &str, title: &str, abstract_text: &str, speakers: &[&str]) -> TalkDocument {
    TalkDocument {
        id: id.to_string(),
        slug: id.to_lowercase().replace(' ', "-"),
        title: title.to_string(),
        abstract_text: abstract_text.to_string(),
        speakers: speakers.iter().map(|name| name.to_string()).collect(),
        track: Some("Cloud".to_string()),
        language: Some("en".to_string()),
        room: "Hall A".to_string(),
        start: DateTime::parse_from_rfc3339("2026-09-10T09:30:00+02:00").unwrap(),
    }
}

fn talks() -> Vec<TalkDocument> {
    vec![
        talk(
            "k8s",
            "Kubernetes Operators in Practice",
            "How we run stateful services with custom controllers.",
            &["Ada Lovelace"],
        ),
        talk(
            "tests",
            "Property Tests for Serverless Backends",
            "Generators, shrinking and why example tests miss bugs.",
            &["Grace Hopper"],
        ),
        talk(
            "observability",
            "Tracing Lambda Functions",
            "Structured logs, metrics and traces; we also touch on Kubernetes briefly.",
            &["Linus Müller"],
        ),
        {
            let mut rust = talk(
                "rust",
                "Rust on the Edge",
                "Small binaries, fast cold starts, no garbage collector.",
                &["Ferris Crab", "Grace Hopper"],
            );
            rust.track = Some("Languages".to_string());
            rust
        },
    ]
}

fn index() -> SearchIndex {
    let blob = SearchIndex::build(talks()).unwrap();
    SearchIndex::load(&blob).unwrap()
}

fn ids(hits: &[SearchHit]) -> Vec<&str> {
    hits.iter().map(|hit| hit.talk.id.as_str()).collect()
}

#[test]
fn a_title_match_ranks_above_an_abstract_match() {
    let hits = index().search("kubernetes", 10).unwrap();
    assert_eq!(ids(&hits), ["k8s", "observability"]);
    assert!(hits[0].score > hits[1].score);
}

#[test]
fn stemming_finds_other_forms_of_a_word() {
    let index = index();
    assert_eq!(ids(&index.search("testing", 10).unwrap()), ["tests"]);
    assert_eq!(ids(&index.search("operator", 10).unwrap()), ["k8s"]);
    assert_eq!(
        ids(&index.search("tracing functions", 10).unwrap()),
        ["observability"]
    );
}

#[test]
fn typos_are_tolerated() {
    let index = index();
    assert_eq!(ids(&index.search("kubernets", 10).unwrap())[0], "k8s");
    assert_eq!(ids(&index.search("kuberntes", 10).unwrap())[0], "k8s");
    assert_eq!(
        ids(&index.search("serverles backnds", 10).unwrap()),
        ["tests"]
    );
    // Words of four letters or more may be one letter off; shorter ones must be exact.
    assert_eq!(ids(&index.search("rist", 10).unwrap()), ["rust"]);
    assert!(index.search("bag", 10).unwrap().is_empty());
    assert_eq!(ids(&index.search("bug", 10).unwrap()), ["tests"]);
}

#[test]
fn the_last_word_matches_as_a_prefix() {
    let index = index();
    assert_eq!(ids(&index.search("kube", 10).unwrap())[0], "k8s");
    assert_eq!(ids(&index.search("property te", 10).unwrap()), ["tests"]);
    assert_eq!(ids(&index.search("prop", 10).unwrap()), ["tests"]);
    // Only the last word is a prefix: "prop" before another word does not find "Property Tests".
    let hits = index.search("prop kubernetes", 10).unwrap();
    assert!(!ids(&hits).contains(&"tests"), "{:?}", ids(&hits));
}

#[test]
fn speakers_and_tracks_are_searchable_with_folded_accents() {
    let index = index();
    let mut hopper = ids(&index.search("grace hopper", 10).unwrap())
        .into_iter()
        .map(str::to_string)
        .collect::<Vec<_>>();
    hopper.sort();
    assert_eq!(hopper, ["rust", "tests"]);
    assert_eq!(ids(&index.search("muller", 10).unwrap()), ["observability"]);
    assert_eq!(ids(&index.search("Müller", 10).unwrap()), ["observability"]);
    assert_eq!(ids(&index.search("languages", 10).unwrap()), ["rust"]);
}

#[test]
fn nothing_matching_finds_nothing() {
    let index = index();
    assert!(index.search("blockchain", 10).unwrap().is_empty());
    assert!(index.search("", 10).unwrap().is_empty());
    assert!(index.search("    ", 10).unwrap().is_empty());
    assert!(index.search("?!*:()", 10).unwrap().is_empty());
}

#[test]
fn when_not_every_word_matches_the_best_partial_matches_are_ranked() {
    let hits = index().search("kubernetes blockchain", 10).unwrap();
    assert_eq!(ids(&hits)[0], "k8s");
}

#[test]
fn query_syntax_is_not_interpreted() {
    let index = index();
    // Words of a query language are plain words here; field syntax cannot reach the id field.
    assert!(
        index
            .search("id:rust", 10)
            .unwrap()
            .iter()
            .all(|hit| hit.talk.id == "rust")
    );
    assert!(index.search("title:\"unclosed", 10).unwrap().is_empty());
    assert_eq!(ids(&index.search("rust AND OR NOT", 10).unwrap()), ["rust"]);
}

#[test]
fn bad_limits_and_long_queries_are_typed_errors() {
    let index = index();
    assert!(matches!(
        index.search("rust", 0),
        Err(SearchError::LimitOutOfRange { .. })
    ));
    assert!(matches!(
        index.search("rust", 101),
        Err(SearchError::LimitOutOfRange { .. })
    ));
    assert!(matches!(
        index.search(&"rust ".repeat(1_000), 10),
        Err(SearchError::QueryTooLong { .. })
    ));
    // A query is one line of text: a tab, newline or NUL is not something typed into a search box.
    for input in ["rust\tlambda", "rust\n", "\0"] {
        assert!(
            matches!(
                index.search(input, 10),
                Err(SearchError::ControlCharacter { .. })
            ),
            "{input:?}"
        );
    }
    assert_eq!(index.search("rust", 1).unwrap().len(), 1);
}

#[test]
fn hits_carry_the_whole_talk_and_highlights() {
    let hits = index().search("tests", 10).unwrap();
    let hit = &hits[0];
    assert_eq!(hit.talk, talks()[1]);
    let title = hit.title_highlight.as_ref().unwrap();
    let marked: Vec<&str> = title
        .ranges
        .iter()
        .map(|r| &title.text[r.clone()])
        .collect();
    assert_eq!(marked, ["Tests"]);
    let snippet = hit.abstract_snippet.as_ref().unwrap();
    let marked: Vec<&str> = snippet
        .ranges
        .iter()
        .map(|r| &snippet.text[r.clone()])
        .collect();
    assert_eq!(marked, ["tests"]);
}

#[test]
fn a_round_trip_through_bytes_gives_the_same_results() {
    let blob = SearchIndex::build(talks()).unwrap();
    let loaded = SearchIndex::load(&blob).unwrap();
    let again = SearchIndex::load(&loaded.to_bytes().unwrap()).unwrap();
    assert_eq!(loaded.len(), 4);
    for query in [
        "kubernetes",
        "testing",
        "grace",
        "rust edge",
        "kube",
        "tracing functions",
    ] {
        assert_eq!(
            loaded.search(query, 10).unwrap(),
            again.search(query, 10).unwrap(),
            "{query}"
        );
    }
}

#[test]
fn upserts_replace_and_deletes_remove_by_id() {
    let mut index = index();
    let mut renamed = talks()[3].clone();
    renamed.title = "Zig on the Edge".to_string();
    index
        .apply([
            IndexChange::Upsert(renamed),
            IndexChange::Delete {
                id: "k8s".to_string(),
            },
            IndexChange::Delete {
                id: "never-there".to_string(),
            },
            IndexChange::Upsert(talk("new", "Cost of Idle", "Nothing.", &["Someone"])),
        ])
        .unwrap();
    assert_eq!(index.len(), 4);
    assert_eq!(ids(&index.search("zig", 10).unwrap()), ["rust"]);
    assert_eq!(
        ids(&index.search("kubernetes", 10).unwrap()),
        ["observability"]
    );
    assert_eq!(ids(&index.search("idle", 10).unwrap()), ["new"]);
    // And the changes survive packing.
    let reloaded = SearchIndex::load(&index.to_bytes().unwrap()).unwrap();
    assert_eq!(reloaded.len(), 4);
    assert_eq!(ids(&reloaded.search("zig", 10).unwrap()), ["rust"]);
}

#[test]
fn an_invalid_talk_changes_nothing() {
    let mut index = index();
    let result = index.apply([
        IndexChange::Delete {
            id: "k8s".to_string(),
        },
        IndexChange::Upsert(talk(" ", "No id", "", &[])),
    ]);
    assert!(matches!(result, Err(SearchError::InvalidTalk { .. })));
    assert_eq!(index.len(), 4);
}

#[test]
fn the_same_id_twice_keeps_the_later_talk() {
    let mut first = talks()[0].clone();
    first.title = "Old title".to_string();
    let index =
        SearchIndex::load(&SearchIndex::build([first, talks()[0].clone()]).unwrap()).unwrap();
    assert_eq!(index.len(), 1);
    assert!(index.search("old", 10).unwrap().is_empty());
}

#[test]
fn an_empty_index_round_trips_and_finds_nothing() {
    let index = SearchIndex::load(&SearchIndex::build([]).unwrap()).unwrap();
    assert!(index.is_empty());
    assert!(index.search("anything", 10).unwrap().is_empty());
}

#[test]
fn damaged_or_foreign_blobs_are_typed_errors() {
    let blob = SearchIndex::build(talks()).unwrap();
    assert!(matches!(
        SearchIndex::load(&[]),
        Err(SearchError::CorruptBlob(_))
    ));
    assert!(matches!(
        SearchIndex::load(b"not an index at all"),
        Err(SearchError::CorruptBlob(_))
    ));
    assert!(matches!(
        SearchIndex::load(&blob[..blob.len() / 2]),
        Err(SearchError::CorruptBlob(_))
    ));
    // Flip bytes all over the blob: the damage must be caught (tar structure, manifest or
    // tantivy's CRC footers), never panic; a flip in tar padding may go unnoticed.
    let mut caught = 0;
    for position in (0..blob.len()).step_by(499) {
        let mut damaged = blob.clone();
        damaged[position] ^= 0x5a;
        match SearchIndex::load(&damaged) {
            Err(SearchError::CorruptBlob(_) | SearchError::IncompatibleFormat { .. }) => {
                caught += 1
            }
            Err(other) => panic!("unexpected error {other:?}"),
            Ok(index) => {
                let _ = index.search("kubernetes", 10);
            }
        }
    }
    assert!(caught > 0);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn no_input_makes_search_panic(input in any::<String>(), limit in 0usize..200) {
        let _ = shared_index().search(&input, limit);
    }

    #[test]
    fn no_text_input_makes_search_panic(input in "[ -~äöüßéłЖ中文🦀\\t\\n]{0,300}") {
        let _ = shared_index().search(&input, 10);
    }

    #[test]
    fn no_bytes_make_load_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4_096)) {
        let _ = SearchIndex::load(&bytes);
    }
}

fn shared_index() -> &'static SearchIndex {
    static INDEX: std::sync::OnceLock<SearchIndex> = std::sync::OnceLock::new();
    INDEX.get_or_init(index)
}
