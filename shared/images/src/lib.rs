//! Speakers' pictures, as pure functions over bytes: what the format really is (by its magic
//! bytes, never by a name or a declared type), whether the header's dimensions are within limits
//! (read before anything is decoded, so a decompression bomb is refused without being allocated),
//! and a square thumbnail of a picture that passed.
//!
//! No input of any shape panics: every failure is a [`PictureError`].

mod error;
mod format;
mod inspection;
mod limits;
mod thumbnail;

pub use error::PictureError;
pub use format::PictureFormat;
pub use inspection::{PictureInfo, inspect};
pub use limits::PictureLimits;
pub use thumbnail::{THUMBNAIL_SIDE, Thumbnail, thumbnail};
