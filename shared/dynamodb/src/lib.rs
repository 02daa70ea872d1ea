//! DynamoDB adapters of the CfP context's store ports. Everything lives in one table (the
//! template's `CfpTable`, keys `pk`/`sk`), each item tagged with its `entity`:
//!
//! | entity   | pk                     | sk       |
//! |----------|------------------------|----------|
//! | Event    | `EVENT#<slug>`         | `EVENT`  |
//! | Proposal | `EVENT#<slug>`         | `CFP#<id>` |
//! | Dedupe   | `DEDUPE#<what>#<key>`  | `DEDUPE` |
//! | Idempotency | `IDEMPOTENCY#<caller sub>#<key>` | `IDEMPOTENCY` |
//!
//! Two GSIs (template.yaml) serve the listings, both sorted by `sk` (`CFP#<UUID v7>`, i.e. by
//! submission time): `ByEventStatus` on `eventStatus` (`<slug>#<status>`) and `ByOwner` on
//! `ownerId`. An event's proposals in every state come from the table itself.
//!
//! The table's stream, as the stream functions read it: [`proposal_from_image`] and
//! [`event_from_image`] for a record's images, [`process_batch`] for the batch loop with its
//! partial batch response and [`invocation_deadline`] for the end of the invocation.

mod client;
mod conditional_write;
mod dedupe_item;
mod dedupe_store;
mod error;
mod event_item;
mod event_store;
mod idempotency_item;
mod idempotency_store;
mod invocation_deadline;
mod keys;
mod picture_store;
mod proposal_item;
mod proposal_store;
mod stream_batch;
#[cfg(feature = "test-support")]
pub mod stream_test_support;
mod table;

pub use client::client;
pub use event_item::{event_from_image, is_event_image};
pub use invocation_deadline::invocation_deadline;
pub use proposal_item::{PictureItem, is_proposal_image, proposal_from_image};
pub use stream_batch::{OnFailure, process_batch};
pub use table::CfpTable;
