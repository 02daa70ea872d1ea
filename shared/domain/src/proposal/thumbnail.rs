//! The speaker's picture as a proposal points at it: the thumbnail the picture pipeline made.
//! The pipeline (another function) writes it; the proposal only carries and shows it.

use chrono::{DateTime, Utc};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thumbnail {
    /// The object key of the thumbnail in the pictures bucket.
    pub key: String,
    pub content_type: String,
    pub width: u32,
    pub height: u32,
    pub updated_at: DateTime<Utc>,
}
