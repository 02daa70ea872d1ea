//! The schedule's copy of an event as stored (`sk = EVENT`).

use std::collections::BTreeSet;

use cfp_schedule::{EventCopy, EventFrame, StoreError};
use serde::{Deserialize, Serialize};

use crate::error::corrupt;
use crate::keys::{EVENT_ENTITY, EVENT_SK, describe, event_pk};
use crate::table_access::{Item, key_of};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventCopyItem {
    pk: String,
    sk: String,
    entity: String,
    event_slug: String,
    /// The CfP context's version of the event; the condition of every replacement.
    version: u32,
    /// Validated again when read: a frame that no longer makes sense is a damaged item.
    frame: EventFrame,
    organisers: BTreeSet<String>,
}

pub(crate) fn to_item(copy: &EventCopy) -> Result<Item, StoreError> {
    let slug = copy.frame.slug();
    let item = EventCopyItem {
        pk: event_pk(slug),
        sk: EVENT_SK.to_owned(),
        entity: EVENT_ENTITY.to_owned(),
        event_slug: slug.to_owned(),
        version: copy.version,
        frame: copy.frame.clone(),
        organisers: copy.organisers.clone(),
    };
    serde_dynamo::to_item(item).map_err(|e| corrupt(describe(&event_pk(slug), EVENT_SK), e))
}

pub(crate) fn from_item(item: Item) -> Result<EventCopy, StoreError> {
    let key = key_of(&item);
    let item: EventCopyItem = serde_dynamo::from_item(item).map_err(|e| corrupt(key, e))?;
    Ok(EventCopy {
        frame: item.frame,
        organisers: item.organisers,
        version: item.version,
    })
}
