//! Everything getSchedule can answer besides the representation it was asked for.

use cfp_http::ApiError;
use cfp_schedule::export::ExportError;
use cfp_schedule::{InvalidInput, ScheduleError};

#[derive(Debug, thiserror::Error)]
pub enum GetScheduleError {
    /// The route, path parameters or query string as read by cfp-http's helpers.
    #[error(transparent)]
    Request(#[from] ApiError),
    /// `?day=&room=&track=`: malformed, or naming nothing the event has.
    #[error("the query is invalid: {0}")]
    InvalidQuery(InvalidInput),
    /// A path parameter that cannot name anything (e.g. a talk id that is no UUID).
    #[error("the path is invalid: {0}")]
    InvalidPath(InvalidInput),
    /// The exports' links are built from the request's host and that host is no URL host.
    #[error("the request's host cannot be used in links: {0}")]
    InvalidHost(InvalidInput),
    /// Unknown event, nothing released yet, or the store failed.
    #[error(transparent)]
    Schedule(#[from] ScheduleError),
    #[error("the talk {talk} is not in the latest release of {event}")]
    TalkNotReleased { event: String, talk: String },
    /// The representation only fits a Lambda response gzip-compressed and the client does not
    /// accept gzip.
    #[error(
        "the representation is {bytes} bytes, too large to send uncompressed; \
         send Accept-Encoding: gzip"
    )]
    TooLargeUncompressed { bytes: usize },
    /// Not even the compressed representation fits a Lambda response.
    #[error("the representation does not fit a Lambda response ({bytes} bytes)")]
    TooLarge { bytes: usize },
    #[error("rendering failed: {0}")]
    Render(String),
}

impl From<ExportError> for GetScheduleError {
    fn from(error: ExportError) -> Self {
        GetScheduleError::Render(error.to_string())
    }
}
