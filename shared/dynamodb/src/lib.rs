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

mod dedupe_item;
mod dedupe_store;
mod error;
mod event_item;
mod event_store;
mod idempotency_item;
mod idempotency_store;
mod keys;
mod picture_store;
mod proposal_item;
mod proposal_store;
mod table;

pub use proposal_item::{PictureItem, is_proposal_image, proposal_from_image};
pub use table::CfpTable;
