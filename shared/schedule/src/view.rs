//! The JSON API view of a release (`GET /events/{event}/schedule`), filtered by `?day=&room=&track=`,
//! and of one released talk (`GET /events/{event}/talks/{talkId}`).

use chrono::NaiveDate;
use serde::Serialize;

use crate::draft::rfc3339;
use crate::error::{InputProblem, InvalidInput};
use crate::frame::EventFrame;
use crate::release::{Release, ScheduledTalk};
use crate::talk::{Speaker, TalkId};

/// The query's filters; all given ones must match.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
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

    /// Refuses filters that can never match anything in `release`: a day outside the event, a
    /// room or track the event does not have (names compare exactly). A typo then gets a 400
    /// naming the valid values instead of an empty schedule that looks like "nothing planned".
    pub fn check_against(&self, release: &Release) -> Result<(), InvalidInput> {
        let frame = &release.frame;
        let mut problems = Vec::new();
        if let Some(day) = self.day
            && !frame.days().any(|d| d == day)
        {
            problems.push(InputProblem::new(
                "day",
                format!(
                    "must be a day of the event, {} to {}",
                    frame.first_day(),
                    frame.last_day()
                ),
            ));
        }
        if let Some(room) = &self.room
            && !frame.has_room(room)
        {
            problems.push(InputProblem::new(
                "room",
                format!(
                    "must be one of the event's rooms: {}",
                    frame.rooms().join(", ")
                ),
            ));
        }
        if let Some(track) = &self.track
            && !frame.tracks().iter().any(|t| t == track)
        {
            problems.push(InputProblem::new(
                "track",
                match frame.tracks() {
                    [] => "must not be given: the event has no tracks".to_owned(),
                    tracks => format!("must be one of the event's tracks: {}", tracks.join(", ")),
                },
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(InvalidInput(problems))
        }
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

impl<'a> TalkView<'a> {
    fn of(frame: &EventFrame, t: &'a ScheduledTalk) -> Self {
        let tz = frame.time_zone();
        TalkView {
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
            day: frame.local_day(t.start),
            room: &t.room,
            start: rfc3339(t.start.with_timezone(&tz)),
            end: rfc3339(t.end.with_timezone(&tz)),
            speakers: &t.talk.speakers,
        }
    }
}

/// One talk as released, with the release it is part of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReleasedTalkView<'a> {
    pub event: &'a str,
    /// The release's number.
    pub version: u32,
    pub time_zone: &'static str,
    #[serde(flatten)]
    pub talk: TalkView<'a>,
}

/// The talk `id` as `release` has it, `None` when the release does not schedule it.
pub fn talk_view(release: &Release, id: TalkId) -> Option<ReleasedTalkView<'_>> {
    let frame = &release.frame;
    let talk = release.talks.iter().find(|t| t.talk.id == id)?;
    Some(ReleasedTalkView {
        event: frame.slug(),
        version: release.number.get(),
        time_zone: frame.time_zone().name(),
        talk: TalkView::of(frame, talk),
    })
}

/// The release as the JSON API shows it, with the filters applied (day in the event's time zone).
pub fn schedule_view<'a>(release: &'a Release, filter: &ViewFilter) -> ScheduleView<'a> {
    let frame = &release.frame;
    let tz = frame.time_zone();
    let talks = release
        .talks
        .iter()
        .filter(|t| {
            filter.day.is_none_or(|d| d == frame.local_day(t.start))
                && filter.room.as_deref().is_none_or(|r| r == t.room)
                && filter
                    .track
                    .as_deref()
                    .is_none_or(|k| t.talk.track.as_deref() == Some(k))
        })
        .map(|t| TalkView::of(frame, t))
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

    #[test]
    fn filters_that_can_never_match_are_refused_all_at_once() {
        let release = test_data::release(&[(1, "Main", "2027-06-10T09:00:00+02:00")]);
        let f = |d, r, t| ViewFilter::parse(d, r, t).expect("filter");
        for fine in [
            f(None, None, None),
            f(Some("2027-06-12"), Some("Side"), Some("Cloud")),
        ] {
            assert_eq!(fine.check_against(&release), Ok(()), "{fine:?}");
        }
        let Err(InvalidInput(problems)) =
            f(Some("2027-06-13"), Some("main"), Some("Go")).check_against(&release)
        else {
            panic!("refused");
        };
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["day", "room", "track"]);
        assert!(problems[1].message.contains("Main, Side"), "{problems:?}");
        assert!(problems[0].message.contains("2027-06-10 to 2027-06-12"));
    }

    #[test]
    fn one_talk_as_released() {
        let release = test_data::release(&[
            (1, "Main", "2027-06-10T09:00:00+02:00"),
            (2, "Side", "2027-06-11T10:00:00+02:00"),
        ]);
        let view = talk_view(&release, test_data::talk_id(2)).expect("released");
        let json = serde_json::to_value(&view).expect("json");
        assert_eq!(json["event"], "devconf-2027");
        assert_eq!(json["version"], 1);
        assert_eq!(json["timeZone"], "Europe/Berlin");
        assert_eq!(json["id"], test_data::talk_id(2).to_string());
        assert_eq!(json["room"], "Side");
        assert_eq!(json["day"], "2027-06-11");
        assert_eq!(json["start"], "2027-06-11T10:00:00+02:00");
        assert_eq!(json["end"], "2027-06-11T10:30:00+02:00");
        assert_eq!(json["speakers"][0]["name"], "Speaker 2");
        assert_eq!(talk_view(&release, test_data::talk_id(3)), None);
    }
}
