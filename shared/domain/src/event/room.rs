//! A room of the venue, named by its name.

use crate::text::bounded_text;

bounded_text!(
    /// 1..=100 characters, one line.
    RoomName, min = 1, max = 100, Single
);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Room {
    pub name: RoomName,
}
