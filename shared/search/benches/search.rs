//! Search over 10,000 generated talks (seeded, the same every run): criterion on typical
//! queries (the hot path) and on building and loading the index; then each query's own p50/p99
//! over 2,000 timed runs, since issue 6's target is a p99 and criterion reports means.
//!
//! Ids (stable: the release benchmarks report reads `target/criterion/<id>/new/estimates.json`):
//! `search/query_{word,prefix,typo,multi_word,speaker,multi_typo}/10000_talks`,
//! `search_index/{build,load,upsert_one_and_pack}/10000_talks`. The percentiles go to
//! `target/criterion/search/<query>/10000_talks/percentiles.json` (`{"p50_ns":..,"p99_ns":..}`).
//! Run with `cargo bench -p cfp-search --bench search`.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use cfp_search::{IndexChange, SearchIndex, TalkDocument};
use chrono::{DateTime, Duration as Minutes};
use criterion::{BenchmarkId, Criterion};

const WORDS: &[&str] = &[
    "kubernetes",
    "serverless",
    "lambda",
    "rust",
    "testing",
    "observability",
    "tracing",
    "metrics",
    "distributed",
    "systems",
    "database",
    "postgres",
    "dynamodb",
    "streaming",
    "kafka",
    "events",
    "security",
    "authentication",
    "tokens",
    "compilers",
    "webassembly",
    "frontend",
    "accessibility",
    "design",
    "performance",
    "latency",
    "caching",
    "scaling",
    "resilience",
    "chaos",
    "engineering",
    "machine",
    "learning",
    "inference",
    "privacy",
    "cryptography",
    "networking",
    "protocols",
    "quic",
    "http",
    "graphql",
    "api",
    "migration",
    "legacy",
    "monolith",
    "microservices",
    "teams",
    "culture",
    "onboarding",
    "documentation",
    "open",
    "source",
    "community",
    "maintainers",
    "functional",
    "programming",
    "types",
    "concurrency",
    "async",
    "memory",
    "safety",
    "embedded",
    "robotics",
    "energy",
    "cost",
    "cloud",
    "infrastructure",
    "terraform",
    "deployment",
    "pipelines",
    "continuous",
    "delivery",
    "incidents",
    "postmortems",
    "search",
    "ranking",
    "indexes",
    "storage",
];
const FIRST: &[&str] = &[
    "Ada", "Grace", "Linus", "Barbara", "Ken", "Margaret", "Dennis", "Frances", "Alan", "Radia",
    "Edsger", "Hedy", "Tim", "Sophie", "Jürgen", "Zoë",
];
const LAST: &[&str] = &[
    "Lovelace",
    "Hopper",
    "Torvalds",
    "Liskov",
    "Thompson",
    "Hamilton",
    "Ritchie",
    "Allen",
    "Turing",
    "Perlman",
    "Dijkstra",
    "Lamarr",
    "Berners-Lee",
    "Wilson",
    "Schmidhuber",
    "Müller",
];
const TRACKS: &[&str] = &["Cloud", "Languages", "Data", "Security", "People", "Web"];

/// A deterministic pseudo-random sequence, so every run benchmarks the same talks.
struct Sequence(u64);

impl Sequence {
    fn next(&mut self, below: usize) -> usize {
        // SplitMix64: good enough spread for picking words.
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) % below as u64) as usize
    }

    fn words(&mut self, count: usize) -> String {
        (0..count)
            .map(|_| WORDS[self.next(WORDS.len())])
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn talks(count: usize) -> Vec<TalkDocument> {
    let mut sequence = Sequence(42);
    let start = DateTime::parse_from_rfc3339("2026-09-10T09:00:00+02:00").expect("fixed date");
    (0..count)
        .map(|n| {
            let title_words = 3 + sequence.next(5);
            let abstract_words = 40 + sequence.next(60);
            let speakers = (0..1 + sequence.next(2))
                .map(|_| {
                    format!(
                        "{} {}",
                        FIRST[sequence.next(FIRST.len())],
                        LAST[sequence.next(LAST.len())]
                    )
                })
                .collect();
            TalkDocument {
                id: format!("talk-{n:05}"),
                slug: format!("talk-{n:05}"),
                title: sequence.words(title_words),
                abstract_text: format!("{}.", sequence.words(abstract_words)),
                speakers,
                track: Some(TRACKS[sequence.next(TRACKS.len())].to_string()),
                language: Some("en".to_string()),
                room: format!("Room {}", sequence.next(12)),
                start: start + Minutes::minutes(30 * (n as i64 % 200)),
            }
        })
        .collect()
}

/// (criterion id, query): a word, a prefix, a typo, several words, a speaker, several typos.
const QUERIES: &[(&str, &str)] = &[
    ("query_word", "kubernetes"),
    ("query_prefix", "obser"),
    ("query_typo", "kubernets"),
    ("query_multi_word", "distributed systems scaling"),
    ("query_speaker", "grace hopper"),
    ("query_multi_typo", "perfomance latncy"),
];
/// The search function's default limit.
const LIMIT: usize = 20;
const TALKS: usize = 10_000;

fn timed<T>(work: impl FnOnce() -> T) -> (T, Duration) {
    let started = Instant::now();
    let out = work();
    (out, started.elapsed())
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    let position = ((sorted.len() - 1) as f64 * fraction).round() as usize;
    sorted[position]
}

/// Where criterion writes (`CRITERION_HOME`, else the target directory's `criterion`).
fn criterion_home() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("criterion")
}

/// p50 and p99 of `query` over 2,000 runs, printed and written next to criterion's estimates.
fn report_latency(index: &SearchIndex, id: &str, query: &str, talks: usize) {
    let mut samples: Vec<Duration> = (0..2_000)
        .map(|_| timed(|| black_box(index.search(query, LIMIT).expect("search"))).1)
        .collect();
    samples.sort();
    let (p50, p99) = (percentile(&samples, 0.50), percentile(&samples, 0.99));
    let hits = index.search(query, LIMIT).expect("search").len();
    println!(
        "  {id:<18} {query:<30} p50 {:>7.1} µs  p99 {:>7.1} µs  ({hits} hits, limit {LIMIT})",
        p50.as_secs_f64() * 1e6,
        p99.as_secs_f64() * 1e6,
    );
    let dir = criterion_home()
        .join("search")
        .join(id)
        .join(format!("{talks}_talks"));
    let figures = serde_json::json!({
        "query": query,
        "limit": LIMIT,
        "samples": samples.len(),
        "p50_ns": p50.as_nanos() as u64,
        "p99_ns": p99.as_nanos() as u64,
    });
    let written = std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(dir.join("percentiles.json"), figures.to_string()));
    if let Err(error) = written {
        eprintln!("could not write {}: {error}", dir.display());
    }
}

fn main() {
    let corpus = talks(TALKS);
    let (blob, took) = timed(|| SearchIndex::build(corpus.clone()).expect("build"));
    println!(
        "== cfp-search: {TALKS} talks, built in {:.1} ms, blob {} bytes ({:.2} KiB per talk) ==",
        took.as_secs_f64() * 1e3,
        blob.len(),
        blob.len() as f64 / 1024.0 / TALKS as f64
    );
    let index = SearchIndex::load(&blob).expect("load");
    let size = format!("{TALKS}_talks");

    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50)
        .configure_from_args();
    let mut group = criterion.benchmark_group("search");
    for (id, query) in QUERIES {
        group.bench_function(BenchmarkId::new(*id, &size), |bench| {
            bench.iter(|| index.search(black_box(query), LIMIT).expect("search"))
        });
    }
    group.finish();

    let mut group = criterion.benchmark_group("search_index");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(100))
        .measurement_time(Duration::from_secs(5));
    group.bench_function(BenchmarkId::new("build", &size), |bench| {
        bench.iter(|| SearchIndex::build(corpus.clone()).expect("build"))
    });
    // What a cold container does before its first search.
    group.bench_function(BenchmarkId::new("load", &size), |bench| {
        bench.iter(|| SearchIndex::load(black_box(&blob)).expect("load"))
    });
    // What updateSearchIndex does for one changed talk: upsert it and pack the index again.
    let mut updated = SearchIndex::load(&blob).expect("load");
    let mut changed = corpus[0].clone();
    changed.title = "A changed title about webassembly".to_string();
    group.bench_function(BenchmarkId::new("upsert_one_and_pack", &size), |bench| {
        bench.iter(|| {
            updated
                .apply([IndexChange::Upsert(changed.clone())])
                .expect("upsert");
            updated.to_bytes().expect("pack")
        })
    });
    group.finish();

    println!("query latency over {TALKS} talks (2,000 runs each):");
    for (id, query) in QUERIES {
        report_latency(&index, id, query, TALKS);
    }
    criterion.final_summary();
}
