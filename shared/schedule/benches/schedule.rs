//! The schedule's hot pure code at issue 6's scale (1,000 talks, 20 rooms, 5 days; data from
//! `cfp_schedule::bench_data`, seeded): rendering the released schedule in each export format,
//! and the conflict check of a 1,000-slot draft, clean and full of conflicts.
//!
//! Ids (stable: the release benchmarks report reads `target/criterion/<id>/new/estimates.json`):
//! `schedule_export/{json_view,c3voc_json,frab_xml,icalendar}/1000_talks`,
//! `conflict_check/1000_slots_clean`, `conflict_check/1000_slots_conflicts`.
//! Run with `cargo bench -p cfp-schedule --bench schedule`.

use std::hint::black_box;
use std::time::Duration;

use cfp_schedule::bench_data::{BenchSchedule, Scale, links};
use cfp_schedule::check_draft;
use cfp_schedule::export::{c3voc_json, frab_xml, icalendar};
use cfp_schedule::view::{ViewFilter, schedule_view};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

const SEED: u64 = 2027;

fn exports(c: &mut Criterion) {
    let data = BenchSchedule::generate(Scale::ISSUE_6, SEED);
    let release = data.release();
    let links = links();
    let talks = format!("{}_talks", release.talks.len());
    let filter = ViewFilter::default();
    let mut group = c.benchmark_group("schedule_export");
    // What GET /events/{event}/schedule answers: the view, serialised.
    group.bench_function(BenchmarkId::new("json_view", &talks), |b| {
        b.iter(|| serde_json::to_vec(&schedule_view(black_box(&release), &filter)))
    });
    group.bench_function(BenchmarkId::new("c3voc_json", &talks), |b| {
        b.iter(|| c3voc_json(black_box(&release), &links))
    });
    group.bench_function(BenchmarkId::new("frab_xml", &talks), |b| {
        b.iter(|| frab_xml(black_box(&release), &links))
    });
    group.bench_function(BenchmarkId::new("icalendar", &talks), |b| {
        b.iter(|| icalendar(black_box(&release), &links))
    });
    group.finish();
}

fn conflict_check(c: &mut Criterion) {
    let data = BenchSchedule::generate(Scale::ISSUE_6, SEED);
    let clean = check_draft(&data.frame, &data.talks, &data.clean);
    assert_eq!(clean, [], "the clean draft is clean");
    let conflicts = check_draft(&data.frame, &data.talks, &data.conflicted).len();
    println!(
        "conflicted draft: {} slots, {conflicts} conflicts",
        data.conflicted.slots.len()
    );
    let slots = data.clean.slots.len();
    let mut group = c.benchmark_group("conflict_check");
    group.bench_function(format!("{slots}_slots_clean"), |b| {
        b.iter(|| check_draft(black_box(&data.frame), &data.talks, black_box(&data.clean)))
    });
    group.bench_function(format!("{slots}_slots_conflicts"), |b| {
        b.iter(|| {
            check_draft(
                black_box(&data.frame),
                &data.talks,
                black_box(&data.conflicted),
            )
        })
    });
    group.finish();
}

/// Each of these runs in well under a millisecond to a few: short warm-up and measurement keep
/// the whole set to about half a minute.
fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50)
}

criterion_group! {
    name = schedule;
    config = config();
    targets = exports, conflict_check
}
criterion_main!(schedule);
