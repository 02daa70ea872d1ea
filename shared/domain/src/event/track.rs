//! A track: a theme that groups sessions.

use crate::text::bounded_text;

bounded_text!(
    /// 1..=100 characters, one line.
    TrackName, min = 1, max = 100, Single
);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Track {
    pub name: TrackName,
}
