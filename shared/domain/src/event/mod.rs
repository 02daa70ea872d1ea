//! An event (a conference edition): its days, time zone, venue, formats, CfP window and team.

mod cfp_window;
mod dates;
mod new_event;
mod public;
mod room;
mod session_type;
mod slug;
mod time_zone;
mod track;

pub use cfp_window::CfpWindow;
pub use dates::{EventDates, parse_date};
pub use new_event::{NamedRequest, NewEvent, NewEventRequest, SessionTypeRequest};
pub use public::{PublicEvent, PublicName, PublicSessionType};
pub use room::{Room, RoomName};
pub use session_type::{DurationMinutes, SessionType, SessionTypeName};
pub use slug::EventSlug;
pub use time_zone::TimeZone;
pub use track::{Track, TrackName};

use chrono::{DateTime, SubsecRound, Utc};

use crate::error::CfpError;
use crate::team::{Team, UserId};
use crate::text::bounded_text;
use crate::version::Version;

bounded_text!(
    /// 1..=200 characters, one line.
    EventName, min = 1, max = 200, Single
);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub slug: EventSlug,
    pub name: EventName,
    pub time_zone: TimeZone,
    pub dates: EventDates,
    pub cfp: CfpWindow,
    pub rooms: Vec<Room>,
    pub tracks: Vec<Track>,
    pub session_types: Vec<SessionType>,
    pub team: Team,
    /// 1 at creation, one more with every change (of its team): the stored item's version, which
    /// a change is conditional on and the schedule orders the event's snapshots by.
    pub version: Version,
    pub created_at: DateTime<Utc>,
    /// When the last change was made (`created_at` until then).
    pub updated_at: DateTime<Utc>,
}

impl Event {
    /// A new event; its creator becomes its first organiser.
    pub fn create(new: NewEvent, creator: UserId, now: DateTime<Utc>) -> Event {
        // Stored times have millisecond precision; keep the same here so a read gives back an
        // equal event.
        let now = now.trunc_subsecs(3);
        Event {
            slug: new.slug,
            name: new.name,
            time_zone: new.time_zone,
            dates: new.dates,
            cfp: new.cfp,
            rooms: new.rooms,
            tracks: new.tracks,
            session_types: new.session_types,
            team: Team::founded_by(creator),
            version: Version::FIRST,
            created_at: now,
            updated_at: now,
        }
    }

    /// This event with `team` as its team at `now`: the next version.
    pub fn with_team(&self, team: Team, now: DateTime<Utc>) -> Result<Event, CfpError> {
        let version = self.version.next().ok_or(CfpError::TeamConflict(
            "the event has been changed too often to be changed again",
        ))?;
        Ok(Event {
            team,
            version,
            updated_at: now.trunc_subsecs(3),
            ..self.clone()
        })
    }

    /// Names match exactly: they are offered to speakers as a fixed list.
    pub fn session_type(&self, name: &str) -> Option<&SessionType> {
        self.session_types.iter().find(|t| t.name.as_str() == name)
    }

    pub fn track(&self, name: &str) -> Option<&Track> {
        self.tracks.iter().find(|t| t.name.as_str() == name)
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::team::Role;
    use crate::test_data;

    #[test]
    fn a_new_event_is_version_one_and_a_team_change_the_next() {
        let event = test_data::event();
        assert_eq!(event.version, Version::FIRST);
        assert_eq!(event.updated_at, event.created_at);

        let team = event
            .team
            .with_member(test_data::reviewer().user_id, Role::Reviewer)
            .expect("team");
        let at = event.created_at + Duration::milliseconds(1500) + Duration::nanoseconds(7);
        let changed = event.with_team(team.clone(), at).expect("next");
        assert_eq!(changed.version.get(), 2);
        assert_eq!(changed.team, team);
        assert_eq!(
            changed.updated_at,
            event.created_at + Duration::milliseconds(1500),
            "stored precision"
        );
        assert_eq!(changed.created_at, event.created_at);
        assert_eq!(changed.name, event.name);
    }
}
