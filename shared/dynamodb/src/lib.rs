//! DynamoDB adapters of the CfP context's store ports. Everything lives in one table (the
//! template's `CfpTable`, keys `pk`/`sk`), each item tagged with its `entity`:
//!
//! | entity   | pk                     | sk       |
//! |----------|------------------------|----------|
//! | Event    | `EVENT#<slug>`         | `EVENT`  |
//! | Proposal | `EVENT#<slug>`         | `CFP#<id>` |
//! | Dedupe   | `DEDUPE#<what>#<key>`  | `DEDUPE` |

mod dedupe_item;
mod dedupe_store;
mod error;
mod event_item;
mod event_store;
mod keys;
mod proposal_item;
mod proposal_store;
mod table;

pub use proposal_item::{is_proposal_image, proposal_from_image};
pub use table::CfpTable;
