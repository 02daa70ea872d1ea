//! The schedule context's copy of an event: its frame and who organises it. The CfP context owns
//! events; it publishes `EventCreated`/`EventUpdated` snapshots and the schedule keeps the newest
//! (by `version`), so it can check organisers and frames without reading the CfP table.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::frame::EventFrame;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventCopy {
    pub frame: EventFrame,
    /// User ids (the token's `sub`) of the event's organisers.
    pub organisers: BTreeSet<String>,
    /// The CfP context's version of the event: a copy is only ever replaced by a newer one.
    pub version: u32,
}

impl EventCopy {
    pub fn is_organiser(&self, user_id: &str) -> bool {
        self.organisers.contains(user_id)
    }
}
