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

use chrono::{DateTime, Utc};

use crate::team::{Team, UserId};
use crate::text::bounded_text;

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
    pub created_at: DateTime<Utc>,
}

impl Event {
    /// A new event; its creator becomes its first organiser.
    pub fn create(new: NewEvent, creator: UserId, now: DateTime<Utc>) -> Event {
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
            created_at: now,
        }
    }

    /// Names match exactly: they are offered to speakers as a fixed list.
    pub fn session_type(&self, name: &str) -> Option<&SessionType> {
        self.session_types.iter().find(|t| t.name.as_str() == name)
    }

    pub fn track(&self, name: &str) -> Option<&Track> {
        self.tracks.iter().find(|t| t.name.as_str() == name)
    }
}
