//! getSchedule: the public schedule of an event, which is its latest release (never the draft).
//!
//! - `GET /events/{event}/schedule?day=&room=&track=`: the JSON API view, filtered;
//! - `GET /events/{event}/schedule/export/schedule.json | schedule.xml | schedule.ics`: c3voc
//!   JSON, frab XML, iCalendar;
//! - `GET /events/{event}/talks/{talkId}`: one released talk.
//!
//! (`HEAD` too, where the template routes it.) Every 200 carries a strong ETag per release and
//! representation, `Last-Modified` (the release's time) and a `Cache-Control` a CDN can serve a
//! keynote rush from; a matching `If-None-Match` gets a 304. Each request reads the latest
//! release's header from the store; what was rendered from a release is kept by the instance
//! (see [`render_cache`]), and the release itself is read only when its rendering is not.
//!
//! Filters: `day` must be a date of the event, `room` and `track` names it has (exactly as
//! written); anything else is a 400 naming the parameter and the valid values, so a typo is
//! not mistaken for an empty schedule. 404s say which thing is missing: `event-not-found`,
//! `schedule-not-released` (the event exists, nothing is released yet), `talk-not-found` (not
//! in the latest release).

mod conditional;
mod content_coding;
pub mod error;
mod problem;
pub mod public_urls;
pub mod render_cache;
mod rendered;
mod representation;
pub mod response;
mod route;

use cfp_domain::event::EventSlug;
use cfp_http::{Body, Request, Response, path_parameter, query_parameter};
use cfp_schedule::ports::ScheduleStore;
use cfp_schedule::use_cases::{published_header, published_schedule};
use cfp_schedule::view::ViewFilter;
use cfp_schedule::{ScheduleError, TalkId};

use crate::error::GetScheduleError;
use crate::problem::problem_response;
use crate::render_cache::{CacheKey, RenderCache};
use crate::rendered::Rendered;
use crate::representation::Representation;
use crate::response::representation_response;
use crate::route::{Resource, Route};

pub use crate::public_urls::PublicUrls;
pub use crate::route::PATHS;

/// The representation asked for, a 304, or a problem.
pub async fn handle(
    request: Request,
    store: &dyn ScheduleStore,
    cache: &RenderCache,
    urls: &PublicUrls,
) -> Response<Body> {
    get_schedule(&request, store, cache, urls)
        .await
        .unwrap_or_else(|error| problem_response(&error))
}

async fn get_schedule(
    request: &Request,
    store: &dyn ScheduleStore,
    cache: &RenderCache,
    urls: &PublicUrls,
) -> Result<Response<Body>, GetScheduleError> {
    let route = Route::of(request)?;
    // All the request alone can get wrong is refused before the store is read; a slug no event
    // can have (or one too long for a DynamoDB key) names no event.
    if EventSlug::parse(&route.event).is_err() {
        return Err(ScheduleError::UnknownEvent(route.event).into());
    }
    let representation = match route.resource {
        Resource::Schedule => Representation::Schedule(view_filter(request)?),
        Resource::Talk => {
            let raw = path_parameter(request, "talkId")?;
            Representation::Talk(TalkId::parse(&raw).map_err(GetScheduleError::InvalidPath)?)
        }
        Resource::Export(format) => Representation::Export(format, urls.links(request)?),
    };
    // The header says which release is current, which is all a rendering kept from it (and so
    // a 304) needs; the release itself is read only to render.
    let header = published_header(store, &route.event).await?;
    let key = CacheKey::new(&route.event, &header, representation);
    if let Some(rendered) = cache.get(&key) {
        return representation_response(request, &rendered, header.released_at);
    }
    let release = published_schedule(store, &route.event).await?;
    // A release made since the header was read is rendered under its own key.
    let key = CacheKey::new(&route.event, &release.header(), key.representation);
    if let Representation::Schedule(filter) = &key.representation {
        filter
            .check_against(&release)
            .map_err(GetScheduleError::InvalidQuery)?;
    }
    let rendered = cache.get_or_render(key, |key| {
        let text = key.representation.render(&release)?;
        Rendered::new(key.representation.content_type(), text)
    })?;
    representation_response(request, &rendered, release.released_at)
}

/// `?day=&room=&track=`, each at most once.
fn view_filter(request: &Request) -> Result<ViewFilter, GetScheduleError> {
    let day = query_parameter(request, "day")?;
    let room = query_parameter(request, "room")?;
    let track = query_parameter(request, "track")?;
    ViewFilter::parse(day.as_deref(), room.as_deref(), track.as_deref())
        .map_err(GetScheduleError::InvalidQuery)
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use async_trait::async_trait;
    use cfp_http::test_support::*;
    use cfp_schedule::export::etag;
    use cfp_schedule::in_memory::InMemoryScheduleStore;
    use cfp_schedule::{
        Draft, EventCopy, Release, ReleaseHeader, ReleaseNumber, StoreError, StoredDraft, Talk,
        TalkCopy, TalkNumber, test_data,
    };
    use serde_json::Value;

    use super::*;

    const EVENT: &str = "devconf-2027";
    const SCHEDULE: &str = "/events/{event}/schedule";
    const JSON: &str = "/events/{event}/schedule/export/schedule.json";
    const XML: &str = "/events/{event}/schedule/export/schedule.xml";
    const ICS: &str = "/events/{event}/schedule/export/schedule.ics";
    const TALK: &str = "/events/{event}/talks/{talkId}";

    /// Talks 1 and 2 on the first day, 3 on the second.
    fn first_release() -> Release {
        test_data::release(&[
            (1, "Main", "2027-06-10T09:00:00+02:00"),
            (2, "Side", "2027-06-10T09:00:00+02:00"),
            (3, "Main", "2027-06-11T10:00:00+02:00"),
        ])
    }

    /// Release 2: talk 2 is gone, talk 3 moved to Side.
    fn second_release() -> Release {
        let mut release = first_release();
        release.number = ReleaseNumber::new(2).expect("2");
        release.released_at += chrono::Duration::hours(1);
        release.talks.retain(|t| t.talk.number.get() != 2);
        release.talks[1].room = "Side".into();
        release
    }

    async fn released(releases: &[Release]) -> InMemoryScheduleStore {
        let store = InMemoryScheduleStore::with_frame(test_data::frame());
        for release in releases {
            store.put_release(EVENT, release).await.expect("stored");
        }
        store
    }

    /// The payload-2.0 event API Gateway sends for `GET <template>` with these parameters,
    /// from a client that does not take gzip.
    fn get(template: &str, parameters: &[(&str, &str)]) -> Value {
        let mut event = sample_event("get-event");
        if let Some(headers) = event["headers"].as_object_mut() {
            headers.remove("accept-encoding");
        }
        let mut path = template.replace("{event}", EVENT);
        for (name, value) in parameters {
            path = path.replace(&format!("{{{name}}}"), value);
            set_path_parameter(&mut event, name, value);
        }
        let key = format!("GET {template}");
        event["routeKey"] = key.clone().into();
        event["requestContext"]["routeKey"] = key.into();
        event["rawPath"] = path.clone().into();
        event["requestContext"]["http"]["path"] = path.into();
        event
    }

    fn with_query(mut event: Value, raw: &str) -> Value {
        event["rawQueryString"] = raw.into();
        event
    }

    fn with_header(mut event: Value, name: &str, value: &str) -> Value {
        event["headers"][name] = value.into();
        event
    }

    fn urls() -> PublicUrls {
        PublicUrls::new(None, None).expect("urls")
    }

    async fn call_with(
        store: &dyn ScheduleStore,
        cache: &RenderCache,
        event: &Value,
    ) -> Response<Body> {
        handle(request(event), store, cache, &urls()).await
    }

    async fn call(store: &dyn ScheduleStore, event: &Value) -> Response<Body> {
        call_with(store, &RenderCache::new(1 << 20), event).await
    }

    fn text(response: &Response<Body>) -> String {
        String::from_utf8(response.body().as_ref().to_vec()).expect("UTF-8")
    }

    fn gunzip(response: &Response<Body>) -> String {
        let mut text = String::new();
        flate2::read::GzDecoder::new(response.body().as_ref())
            .read_to_string(&mut text)
            .expect("gzip");
        text
    }

    fn assert_cacheable(response: &Response<Body>) -> String {
        let tag = header(response, "etag").expect("an ETag").to_owned();
        assert!(
            tag.starts_with('"') && tag.ends_with('"') && tag.len() > 2,
            "a strong ETag: {tag}"
        );
        assert_eq!(
            header(response, "cache-control"),
            Some(response::CACHE_CONTROL_VALUE)
        );
        assert_eq!(header(response, "vary"), Some("Accept-Encoding"));
        assert_eq!(
            header(response, "last-modified"),
            Some("Sat, 01 May 2027 12:00:00 GMT")
        );
        tag
    }

    fn talk_numbers(response: &Response<Body>) -> Vec<u64> {
        assert_eq!(response.status().as_u16(), 200, "{response:?}");
        body_json(response)["talks"]
            .as_array()
            .expect("talks")
            .iter()
            .filter_map(|t| t["number"].as_u64())
            .collect()
    }

    #[tokio::test]
    async fn the_schedule_is_the_latest_release_as_json() {
        let store = released(&[first_release()]).await;
        let response = call(&store, &get(SCHEDULE, &[])).await;

        assert_eq!(response.status().as_u16(), 200, "{response:?}");
        assert_eq!(header(&response, "content-type"), Some("application/json"));
        let tag = assert_cacheable(&response);
        assert_eq!(tag, etag(response.body().as_ref()));
        let body = body_json(&response);
        assert_eq!(body["event"], EVENT);
        assert_eq!(body["version"], 1);
        assert_eq!(body["timeZone"], "Europe/Berlin");
        assert_eq!(body["rooms"], serde_json::json!(["Main", "Side"]));
        assert_eq!(talk_numbers(&response), [1, 2, 3]);
        let talk = &body["talks"][2];
        assert_eq!(talk["id"], test_data::talk_id(3).to_string());
        assert_eq!(talk["day"], "2027-06-11");
        assert_eq!(talk["start"], "2027-06-11T10:00:00+02:00");
        assert_eq!(talk["end"], "2027-06-11T10:30:00+02:00");
        assert_eq!(talk["speakers"][0]["name"], "Speaker 3");
    }

    #[tokio::test]
    async fn filters_select_by_local_day_room_and_track() {
        let mut release = first_release();
        release.talks[1].talk.track = Some("Cloud".into());
        let store = released(&[release]).await;
        let numbers = async |query: &str| {
            talk_numbers(&call(&store, &with_query(get(SCHEDULE, &[]), query)).await)
        };
        assert_eq!(numbers("day=2027-06-10").await, [1, 2]);
        assert_eq!(numbers("day=2027-06-11").await, [3]);
        assert_eq!(numbers("room=Main").await, [1, 3]);
        assert_eq!(numbers("room=Side&day=2027-06-11").await, Vec::<u64>::new());
        assert_eq!(numbers("track=Cloud").await, [2]);
        assert_eq!(numbers("track=Rust&room=Main&day=2027-06-10").await, [1]);
        // Empty values and unknown parameters filter nothing.
        assert_eq!(numbers("day=&room=&utm_source=app").await, [1, 2, 3]);
        // A day of the event with nothing on it.
        assert_eq!(numbers("day=2027-06-12").await, Vec::<u64>::new());
    }

    #[tokio::test]
    async fn filtered_views_have_their_own_etags() {
        let store = released(&[first_release()]).await;
        let all = call(&store, &get(SCHEDULE, &[])).await;
        let main = call(&store, &with_query(get(SCHEDULE, &[]), "room=Main")).await;
        assert_ne!(header(&all, "etag"), header(&main, "etag"));
        assert_eq!(
            header(&main, "etag").map(str::to_owned),
            Some(etag(main.body().as_ref()))
        );
    }

    #[tokio::test]
    async fn bad_filters_are_400s_naming_the_parameter() {
        let store = released(&[first_release()]).await;
        for (query, field) in [
            ("day=10.06.2027", "day"),
            ("day=2027-02-30", "day"),
            ("day=2027-06-13", "day"),
            ("room=main", "room"),
            ("room=Main%20Hall", "room"),
            ("track=Go", "track"),
            ("room=Main&room=Side", "room"),
            ("day=%00", "day"),
        ] {
            let response = call(&store, &with_query(get(SCHEDULE, &[]), query)).await;
            let problem = assert_problem(&response, 400, "invalid-query");
            assert_eq!(problem["errors"][0]["field"], field, "{query}: {problem}");
            assert_eq!(
                header(&response, "cache-control"),
                Some("public, max-age=10")
            );
        }
        let response = call(
            &store,
            &with_query(get(SCHEDULE, &[]), "room=Hall&track=Go"),
        )
        .await;
        let problem = assert_problem(&response, 400, "invalid-query");
        assert_eq!(
            problem["errors"].as_array().map(Vec::len),
            Some(2),
            "{problem}"
        );
        assert!(
            problem["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("Main, Side")),
            "{problem}"
        );
    }

    #[tokio::test]
    async fn the_exports_have_their_formats_and_content_types() {
        let store = released(&[first_release()]).await;
        for (template, content_type, start) in [
            (JSON, "application/json", "{"),
            (XML, "application/xml; charset=utf-8", "<?xml"),
            (ICS, "text/calendar; charset=utf-8", "BEGIN:VCALENDAR"),
        ] {
            let response = call(&store, &get(template, &[])).await;
            assert_eq!(response.status().as_u16(), 200, "{template}: {response:?}");
            assert_eq!(header(&response, "content-type"), Some(content_type));
            assert_eq!(header(&response, "content-encoding"), None);
            let tag = assert_cacheable(&response);
            assert_eq!(tag, etag(response.body().as_ref()), "{template}");
            // iCalendar folds long lines (CRLF and a space).
            let body = text(&response).replace("\r\n ", "");
            assert!(body.starts_with(start), "{template}: {body}");
            // Links point at the API as the request reached it.
            assert!(
                body.contains(&format!(
                    "https://a1b2c3d4e5.execute-api.eu-central-1.amazonaws.com/events/{EVENT}/"
                )),
                "{template}: {body}"
            );
        }
        let c3voc: Value =
            serde_json::from_str(&text(&call(&store, &get(JSON, &[])).await)).expect("JSON");
        assert_eq!(c3voc["schedule"]["version"], "1");
        let ics = text(&call(&store, &get(ICS, &[])).await);
        assert_eq!(ics.matches("BEGIN:VEVENT").count(), 3);
    }

    #[tokio::test]
    async fn configured_public_urls_are_used_in_the_exports() {
        let store = released(&[first_release()]).await;
        let urls = PublicUrls::new(Some("https://schedule.example.org"), None).expect("urls");
        let response = handle(
            request(&get(XML, &[])),
            &store,
            &RenderCache::new(1 << 20),
            &urls,
        )
        .await;
        let body = text(&response);
        assert!(body.contains("https://schedule.example.org/events/devconf-2027/talks/"));
        assert!(!body.contains("execute-api"), "{body}");
    }

    #[tokio::test]
    async fn a_talk_as_released() {
        let store = released(&[first_release()]).await;
        let id = test_data::talk_id(2).to_string();
        let response = call(&store, &get(TALK, &[("talkId", &id)])).await;
        assert_eq!(response.status().as_u16(), 200, "{response:?}");
        assert_eq!(header(&response, "content-type"), Some("application/json"));
        assert_cacheable(&response);
        let body = body_json(&response);
        assert_eq!(body["id"], id);
        assert_eq!(body["event"], EVENT);
        assert_eq!(body["version"], 1);
        assert_eq!(body["room"], "Side");
        assert_eq!(body["title"], "Talk number 2");
        assert_eq!(
            body["speakers"],
            serde_json::json!([{"name": "Speaker 2", "bio": "Writes Rust.", "thumbnailKey": null}])
        );
    }

    #[tokio::test]
    async fn a_talk_not_in_the_latest_release_is_a_404_and_a_malformed_id_a_400() {
        let store = released(&[first_release(), second_release()]).await;
        // Talk 2 was in release 1 only; talk 9 was never released.
        for n in [2, 9] {
            let id = test_data::talk_id(n).to_string();
            let response = call(&store, &get(TALK, &[("talkId", &id)])).await;
            assert_problem(&response, 404, "talk-not-found");
        }
        for bad in ["42", "not-a-uuid", "%00", "019a4b2c-7d10-7e3a-9b1c"] {
            let response = call(&store, &get(TALK, &[("talkId", bad)])).await;
            let problem = assert_problem(&response, 400, "invalid-path-parameter");
            assert_eq!(problem["errors"][0]["field"], "talkId");
        }
    }

    #[tokio::test]
    async fn unknown_events_and_unreleased_schedules_are_told_apart() {
        let unreleased = released(&[]).await;
        let id = test_data::talk_id(1).to_string();
        for template in [SCHEDULE, JSON, XML, ICS, TALK] {
            let event = get(template, &[("talkId", &id)]);
            assert_problem(
                &call(&unreleased, &event).await,
                404,
                "schedule-not-released",
            );
            let mut elsewhere = event.clone();
            set_path_parameter(&mut elsewhere, "event", "nope-2027");
            assert_problem(&call(&unreleased, &elsewhere).await, 404, "event-not-found");
        }
    }

    #[tokio::test]
    async fn the_draft_is_never_public() {
        let store = released(&[first_release()]).await;
        let draft = Draft {
            slots: vec![cfp_schedule::Slot {
                talk_id: test_data::talk_id(7),
                room: "Main".into(),
                start: test_data::at("2027-06-12T09:00:00+02:00"),
            }],
        };
        store.put_draft(EVENT, &draft, 0).await.expect("draft");
        assert_eq!(
            talk_numbers(&call(&store, &get(SCHEDULE, &[])).await),
            [1, 2, 3]
        );
    }

    #[tokio::test]
    async fn a_matching_if_none_match_is_a_304_without_a_body() {
        let store = released(&[first_release()]).await;
        for template in [SCHEDULE, JSON, XML, ICS] {
            let first = call(&store, &get(template, &[])).await;
            let tag = header(&first, "etag").expect("ETag").to_owned();
            for condition in [
                tag.clone(),
                format!("W/{tag}"),
                format!("\"stale\", {tag}"),
                "*".to_owned(),
            ] {
                let response = call(
                    &store,
                    &with_header(get(template, &[]), "if-none-match", &condition),
                )
                .await;
                assert_eq!(response.status().as_u16(), 304, "{template} {condition}");
                assert!(response.body().is_empty(), "{template}");
                assert_eq!(header(&response, "etag"), Some(tag.as_str()));
                assert_cacheable(&response);
                assert_eq!(header(&response, "content-type"), None);
            }
            for stale in ["\"stale\"", "W/\"stale\"", "garbage", &tag[..tag.len() - 2]] {
                let response = call(
                    &store,
                    &with_header(get(template, &[]), "if-none-match", stale),
                )
                .await;
                assert_eq!(response.status().as_u16(), 200, "{template} {stale}");
                assert_eq!(response.body().as_ref(), first.body().as_ref());
            }
        }
    }

    #[tokio::test]
    async fn if_modified_since_is_honoured_without_if_none_match() {
        let store = released(&[first_release()]).await;
        let since = |date: &str| with_header(get(ICS, &[]), "if-modified-since", date);
        let response = call(&store, &since("Sat, 01 May 2027 12:00:00 GMT")).await;
        assert_eq!(response.status().as_u16(), 304);
        let response = call(&store, &since("Sat, 01 May 2027 11:59:59 GMT")).await;
        assert_eq!(response.status().as_u16(), 200);
        let both = with_header(
            since("Sat, 01 May 2027 12:00:00 GMT"),
            "if-none-match",
            "\"old\"",
        );
        assert_eq!(call(&store, &both).await.status().as_u16(), 200);
    }

    #[tokio::test]
    async fn a_new_release_changes_every_etag() {
        let store = released(&[first_release()]).await;
        let cache = RenderCache::new(1 << 20);
        let mut before = Vec::new();
        for template in [SCHEDULE, JSON, XML, ICS] {
            let response = call_with(&store, &cache, &get(template, &[])).await;
            before.push(header(&response, "etag").expect("ETag").to_owned());
        }
        store
            .put_release(EVENT, &second_release())
            .await
            .expect("stored");
        for (template, old) in [SCHEDULE, JSON, XML, ICS].into_iter().zip(before) {
            let response = call_with(
                &store,
                &cache,
                &with_header(get(template, &[]), "if-none-match", &old),
            )
            .await;
            assert_eq!(response.status().as_u16(), 200, "{template}");
            assert_ne!(header(&response, "etag"), Some(old.as_str()), "{template}");
            assert_eq!(
                header(&response, "etag").map(str::to_owned),
                Some(etag(response.body().as_ref()))
            );
        }
        assert_eq!(
            talk_numbers(&call_with(&store, &cache, &get(SCHEDULE, &[])).await),
            [1, 3]
        );
    }

    #[tokio::test]
    async fn renderings_are_kept_per_release_and_representation() {
        let store = released(&[first_release()]).await;
        let cache = RenderCache::new(1 << 20);
        for _ in 0..3 {
            for template in [SCHEDULE, JSON, XML, ICS] {
                call_with(&store, &cache, &get(template, &[])).await;
            }
            call_with(&store, &cache, &with_query(get(SCHEDULE, &[]), "room=Main")).await;
        }
        assert_eq!(cache.usage().0, 5);
        store
            .put_release(EVENT, &second_release())
            .await
            .expect("stored");
        call_with(&store, &cache, &get(ICS, &[])).await;
        assert_eq!(cache.usage().0, 6);
        // Refusals are not kept.
        let id = test_data::talk_id(9).to_string();
        call_with(&store, &cache, &get(TALK, &[("talkId", &id)])).await;
        assert_eq!(cache.usage().0, 6);
    }

    /// The in-memory store, counting the reads of whole releases and of headers; it can
    /// answer a header older than the latest release (one made between the two reads).
    #[derive(Default)]
    struct CountingStore {
        inner: InMemoryScheduleStore,
        stale_header: Option<ReleaseHeader>,
        bodies: std::sync::atomic::AtomicUsize,
        headers: std::sync::atomic::AtomicUsize,
    }

    impl CountingStore {
        fn reads(&self) -> (usize, usize) {
            use std::sync::atomic::Ordering::SeqCst;
            (self.headers.load(SeqCst), self.bodies.load(SeqCst))
        }
    }

    #[async_trait]
    impl ScheduleStore for CountingStore {
        async fn event_copy(&self, event: &str) -> Result<Option<EventCopy>, StoreError> {
            self.inner.event_copy(event).await
        }
        async fn put_event_copy(&self, c: &EventCopy, v: Option<u32>) -> Result<(), StoreError> {
            self.inner.put_event_copy(c, v).await
        }
        async fn talk_copy(&self, e: &str, t: TalkId) -> Result<Option<TalkCopy>, StoreError> {
            self.inner.talk_copy(e, t).await
        }
        async fn put_talk_copy(
            &self,
            e: &str,
            c: &TalkCopy,
            v: Option<u32>,
        ) -> Result<(), StoreError> {
            self.inner.put_talk_copy(e, c, v).await
        }
        async fn allocate_talk_number(&self, e: &str) -> Result<TalkNumber, StoreError> {
            self.inner.allocate_talk_number(e).await
        }
        async fn confirmed_talks(
            &self,
            e: &str,
        ) -> Result<std::collections::HashMap<TalkId, Talk>, StoreError> {
            self.inner.confirmed_talks(e).await
        }
        async fn draft(&self, e: &str) -> Result<StoredDraft, StoreError> {
            self.inner.draft(e).await
        }
        async fn put_draft(&self, e: &str, d: &Draft, v: u32) -> Result<u32, StoreError> {
            self.inner.put_draft(e, d, v).await
        }
        async fn latest_release(&self, e: &str) -> Result<Option<Release>, StoreError> {
            self.bodies
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            self.inner.latest_release(e).await
        }
        async fn latest_release_header(
            &self,
            e: &str,
        ) -> Result<Option<ReleaseHeader>, StoreError> {
            self.headers
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            match &self.stale_header {
                Some(stale) => Ok(Some(stale.clone())),
                None => self.inner.latest_release_header(e).await,
            }
        }
        async fn put_release(&self, e: &str, r: &Release) -> Result<(), StoreError> {
            self.inner.put_release(e, r).await
        }
    }

    #[tokio::test]
    async fn a_kept_rendering_and_a_304_read_only_the_header() {
        let store = CountingStore {
            inner: released(&[first_release()]).await,
            ..CountingStore::default()
        };
        let cache = RenderCache::new(1 << 20);
        let first = call_with(&store, &cache, &get(ICS, &[])).await;
        assert_eq!(first.status().as_u16(), 200);
        assert_eq!(store.reads(), (1, 1), "a miss reads the release");
        let tag = header(&first, "etag").expect("ETag").to_owned();
        let again = call_with(&store, &cache, &get(ICS, &[])).await;
        assert_eq!(again.body().as_ref(), first.body().as_ref());
        let not_modified = call_with(
            &store,
            &cache,
            &with_header(get(ICS, &[]), "if-none-match", &tag),
        )
        .await;
        assert_eq!(not_modified.status().as_u16(), 304);
        assert_eq!(store.reads(), (3, 1), "hits read the header only");
        // Another representation is another miss.
        call_with(&store, &cache, &get(SCHEDULE, &[])).await;
        assert_eq!(store.reads(), (4, 2));
        // A new release: the header no longer matches what is kept, so it is read and rendered.
        store
            .inner
            .put_release(EVENT, &second_release())
            .await
            .expect("stored");
        let fresh = call_with(&store, &cache, &get(ICS, &[])).await;
        assert_ne!(header(&fresh, "etag"), Some(tag.as_str()));
        assert_eq!(store.reads(), (5, 3));
    }

    #[tokio::test]
    async fn a_release_made_between_the_two_reads_is_kept_under_its_own_key() {
        // The header read says release 1; by the time the body is read, release 2 is out.
        let store = CountingStore {
            inner: released(&[first_release(), second_release()]).await,
            stale_header: Some(first_release().header()),
            ..CountingStore::default()
        };
        let cache = RenderCache::new(1 << 20);
        let response = call_with(&store, &cache, &get(SCHEDULE, &[])).await;
        assert_eq!(talk_numbers(&response), [1, 3], "release 2 is answered");
        assert_eq!(
            header(&response, "last-modified"),
            Some("Sat, 01 May 2027 13:00:00 GMT")
        );
        // Kept as release 2's rendering, not under the stale header's key.
        let stale = CacheKey::new(
            EVENT,
            &first_release().header(),
            Representation::Schedule(ViewFilter::default()),
        );
        assert!(cache.get(&stale).is_none());
        let current = CacheKey::new(
            EVENT,
            &second_release().header(),
            Representation::Schedule(ViewFilter::default()),
        );
        assert!(cache.get(&current).is_some());
    }

    #[tokio::test]
    async fn gzip_when_asked_for_with_its_own_etag() {
        let store = released(&[first_release()]).await;
        for template in [JSON, XML, ICS] {
            let plain = call(&store, &get(template, &[])).await;
            let packed = call(
                &store,
                &with_header(get(template, &[]), "accept-encoding", "gzip, deflate, br"),
            )
            .await;
            assert_eq!(packed.status().as_u16(), 200);
            assert_eq!(
                header(&packed, "content-encoding"),
                Some("gzip"),
                "{template}"
            );
            assert!(matches!(packed.body(), Body::Binary(_)));
            assert_eq!(gunzip(&packed), text(&plain), "{template}");
            let tag = assert_cacheable(&packed);
            assert_ne!(Some(tag.as_str()), header(&plain, "etag"));
            assert_eq!(tag, etag(packed.body().as_ref()));
            let again = with_header(
                with_header(get(template, &[]), "accept-encoding", "gzip"),
                "if-none-match",
                &tag,
            );
            assert_eq!(call(&store, &again).await.status().as_u16(), 304);
        }
        // Too small to be worth compressing: sent as it is.
        let id = test_data::talk_id(1).to_string();
        let small = call(
            &store,
            &with_header(get(TALK, &[("talkId", &id)]), "accept-encoding", "gzip"),
        )
        .await;
        assert_eq!(header(&small, "content-encoding"), None);
    }

    #[tokio::test]
    async fn head_has_the_headers_and_no_body() {
        let store = released(&[first_release()]).await;
        let mut event = get(ICS, &[]);
        event["routeKey"] = format!("HEAD {ICS}").into();
        event["requestContext"]["routeKey"] = format!("HEAD {ICS}").into();
        event["requestContext"]["http"]["method"] = "HEAD".into();
        let head = call(&store, &event).await;
        let full = call(&store, &get(ICS, &[])).await;
        assert_eq!(head.status().as_u16(), 200);
        assert!(head.body().is_empty());
        assert_eq!(header(&head, "etag"), header(&full, "etag"));
        assert_eq!(
            header(&head, "content-type"),
            Some("text/calendar; charset=utf-8")
        );
    }

    #[tokio::test]
    async fn no_email_address_anywhere() {
        let mut release = first_release();
        // The schedule's copy of a talk has no field for an address; a bio may mention one
        // on purpose, which is the speaker's public text - so look for the structure instead.
        release.talks[0].talk.speakers[0].bio = Some("Find me on the fediverse.".into());
        let store = released(&[release]).await;
        let id = test_data::talk_id(1).to_string();
        for template in [SCHEDULE, JSON, XML, ICS, TALK] {
            let body = text(&call(&store, &get(template, &[("talkId", &id)])).await);
            assert!(!body.to_lowercase().contains("mailto:"), "{template}");
            assert!(
                !body.contains("ownerId") && !body.contains("email"),
                "{template}"
            );
            // iCalendar UIDs are `<guid>@<host>`; nothing else has an `@`.
            for line in body.lines().filter(|l| !l.starts_with("UID:")) {
                assert!(!line.contains('@'), "{template}: {line}");
            }
        }
    }

    #[tokio::test]
    async fn unserved_routes_and_missing_parameters_are_500s_not_panics() {
        let store = released(&[first_release()]).await;
        for key in [
            "POST /events/{event}/schedule",
            "GET /events/{event}/schedule/draft",
            "GET /events/{event}/talks",
            "GET",
        ] {
            let mut event = get(SCHEDULE, &[]);
            event["routeKey"] = key.into();
            event["requestContext"]["routeKey"] = key.into();
            assert_problem(&call(&store, &event).await, 500, "internal-error");
        }
        let mut event = get(TALK, &[]);
        if let Some(parameters) = event["pathParameters"].as_object_mut() {
            parameters.remove("talkId");
        }
        let response = call(&store, &event).await;
        assert_problem(&response, 500, "internal-error");
        assert_eq!(header(&response, "cache-control"), Some("no-store"));
    }

    /// Text with the statistics of prose (words from a vocabulary of a few hundred), so that
    /// gzip does on it what it does on real abstracts.
    fn prose(seed: u64, chars: usize) -> String {
        const SYLLABLES: [&str; 24] = [
            "ser", "ver", "less", "lamb", "da", "sche", "dule", "rust", "cloud", "ta", "ble",
            "stream", "in", "dex", "con", "fe", "rence", "key", "note", "talk", "data", "base",
            "query", "cache",
        ];
        let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut text = String::with_capacity(chars + 16);
        while text.len() < chars {
            for _ in 0..=(next() % 3) {
                text.push_str(SYLLABLES[(next() % 24) as usize]);
            }
            text.push(if next() % 9 == 0 { '.' } else { ' ' });
        }
        text
    }

    #[tokio::test]
    async fn a_big_event_fits_a_lambda_response() {
        // 1,000 talks with an 800-character abstract, a 1,500-character description and a
        // 400-character bio: sizes of real conferences' talks.
        let mut release = first_release();
        let template = release.talks[0].clone();
        release.talks = (0..1_000u32)
            .map(|i| {
                let mut t = template.clone();
                t.talk.id = TalkId::new(uuid::Uuid::from_u128(
                    0x0190_0000_0000_7000_8000_0000_0001_0000 + u128::from(i),
                ));
                t.talk.number = TalkNumber::new(i + 1).expect("number");
                t.talk.title = prose(u64::from(i), 60);
                t.talk.abstract_ = prose(u64::from(i) + 10_000, 800);
                t.talk.description = Some(prose(u64::from(i) + 20_000, 1_500));
                t.talk.speakers[0].bio = Some(prose(u64::from(i) + 30_000, 400));
                t
            })
            .collect();
        let store = released(&[release]).await;
        let cache = RenderCache::new(RenderCache::DEFAULT_BUDGET_BYTES);
        for template in [SCHEDULE, JSON, XML, ICS] {
            let plain = call_with(&store, &cache, &get(template, &[])).await;
            assert_eq!(plain.status().as_u16(), 200, "{template}");
            let packed = call_with(
                &store,
                &cache,
                &with_header(get(template, &[]), "accept-encoding", "gzip"),
            )
            .await;
            assert_eq!(packed.status().as_u16(), 200, "{template}");
            // Measured: 1.3 (iCalendar) to 3.3 MB plain, a quarter of that gzip-compressed.
            assert!(plain.body().len() > 1_000_000, "{template}");
            assert!(packed.body().len() * 3 < plain.body().len(), "{template}");
        }
        // Every format of the event, plain and gzip, is still in the cache.
        assert_eq!(cache.usage().0, 4);
    }

    /// A store whose every call fails, as DynamoDB does when it throttles.
    struct FailingStore;

    #[async_trait]
    impl ScheduleStore for FailingStore {
        async fn event_copy(&self, _: &str) -> Result<Option<EventCopy>, StoreError> {
            Err(StoreError::Unavailable("throttled".into()))
        }
        async fn put_event_copy(&self, _: &EventCopy, _: Option<u32>) -> Result<(), StoreError> {
            Err(StoreError::Unavailable("throttled".into()))
        }
        async fn talk_copy(&self, _: &str, _: TalkId) -> Result<Option<TalkCopy>, StoreError> {
            Err(StoreError::Unavailable("throttled".into()))
        }
        async fn put_talk_copy(
            &self,
            _: &str,
            _: &TalkCopy,
            _: Option<u32>,
        ) -> Result<(), StoreError> {
            Err(StoreError::Unavailable("throttled".into()))
        }
        async fn allocate_talk_number(&self, _: &str) -> Result<TalkNumber, StoreError> {
            Err(StoreError::Unavailable("throttled".into()))
        }
        async fn confirmed_talks(
            &self,
            _: &str,
        ) -> Result<std::collections::HashMap<TalkId, Talk>, StoreError> {
            Err(StoreError::Unavailable("throttled".into()))
        }
        async fn draft(&self, _: &str) -> Result<StoredDraft, StoreError> {
            Err(StoreError::Unavailable("throttled".into()))
        }
        async fn put_draft(&self, _: &str, _: &Draft, _: u32) -> Result<u32, StoreError> {
            Err(StoreError::Unavailable("throttled".into()))
        }
        async fn latest_release(&self, _: &str) -> Result<Option<Release>, StoreError> {
            Err(StoreError::Unavailable("throttled".into()))
        }
        async fn put_release(&self, _: &str, _: &Release) -> Result<(), StoreError> {
            Err(StoreError::Unavailable("throttled".into()))
        }
    }

    #[tokio::test]
    async fn impossible_slugs_are_404s_without_reading_the_store() {
        let long = "a".repeat(3_000);
        for slug in ["Not-A-Slug", "x", "-devconf", "dev conf", long.as_str()] {
            for template in [SCHEDULE, ICS] {
                let mut event = get(template, &[]);
                set_path_parameter(&mut event, "event", slug);
                // The failing store would make it a 500.
                assert_problem(&call(&FailingStore, &event).await, 404, "event-not-found");
            }
        }
    }

    #[tokio::test]
    async fn a_failing_store_is_a_500_that_is_not_cached() {
        let response = call(&FailingStore, &get(SCHEDULE, &[])).await;
        let problem = assert_problem(&response, 500, "internal-error");
        assert!(!problem.to_string().contains("throttled"), "{problem}");
        assert_eq!(header(&response, "cache-control"), Some("no-store"));
    }
}
