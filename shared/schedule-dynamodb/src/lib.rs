//! The DynamoDB adapter of the schedule context's store port: [`ScheduleTable`] implements
//! [`cfp_schedule::ports::ScheduleStore`] on the template's `ScheduleTable` (keys `pk`/`sk`,
//! TTL attribute `expiresAt`, stream NEW_AND_OLD_IMAGES). Every item of an event shares its
//! partition and is tagged with its `entity`:
//!
//! | entity          | pk             | sk                                          |
//! |-----------------|----------------|---------------------------------------------|
//! | `event`         | `EVENT#<slug>` | `EVENT`                                     |
//! | `talk`          | `EVENT#<slug>` | `TALK#<talk uuid>`                          |
//! | `talk-number`   | `EVENT#<slug>` | `TALKNUMBER`                                |
//! | `draft`         | `EVENT#<slug>` | `DRAFT`                                     |
//! | `release`       | `EVENT#<slug>` | `RELEASE#<number, 10 digits>`               |
//! | `release-chunk` | `EVENT#<slug>` | `RELEASECHUNK#<number>#<attempt>#<index, 4 digits>` |
//!
//! Event and talk copies and the draft are replaced only over the version they were read at. A
//! release's body (gzip-compressed JSON, which can exceed the 400 KB item limit) lives in chunk
//! items committed atomically with its header, so a new release is exactly one INSERT of an
//! `entity = release` item on the stream (see [`releases`](crate::releases)'s notes); readers
//! that need only the latest release's number and time read its header item alone.

mod compressed_json;
mod draft_item;
mod error;
mod event_copy_item;
mod keys;
mod release_items;
mod releases;
mod schedule_store;
mod table;
mod table_access;
mod talk_copy_item;
#[cfg(feature = "test-support")]
pub mod test_support;

pub use releases::MAX_RELEASE_CHUNKS;
pub use table::ScheduleTable;
