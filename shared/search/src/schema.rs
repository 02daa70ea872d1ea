//! The index's fields and the text analysis behind them. Index and query side share these
//! analyzers, so a word typed in a query is reduced exactly as the same word in a talk was.

use tantivy::Index;
use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    StopWordFilter, TextAnalyzer,
};

/// Words reduced to their English stem: "testing" and "tests" both become "test".
pub(crate) const STEMMED: &str = "cfp_en_stem";
/// Words lower-cased and folded to ASCII ("Müller" -> "muller"), not stemmed: names, tracks, and
/// the prefix of the word being typed.
pub(crate) const FOLDED: &str = "cfp_folded";

/// Longer tokens are junk (base64, URLs): dropping them keeps the term dictionary small.
const MAX_TOKEN_BYTES: usize = 40;

/// Bumped whenever fields or analyzers change: a blob of another format must be rebuilt.
pub(crate) const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy)]
pub(crate) struct TalkFields {
    /// The talk id, untokenized: the key for upserts and deletes.
    pub id: Field,
    /// The whole talk as JSON, so a hit is answered from the index without touching the table.
    pub document: Field,
    pub title: Field,
    pub title_prefix: Field,
    pub abstract_text: Field,
    pub abstract_prefix: Field,
    pub speakers: Field,
    pub track: Field,
}

pub(crate) fn talk_schema() -> (Schema, TalkFields) {
    let mut builder = Schema::builder();
    let text = |tokenizer: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
    };
    // Prefix fields only need to know which talks contain a word, not how often.
    let prefix = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(FOLDED)
            .set_index_option(IndexRecordOption::Basic),
    );
    let fields = TalkFields {
        id: builder.add_text_field("id", STRING),
        document: builder.add_bytes_field("document", STORED),
        title: builder.add_text_field("title", text(STEMMED)),
        title_prefix: builder.add_text_field("title_prefix", prefix.clone()),
        abstract_text: builder.add_text_field("abstract", text(STEMMED)),
        abstract_prefix: builder.add_text_field("abstract_prefix", prefix),
        speakers: builder.add_text_field("speakers", text(FOLDED)),
        track: builder.add_text_field("track", text(FOLDED)),
    };
    (builder.build(), fields)
}

pub(crate) fn stemmed_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(Language::English))
        .build()
}

pub(crate) fn folded_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// The folded analyzer without English stop words: query words like "in" or "the" would otherwise
/// have to match somewhere and would drown the words that matter.
pub(crate) fn query_analyzer() -> TextAnalyzer {
    let builder = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .dynamic();
    match StopWordFilter::new(Language::English) {
        Some(stop_words) => builder.filter_dynamic(stop_words).build(),
        None => builder.build(),
    }
}

/// Registers the analyzers the schema names; every opened or created index needs this.
pub(crate) fn register_analyzers(index: &Index) {
    index.tokenizers().register(STEMMED, stemmed_analyzer());
    index.tokenizers().register(FOLDED, folded_analyzer());
}
