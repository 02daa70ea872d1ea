//! The search index of one event: built from its released talks, packed into one blob for S3,
//! loaded back per Lambda container, changed talk by talk, and queried.

use std::path::PathBuf;

use tantivy::collector::TopDocs;
use tantivy::directory::{Directory, RamDirectory};
use tantivy::indexer::NoMergePolicy;
use tantivy::query::Query;
use tantivy::schema::{Schema, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument,
    TantivyError, Term, doc,
};

use crate::error::SearchError;
use crate::hit::{Highlight, SearchHit};
use crate::packing::{pack, unpack};
use crate::query::{Matching, build_query, check_input, query_words};
use crate::schema::{FORMAT_VERSION, TalkFields, register_analyzers, talk_schema};
use crate::talk::TalkDocument;

/// The most hits one search may ask for.
pub const MAX_LIMIT: usize = 100;
/// The writer's indexing budget; tantivy's minimum is 15 MB, and an event's talks fit many times.
const WRITER_MEMORY_BYTES: usize = 32_000_000;
/// Abstract fragments around the matched words, in characters.
const SNIPPET_CHARS: usize = 200;
/// Titles are short: highlight them whole.
const TITLE_HIGHLIGHT_CHARS: usize = 1_000;

/// tantivy's index-level files; their names are fixed by tantivy but not exported by it.
const META_FILE: &str = "meta.json";
const MANAGED_FILE: &str = ".managed.json";

/// One change to an event's index, as the schedule stream reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexChange {
    /// Adds the talk, or replaces the talk with the same id.
    Upsert(TalkDocument),
    /// Removes the talk with this id; removing an absent talk is not an error.
    Delete { id: String },
}

/// An event's talk index, held in memory.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    fields: TalkFields,
    /// The snapshot searches run on, and its talks decoded once, by segment and doc id: a hit is
    /// then a lookup, not a doc-store decompression and JSON parse per hit per query.
    snapshot: Snapshot,
}

struct Snapshot {
    searcher: Searcher,
    talks: Vec<Vec<TalkDocument>>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("SearchIndex")
            .field("talks", &self.len())
            .finish()
    }
}

impl SearchIndex {
    /// Builds the index of these talks and packs it into one blob. A talk id seen twice keeps
    /// the later talk.
    pub fn build(talks: impl IntoIterator<Item = TalkDocument>) -> Result<Vec<u8>, SearchError> {
        let mut index = Self::empty()?;
        index.apply(talks.into_iter().map(IndexChange::Upsert))?;
        index.to_bytes()
    }

    /// An index without talks, ready for [`SearchIndex::apply`].
    pub fn empty() -> Result<Self, SearchError> {
        let (schema, fields) = talk_schema();
        let index = Index::create(RamDirectory::create(), schema, Default::default())?;
        Self::open(index, fields)
    }

    /// Loads a blob written by [`SearchIndex::to_bytes`] or [`SearchIndex::build`]. A damaged or
    /// foreign blob is an error, never a panic; a blob of an older format asks for a rebuild.
    pub fn load(blob: &[u8]) -> Result<Self, SearchError> {
        let directory = unpack(blob, FORMAT_VERSION)?;
        let index = Index::open(directory).map_err(|error| corrupt(&error))?;
        let fields = fields_of(&index.schema()).map_err(|error| corrupt(&error))?;
        let damaged = index.validate_checksum().map_err(|error| corrupt(&error))?;
        if !damaged.is_empty() {
            let mut names: Vec<_> = damaged
                .iter()
                .map(|path| path.display().to_string())
                .collect();
            names.sort();
            return Err(SearchError::CorruptBlob(format!(
                "checksum mismatch in {}",
                names.join(", ")
            )));
        }
        Self::open(index, fields)
    }

    fn open(index: Index, fields: TalkFields) -> Result<Self, SearchError> {
        register_analyzers(&index);
        // Manual reloads: the index only changes through `apply`, which reloads itself.
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let snapshot = Self::snapshot(&reader, &fields)?;
        Ok(Self {
            index,
            reader,
            fields,
            snapshot,
        })
    }

    fn snapshot(reader: &IndexReader, fields: &TalkFields) -> Result<Snapshot, SearchError> {
        let searcher = reader.searcher();
        let mut talks = Vec::with_capacity(searcher.segment_readers().len());
        for (ordinal, segment) in searcher.segment_readers().iter().enumerate() {
            let ordinal = u32::try_from(ordinal)
                .map_err(|_| SearchError::CorruptBlob("too many segments".to_string()))?;
            // Deleted talks are decoded too: it keeps the position equal to the doc id, and a
            // deleted talk is never a hit.
            let segment_talks = (0..segment.max_doc())
                .map(|doc| {
                    let document: TantivyDocument = searcher.doc(DocAddress::new(ordinal, doc))?;
                    talk_of(fields, &document)
                })
                .collect::<Result<Vec<_>, SearchError>>()?;
            talks.push(segment_talks);
        }
        Ok(Snapshot { searcher, talks })
    }

    /// How many talks the index holds.
    pub fn len(&self) -> u64 {
        self.snapshot.searcher.num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Applies upserts and deletes in order, then compacts the index into one segment so the blob
    /// stays small and searches touch one segment. Nothing is applied if a talk is invalid.
    pub fn apply(
        &mut self,
        changes: impl IntoIterator<Item = IndexChange>,
    ) -> Result<(), SearchError> {
        let changes: Vec<IndexChange> = changes.into_iter().collect();
        for change in &changes {
            if let IndexChange::Upsert(talk) = change {
                validate(talk)?;
            }
        }
        // One indexing thread: deterministic single segment, and a Lambda has few cores anyway.
        let mut writer: IndexWriter<TantivyDocument> =
            self.index.writer_with_num_threads(1, WRITER_MEMORY_BYTES)?;
        // Merges happen below, explicitly; a background merge would race with them.
        writer.set_merge_policy(Box::new(NoMergePolicy));
        for change in changes {
            match change {
                IndexChange::Upsert(talk) => {
                    writer.delete_term(Term::from_field_text(self.fields.id, &talk.id));
                    writer.add_document(self.document(&talk)?)?;
                }
                IndexChange::Delete { id } => {
                    writer.delete_term(Term::from_field_text(self.fields.id, &id));
                }
            }
        }
        writer.commit()?;
        let segments = self.index.searchable_segment_ids()?;
        if segments.len() > 1 {
            writer.merge(&segments).wait()?;
        }
        writer.garbage_collect_files().wait()?;
        writer.wait_merging_threads()?;
        self.reader.reload()?;
        self.snapshot = Self::snapshot(&self.reader, &self.fields)?;
        Ok(())
    }

    /// Packs the index's live files into one blob (a tar archive), for S3.
    pub fn to_bytes(&self) -> Result<Vec<u8>, SearchError> {
        let directory = self.index.directory();
        let metas = self.index.load_metas()?;
        let mut files: Vec<PathBuf> = metas.list_segment_files().into_iter().collect();
        files.push(PathBuf::from(META_FILE));
        // Lists the files whose checksums `load` verifies.
        files.push(PathBuf::from(MANAGED_FILE));
        let mut existing = Vec::with_capacity(files.len());
        for path in files {
            if directory.exists(&path).map_err(TantivyError::from)? {
                existing.push(path);
            }
        }
        existing.sort();
        pack(directory, &existing, FORMAT_VERSION)
    }

    /// The talks best matching what the user typed, best first, at most `limit` (1 to
    /// [`MAX_LIMIT`]). Every word must match (allowing typos, and a prefix for the last word);
    /// when that finds nothing, talks matching any word are ranked instead. Input without words
    /// finds nothing.
    pub fn search(&self, input: &str, limit: usize) -> Result<Vec<SearchHit>, SearchError> {
        validate_search(input, limit)?;
        let words = query_words(input)?;
        if words.is_empty() {
            return Ok(Vec::new());
        }
        let searcher = &self.snapshot.searcher;
        let collector = TopDocs::with_limit(limit).order_by_score();
        let mut query = build_query(&self.fields, &words, Matching::AllWords);
        let mut top = searcher.search(&*query, &collector)?;
        if top.is_empty() && words.len() > 1 {
            query = build_query(&self.fields, &words, Matching::AnyWord);
            top = searcher.search(&*query, &collector)?;
        }
        if top.is_empty() {
            return Ok(Vec::new());
        }
        let highlighter = Highlighter::new(searcher, &*query, &self.fields)?;
        top.into_iter()
            .map(|(score, address)| {
                let talk = self
                    .snapshot
                    .talks
                    .get(address.segment_ord as usize)
                    .and_then(|segment| segment.get(address.doc_id as usize))
                    .cloned()
                    .ok_or_else(|| {
                        SearchError::CorruptBlob("a hit outside the index".to_string())
                    })?;
                Ok(SearchHit {
                    score,
                    title_highlight: highlighter.title(&talk.title),
                    abstract_snippet: highlighter.abstract_snippet(&talk.abstract_text),
                    talk,
                })
            })
            .collect()
    }

    fn document(&self, talk: &TalkDocument) -> Result<TantivyDocument, SearchError> {
        let fields = &self.fields;
        let json = serde_json::to_vec(talk).map_err(|error| SearchError::InvalidTalk {
            id: talk.id.clone(),
            reason: if error.is_io() {
                "io"
            } else {
                "not serializable"
            },
        })?;
        let mut document = doc!(
            fields.id => talk.id.as_str(),
            fields.document => json,
            fields.title => talk.title.as_str(),
            fields.title_prefix => talk.title.as_str(),
            fields.abstract_text => talk.abstract_text.as_str(),
            fields.abstract_prefix => talk.abstract_text.as_str(),
        );
        for speaker in &talk.speakers {
            document.add_text(fields.speakers, speaker);
        }
        if let Some(track) = &talk.track {
            document.add_text(fields.track, track);
        }
        Ok(document)
    }
}

/// Checks a search's input and limit exactly as [`SearchIndex::search`] does, without an index:
/// a request can be refused before any index is read.
pub fn validate_search(input: &str, limit: usize) -> Result<(), SearchError> {
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(SearchError::LimitOutOfRange {
            limit,
            max: MAX_LIMIT,
        });
    }
    check_input(input)
}

fn talk_of(fields: &TalkFields, document: &TantivyDocument) -> Result<TalkDocument, SearchError> {
    let json = document
        .get_first(fields.document)
        .and_then(|value| value.as_bytes())
        .ok_or_else(|| SearchError::CorruptBlob("a talk without its document".to_string()))?;
    serde_json::from_slice(json)
        .map_err(|error| SearchError::CorruptBlob(format!("a talk's document: {error}")))
}

fn validate(talk: &TalkDocument) -> Result<(), SearchError> {
    let invalid = |reason| {
        Err(SearchError::InvalidTalk {
            id: talk.id.clone(),
            reason,
        })
    };
    if talk.id.trim().is_empty() {
        return invalid("its id is empty");
    }
    if talk.title.trim().is_empty() {
        return invalid("its title is empty");
    }
    Ok(())
}

fn fields_of(schema: &Schema) -> Result<TalkFields, TantivyError> {
    Ok(TalkFields {
        id: schema.get_field("id")?,
        document: schema.get_field("document")?,
        title: schema.get_field("title")?,
        title_prefix: schema.get_field("title_prefix")?,
        abstract_text: schema.get_field("abstract")?,
        abstract_prefix: schema.get_field("abstract_prefix")?,
        speakers: schema.get_field("speakers")?,
        track: schema.get_field("track")?,
    })
}

fn corrupt(error: &TantivyError) -> SearchError {
    SearchError::CorruptBlob(error.to_string())
}

/// Marks the words of a query in a hit's title and abstract. Only exact and stemmed matches are
/// marked: tantivy does not report which indexed words a typo or a prefix matched.
struct Highlighter {
    title: SnippetGenerator,
    abstract_text: SnippetGenerator,
}

impl Highlighter {
    fn new(
        searcher: &Searcher,
        query: &dyn Query,
        fields: &TalkFields,
    ) -> Result<Self, SearchError> {
        let mut title = SnippetGenerator::create(searcher, query, fields.title)?;
        title.set_max_num_chars(TITLE_HIGHLIGHT_CHARS);
        let mut abstract_text = SnippetGenerator::create(searcher, query, fields.abstract_text)?;
        abstract_text.set_max_num_chars(SNIPPET_CHARS);
        Ok(Self {
            title,
            abstract_text,
        })
    }

    /// The whole title, with ranges relative to it.
    fn title(&self, title: &str) -> Option<Highlight> {
        let snippet = self.title.snippet(title);
        if snippet.highlighted().is_empty() {
            return None;
        }
        let offset = snippet.fragment_range().start;
        Some(Highlight {
            text: title.to_string(),
            ranges: snippet
                .highlighted()
                .iter()
                .map(|range| range.start + offset..range.end + offset)
                .collect(),
        })
    }

    /// A fragment of the abstract, with ranges relative to the fragment.
    fn abstract_snippet(&self, text: &str) -> Option<Highlight> {
        let snippet = self.abstract_text.snippet(text);
        if snippet.highlighted().is_empty() {
            return None;
        }
        Some(Highlight {
            text: snippet.fragment().to_string(),
            ranges: snippet.highlighted().to_vec(),
        })
    }
}
