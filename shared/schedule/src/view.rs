//! The JSON API view of a release (`GET /events/{event}/schedule`), filtered by `?day=&room=&track=`.

use chrono::NaiveDate;
use serde::Serialize;

use crate::draft::rfc3339;
use crate::error::{InputProblem, InvalidInput};
use crate::release::Release;
use crate::talk::Speaker;

/// The query's filters; all given ones must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ViewFilter {
    pub day: Option<NaiveDate>,
    pub room: Option<String>,
    pub track: Option<String>,
}

impl ViewFilter {
    /// From the query string's parameters (`None` when absent). Empty values mean "no filter".
    pub fn parse(
        day: Option<&str>,
        room: Option<&str>,
        track: Option<&str>,
    ) -> Result<Self, InvalidInput> {
        let given = |v: Option<&str>| {
            v.map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let day = match given(day) {
            None => None,
            Some(raw) => Some(NaiveDate::parse_from_str(&raw, "%Y-%m-%d").map_err(|_| {
                InvalidInput(vec![InputProblem::new(
                    "day",
                    "must be a date written as YYYY-MM-DD",
                )])
            })?),
        };
        Ok(ViewFilter {
            day,
            room: given(room),
            track: given(track),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleView<'a> {
    pub event: &'a str,
    pub name: &'a str,
    pub version: u32,
    pub release_name: Option<&'a str>,
    pub released_at: String,
    pub time_zone: &'static str,
    pub days: Vec<NaiveDate>,
    pub rooms: &'a [String],
    pub tracks: &'a [String],
    pub talks: Vec<TalkView<'a>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TalkView<'a> {
    pub id: String,
    pub number: u32,
    pub slug: String,
    pub title: &'a str,
    #[serde(rename = "abstract")]
    pub abstract_: &'a str,
    pub description: Option<&'a str>,
    pub session_type: &'a str,
    pub duration_minutes: i64,
    pub track: Option<&'a str>,
    pub language: Option<&'a str>,
    pub day: NaiveDate,
    pub room: &'a str,
    pub start: String,
    pub end: String,
    pub speakers: &'a [Speaker],
}

/// The release as the JSON API shows it, with the filters applied (day in the event's time zone).
pub fn schedule_view<'a>(release: &'a Release, filter: &ViewFilter) -> ScheduleView<'a> {
    let frame = &release.frame;
    let tz = frame.time_zone();
    let talks = release
        .talks
        .iter()
        .filter_map(|t| {
            let day = frame.local_day(t.start);
            let keep = filter.day.is_none_or(|d| d == day)
                && filter.room.as_deref().is_none_or(|r| r == t.room)
                && filter
                    .track
                    .as_deref()
                    .is_none_or(|k| t.talk.track.as_deref() == Some(k));
            keep.then(|| TalkView {
                id: t.talk.id.to_string(),
                number: t.talk.number.get(),
                slug: t.talk.slug(frame.slug()),
                title: &t.talk.title,
                abstract_: &t.talk.abstract_,
                description: t.talk.description.as_deref(),
                session_type: &t.talk.session_type,
                duration_minutes: (t.end - t.start).num_minutes(),
                track: t.talk.track.as_deref(),
                language: t.talk.language.as_deref(),
                day,
                room: &t.room,
                start: rfc3339(t.start.with_timezone(&tz)),
                end: rfc3339(t.end.with_timezone(&tz)),
                speakers: &t.talk.speakers,
            })
        })
        .collect();
    ScheduleView {
        event: frame.slug(),
        name: frame.name(),
        version: release.number.get(),
        release_name: release.name.as_ref().map(|n| n.as_str()),
        released_at: release
            .released_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        time_zone: tz.name(),
        days: frame.days().collect(),
        rooms: frame.rooms(),
        tracks: frame.tracks(),
        talks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_data;

    #[test]
    fn filters_combine_and_days_are_local() {
        let release = test_data::release(&[
            (1, "Main", "2027-06-10T09:00:00+02:00"),
            (2, "Side", "2027-06-10T09:00:00+02:00"),
            (3, "Main", "2027-06-11T09:00:00+02:00"),
        ]);
        let ids = |f: ViewFilter| -> Vec<u32> {
            schedule_view(&release, &f)
                .talks
                .iter()
                .map(|t| t.number)
                .collect()
        };
        assert_eq!(ids(ViewFilter::default()), [1, 2, 3]);
        let f = |d, r, t| ViewFilter::parse(d, r, t).expect("filter");
        assert_eq!(ids(f(Some("2027-06-10"), None, None)), [1, 2]);
        assert_eq!(ids(f(Some("2027-06-10"), Some("Main"), None)), [1]);
        assert_eq!(ids(f(None, Some(""), Some("Rust"))), [1, 2, 3]);
        assert_eq!(ids(f(None, None, Some("Cloud"))), Vec::<u32>::new());
        let view = schedule_view(&release, &ViewFilter::default());
        assert_eq!(view.talks[0].start, "2027-06-10T09:00:00+02:00");
        let json = serde_json::to_value(&view).expect("json");
        assert_eq!(json["talks"][0]["speakers"][0]["name"], "Speaker 1");
        assert!(!json.to_string().contains('@'));
        for bad in ["10.06.2027", "2027-13-01", "x"] {
            assert!(ViewFilter::parse(Some(bad), None, None).is_err(), "{bad}");
        }
    }
}
