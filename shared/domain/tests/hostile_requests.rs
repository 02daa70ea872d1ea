//! Property tests: the CfP request parsers on hostile input. Whatever the strings, numbers and
//! missing fields, parsing never panics; what it accepts keeps every invariant of its types, and
//! what it refuses names at least one field of the request.

use std::collections::HashSet;

use chrono::{DateTime, Days, NaiveDate, Utc};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::strategy::ValueTree;

use cfp_domain::CfpError;
use cfp_domain::EmailAddress;
use cfp_domain::event::{
    DurationMinutes, Event, EventDates, NamedRequest, NewEvent, NewEventRequest,
    SessionTypeRequest, TimeZone,
};
use cfp_domain::proposal::{
    NewProposal, NewProposalRequest, Proposal, ProposalChangesRequest, SpeakerChangesRequest,
    SpeakerRequest,
};
use cfp_domain::team::UserId;

/// Hostile text: any Unicode, control characters, padding, and lengths far past every bound.
fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[\\x00-\\x1f\\x7f\\u{80}-\\u{9f}\\u{200b}\\u{2028}\\u{feff} a-zA-Z\\-]{0,40}",
        "\\PC{0,60}",
        (any::<char>(), 0..12_000usize).prop_map(|(c, n)| c.to_string().repeat(n)),
        (
            "[ \\t\\n]{0,3}",
            "[a-zA-Z0-9 ]{0,30}",
            "[ \\t\\n\\u{3000}]{0,3}"
        )
            .prop_map(|(a, b, c)| format!("{a}{b}{c}")),
    ]
}

// Each field is mostly valid and sometimes hostile, so that a fair share of whole requests is
// accepted (their invariants checked) and the rest is refused for a few fields at a time.

/// A valid name or title.
fn valid_name() -> impl Strategy<Value = String> {
    "[A-Za-z][A-Za-z0-9 ]{0,20}"
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![8 => valid_name(), 1 => hostile_text()]
}

fn slug() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => "[a-z0-9][a-z0-9-]{1,62}[a-z0-9]",
        1 => "[a-zA-Z0-9_\\-. ]{0,70}",
        1 => hostile_text(),
    ]
}

fn any_date() -> impl Strategy<Value = NaiveDate> {
    (-5_000i32..10_000, 1u32..=12, 1u32..=31)
        .prop_filter_map("a real day", |(y, m, d)| NaiveDate::from_ymd_opt(y, m, d))
}

fn date_text(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// Start and end dates: often a real pair a few days apart (in either order), sometimes junk.
fn dates() -> impl Strategy<Value = (Option<String>, Option<String>)> {
    prop_oneof![
        6 => (any_date(), 0i64..14).prop_map(|(start, days)| date_pair(start, days)),
        1 => (any_date(), -3i64..30).prop_map(|(start, days)| date_pair(start, days)),
        1 => (option::of(hostile_text()), option::of("[0-9]{4}-[0-9]{2}-[0-9]{2}")),
    ]
}

/// `start` and the day `days` after it (before it if negative), as sent.
fn date_pair(start: NaiveDate, days: i64) -> (Option<String>, Option<String>) {
    {
        let end = if days >= 0 {
            start.checked_add_days(Days::new(days.unsigned_abs()))
        } else {
            start.checked_sub_days(Days::new(days.unsigned_abs()))
        };
        (Some(date_text(start)), end.map(date_text))
    }
}

fn time_zone() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => Just("Europe/Berlin".to_owned()),
        3 => Just("UTC".to_owned()),
        3 => Just("America/Argentina/Buenos_Aires".to_owned()),
        1 => "[A-Za-z/_+\\-0-9]{0,40}",
        1 =>
        hostile_text(),
    ]
}

fn date_time() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => Just("2027-03-31T23:59:00+02:00".to_owned()),
        3 => (any_date(), 0u32..30, 0u32..70, -30i32..30).prop_map(|(date, h, m, offset)| format!(
            "{}T{h:02}:{m:02}:00{offset:+03}:00",
            date_text(date)
        )),
        1 => hostile_text(),
    ]
}

fn named() -> impl Strategy<Value = NamedRequest> {
    option::weighted(0.97, name()).prop_map(|name| NamedRequest { name })
}

/// Mostly short lists, sometimes around the upper bound `max`.
fn named_list(max: usize) -> impl Strategy<Value = Vec<NamedRequest>> {
    let valid = valid_name().prop_map(|name| NamedRequest { name: Some(name) });
    prop_oneof![
        6 => vec(valid, 1..5),
        1 => vec(named(), 0..5),
        1 => vec(named(), max - 1..max + 2),
    ]
}

fn durations() -> impl Strategy<Value = u64> {
    prop_oneof![6 => 5u64..=480, 1 => 0u64..600, 1 => any::<u64>()]
}

fn session_type() -> impl Strategy<Value = SessionTypeRequest> {
    (
        option::weighted(0.97, name()),
        option::weighted(0.97, durations()),
    )
        .prop_map(|(name, duration_minutes)| SessionTypeRequest {
            name,
            duration_minutes,
        })
}

fn session_types() -> impl Strategy<Value = Vec<SessionTypeRequest>> {
    let valid = (valid_name(), 5u64..=480).prop_map(|(name, minutes)| SessionTypeRequest {
        name: Some(name),
        duration_minutes: Some(minutes),
    });
    prop_oneof![
        6 => vec(valid, 1..4),
        1 => vec(session_type(), 0..4),
        1 => vec(session_type(), 19..22),
    ]
}

prop_compose! {
    fn event_request()(
        slug in option::weighted(0.97, slug()),
        name in option::weighted(0.97, name()),
        time_zone in option::weighted(0.97, time_zone()),
        (start_date, end_date) in dates(),
        cfp_closes_at in option::weighted(0.97, date_time()),
        rooms in option::weighted(0.97, named_list(100)),
        tracks in option::of(named_list(50)),
        session_types in option::weighted(0.97, session_types()),
    ) -> NewEventRequest {
        NewEventRequest {
            slug, name, time_zone, start_date, end_date, cfp_closes_at, rooms, tracks,
            session_types,
        }
    }
}

/// The invariants of a single-line or multi-line text value: trimmed, bounded in characters,
/// no control characters but the line breaks and tabs a multi-line text may have.
fn assert_text(what: &str, value: &str, min: usize, max: usize, multi_line: bool) {
    assert_eq!(value, value.trim(), "{what} is not trimmed: {value:?}");
    let length = value.chars().count();
    assert!(
        (min..=max).contains(&length),
        "{what} has {length} characters, outside {min}..={max}"
    );
    let allowed = |c: char| multi_line && matches!(c, '\n' | '\r' | '\t');
    assert!(
        !value.chars().any(|c| c.is_control() && !allowed(c)),
        "{what} has a control character: {value:?}"
    );
}

fn assert_unique_names<'a>(what: &str, names: impl Iterator<Item = &'a str>) {
    let mut seen = HashSet::new();
    for name in names {
        assert_text(what, name, 1, 100, false);
        assert!(seen.insert(name.to_lowercase()), "{what}: {name:?} repeats");
    }
}

fn assert_valid_event(event: &NewEvent, request: &NewEventRequest) {
    let slug = event.slug.as_str();
    assert_eq!(Some(slug), request.slug.as_deref());
    assert!((3..=64).contains(&slug.len()), "slug {slug:?}");
    assert!(
        slug.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !slug.starts_with('-')
            && !slug.ends_with('-'),
        "slug {slug:?}"
    );
    assert_text("name", event.name.as_str(), 1, 200, false);
    assert_eq!(
        TimeZone::parse(event.time_zone.name()).ok().as_ref(),
        Some(&event.time_zone)
    );
    let (start, end) = (event.dates.start(), event.dates.end());
    assert!(start <= end, "{start} after {end}");
    assert!(
        (end - start).num_days() < EventDates::MAX_DAYS,
        "{start}..{end}"
    );
    assert_eq!(Some(date_text(start)), request.start_date);
    assert_eq!(Some(date_text(end)), request.end_date);

    assert!((1..=100).contains(&event.rooms.len()));
    assert_unique_names("room", event.rooms.iter().map(|r| r.name.as_str()));
    assert!(event.tracks.len() <= 50);
    assert_unique_names("track", event.tracks.iter().map(|t| t.name.as_str()));
    assert!((1..=20).contains(&event.session_types.len()));
    assert_unique_names(
        "session type",
        event.session_types.iter().map(|t| t.name.as_str()),
    );
    for session_type in &event.session_types {
        let minutes = u64::from(session_type.duration.get());
        assert!(
            (DurationMinutes::MIN..=DurationMinutes::MAX).contains(&minutes),
            "{minutes} minutes"
        );
    }
}

const EVENT_FIELDS: [&str; 9] = [
    "slug",
    "name",
    "timeZone",
    "startDate",
    "endDate",
    "cfpClosesAt",
    "rooms",
    "tracks",
    "sessionTypes",
];

/// Every error names a field of the request (or an entry of one of its lists).
fn assert_fields_named(errors: &[cfp_domain::FieldError], fields: &[&str]) {
    assert!(!errors.is_empty(), "refused without naming a field");
    for error in errors {
        let top = error.field.split(['.', '[']).next().unwrap_or_default();
        assert!(fields.contains(&top), "unexpected field {:?}", error.field);
        assert!(!error.message.is_empty(), "{error:?} has no message");
    }
}

proptest! {
    #[test]
    fn new_events_parse_or_name_the_fields(request in event_request()) {
        match NewEvent::parse(request.clone()) {
            Ok(event) => assert_valid_event(&event, &request),
            Err(CfpError::Validation(errors)) => assert_fields_named(&errors, &EVENT_FIELDS),
            Err(other) => panic!("a new event is refused only for its fields: {other:?}"),
        }
    }

    #[test]
    fn new_events_from_arbitrary_json_never_panic(json in json_value()) {
        // Whatever shape the body has, it is refused by serde or by the parser, never a panic.
        if let Ok(request) = serde_json::from_value::<NewEventRequest>(json) {
            match NewEvent::parse(request.clone()) {
                Ok(event) => assert_valid_event(&event, &request),
                Err(CfpError::Validation(errors)) => assert_fields_named(&errors, &EVENT_FIELDS),
                Err(other) => panic!("unexpected error {other:?}"),
            }
        }
    }
}

/// An event with two session types and two tracks, to submit proposals to.
fn event() -> Event {
    let request: NewEventRequest = serde_json::from_value(serde_json::json!({
        "slug": "devconf-2027",
        "name": "DevConf 2027",
        "timeZone": "Europe/Berlin",
        "startDate": "2027-06-10",
        "endDate": "2027-06-12",
        "cfpClosesAt": "2027-03-31T23:59:00+02:00",
        "rooms": [{"name": "Main Hall"}],
        "tracks": [{"name": "Cloud"}, {"name": "Rust"}],
        "sessionTypes": [
            {"name": "Talk", "durationMinutes": 30},
            {"name": "Workshop", "durationMinutes": 120}
        ]
    }))
    .expect("the event request deserializes");
    let created: DateTime<Utc> = DateTime::parse_from_rfc3339("2026-11-02T09:00:00Z")
        .expect("a time")
        .with_timezone(&Utc);
    Event::create(
        NewEvent::parse(request).expect("the event is valid"),
        UserId::parse("organiser").expect("a user id"),
        created,
    )
}

fn long_text() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => "[A-Za-z0-9 .,\\n]{1,300}",
        1 => ("[a-z ]{1,10}", 1_990usize..2_010).prop_map(|(s, n)| s.repeat(n / s.len().max(1) + 1)
            .chars().take(n).collect()),
        2 => hostile_text(),
    ]
}

fn event_choice() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Talk".to_owned()),
        Just(" Workshop ".to_owned()),
        Just("Cloud".to_owned()),
        Just("rust".to_owned()),
        hostile_text(),
    ]
}

fn language() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("en".to_owned()),
        Just("de-CH".to_owned()),
        "[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8}){0,3}",
        hostile_text(),
    ]
}

prop_compose! {
    fn proposal_request()(
        title in option::weighted(0.97, name()),
        abstract_ in option::weighted(0.9, long_text()),
        description in option::of(long_text()),
        session_type in option::weighted(0.9, event_choice()),
        track in option::of(event_choice()),
        language in option::of(language()),
        speaker in option::weighted(0.9, (option::weighted(0.97, name()), option::of(long_text()))),
    ) -> NewProposalRequest {
        NewProposalRequest {
            title, abstract_, description, session_type, track, language,
            speaker: speaker.map(|(name, bio)| SpeakerRequest { name, bio }),
        }
    }
}

const PROPOSAL_FIELDS: [&str; 7] = [
    "title",
    "abstract",
    "description",
    "sessionType",
    "track",
    "language",
    "speaker",
];

fn assert_valid_proposal(proposal: &NewProposal, event: &Event) {
    assert_text("title", proposal.title.as_str(), 1, 200, false);
    assert_text("abstract", proposal.abstract_.as_str(), 1, 2_000, true);
    if let Some(description) = &proposal.description {
        assert_text("description", description.as_str(), 1, 10_000, true);
    }
    assert!(
        event.session_type(proposal.session_type.as_str()).is_some(),
        "session type {:?} is not the event's",
        proposal.session_type
    );
    if let Some(track) = &proposal.track {
        assert!(event.track(track.as_str()).is_some(), "track {track:?}");
    }
    if let Some(language) = &proposal.language {
        let tag = language.as_str();
        assert!(!tag.is_empty() && tag.len() <= 35, "language {tag:?}");
        assert_eq!(tag, tag.trim());
    }
    assert_text(
        "speaker.name",
        proposal.speaker_name.as_str(),
        1,
        100,
        false,
    );
    if let Some(bio) = &proposal.speaker_bio {
        assert_text("speaker.bio", bio.as_str(), 1, 2_000, true);
    }
}

proptest! {
    #[test]
    fn new_proposals_parse_or_name_the_fields(request in proposal_request()) {
        let event = event();
        match NewProposal::parse(request, &event) {
            Ok(proposal) => assert_valid_proposal(&proposal, &event),
            Err(CfpError::Validation(errors)) => assert_fields_named(&errors, &PROPOSAL_FIELDS),
            Err(other) => panic!("a proposal is refused only for its fields: {other:?}"),
        }
    }

    #[test]
    fn new_proposals_from_arbitrary_json_never_panic(json in json_value()) {
        let event = event();
        if let Ok(request) = serde_json::from_value::<NewProposalRequest>(json) {
            match NewProposal::parse(request, &event) {
                Ok(proposal) => assert_valid_proposal(&proposal, &event),
                Err(CfpError::Validation(errors)) => assert_fields_named(&errors, &PROPOSAL_FIELDS),
                Err(other) => panic!("unexpected error {other:?}"),
            }
        }
    }
}

/// A change to one field: left out, `null`, or a value.
fn change(value: impl Strategy<Value = String>) -> impl Strategy<Value = Option<Option<String>>> {
    prop_oneof![3 => Just(None), 1 => Just(Some(None)), 3 => value.prop_map(|v| Some(Some(v)))]
}

prop_compose! {
    fn changes_request()(
        title in change(name()),
        abstract_ in change(long_text()),
        description in change(long_text()),
        session_type in change(event_choice()),
        track in change(event_choice()),
        language in change(language()),
        speaker in prop_oneof![
            3 => Just(None),
            1 => Just(Some(None)),
            3 => (change(name()), change(long_text())).prop_map(|(name, bio)| {
                Some(Some(SpeakerChangesRequest { name, bio }))
            }),
        ],
    ) -> ProposalChangesRequest {
        ProposalChangesRequest {
            title, abstract_, description, session_type, track, language, speaker,
        }
    }
}

/// A proposal to [`event`], as submitted.
fn proposal(event: &Event) -> Proposal {
    let request: NewProposalRequest = serde_json::from_value(serde_json::json!({
        "title": "Zero-cost idling",
        "abstract": "How we made the backend cost nothing while idle.",
        "description": "Longer.",
        "sessionType": "Talk",
        "track": "Cloud",
        "language": "en",
        "speaker": {"name": "Ada Lovelace", "bio": "Writes programs for engines."}
    }))
    .expect("the proposal request deserializes");
    Proposal::submit(
        NewProposal::parse(request, event).expect("the proposal is valid"),
        event,
        UserId::parse("speaker").expect("a user id"),
        EmailAddress::parse("ada@example.org").expect("an address"),
        event.created_at,
    )
}

proptest! {
    #[test]
    fn proposal_edits_apply_or_name_the_fields(changes in changes_request()) {
        let event = event();
        let before = proposal(&event);
        let left_out = (changes.title.is_none(), changes.abstract_.is_none(), changes.speaker.is_none());
        match before.edit(changes, &event, event.created_at + chrono::Duration::minutes(1)) {
            Ok(after) => {
                // The edited proposal is one a new request could have made, one version on.
                let edited = NewProposal {
                    title: after.title.clone(),
                    abstract_: after.abstract_.clone(),
                    description: after.description.clone(),
                    session_type: after.session_type.clone(),
                    track: after.track.clone(),
                    language: after.language.clone(),
                    speaker_name: after.speaker.name.clone(),
                    speaker_bio: after.speaker.bio.clone(),
                };
                assert_valid_proposal(&edited, &event);
                prop_assert_eq!(after.version.get(), before.version.get() + 1);
                prop_assert_eq!(&after.id, &before.id);
                prop_assert_eq!(&after.owner, &before.owner);
                prop_assert_eq!(&after.speaker.email, &before.speaker.email);
                if left_out.0 {
                    prop_assert_eq!(&after.title, &before.title);
                }
                if left_out.1 {
                    prop_assert_eq!(&after.abstract_, &before.abstract_);
                }
                if left_out.2 {
                    prop_assert_eq!(&after.speaker, &before.speaker);
                }
            }
            Err(CfpError::Validation(errors)) => {
                // "" is the whole body: an edit that changes nothing.
                let mut fields = PROPOSAL_FIELDS.to_vec();
                fields.push("");
                assert_fields_named(&errors, &fields);
            }
            Err(other) => panic!("an edit of a submitted proposal is refused only for its fields: {other:?}"),
        }
    }
}

/// Arbitrary JSON whose top-level keys are often the requests' own, so that serde gets past the
/// unknown-field check and the parsers see wrong types, nulls and nesting.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        hostile_text().prop_map(Value::String),
    ];
    let key = prop_oneof![
        3 => proptest::sample::select(
            EVENT_FIELDS
                .iter()
                .chain(PROPOSAL_FIELDS.iter())
                .chain(["name", "bio", "durationMinutes"].iter())
                .map(|field| (*field).to_owned())
                .collect::<Vec<_>>()
        ),
        1 => "\\PC{0,8}",
    ];
    leaf.prop_recursive(3, 24, 6, move |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(key.clone(), inner, 0..8)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// How many of `cases` values of `strategy` pass `accepted`: the properties above only say
/// something about accepted values if the generators reach them.
fn accepted_share<T: std::fmt::Debug>(
    strategy: impl Strategy<Value = T>,
    cases: usize,
    accepted: impl Fn(T) -> bool,
) -> usize {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    (0..cases)
        .filter(|_| {
            let value = strategy
                .new_tree(&mut runner)
                .expect("the strategy generates")
                .current();
            accepted(value)
        })
        .count()
}

#[test]
fn the_generators_reach_both_valid_and_invalid_requests() {
    let events = accepted_share(event_request(), 512, |r| NewEvent::parse(r).is_ok());
    assert!((20..500).contains(&events), "{events} of 512 events parsed");
    let event = event();
    let proposals = accepted_share(proposal_request(), 512, |r| {
        NewProposal::parse(r, &event).is_ok()
    });
    assert!(
        (20..500).contains(&proposals),
        "{proposals} of 512 proposals parsed"
    );
    let proposal = proposal(&event);
    let edits = accepted_share(changes_request(), 512, |changes| {
        proposal.edit(changes, &event, event.created_at).is_ok()
    });
    assert!((20..500).contains(&edits), "{edits} of 512 edits applied");
}
