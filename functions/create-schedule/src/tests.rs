//! Every route and every refusal, through payload-2.0 requests, over the in-memory store.

use std::collections::{BTreeSet, HashMap};

use async_trait::async_trait;
use cfp_domain::in_memory::InMemoryStore;
use cfp_http::REPLAYED_HEADER;
use cfp_http::test_support::*;
use cfp_schedule::in_memory::InMemoryScheduleStore;
use cfp_schedule::talk_message::TalkMessageKind;
use cfp_schedule::test_data::{self, at};
use cfp_schedule::use_cases::{apply_talk_message, published_schedule};
use cfp_schedule::{
    Speaker, StoreError, StoredDraft, Talk, TalkCopy, TalkId, TalkMessage, TalkNumber,
};
use serde_json::{Value, json};

use super::*;

const EVENT: &str = "devconf-2027";
const ORGANISER: &str = "user-organiser";

fn now() -> DateTime<Utc> {
    at("2027-05-01T12:00:00Z")
}

/// A request as API Gateway's HTTP API sends it (payload 2.0), signed in as `sub`.
fn http_event(route: &str, body: Option<&Value>) -> Value {
    let (method, template) = route.split_once(' ').expect("METHOD /path");
    let path = template.replace("{event}", EVENT);
    let mut event = json!({
        "version": "2.0",
        "routeKey": route,
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"authorization": "Bearer x"},
        "pathParameters": {"event": EVENT},
        "requestContext": {
            "accountId": "123456789012", "apiId": "api", "domainName": "api.example", "domainPrefix": "api",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1", "userAgent": "test"},
            "requestId": "req", "routeKey": route, "stage": "$default", "time": "01/May/2027:12:00:00 +0000", "timeEpoch": 0,
            "authorizer": {"jwt": {"claims": {"sub": ORGANISER}, "scopes": null}}
        },
        "isBase64Encoded": false
    });
    if let Some(body) = body {
        set_body(&mut event, &body.to_string(), Some("application/json"));
    }
    event
}

const PUT: &str = "PUT /events/{event}/schedule";
const GET: &str = "GET /events/{event}/schedule/draft";
const POST: &str = "POST /events/{event}/schedule/releases";

/// Talk `n` of the test data, confirmed through the use case as a message would.
fn confirmation(talk: &Talk) -> TalkMessage {
    let mut message = test_data::message(TalkMessageKind::TalkConfirmed, 1);
    message.talk_id = talk.id;
    message.talk.title = talk.title.clone();
    message.talk.session_type = talk.session_type.clone();
    message.talk.speakers = talk.speakers.clone();
    message
}

/// The test event (rooms Main and Side, 10-12 June 2027, 09:00-18:00 in Berlin, talks of 30
/// minutes) organised by [`ORGANISER`], with talks 1 to `n` confirmed.
async fn store_with_talks(n: u32) -> InMemoryScheduleStore {
    let store = InMemoryScheduleStore::with_event(cfp_schedule::EventCopy {
        frame: test_data::frame(),
        organisers: BTreeSet::from([ORGANISER.to_owned()]),
        version: 1,
    });
    for i in 1..=n {
        apply_talk_message(&store, &confirmation(&test_data::talk(i)))
            .await
            .expect("confirmed");
    }
    store
}

fn slot(n: u32, room: &str, start: &str) -> Value {
    json!({"talkId": test_data::talk_id(n).to_string(), "room": room, "start": start})
}

fn draft_body(slots: Vec<Value>) -> Value {
    json!({ "slots": slots })
}

async fn call(store: &dyn ScheduleStore, event: &Value) -> Response<Body> {
    call_with(store, &InMemoryStore::new(), event).await
}

async fn call_with(
    store: &dyn ScheduleStore,
    idempotency: &InMemoryStore,
    event: &Value,
) -> Response<Body> {
    handle(request(event), store, idempotency, now()).await
}

async fn stored_draft(store: &dyn ScheduleStore) -> Draft {
    store.draft(EVENT).await.expect("the draft").draft
}

#[tokio::test]
async fn a_clean_draft_is_saved_and_answered_with_its_ends() {
    let store = store_with_talks(2).await;
    let body = draft_body(vec![
        slot(1, "Main", "2027-06-10T09:00:00+02:00"),
        // Any offset will do: 07:30Z is 09:30 in Berlin, right after talk 1.
        slot(2, "Main", "2027-06-10T07:30:00Z"),
    ]);
    let response = call(&store, &http_event(PUT, Some(&body))).await;
    assert_eq!(response.status().as_u16(), 200, "{response:?}");
    let view = body_json(&response);
    assert_eq!(view["event"], EVENT);
    assert_eq!(view["timeZone"], "Europe/Berlin");
    assert_eq!(view["conflicts"], json!([]));
    assert_eq!(view["slots"][1]["start"], "2027-06-10T09:30:00+02:00");
    assert_eq!(view["slots"][1]["end"], "2027-06-10T10:00:00+02:00");
    assert_eq!(view["slots"][1]["title"], "Talk number 2");
    assert_eq!(stored_draft(&store).await.slots.len(), 2);

    // GET answers the same draft.
    let response = call(&store, &http_event(GET, None)).await;
    assert_eq!(response.status().as_u16(), 200, "{response:?}");
    assert_eq!(body_json(&response), view);

    // An empty draft is a draft too: it clears the schedule being built.
    let response = call(&store, &http_event(PUT, Some(&draft_body(vec![])))).await;
    assert_eq!(response.status().as_u16(), 200, "{response:?}");
    assert_eq!(stored_draft(&store).await, Draft::default());
}

#[tokio::test]
async fn every_kind_of_conflict_is_listed_at_once_and_nothing_is_saved() {
    let store = store_with_talks(6).await;
    // Talk 7 is a keynote, a session type the event does not offer.
    let mut keynote = test_data::talk(7);
    keynote.session_type = "Keynote".into();
    apply_talk_message(&store, &confirmation(&keynote))
        .await
        .expect("confirmed");
    // Talk 8 shares its speaker with talk 1.
    let mut same_speaker = test_data::talk(8);
    same_speaker.speakers = vec![Speaker {
        name: "speaker 1".into(),
        bio: None,
        thumbnail_key: None,
    }];
    apply_talk_message(&store, &confirmation(&same_speaker))
        .await
        .expect("confirmed");
    let before = draft_body(vec![slot(1, "Main", "2027-06-10T09:00:00+02:00")]);
    assert_eq!(
        call(&store, &http_event(PUT, Some(&before))).await.status(),
        200
    );

    let body = draft_body(vec![
        slot(1, "Main", "2027-06-10T09:00:00+02:00"),
        // 0 and 1 overlap in Main.
        slot(2, "Main", "2027-06-10T09:15:00+02:00"),
        // Talk 8's speaker is on stage in Main at the same time (with talk 1).
        slot(8, "Side", "2027-06-10T09:10:00+02:00"),
        // Talk 2 again.
        slot(2, "Side", "2027-06-11T10:00:00+02:00"),
        // Nobody confirmed talk 99.
        slot(99, "Side", "2027-06-11T11:00:00+02:00"),
        slot(7, "Side", "2027-06-11T12:00:00+02:00"),
        slot(3, "Attic", "2027-06-11T13:00:00+02:00"),
        // The day after the event.
        slot(4, "Main", "2027-06-13T10:00:00+02:00"),
        // Ends at 18:15, after the day closes.
        slot(5, "Main", "2027-06-12T17:45:00+02:00"),
    ]);
    let response = call(&store, &http_event(PUT, Some(&body))).await;
    let problem = assert_problem(&response, 409, "schedule-conflicts");
    let conflicts = problem["conflicts"].as_array().expect("a list");
    let kinds: BTreeSet<&str> = conflicts
        .iter()
        .map(|c| c["kind"].as_str().expect("a kind"))
        .collect();
    assert_eq!(
        kinds,
        BTreeSet::from([
            "room-overlap",
            "speaker-overlap",
            "placed-twice",
            "not-confirmed",
            "unknown-session-type",
            "unknown-room",
            "outside-event-days",
            "outside-day-hours",
        ]),
        "{problem}"
    );
    assert_eq!(conflicts.len(), 8, "{problem}");
    for conflict in conflicts {
        assert!(
            conflict["detail"].as_str().is_some_and(|m| !m.is_empty()),
            "{conflict}"
        );
        let placements = conflict["placements"].as_array().expect("placements");
        assert!(!placements.is_empty(), "{conflict}");
        for placed in placements {
            assert!(
                placed["talkId"].is_string() && placed["room"].is_string(),
                "{conflict}"
            );
            assert!(placed["start"].is_string(), "{conflict}");
        }
    }
    let by_kind = |kind: &str| {
        conflicts
            .iter()
            .find(|c| c["kind"] == kind)
            .unwrap_or_else(|| panic!("no {kind}"))
    };
    let overlap = by_kind("room-overlap");
    assert_eq!(overlap["room"], "Main");
    assert_eq!(overlap["slots"], json!([0, 1]));
    assert_eq!(
        overlap["talks"],
        json!([
            test_data::talk_id(1).to_string(),
            test_data::talk_id(2).to_string()
        ])
    );
    assert_eq!(
        overlap["placements"][1]["start"],
        "2027-06-10T09:15:00+02:00"
    );
    assert_eq!(overlap["placements"][1]["end"], "2027-06-10T09:45:00+02:00");
    assert!(
        overlap["detail"].as_str().is_some_and(|m| m
            .contains("\"Talk number 2\", 2027-06-10T09:15:00+02:00 to 2027-06-10T09:45:00+02:00")),
        "{overlap}"
    );
    assert_eq!(by_kind("speaker-overlap")["slots"], json!([0, 2]));
    assert_eq!(
        by_kind("not-confirmed")["placements"][0]["end"],
        Value::Null
    );
    assert_eq!(by_kind("unknown-room")["room"], "Attic");
    assert_eq!(
        by_kind("outside-day-hours")["end"],
        "2027-06-12T18:15:00+02:00"
    );
    // The draft saved before is untouched.
    assert_eq!(stored_draft(&store).await.slots.len(), 1);
}

/// What is sent, its content type, the status and problem type expected, and the field named.
type BadInput<'a> = (
    &'a str,
    String,
    Option<&'a str>,
    u16,
    &'a str,
    Option<&'a str>,
);

#[tokio::test]
async fn bad_input_of_any_shape_is_a_4xx_that_changes_nothing() {
    let store = store_with_talks(1).await;
    let saved = draft_body(vec![slot(1, "Main", "2027-06-10T09:00:00+02:00")]);
    assert_eq!(
        call(&store, &http_event(PUT, Some(&saved))).await.status(),
        200
    );
    let before = stored_draft(&store).await;

    let id = test_data::talk_id(1).to_string();
    let too_many: Vec<Value> = (0..=Draft::MAX_SLOTS)
        .map(|i| json!({"talkId": id, "room": "M", "start": format!("2027-06-10T09:{:02}:00Z", i % 60)}))
        .collect();
    let cases: Vec<BadInput> = vec![
        ("broken JSON", "{\"slots\": [".into(), Some("application/json"), 400, "malformed-json", None),
        ("no body", String::new(), Some("application/json"), 400, "body-required", None),
        ("not JSON", "slots=1".into(), Some("application/x-www-form-urlencoded"), 415, "unsupported-media-type", None),
        ("an array", "[]".into(), Some("application/json"), 422, "validation-failed", Some("")),
        ("no slots", "{}".into(), Some("application/json"), 422, "validation-failed", Some("")),
        ("slots not a list", "{\"slots\": 3}".into(), Some("application/json"), 422, "validation-failed", Some("slots")),
        (
            "a room that is a number",
            json!({"slots": [{"talkId": id, "room": 7, "start": "2027-06-10T09:00:00+02:00"}]}).to_string(),
            Some("application/json"), 422, "validation-failed", Some("slots[0].room"),
        ),
        (
            "an unknown field",
            json!({"slots": [{"talkId": id, "room": "Main", "start": "2027-06-10T09:00:00+02:00", "end": "x"}]}).to_string(),
            Some("application/json"), 422, "validation-failed", Some("slots[0].end"),
        ),
        (
            "an unknown top-level field",
            json!({"slots": [], "version": 3}).to_string(),
            Some("application/json"), 422, "validation-failed", Some("version"),
        ),
        (
            "a start without an offset",
            json!({"slots": [{"talkId": id, "room": "Main", "start": "2027-06-10T09:00:00"}]}).to_string(),
            Some("application/json"), 422, "validation-failed", Some("slots[0].start"),
        ),
        (
            "a talk id that is no UUID",
            json!({"slots": [{"talkId": "42", "room": "Main", "start": "2027-06-10T09:00:00+02:00"}]}).to_string(),
            Some("application/json"), 422, "validation-failed", Some("slots[0].talkId"),
        ),
        (
            "a slot with nothing in it",
            json!({"slots": [{}]}).to_string(),
            Some("application/json"), 422, "validation-failed", Some("slots[0].talkId"),
        ),
        (
            "too many slots",
            json!({ "slots": too_many }).to_string(),
            Some("application/json"), 422, "validation-failed", Some("slots"),
        ),
        (
            "a body over the limit",
            format!("{{\"slots\": [], \"x\": \"{}\"}}", "x".repeat(MAX_DRAFT_BODY_BYTES)),
            Some("application/json"), 413, "payload-too-large", None,
        ),
    ];
    for (what, body, content_type, status, name, field) in cases {
        let mut event = http_event(PUT, None);
        set_body(&mut event, &body, content_type);
        let response = call(&store, &event).await;
        let problem = assert_problem(&response, status, name);
        if let Some(field) = field {
            assert_eq!(problem["errors"][0]["field"], field, "{what}: {problem}");
        }
        assert_eq!(stored_draft(&store).await, before, "{what}");
    }
}

#[tokio::test]
async fn every_problem_of_every_slot_is_listed() {
    let store = store_with_talks(1).await;
    let body = json!({"slots": [
        {"talkId": "x", "room": " ", "start": "10 June, 9 am"},
        {"room": "Main"}
    ]});
    let response = call(&store, &http_event(PUT, Some(&body))).await;
    let problem = assert_problem(&response, 422, "validation-failed");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().expect("a field"))
        .collect();
    assert_eq!(
        fields,
        [
            "slots[0].talkId",
            "slots[0].room",
            "slots[0].start",
            "slots[1].talkId",
            "slots[1].start"
        ]
    );
}

#[tokio::test]
async fn only_the_events_organisers_get_in() {
    let store = store_with_talks(1).await;
    let body = draft_body(vec![slot(1, "Main", "2027-06-10T09:00:00+02:00")]);
    for (route, body) in [(PUT, Some(&body)), (GET, None), (POST, None)] {
        let mut anonymous = http_event(route, body);
        remove_authorizer(&mut anonymous);
        assert_problem(&call(&store, &anonymous).await, 401, "unauthenticated");

        let mut outsider = http_event(route, body);
        set_claim(&mut outsider, "sub", Some("user-speaker"));
        assert_problem(&call(&store, &outsider).await, 403, "forbidden");

        let mut unknown = http_event(route, body);
        set_path_parameter(&mut unknown, "event", "no-such-event");
        assert_problem(&call(&store, &unknown).await, 404, "event-not-found");
    }
    assert_eq!(stored_draft(&store).await, Draft::default());
    assert_eq!(store.latest_release(EVENT).await, Ok(None));
}

#[tokio::test]
async fn a_release_freezes_the_draft_as_the_next_version() {
    let store = store_with_talks(2).await;
    let body = draft_body(vec![
        slot(1, "Main", "2027-06-10T09:00:00+02:00"),
        slot(2, "Side", "2027-06-10T09:00:00+02:00"),
    ]);
    assert_eq!(
        call(&store, &http_event(PUT, Some(&body))).await.status(),
        200
    );

    // No body at all: a release without a name.
    let response = call(&store, &http_event(POST, None)).await;
    assert_eq!(response.status().as_u16(), 201, "{response:?}");
    assert_eq!(
        header(&response, "location"),
        Some("/events/devconf-2027/schedule")
    );
    assert_eq!(
        body_json(&response),
        json!({"version": 1, "name": null, "releasedAt": "2027-05-01T12:00:00Z", "talks": 2})
    );

    let named = json!({"name": "  Final "});
    let response = call(&store, &http_event(POST, Some(&named))).await;
    assert_eq!(response.status().as_u16(), 201, "{response:?}");
    assert_eq!(body_json(&response)["version"], 2);
    assert_eq!(body_json(&response)["name"], "Final");
    let published = published_schedule(&store, EVENT).await.expect("published");
    assert_eq!(published.number.get(), 2);
    assert_eq!(published.talks.len(), 2);
}

#[tokio::test]
async fn a_release_is_refused_for_an_empty_draft_a_bad_name_or_conflicts() {
    let store = store_with_talks(2).await;
    assert_problem(
        &call(&store, &http_event(POST, None)).await,
        409,
        "empty-draft",
    );

    let body = draft_body(vec![
        slot(1, "Main", "2027-06-10T09:00:00+02:00"),
        slot(2, "Side", "2027-06-10T09:00:00+02:00"),
    ]);
    assert_eq!(
        call(&store, &http_event(PUT, Some(&body))).await.status(),
        200
    );
    for (name, field) in [
        (json!({"name": ""}), "name"),
        (json!({"name": "a\nb"}), "name"),
        (json!({"name": 7}), "name"),
        (json!({"title": "x"}), "title"),
    ] {
        let response = call(&store, &http_event(POST, Some(&name))).await;
        let problem = assert_problem(&response, 422, "validation-failed");
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    let mut broken = http_event(POST, None);
    set_body(&mut broken, "{", Some("application/json"));
    assert_problem(&call(&store, &broken).await, 400, "malformed-json");

    // Talk 2 is withdrawn, and (the two raced) the draft still holds it: the release is
    // refused with the conflict, shown where and when.
    let copy = store
        .talk_copy(EVENT, test_data::talk_id(2))
        .await
        .ok()
        .flatten()
        .expect("a copy");
    let mut withdrawn = copy.clone();
    withdrawn.version += 1;
    withdrawn.status = cfp_schedule::talk_message::CopyStatus::Withdrawn;
    store
        .put_talk_copy(EVENT, &withdrawn, Some(copy.version))
        .await
        .expect("written");
    let response = call(&store, &http_event(POST, None)).await;
    let problem = assert_problem(&response, 409, "schedule-conflicts");
    assert_eq!(problem["conflicts"][0]["kind"], "not-confirmed");
    assert_eq!(problem["conflicts"][0]["placements"][0]["room"], "Side");
    assert_eq!(
        problem["conflicts"][0]["placements"][0]["start"],
        "2027-06-10T09:00:00+02:00"
    );
    assert_eq!(store.latest_release(EVENT).await, Ok(None));

    // GET shows the draft with the conflict it has gained.
    let view = body_json(&call(&store, &http_event(GET, None)).await);
    assert_eq!(view["conflicts"][0]["kind"], "not-confirmed");
}

#[tokio::test]
async fn a_retried_release_with_the_same_idempotency_key_releases_once() {
    let store = store_with_talks(1).await;
    let idempotency = InMemoryStore::new();
    let body = draft_body(vec![slot(1, "Main", "2027-06-10T09:00:00+02:00")]);
    assert_eq!(
        call(&store, &http_event(PUT, Some(&body))).await.status(),
        200
    );
    let mut release = http_event(POST, Some(&json!({"name": "Final"})));
    release["headers"]["idempotency-key"] = json!("release-final-1");

    let first = call_with(&store, &idempotency, &release).await;
    assert_eq!(first.status().as_u16(), 201, "{first:?}");
    let again = call_with(&store, &idempotency, &release).await;
    assert_eq!(again.status().as_u16(), 201, "{again:?}");
    assert_eq!(header(&again, REPLAYED_HEADER), Some("true"));
    assert_eq!(body_json(&again), body_json(&first));
    assert_eq!(header(&again, "location"), header(&first, "location"));
    assert_eq!(
        published_schedule(&store, EVENT)
            .await
            .map(|r| r.number.get()),
        Ok(1)
    );

    // The same key with another body is refused; a new key releases again.
    let mut other = http_event(POST, Some(&json!({"name": "Other"})));
    other["headers"]["idempotency-key"] = json!("release-final-1");
    assert_problem(
        &call_with(&store, &idempotency, &other).await,
        422,
        "idempotency-key-reused",
    );
    other["headers"]["idempotency-key"] = json!("release-final-2");
    assert_eq!(call_with(&store, &idempotency, &other).await.status(), 201);
}

/// What lands just before one of this request's draft writes.
enum DraftCompetitor {
    /// The talk's withdrawal, applied in full by updateTalkDetails.
    Withdrawal(Box<TalkMessage>),
    /// Another organiser's save of this draft.
    Save(Draft),
}

/// The in-memory store, where another writer gets in just before this request writes: another
/// release of the same number (when `release_race`), or the draft competitors, one per write.
#[derive(Default)]
struct Raced {
    inner: InMemoryScheduleStore,
    release_race: bool,
    draft_competitors: std::sync::Mutex<std::collections::VecDeque<DraftCompetitor>>,
}

impl Raced {
    fn releases(inner: InMemoryScheduleStore) -> Self {
        Raced {
            inner,
            release_race: true,
            ..Raced::default()
        }
    }

    fn drafts(inner: InMemoryScheduleStore, competitors: Vec<DraftCompetitor>) -> Self {
        Raced {
            inner,
            draft_competitors: std::sync::Mutex::new(competitors.into()),
            ..Raced::default()
        }
    }
}

#[async_trait]
impl ScheduleStore for Raced {
    async fn event_copy(&self, event: &str) -> Result<Option<EventCopy>, StoreError> {
        self.inner.event_copy(event).await
    }
    async fn put_event_copy(
        &self,
        copy: &EventCopy,
        expected: Option<u32>,
    ) -> Result<(), StoreError> {
        self.inner.put_event_copy(copy, expected).await
    }
    async fn talk_copy(&self, event: &str, talk: TalkId) -> Result<Option<TalkCopy>, StoreError> {
        self.inner.talk_copy(event, talk).await
    }
    async fn put_talk_copy(
        &self,
        event: &str,
        copy: &TalkCopy,
        expected: Option<u32>,
    ) -> Result<(), StoreError> {
        self.inner.put_talk_copy(event, copy, expected).await
    }
    async fn allocate_talk_number(&self, event: &str) -> Result<TalkNumber, StoreError> {
        self.inner.allocate_talk_number(event).await
    }
    async fn confirmed_talks(&self, event: &str) -> Result<HashMap<TalkId, Talk>, StoreError> {
        self.inner.confirmed_talks(event).await
    }
    async fn draft(&self, event: &str) -> Result<StoredDraft, StoreError> {
        self.inner.draft(event).await
    }
    async fn put_draft(
        &self,
        event: &str,
        draft: &Draft,
        expected: u32,
    ) -> Result<u32, StoreError> {
        let competitor = self
            .draft_competitors
            .lock()
            .ok()
            .and_then(|mut competitors| competitors.pop_front());
        match competitor {
            Some(DraftCompetitor::Withdrawal(message)) => {
                apply_talk_message(&self.inner, &message)
                    .await
                    .map_err(|e| StoreError::Unavailable(e.to_string()))?;
            }
            Some(DraftCompetitor::Save(theirs)) => {
                let version = self.inner.draft(event).await?.version;
                self.inner.put_draft(event, &theirs, version).await?;
            }
            None => {}
        }
        self.inner.put_draft(event, draft, expected).await
    }
    async fn latest_release(&self, event: &str) -> Result<Option<Release>, StoreError> {
        self.inner.latest_release(event).await
    }
    async fn put_release(&self, event: &str, release: &Release) -> Result<(), StoreError> {
        if self.release_race {
            let mut competitor = release.clone();
            competitor.name = ReleaseName::parse("the other organiser's").ok();
            self.inner.put_release(event, &competitor).await?;
        }
        self.inner.put_release(event, release).await
    }
}

#[tokio::test]
async fn a_release_that_loses_the_race_is_409_and_the_winner_stands() {
    let store = Raced::releases(store_with_talks(1).await);
    let body = draft_body(vec![slot(1, "Main", "2027-06-10T09:00:00+02:00")]);
    assert_eq!(
        call(&store, &http_event(PUT, Some(&body))).await.status(),
        200
    );
    let response = call(&store, &http_event(POST, None)).await;
    assert_problem(&response, 409, "concurrent-change");
    let published = published_schedule(&store, EVENT).await.expect("the winner");
    assert_eq!(published.number.get(), 1);
    assert_eq!(
        published.name.as_ref().map(ReleaseName::as_str),
        Some("the other organiser's")
    );
}

#[tokio::test]
async fn a_draft_that_loses_to_a_withdrawal_is_checked_again_and_refused() {
    // Talk 2 is withdrawn between this PUT's check and its write: the PUT must not bring the
    // withdrawn talk into the draft.
    let mut withdrawal = confirmation(&test_data::talk(2));
    withdrawal.kind = TalkMessageKind::TalkWithdrawn;
    withdrawal.version = 2;
    let store = Raced::drafts(
        store_with_talks(2).await,
        vec![DraftCompetitor::Withdrawal(Box::new(withdrawal))],
    );
    let body = draft_body(vec![
        slot(1, "Main", "2027-06-10T09:00:00+02:00"),
        slot(2, "Side", "2027-06-10T09:00:00+02:00"),
    ]);
    let response = call(&store, &http_event(PUT, Some(&body))).await;
    let problem = assert_problem(&response, 409, "schedule-conflicts");
    assert_eq!(problem["conflicts"][0]["kind"], "not-confirmed");
    assert_eq!(problem["conflicts"][0]["placements"][0]["room"], "Side");
    assert_eq!(stored_draft(&store).await, Draft::default());
    // Without talk 2 it is saved.
    let body = draft_body(vec![slot(1, "Main", "2027-06-10T09:00:00+02:00")]);
    let response = call(&store, &http_event(PUT, Some(&body))).await;
    assert_eq!(response.status().as_u16(), 200, "{response:?}");
    assert_eq!(stored_draft(&store).await.slots.len(), 1);
}

#[tokio::test]
async fn a_draft_that_keeps_losing_is_a_409_concurrent_change() {
    let theirs = Draft {
        slots: vec![cfp_schedule::Slot {
            talk_id: test_data::talk_id(1),
            room: "Side".into(),
            start: at("2027-06-10T11:00:00+02:00"),
        }],
    };
    let store = Raced::drafts(
        store_with_talks(1).await,
        (0..10)
            .map(|_| DraftCompetitor::Save(theirs.clone()))
            .collect(),
    );
    let body = draft_body(vec![slot(1, "Main", "2027-06-10T09:00:00+02:00")]);
    let response = call(&store, &http_event(PUT, Some(&body))).await;
    assert_problem(&response, 409, "concurrent-change");
    assert_eq!(stored_draft(&store).await, theirs);
}

#[tokio::test]
async fn a_route_it_does_not_serve_is_a_500_that_changes_nothing() {
    let store = store_with_talks(1).await;
    let body = draft_body(vec![slot(1, "Main", "2027-06-10T09:00:00+02:00")]);
    let mut wrong = http_event(PUT, Some(&body));
    wrong["routeKey"] = json!("DELETE /events/{event}/schedule");
    wrong["requestContext"]["routeKey"] = json!("DELETE /events/{event}/schedule");
    assert_problem(&call(&store, &wrong).await, 500, "internal-error");
    assert_eq!(stored_draft(&store).await, Draft::default());
}

#[test]
fn the_draft_limit_fits_a_draft_of_the_most_slots() {
    // The longest slot the API accepts in practice: a UUID, a room name of 40 characters and
    // a start with an offset, with spacing.
    let one = format!(
        "{{ \"talkId\": \"{}\", \"room\": \"{}\", \"start\": \"2027-06-10T09:00:00+02:00\" }}, ",
        test_data::talk_id(1),
        "r".repeat(40)
    );
    assert!(
        one.len() * Draft::MAX_SLOTS < MAX_DRAFT_BODY_BYTES,
        "{}",
        one.len()
    );
}
