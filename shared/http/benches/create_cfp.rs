//! createCfP's pure path: a realistic `POST /events/{event}/cfps` body read by `json_body` into
//! a `NewProposalRequest`, validated against the event and made a proposal.
//!
//! Ids (stable: the release benchmarks report reads `target/criterion/<id>/new/estimates.json`):
//! `create_cfp/{json_body,validate,parse_and_validate}/{typical,longest}_body`.
//! Run with `cargo bench -p cfp-http --bench create_cfp`.

use std::hint::black_box;
use std::time::Duration;

use cfp_domain::proposal::{NewProposal, NewProposalRequest, Proposal};
use cfp_domain::test_data;
use cfp_http::json_body;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use lambda_http::{Body, Request};

/// A submission as a speaker writes it: a few paragraphs, non-ASCII text, escapes.
fn typical_body() -> String {
    serde_json::json!({
        "title": "Zero-cost idling: a serverless CfP that costs nothing between conferences",
        "abstract": "We moved our conference's call for papers to Lambda, DynamoDB and S3. \
            This talk shows how we got cold starts under 10 ms, why every function is its own \
            binary, and what the bill looks like in a quiet month (spoiler: €0.00).\n\n\
            Expect code, flame graphs and a few \"lessons learned\".",
        "description": "Outline:\n1. The old monolith and its costs\n2. One function per route\n\
            3. Measuring cold starts honestly\n4. Exports: c3voc, frab, iCal\n5. Q&A",
        "sessionType": "Talk",
        "track": "Cloud",
        "language": "en-GB",
        "speaker": {
            "name": "Zoë Müller-Lovelace",
            "bio": "Builds serverless systems at a small consultancy; organises the local Rust \
                meetup; writes about performance at https://example.org/blog."
        }
    })
    .to_string()
}

/// Every text at its longest: the most work the validation can be asked to do.
fn longest_body() -> String {
    let text = |chars: usize| -> String {
        let text: String = "Lorem ipsum dolor sit amet, ünïcödé. "
            .chars()
            .cycle()
            .take(chars)
            .collect();
        text.trim_end().to_owned()
    };
    serde_json::json!({
        "title": text(200),
        "abstract": text(2_000),
        "description": text(10_000),
        "sessionType": "Workshop",
        "track": "Rust",
        "language": "de-CH",
        "speaker": { "name": text(100), "bio": text(2_000) }
    })
    .to_string()
}

fn request(body: &str) -> Request {
    let mut request = Request::new(Body::Text(body.to_owned()));
    request.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    request
}

fn create_cfp(c: &mut Criterion) {
    let event = test_data::event();
    let speaker = test_data::speaker();
    let email = speaker
        .email
        .clone()
        .expect("the test speaker has an address");
    let now = test_data::before_close();
    let mut group = c.benchmark_group("create_cfp");
    for (name, body) in [
        ("typical_body", typical_body()),
        ("longest_body", longest_body()),
    ] {
        let request = request(&body);
        let parsed: NewProposalRequest = json_body(&request).expect("the bench body is valid JSON");
        NewProposal::parse(parsed.clone(), &event).expect("the bench body is a valid proposal");
        group.bench_function(BenchmarkId::new("json_body", name), |b| {
            b.iter(|| json_body::<NewProposalRequest>(black_box(&request)))
        });
        group.bench_function(BenchmarkId::new("validate", name), |b| {
            b.iter(|| NewProposal::parse(black_box(parsed.clone()), &event))
        });
        group.bench_function(BenchmarkId::new("parse_and_validate", name), |b| {
            b.iter(|| {
                let parsed: NewProposalRequest = json_body(black_box(&request)).expect("json");
                let new = NewProposal::parse(parsed, &event).expect("valid");
                Proposal::submit(new, &event, speaker.user_id.clone(), email.clone(), now)
            })
        });
    }
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50)
}

criterion_group! {
    name = benches;
    config = config();
    targets = create_cfp
}
criterion_main!(benches);
