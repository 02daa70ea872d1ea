//! The schedule over HTTP against the local stack: confirmed proposals reach the schedule through
//! the CfP events topic (publishCfPEvents -> SNS -> updateTalkDetails), organisers place them in a
//! draft that is refused with every conflict listed, releases freeze numbered versions, and the
//! public schedule, its exports (checked by real validators) and the search (updateSearchIndex on
//! the schedule table's stream, then searchTalks) follow the latest release.

use std::collections::BTreeSet;
use std::time::Duration;

use cfp_e2e::fixtures::{proposal_body, proposal_by};
use cfp_e2e::validators::{c3voc_json_errors, frab_xml_errors, ical_events};
use cfp_e2e::{ApiResponse, Caller, Stack, User, eventually};
use reqwest::Method;
use serde_json::{Value, json};

/// How long the topic and the streams may take to carry a change to the schedule and the index.
const DELIVERY: Duration = Duration::from_secs(30);

/// An event, its organiser, and the ids of the talks confirmed in it, in the order given.
struct Scheduled {
    slug: String,
    organiser: User,
    talks: Vec<String>,
}

async fn confirm(stack: &Stack, slug: &str, id: &str, organiser: &User) {
    let confirmed = stack
        .send(
            Method::POST,
            &format!("/events/{slug}/cfps/{id}/confirm"),
            &organiser.caller(),
            None,
            &[],
        )
        .await;
    assert_eq!(confirmed.status, 200, "{confirmed:?}");
}

/// A fresh event with one confirmed talk per `(title, speaker name)`, each by its own user.
async fn event_with_talks(stack: &Stack, talks: &[(&str, &str)]) -> Scheduled {
    let organiser = stack.admin().await;
    let slug = stack.open_event(&organiser).await;
    let mut ids = Vec::new();
    for (title, speaker) in talks {
        let user = stack.user(None).await;
        let id = stack
            .submit(&slug, &user, &proposal_by(title, speaker))
            .await;
        confirm(stack, &slug, &id, &organiser).await;
        ids.push(id);
    }
    Scheduled {
        slug,
        organiser,
        talks: ids,
    }
}

fn slots(placed: &[(&str, &str, &str)]) -> Value {
    json!({"slots": placed.iter().map(|(talk, room, start)| json!({"talkId": talk, "room": room, "start": start})).collect::<Vec<_>>()})
}

async fn put_draft(stack: &Stack, slug: &str, by: &Caller, draft: &Value) -> ApiResponse {
    stack
        .send(
            Method::PUT,
            &format!("/events/{slug}/schedule"),
            by,
            Some(draft),
            &[],
        )
        .await
}

/// Saves the draft once the schedule has heard of the event and its talks (until then it is
/// refused: the event is unknown, or the talks are not confirmed as far as it knows).
async fn put_draft_when_known(stack: &Stack, event: &Scheduled, draft: &Value) -> ApiResponse {
    eventually("the schedule to accept the draft", DELIVERY, || async {
        let saved = put_draft(stack, &event.slug, &event.organiser.caller(), draft).await;
        (saved.status == 200).then_some(saved)
    })
    .await
}

async fn release(stack: &Stack, event: &Scheduled, name: Option<&str>) -> ApiResponse {
    let body = name.map_or(json!({}), |name| json!({"name": name}));
    stack
        .send(
            Method::POST,
            &format!("/events/{}/schedule/releases", event.slug),
            &event.organiser.caller(),
            Some(&body),
            &[],
        )
        .await
}

async fn public(stack: &Stack, path: &str, headers: &[(&str, &str)]) -> ApiResponse {
    stack
        .send(Method::GET, path, &Caller::Anonymous, None, headers)
        .await
}

fn titles(schedule: &ApiResponse) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    collect_titles(&schedule.json, &mut found);
    found
}

/// The title of every talk anywhere in a JSON document (the views nest talks by day and room;
/// a talk is what has an abstract, unlike the conference, which has a title too).
fn collect_titles(value: &Value, found: &mut BTreeSet<String>) {
    match value {
        Value::Object(object) => {
            if let (Some(Value::String(title)), true) =
                (object.get("title"), object.contains_key("abstract"))
            {
                found.insert(title.clone());
            }
            object.values().for_each(|v| collect_titles(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_titles(v, found)),
        _ => {}
    }
}

async fn search(stack: &Stack, slug: &str, query: &str) -> ApiResponse {
    public(stack, &format!("/events/{slug}/talks?q={query}"), &[]).await
}

fn hit_ids(found: &ApiResponse) -> Vec<String> {
    found.json["hits"]
        .as_array()
        .map(|hits| {
            hits.iter()
                .filter_map(|hit| hit["talkId"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_confirmed_proposal_becomes_a_released_exported_searchable_talk() {
    let stack = &Stack::connect().await;
    let event = event_with_talks(
        stack,
        &[
            ("Borrow checker therapy", "Ada Lovelace"),
            ("Compilers for everyone", "Grace Hopper"),
        ],
    )
    .await;
    let (slug, borrow, compilers) = (&event.slug, &event.talks[0], &event.talks[1]);

    // Nothing is public before the first release.
    public(stack, &format!("/events/{slug}/schedule"), &[])
        .await
        .problem(404);

    let saved = put_draft_when_known(
        stack,
        &event,
        &slots(&[
            (borrow, "Main Hall", "2027-06-10T10:00:00+02:00"),
            (compilers, "Room 2", "2027-06-10T10:00:00+02:00"),
        ]),
    )
    .await;
    assert_eq!(
        saved.json["slots"].as_array().map(Vec::len),
        Some(2),
        "{saved:?}"
    );
    let draft = stack
        .get(
            &format!("/events/{slug}/schedule/draft"),
            event.organiser.caller(),
        )
        .await;
    assert_eq!(draft.status, 200, "{draft:?}");
    assert_eq!(
        draft.json["slots"].as_array().map(Vec::len),
        Some(2),
        "{draft:?}"
    );
    // The draft is not the public schedule.
    public(stack, &format!("/events/{slug}/schedule"), &[])
        .await
        .problem(404);

    let released = release(stack, &event, Some("First")).await;
    assert_eq!(released.status, 201, "{released:?}");
    assert_eq!(released.json["version"], 1, "{released:?}");

    // The JSON view, its filters, and caching.
    let schedule = public(stack, &format!("/events/{slug}/schedule"), &[]).await;
    assert_eq!(schedule.status, 200, "{schedule:?}");
    assert_eq!(
        titles(&schedule),
        BTreeSet::from([
            "Borrow checker therapy".into(),
            "Compilers for everyone".into()
        ]),
        "{schedule:?}"
    );
    let body = String::from_utf8_lossy(&schedule.body);
    assert!(!body.contains('@'), "no e-mail address in public: {body}");
    let etag = schedule.header("etag").expect("an ETag").to_owned();
    let cache = schedule.header("cache-control").unwrap_or_default();
    assert!(
        cache.contains("public") && cache.contains("max-age"),
        "{cache}"
    );
    let unchanged = public(
        stack,
        &format!("/events/{slug}/schedule"),
        &[("if-none-match", &etag)],
    )
    .await;
    assert_eq!(unchanged.status, 304, "{unchanged:?}");
    assert!(unchanged.body.is_empty());
    assert_eq!(unchanged.header("etag"), Some(etag.as_str()));
    let room = public(
        stack,
        &format!("/events/{slug}/schedule?room=Room%202"),
        &[],
    )
    .await;
    assert_eq!(
        titles(&room),
        BTreeSet::from(["Compilers for everyone".into()]),
        "{room:?}"
    );
    let other_day = public(
        stack,
        &format!("/events/{slug}/schedule?day=2027-06-11"),
        &[],
    )
    .await;
    assert_eq!(other_day.status, 200, "{other_day:?}");
    assert!(titles(&other_day).is_empty(), "{other_day:?}");

    // The exports, each checked by a real validator.
    let export = |file: &str| format!("/events/{slug}/schedule/export/{file}");
    let c3voc = public(stack, &export("schedule.json"), &[]).await;
    assert_eq!(c3voc.status, 200, "{c3voc:?}");
    assert!(c3voc.json["schedule"]["version"].is_string(), "{c3voc:?}");
    assert_eq!(c3voc_json_errors(&c3voc.json), Vec::<String>::new());
    assert_eq!(titles(&c3voc).len(), 2, "{c3voc:?}");
    let frab = public(stack, &export("schedule.xml"), &[]).await;
    assert_eq!(frab.status, 200, "{frab:?}");
    assert!(
        frab.header("content-type")
            .unwrap_or_default()
            .contains("xml")
    );
    frab_xml_errors(&frab.body).expect("the frab XML validates against the XSD");
    let ics = public(stack, &export("schedule.ics"), &[]).await;
    assert_eq!(ics.status, 200, "{ics:?}");
    assert!(
        ics.header("content-type")
            .unwrap_or_default()
            .starts_with("text/calendar")
    );
    let vevents = ical_events(&ics.body);
    let summaries: BTreeSet<&str> = vevents
        .iter()
        .filter_map(|e| e.get("SUMMARY").map(String::as_str))
        .collect();
    assert_eq!(
        summaries,
        BTreeSet::from(["Borrow checker therapy", "Compilers for everyone"])
    );
    let uids: BTreeSet<&str> = vevents
        .iter()
        .filter_map(|e| e.get("UID").map(String::as_str))
        .collect();
    assert_eq!(uids.len(), 2, "one UID per talk: {vevents:?}");
    assert!(
        vevents
            .iter()
            .all(|e| e.contains_key("DTSTART") && e.contains_key("DTEND"))
    );
    // Stable: the same bytes and ETag again.
    let again = public(stack, &export("schedule.ics"), &[]).await;
    assert_eq!(again.body, ics.body);
    assert_eq!(again.header("etag"), ics.header("etag"));

    // One released talk, with its speaker and without anyone's address.
    let talk = public(stack, &format!("/events/{slug}/talks/{borrow}"), &[]).await;
    assert_eq!(talk.status, 200, "{talk:?}");
    assert_eq!(talk.json["title"], "Borrow checker therapy", "{talk:?}");
    assert!(
        !String::from_utf8_lossy(&talk.body).contains('@'),
        "{talk:?}"
    );
    public(
        stack,
        &format!("/events/{slug}/talks/{}", uuid::Uuid::now_v7()),
        &[],
    )
    .await
    .problem(404);

    // Search: typos and stemming, from the index the release produced.
    let found = eventually("the release to be searchable", DELIVERY, || async {
        let found = search(stack, slug, "checkr").await;
        (found.status == 200 && !hit_ids(&found).is_empty()).then_some(found)
    })
    .await;
    assert_eq!(hit_ids(&found), [borrow.as_str()], "{found:?}");
    assert_eq!(
        hit_ids(&search(stack, slug, "compiler").await),
        [compilers.as_str()]
    );
    assert!(hit_ids(&search(stack, slug, "kubernetes").await).is_empty());
}

#[tokio::test]
async fn a_draft_is_refused_with_every_conflict_listed_and_nothing_saved() {
    let stack = &Stack::connect().await;
    let event = event_with_talks(
        stack,
        &[
            ("Ada's first", "Ada Lovelace"),
            ("Ada's second", "ada  lovelace"),
            ("Grace's", "Grace Hopper"),
            ("Too late", "Barbara Liskov"),
            ("Too early", "Frances Allen"),
            ("Nowhere", "Margaret Hamilton"),
            ("Fine", "Radia Perlman"),
        ],
    )
    .await;
    let t = &event.talks;
    let speaker = stack.user(None).await;
    let submitted = stack
        .submit(&event.slug, &speaker, &proposal_body("Not decided"))
        .await;

    // A clean draft first, once the schedule knows the talks: a refused one must leave it as is.
    put_draft_when_known(
        stack,
        &event,
        &slots(&[(&t[6], "Main Hall", "2027-06-11T09:00:00+02:00")]),
    )
    .await;
    let refused = put_draft(
        stack,
        &event.slug,
        &event.organiser.caller(),
        &slots(&[
            // Ada in Main Hall 10:00-10:30, Grace in the same room from 10:15: a room overlap.
            (&t[0], "Main Hall", "2027-06-10T10:00:00+02:00"),
            (&t[2], "Main Hall", "2027-06-10T10:15:00+02:00"),
            // Ada (by her name, however written) in Room 2 at the same time: a speaker overlap.
            (&t[1], "Room 2", "2027-06-10T10:00:00+02:00"),
            // Not confirmed.
            (&submitted, "Room 2", "2027-06-10T14:00:00+02:00"),
            // After the event's last day; before the day's hours (09:00 local).
            (&t[3], "Main Hall", "2027-07-01T10:00:00+02:00"),
            (&t[4], "Room 2", "2027-06-11T07:00:00+02:00"),
            // A room the event does not have.
            (&t[5], "Broom closet", "2027-06-11T10:00:00+02:00"),
            // The same talk twice.
            (&t[6], "Main Hall", "2027-06-12T09:00:00+02:00"),
            (&t[6], "Room 2", "2027-06-12T11:00:00+02:00"),
        ]),
    )
    .await;
    let problem = refused.problem(409);
    let conflicts = problem["conflicts"]
        .as_array()
        .expect("the conflicts listed");
    let kinds: BTreeSet<&str> = conflicts
        .iter()
        .filter_map(|c| c["kind"].as_str())
        .collect();
    for kind in [
        "room-overlap",
        "speaker-overlap",
        "not-confirmed",
        "outside-event-days",
        "outside-day-hours",
        "unknown-room",
        "placed-twice",
    ] {
        assert!(kinds.contains(kind), "{kind} missing from {problem:#}");
    }
    assert!(
        conflicts
            .iter()
            .all(|c| c["detail"].as_str().is_some_and(|d| !d.is_empty())),
        "each conflict is described: {problem:#}"
    );

    let draft = stack
        .get(
            &format!("/events/{}/schedule/draft", event.slug),
            event.organiser.caller(),
        )
        .await;
    assert_eq!(
        draft.json["slots"].as_array().map(Vec::len),
        Some(1),
        "{draft:?}"
    );
}

#[tokio::test]
async fn a_withdrawn_talk_leaves_the_draft_and_the_next_release_not_the_current_one() {
    let stack = &Stack::connect().await;
    let organiser = stack.admin().await;
    let slug = stack.open_event(&organiser).await;
    let (ada, grace) = (stack.user(None).await, stack.user(None).await);
    let staying = stack
        .submit(&slug, &ada, &proposal_by("Staying power", "Ada Lovelace"))
        .await;
    let leaving = stack
        .submit(&slug, &grace, &proposal_by("Vanishing act", "Grace Hopper"))
        .await;
    confirm(stack, &slug, &staying, &organiser).await;
    confirm(stack, &slug, &leaving, &organiser).await;
    let event = Scheduled {
        slug: slug.clone(),
        organiser,
        talks: vec![staying.clone(), leaving.clone()],
    };
    put_draft_when_known(
        stack,
        &event,
        &slots(&[
            (&staying, "Main Hall", "2027-06-10T10:00:00+02:00"),
            (&leaving, "Main Hall", "2027-06-10T11:00:00+02:00"),
        ]),
    )
    .await;
    assert_eq!(release(stack, &event, None).await.status, 201);
    let first = public(stack, &format!("/events/{slug}/schedule"), &[]).await;
    let first_etag = first.header("etag").expect("an ETag").to_owned();
    eventually("the first release to be searchable", DELIVERY, || async {
        hit_ids(&search(stack, &slug, "vanishing").await)
            .contains(&leaving)
            .then_some(())
    })
    .await;

    let withdrawn = stack
        .send(
            Method::POST,
            &format!("/events/{slug}/cfps/{leaving}/withdraw"),
            &grace.caller(),
            None,
            &[],
        )
        .await;
    assert_eq!(withdrawn.status, 200, "{withdrawn:?}");
    eventually(
        "the withdrawn talk to leave the draft",
        DELIVERY,
        || async {
            let draft = stack
                .get(
                    &format!("/events/{slug}/schedule/draft"),
                    event.organiser.caller(),
                )
                .await;
            let ids: Vec<&str> = draft.json["slots"]
                .as_array()?
                .iter()
                .filter_map(|s| s["talkId"].as_str())
                .collect();
            (ids == [staying.as_str()]).then_some(())
        },
    )
    .await;
    // The published release is frozen: the talk is still in it until the next release.
    let still = public(
        stack,
        &format!("/events/{slug}/schedule"),
        &[("if-none-match", &first_etag)],
    )
    .await;
    assert_eq!(still.status, 304, "{still:?}");

    let second = release(stack, &event, Some("After the withdrawal")).await;
    assert_eq!(second.status, 201, "{second:?}");
    assert_eq!(second.json["version"], 2, "{second:?}");
    let now = public(
        stack,
        &format!("/events/{slug}/schedule"),
        &[("if-none-match", &first_etag)],
    )
    .await;
    assert_eq!(
        now.status, 200,
        "a new release is a new representation: {now:?}"
    );
    assert_eq!(titles(&now), BTreeSet::from(["Staying power".into()]));
    assert_ne!(now.header("etag"), Some(first_etag.as_str()));
    let c3voc = public(
        stack,
        &format!("/events/{slug}/schedule/export/schedule.json"),
        &[],
    )
    .await;
    assert_eq!(c3voc_json_errors(&c3voc.json), Vec::<String>::new());
    assert_eq!(titles(&c3voc), BTreeSet::from(["Staying power".into()]));
    public(stack, &format!("/events/{slug}/talks/{leaving}"), &[])
        .await
        .problem(404);
    eventually(
        "the withdrawn talk to leave the search",
        DELIVERY,
        || async {
            let found = search(stack, &slug, "vanishing").await;
            (found.status == 200 && !hit_ids(&found).contains(&leaving)).then_some(())
        },
    )
    .await;
}

#[tokio::test]
async fn only_the_events_organisers_build_and_release_its_schedule() {
    let stack = &Stack::connect().await;
    let event = event_with_talks(stack, &[("Guarded", "Ada Lovelace")]).await;
    let draft = slots(&[(&event.talks[0], "Main Hall", "2027-06-10T10:00:00+02:00")]);
    put_draft_when_known(stack, &event, &draft).await;
    let slug = &event.slug;

    let stranger = stack.user(None).await;
    put_draft(stack, slug, &stranger.caller(), &draft)
        .await
        .problem(403);
    let anonymous = put_draft(stack, slug, &Caller::Anonymous, &draft).await;
    assert_eq!(anonymous.status, 401, "{anonymous:?}");
    stack
        .get(&format!("/events/{slug}/schedule/draft"), stranger.caller())
        .await
        .problem(403);
    let not_theirs = stack
        .send(
            Method::POST,
            &format!("/events/{slug}/schedule/releases"),
            &stranger.caller(),
            Some(&json!({})),
            &[],
        )
        .await;
    not_theirs.problem(403);
    // An organiser of another event is a stranger here.
    let other = stack.admin().await;
    stack.open_event(&other).await;
    put_draft(stack, slug, &other.caller(), &draft)
        .await
        .problem(403);

    // Bad input changes nothing.
    let organiser = event.organiser.caller();
    let malformed = stack
        .request(
            Method::PUT,
            &format!("/events/{slug}/schedule"),
            organiser.clone(),
            Some(("application/json", b"{\"slots\": [".to_vec())),
        )
        .await;
    malformed.problem(400);
    let no_offset = put_draft(
        stack,
        slug,
        &organiser,
        &slots(&[(&event.talks[0], "Main Hall", "2027-06-10T10:00:00")]),
    )
    .await;
    assert!(
        [400, 422].contains(&no_offset.status),
        "a start without an offset: {no_offset:?}"
    );
    let wrong_type = put_draft(stack, slug, &organiser, &json!({"slots": "all of them"})).await;
    assert!([400, 422].contains(&wrong_type.status), "{wrong_type:?}");
    let kept = stack
        .get(&format!("/events/{slug}/schedule/draft"), organiser)
        .await;
    assert_eq!(
        kept.json["slots"].as_array().map(Vec::len),
        Some(1),
        "{kept:?}"
    );

    // Searching needs a query it can use; the unknown event has no schedule.
    let long = "a".repeat(300);
    search(stack, slug, &long).await.problem(400);
    public(stack, "/events/no-such-event-here/schedule", &[])
        .await
        .problem(404);
}
