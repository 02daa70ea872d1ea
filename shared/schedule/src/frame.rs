//! The event's frame, as the schedule needs it: its days, time zone, each day's opening hours,
//! rooms, tracks and session types with their durations.
//!
//! Hours are local wall-clock times in the event's time zone; turning them into instants is where
//! daylight saving is handled (see [`EventFrame::day_window`]).

use std::collections::BTreeMap;

use chrono::{DateTime, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::error::{InputProblem, InvalidInput};

/// When a day's programme may start and must have ended, local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayHours {
    opens: NaiveTime,
    closes: NaiveTime,
}

impl DayHours {
    pub fn new(opens: NaiveTime, closes: NaiveTime) -> Result<Self, &'static str> {
        if opens >= closes {
            return Err("must open before it closes (a day ends at midnight at the latest)");
        }
        Ok(DayHours { opens, closes })
    }

    pub fn opens(&self) -> NaiveTime {
        self.opens
    }

    pub fn closes(&self) -> NaiveTime {
        self.closes
    }
}

impl Default for DayHours {
    /// 09:00 to 18:00.
    fn default() -> Self {
        DayHours {
            opens: NaiveTime::from_hms_opt(9, 0, 0).unwrap_or(NaiveTime::MIN),
            closes: NaiveTime::from_hms_opt(18, 0, 0).unwrap_or(NaiveTime::MIN),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionType {
    pub name: String,
    pub duration_minutes: u16,
}

/// What an event frame is made from (the event as the CfP context stores it, plus hours).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FrameSpec {
    pub slug: String,
    pub name: String,
    pub time_zone: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    /// Every day's hours unless `dayHours` names the day; 09:00-18:00 when absent.
    #[serde(default)]
    pub hours: Option<DayHours>,
    #[serde(default)]
    pub day_hours: BTreeMap<NaiveDate, DayHours>,
    pub rooms: Vec<String>,
    #[serde(default)]
    pub tracks: Vec<String>,
    pub session_types: Vec<SessionType>,
    /// For talks that name no language; `en` when absent.
    #[serde(default)]
    pub default_language: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "FrameSpec", into = "FrameSpec")]
pub struct EventFrame {
    spec: FrameSpec,
    time_zone: Tz,
}

impl TryFrom<FrameSpec> for EventFrame {
    type Error = InvalidInput;

    fn try_from(spec: FrameSpec) -> Result<Self, InvalidInput> {
        EventFrame::new(spec)
    }
}

impl From<EventFrame> for FrameSpec {
    fn from(frame: EventFrame) -> FrameSpec {
        frame.spec
    }
}

impl EventFrame {
    pub const MAX_DAYS: u64 = 14;

    pub fn new(spec: FrameSpec) -> Result<Self, InvalidInput> {
        let mut problems = Vec::new();
        let time_zone = spec.time_zone.parse::<Tz>().ok();
        if time_zone.is_none() {
            problems.push(InputProblem::new(
                "timeZone",
                "must be an IANA time zone name",
            ));
        }
        if spec.slug.trim().is_empty() {
            problems.push(InputProblem::new("slug", "must not be empty"));
        }
        if spec.end_date < spec.start_date {
            problems.push(InputProblem::new("endDate", "must not be before startDate"));
        } else if (spec.end_date - spec.start_date).num_days() >= Self::MAX_DAYS as i64 {
            problems.push(InputProblem::new(
                "endDate",
                "the event may last at most 14 days",
            ));
        }
        for day in spec.day_hours.keys() {
            if *day < spec.start_date || *day > spec.end_date {
                problems.push(InputProblem::new(
                    format!("dayHours.{day}"),
                    "is not one of the event's days",
                ));
            }
        }
        if spec.rooms.is_empty() {
            problems.push(InputProblem::new("rooms", "must name at least one room"));
        }
        for (i, t) in spec.session_types.iter().enumerate() {
            if !(5..=480).contains(&t.duration_minutes) {
                problems.push(InputProblem::new(
                    format!("sessionTypes[{i}].durationMinutes"),
                    "must be between 5 and 480 minutes",
                ));
            }
        }
        match time_zone {
            Some(time_zone) if problems.is_empty() => Ok(EventFrame { spec, time_zone }),
            _ => Err(InvalidInput(problems)),
        }
    }

    pub fn slug(&self) -> &str {
        &self.spec.slug
    }

    pub fn name(&self) -> &str {
        &self.spec.name
    }

    pub fn time_zone(&self) -> Tz {
        self.time_zone
    }

    pub fn first_day(&self) -> NaiveDate {
        self.spec.start_date
    }

    pub fn last_day(&self) -> NaiveDate {
        self.spec.end_date
    }

    pub fn days(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.spec
            .start_date
            .iter_days()
            .take_while(|d| *d <= self.spec.end_date)
    }

    pub fn day_count(&self) -> u32 {
        u32::try_from((self.spec.end_date - self.spec.start_date).num_days() + 1).unwrap_or(0)
    }

    pub fn hours(&self, day: NaiveDate) -> DayHours {
        self.spec
            .day_hours
            .get(&day)
            .copied()
            .or(self.spec.hours)
            .unwrap_or_default()
    }

    pub fn rooms(&self) -> &[String] {
        &self.spec.rooms
    }

    pub fn has_room(&self, room: &str) -> bool {
        self.spec.rooms.iter().any(|r| r == room)
    }

    pub fn tracks(&self) -> &[String] {
        &self.spec.tracks
    }

    pub fn session_types(&self) -> &[SessionType] {
        &self.spec.session_types
    }

    /// Names match exactly: speakers picked them from this list.
    pub fn duration_minutes(&self, session_type: &str) -> Option<u16> {
        self.spec
            .session_types
            .iter()
            .find(|t| t.name == session_type)
            .map(|t| t.duration_minutes)
    }

    pub fn default_language(&self) -> &str {
        self.spec.default_language.as_deref().unwrap_or("en")
    }

    /// The instants a day of the event opens and closes, or `None` if it is not one of its days.
    /// A wall-clock time that occurs twice (clocks going back) opens at its first and closes at
    /// its last occurrence; one that does not occur (clocks going forward) means the first
    /// instant after the gap.
    pub fn day_window(&self, day: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        if day < self.spec.start_date || day > self.spec.end_date {
            return None;
        }
        let hours = self.hours(day);
        let opens = instant(self.time_zone, day, hours.opens, Edge::Earliest)?;
        let closes = instant(self.time_zone, day, hours.closes, Edge::Latest)?;
        Some((opens, closes))
    }

    /// The local calendar day an instant falls on.
    pub fn local_day(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.time_zone).date_naive()
    }
}

enum Edge {
    Earliest,
    Latest,
}

fn instant(tz: Tz, day: NaiveDate, time: NaiveTime, edge: Edge) -> Option<DateTime<Utc>> {
    let local = day.and_time(time);
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(first, last) => Some(match edge {
            Edge::Earliest => first.with_timezone(&Utc),
            Edge::Latest => last.with_timezone(&Utc),
        }),
        // In a gap: the wall clock jumps over this time; the first minute after it exists.
        LocalResult::None => (1..=180).find_map(|minutes| {
            let later = local.checked_add_signed(chrono::Duration::minutes(minutes))?;
            tz.from_local_datetime(&later)
                .earliest()
                .map(|t| t.with_timezone(&Utc))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_data;

    fn date(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("time")
            .with_timezone(&Utc)
    }

    #[test]
    fn hours_default_to_nine_to_six_and_may_be_set_per_day() {
        let mut spec = test_data::frame_spec();
        spec.day_hours.insert(
            date("2027-06-11"),
            DayHours::new(
                NaiveTime::from_hms_opt(10, 0, 0).expect("t"),
                NaiveTime::from_hms_opt(14, 0, 0).expect("t"),
            )
            .expect("hours"),
        );
        let frame = EventFrame::new(spec).expect("frame");
        assert_eq!(
            frame.day_window(date("2027-06-10")),
            Some((
                utc("2027-06-10T09:00:00+02:00"),
                utc("2027-06-10T18:00:00+02:00")
            ))
        );
        assert_eq!(
            frame.day_window(date("2027-06-11")),
            Some((
                utc("2027-06-11T10:00:00+02:00"),
                utc("2027-06-11T14:00:00+02:00")
            ))
        );
        assert_eq!(frame.day_window(date("2027-06-13")), None);
        assert_eq!(frame.day_window(date("2027-06-09")), None);
    }

    #[test]
    fn windows_follow_daylight_saving() {
        // Clocks go back at 03:00 CEST on 2027-10-31 in Berlin; forward at 02:00 on 2027-03-28.
        let mut spec = test_data::frame_spec();
        spec.start_date = date("2027-10-30");
        spec.end_date = date("2027-10-31");
        spec.hours = Some(
            DayHours::new(
                NaiveTime::from_hms_opt(2, 30, 0).expect("t"),
                NaiveTime::from_hms_opt(2, 45, 0).expect("t"),
            )
            .expect("hours"),
        );
        let frame = EventFrame::new(spec.clone()).expect("frame");
        assert_eq!(
            frame.day_window(date("2027-10-31")),
            Some((
                utc("2027-10-31T02:30:00+02:00"),
                utc("2027-10-31T02:45:00+01:00")
            ))
        );
        spec.start_date = date("2027-03-28");
        spec.end_date = date("2027-03-28");
        let frame = EventFrame::new(spec).expect("frame");
        assert_eq!(
            frame.day_window(date("2027-03-28")),
            Some((
                utc("2027-03-28T03:00:00+02:00"),
                utc("2027-03-28T03:00:00+02:00")
            ))
        );
    }

    #[test]
    fn a_bad_frame_lists_every_problem() {
        let mut spec = test_data::frame_spec();
        spec.time_zone = "Mars/Olympus".into();
        spec.end_date = date("2027-06-01");
        spec.rooms.clear();
        spec.session_types[0].duration_minutes = 2;
        let Err(InvalidInput(problems)) = EventFrame::new(spec) else {
            panic!("refused");
        };
        let fields: Vec<_> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "timeZone",
                "endDate",
                "rooms",
                "sessionTypes[0].durationMinutes"
            ]
        );
        assert!(DayHours::new(NaiveTime::MIN, NaiveTime::MIN).is_err());
    }
}
