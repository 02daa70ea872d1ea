//! The schedule's copy of one talk as stored (`sk = TALK#<uuid>`), confirmed or withdrawn.

use cfp_schedule::talk_message::{CopyStatus, TalkContent};
use cfp_schedule::{StoreError, TalkCopy, TalkId, TalkNumber};
use serde::{Deserialize, Serialize};

use crate::error::corrupt;
use crate::keys::{TALK_ENTITY, describe, event_pk, talk_sk};
use crate::table_access::{Item, key_of};

/// The attribute confirmed_talks filters on, and its value for a confirmed talk.
pub(crate) const STATUS: &str = "status";
pub(crate) const CONFIRMED: &str = "confirmed";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TalkCopyItem {
    pk: String,
    sk: String,
    entity: String,
    event_slug: String,
    talk_id: TalkId,
    number: TalkNumber,
    /// The proposal's version the copy was written from; the condition of every replacement.
    version: u32,
    status: CopyStatus,
    content: TalkContent,
}

pub(crate) fn to_item(event: &str, copy: &TalkCopy) -> Result<Item, StoreError> {
    let item = TalkCopyItem {
        pk: event_pk(event),
        sk: talk_sk(copy.id),
        entity: TALK_ENTITY.to_owned(),
        event_slug: event.to_owned(),
        talk_id: copy.id,
        number: copy.number,
        version: copy.version,
        status: copy.status,
        content: copy.content.clone(),
    };
    serde_dynamo::to_item(item)
        .map_err(|e| corrupt(describe(&event_pk(event), &talk_sk(copy.id)), e))
}

pub(crate) fn from_item(item: Item) -> Result<TalkCopy, StoreError> {
    let key = key_of(&item);
    let item: TalkCopyItem = serde_dynamo::from_item(item).map_err(|e| corrupt(key, e))?;
    Ok(TalkCopy {
        id: item.talk_id,
        number: item.number,
        version: item.version,
        status: item.status,
        content: item.content,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use cfp_schedule::TalkMessageKind;
    use cfp_schedule::test_data;

    #[test]
    fn the_filter_value_is_how_a_confirmed_status_is_stored() {
        let copy = TalkCopy::first(
            &test_data::message(TalkMessageKind::TalkConfirmed, 1),
            TalkNumber::first(),
        );
        let item = to_item("devconf-2027", &copy).expect("item");
        assert_eq!(
            item.get(STATUS)
                .and_then(|v| v.as_s().ok())
                .map(String::as_str),
            Some(CONFIRMED)
        );
        assert_eq!(from_item(item).expect("read back"), copy);
    }
}
