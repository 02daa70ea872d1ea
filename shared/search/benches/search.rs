//! Search over 10,000 generated talks: prints index size, build, load and upsert times and the
//! p50/p99 latency of typical queries, then runs criterion on the same queries.
//! Run with `cargo bench -p cfp-search`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use cfp_search::{IndexChange, SearchIndex, TalkDocument};
use chrono::{DateTime, Duration as Minutes};
use criterion::Criterion;

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

const QUERIES: &[&str] = &[
    "kubernetes",
    "serverless testing",
    "kubernets",
    "distributed systems scaling",
    "obser",
    "grace hopper",
    "rust memory safety",
    "perfomance latncy",
];

fn timed<T>(work: impl FnOnce() -> T) -> (T, Duration) {
    let started = Instant::now();
    let out = work();
    (out, started.elapsed())
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    let position = ((sorted.len() - 1) as f64 * fraction).round() as usize;
    sorted[position]
}

fn print_figures(index: &SearchIndex, blob_10k: &[u8]) {
    println!("== cfp-search figures ==");
    for count in [1_000, 10_000] {
        let talks = talks(count);
        let (blob, took) = timed(|| SearchIndex::build(talks).expect("build"));
        println!(
            "build {count:>6} talks: {:>8.1} ms, blob {:>9} bytes ({:.1} KiB, {:.2} KiB per talk)",
            took.as_secs_f64() * 1e3,
            blob.len(),
            blob.len() as f64 / 1024.0,
            blob.len() as f64 / 1024.0 / count as f64
        );
    }
    let (_, took) = timed(|| SearchIndex::load(blob_10k).expect("load"));
    println!("load 10,000-talk blob: {:.1} ms", took.as_secs_f64() * 1e3);

    let mut small =
        SearchIndex::load(&SearchIndex::build(talks(1_000)).expect("build")).expect("load");
    let mut changed = talks(1)[0].clone();
    changed.title = "A changed title about webassembly".to_string();
    let (_, took) = timed(|| {
        small.apply([IndexChange::Upsert(changed)]).expect("upsert");
        small.to_bytes().expect("pack")
    });
    println!(
        "upsert 1 talk into 1,000 + pack: {:.1} ms",
        took.as_secs_f64() * 1e3
    );

    println!("search over 10,000 talks:");
    report_latency(index, QUERIES.iter().map(|query| (*query, 20)));
    report_latency(index, [("kubernetes", 1), ("rust memory safety", 1)]);
    println!("search over 1,000 talks:");
    report_latency(&small, QUERIES.iter().map(|query| (*query, 20)));
}

fn report_latency<'q>(index: &SearchIndex, queries: impl IntoIterator<Item = (&'q str, usize)>) {
    for (query, limit) in queries {
        let mut samples: Vec<Duration> = (0..2_000)
            .map(|_| timed(|| black_box(index.search(query, limit).expect("search"))).1)
            .collect();
        samples.sort();
        let hits = index.search(query, limit).expect("search").len();
        println!(
            "  {query:<30} p50 {:>7.1} µs  p99 {:>7.1} µs  ({hits} hits, limit {limit})",
            percentile(&samples, 0.50).as_secs_f64() * 1e6,
            percentile(&samples, 0.99).as_secs_f64() * 1e6,
        );
    }
}

fn main() {
    let blob = SearchIndex::build(talks(10_000)).expect("build");
    let index = SearchIndex::load(&blob).expect("load");
    print_figures(&index, &blob);

    let mut criterion = Criterion::default().configure_from_args();
    let mut group = criterion.benchmark_group("search_10k");
    for query in QUERIES {
        group.bench_function(*query, |bench| {
            bench.iter(|| index.search(black_box(query), 20).expect("search"))
        });
    }
    group.finish();
    let talks_1k = talks(1_000);
    criterion
        .benchmark_group("build")
        .sample_size(10)
        .bench_function("1000_talks", |bench| {
            bench.iter(|| SearchIndex::build(talks_1k.clone()).expect("build"))
        });
    criterion.final_summary();
}
