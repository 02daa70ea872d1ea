use std::time::{Duration, Instant};

use cfp_http::test_support::{assert_problem, body_json, header};
use cfp_search::in_memory::InMemoryIndexBlobs;
use cfp_search::{IndexStamp, REVALIDATE_AFTER, SearchIndex, TalkDocument};
use serde_json::{Value, json};

use super::*;

const EVENT: &str = "devconf-2027";

fn talk(id: &str, title: &str, abstract_text: &str, speaker: &str, track: &str) -> TalkDocument {
    TalkDocument {
        id: id.into(),
        slug: format!("devconf-2027-{id}"),
        title: title.into(),
        abstract_text: abstract_text.into(),
        speakers: vec![speaker.into()],
        track: Some(track.into()),
        language: Some("en".into()),
        room: "Main".into(),
        start: chrono::DateTime::parse_from_rfc3339("2027-06-10T09:30:00+02:00").expect("time"),
    }
}

fn talks() -> Vec<TalkDocument> {
    vec![
        talk(
            "k8s",
            "Kubernetes Operators in Practice",
            "How we run stateful services with custom controllers.",
            "Ada Lovelace",
            "Cloud",
        ),
        talk(
            "tests",
            "Property Tests for Serverless Backends",
            "Generators, shrinking and why example tests miss bugs.",
            "Grace Hopper",
            "Rust",
        ),
        talk(
            "traces",
            "Tracing Lambda Functions",
            "Structured logs and traces; we also touch on Kubernetes briefly.",
            "Linus Müller",
            "Cloud",
        ),
    ]
}

fn released(talks: Vec<TalkDocument>) -> InMemoryIndexBlobs {
    let blobs = InMemoryIndexBlobs::new();
    blobs.insert(
        EVENT,
        SearchIndex::build(talks).expect("an index"),
        Some(IndexStamp::of_release(1)),
    );
    blobs
}

/// The payload-2.0 event the HTTP API sends for `GET /events/{event}/talks?<raw_query>`.
fn event(event: &str, raw_query: &str) -> Value {
    let path = format!("/events/{event}/talks");
    json!({
        "version": "2.0",
        "routeKey": "GET /events/{event}/talks",
        "rawPath": path,
        "rawQueryString": raw_query,
        "headers": {"accept": "application/json", "host": "api.example.org"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "a1b2c3d4e5",
            "domainName": "api.example.org",
            "domainPrefix": "api",
            "http": {
                "method": "GET",
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.10",
                "userAgent": "curl/8.5.0"
            },
            "requestId": "search-1",
            "routeKey": "GET /events/{event}/talks",
            "stage": "$default",
            "time": "02/Nov/2026:09:00:00 +0000",
            "timeEpoch": 1793610000000_i64
        },
        "isBase64Encoded": false,
        "pathParameters": {"event": event}
    })
}

async fn get_at(
    blobs: &InMemoryIndexBlobs,
    cache: &IndexCache,
    slug: &str,
    raw_query: &str,
    now: Instant,
) -> Response<Body> {
    let request = cfp_http::test_support::request(&event(slug, raw_query));
    let dependencies = Dependencies { blobs, cache };
    handle(request, &dependencies, now).await
}

async fn get(blobs: &InMemoryIndexBlobs, raw_query: &str) -> Response<Body> {
    get_at(
        blobs,
        &IndexCache::default(),
        EVENT,
        raw_query,
        Instant::now(),
    )
    .await
}

fn hit_ids(response: &Response<Body>) -> Vec<String> {
    assert_eq!(response.status().as_u16(), 200, "{response:?}");
    body_json(response)["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|hit| hit["talkId"].as_str().expect("talkId").to_owned())
        .collect()
}

#[tokio::test]
async fn answers_ranked_hits_with_what_a_result_list_shows() {
    let blobs = released(talks());
    let response = get(&blobs, "q=kubernetes").await;
    assert_eq!(response.status().as_u16(), 200, "{response:?}");
    assert_eq!(header(&response, "content-type"), Some("application/json"));
    assert_eq!(
        header(&response, "cache-control"),
        Some(CACHE_CONTROL_VALUE)
    );
    let body = body_json(&response);
    assert_eq!(body["query"], "kubernetes");
    // The title match ranks above the abstract match.
    assert_eq!(hit_ids(&response), ["k8s", "traces"]);
    let first = &body["hits"][0];
    assert_eq!(first["slug"], "devconf-2027-k8s");
    assert_eq!(first["title"], "Kubernetes Operators in Practice");
    assert_eq!(first["speakers"], json!(["Ada Lovelace"]));
    assert_eq!(first["track"], "Cloud");
    assert_eq!(first["room"], "Main");
    assert_eq!(first["start"], "2027-06-10T09:30:00+02:00");
    assert!(
        first["score"].as_f64().expect("score") > body["hits"][1]["score"].as_f64().expect("score")
    );
    assert_eq!(
        first["highlights"]["title"],
        json!([
            {"text": "Kubernetes", "matched": true},
            {"text": " Operators in Practice", "matched": false}
        ])
    );
    assert_eq!(first["highlights"]["abstract"], Value::Null);
    let second = &body["hits"][1]["highlights"]["abstract"];
    assert!(
        second
            .as_array()
            .expect("segments")
            .iter()
            .any(|segment| segment["matched"] == true && segment["text"] == "Kubernetes"),
        "{second}"
    );
}

#[tokio::test]
async fn typos_stems_prefixes_and_folded_names_find_talks() {
    let blobs = released(talks());
    assert_eq!(
        hit_ids(&get(&blobs, "q=kubernets%20operator").await),
        ["k8s"]
    );
    assert_eq!(hit_ids(&get(&blobs, "q=testing").await), ["tests"]);
    assert_eq!(hit_ids(&get(&blobs, "q=serverl").await), ["tests"]);
    assert_eq!(hit_ids(&get(&blobs, "q=muller").await), ["traces"]);
    assert_eq!(hit_ids(&get(&blobs, "q=M%C3%BCller").await), ["traces"]);
}

#[tokio::test]
async fn the_limit_caps_the_hits_and_nothing_matching_is_an_empty_list() {
    let blobs = released(talks());
    assert_eq!(hit_ids(&get(&blobs, "q=kubernetes&limit=1").await), ["k8s"]);
    let none = get(&blobs, "q=blockchain").await;
    assert_eq!(body_json(&none), json!({"query": "blockchain", "hits": []}));
}

#[tokio::test]
async fn query_syntax_and_punctuation_are_searched_as_plain_words() {
    let blobs = released(talks());
    // Field syntax, operators, quotes, a comma (API Gateway's v2 parameters would split it).
    for query in [
        "q=title%3A%22unclosed",
        "q=id%3Ak8s",
        "q=AND%20OR%20NOT%20(",
        "q=C%2B%2B%2C%20advanced",
        "q=%2A%3F%7E%5E",
        "q=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "q=%27%3B%20DROP%20TABLE%20talks%3B%20--",
    ] {
        let response = get(&blobs, query).await;
        assert_eq!(response.status().as_u16(), 200, "{query}: {response:?}");
    }
    let response = get(&blobs, "q=C%2B%2B%2C%20advanced").await;
    assert_eq!(body_json(&response)["query"], "C++, advanced");
    // Words of a field query are words: "id:k8s" cannot reach the id field.
    assert!(hit_ids(&get(&blobs, "q=id%3Ak8s").await).is_empty());
}

#[tokio::test]
async fn bad_parameters_are_400s_that_read_no_index() {
    let blobs = released(talks());
    let long = "a".repeat(cfp_search::MAX_QUERY_CHARS + 1);
    let cases: Vec<(String, &str)> = vec![
        (String::new(), "q"),
        ("q=".into(), "q"),
        ("q=%20%20".into(), "q"),
        (format!("q={long}"), "q"),
        ("q=rust%0Alambda".into(), "q"),
        ("q=rust%00".into(), "q"),
        ("q=%1B%5B31m".into(), "q"),
        ("q=%09".into(), "q"),
        ("q=rust&q=lambda".into(), "q"),
        ("q=rust&limit=0".into(), "limit"),
        ("q=rust&limit=101".into(), "limit"),
        ("q=rust&limit=ten".into(), "limit"),
        ("q=rust&limit=-3".into(), "limit"),
        ("q=rust&limit=".into(), "limit"),
        ("q=rust&limit=1&limit=2".into(), "limit"),
    ];
    for (query, parameter) in cases {
        let response = get(&blobs, &query).await;
        let problem = assert_problem(&response, 400, "invalid-query");
        assert_eq!(
            problem["errors"][0]["field"], parameter,
            "{query}: {problem}"
        );
        assert_eq!(header(&response, "cache-control"), None, "{query}");
    }
    assert_eq!(blobs.fetches(), (0, 0));
}

#[tokio::test]
async fn an_event_with_nothing_released_is_a_404() {
    let blobs = InMemoryIndexBlobs::new();
    let response = get(&blobs, "q=rust").await;
    let problem = assert_problem(&response, 404, "schedule-not-released");
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|detail| detail.contains(EVENT)),
        "{problem}"
    );
    assert_eq!(header(&response, "cache-control"), None);
}

#[tokio::test]
async fn a_path_that_names_no_event_is_a_404_that_reads_nothing() {
    let blobs = released(talks());
    let cache = IndexCache::default();
    for slug in ["Not_A_Slug", "..", "a%2Fb", "x"] {
        let response = get_at(&blobs, &cache, slug, "q=rust", Instant::now()).await;
        assert_problem(&response, 404, "schedule-not-released");
    }
    assert_eq!(blobs.fetches(), (0, 0));
}

#[tokio::test]
async fn a_new_release_is_searchable_once_the_container_revalidates() {
    let blobs = released(talks());
    let cache = IndexCache::default();
    let start = Instant::now();
    let before = get_at(&blobs, &cache, EVENT, "q=observability", start).await;
    assert!(hit_ids(&before).is_empty());

    let mut more = talks();
    more.push(talk(
        "o11y",
        "Observability on a Budget",
        "Metrics without a bill.",
        "Mary Jackson",
        "Cloud",
    ));
    blobs.insert(
        EVENT,
        SearchIndex::build(more).expect("an index"),
        Some(IndexStamp::of_release(2)),
    );
    // Within the interval, the warm container answers from memory without asking S3.
    let soon = get_at(
        &blobs,
        &cache,
        EVENT,
        "q=observability",
        start + Duration::from_secs(1),
    )
    .await;
    assert!(hit_ids(&soon).is_empty());
    assert_eq!(blobs.fetches(), (1, 1));

    let later = get_at(
        &blobs,
        &cache,
        EVENT,
        "q=observability",
        start + REVALIDATE_AFTER,
    )
    .await;
    assert_eq!(hit_ids(&later), ["o11y"]);
    assert_eq!(blobs.fetches(), (2, 2));
}

#[tokio::test]
async fn a_store_failure_is_a_500_that_says_nothing_of_its_cause() {
    let blobs = released(talks());
    blobs.fail(true);
    let response = get(&blobs, "q=rust").await;
    let problem = assert_problem(&response, 500, "internal-error");
    assert!(!problem.to_string().contains("in-memory"), "{problem}");
}

#[tokio::test]
async fn a_damaged_index_is_a_500() {
    let blobs = InMemoryIndexBlobs::new();
    blobs.insert(
        EVENT,
        b"not an index".to_vec(),
        Some(IndexStamp::of_release(1)),
    );
    let response = get(&blobs, "q=rust").await;
    assert_problem(&response, 500, "internal-error");
}
