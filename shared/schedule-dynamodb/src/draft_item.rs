//! The draft as stored (`sk = DRAFT`): its slots as gzip-compressed JSON in one binary
//! attribute, since 5,000 plain slots would not fit DynamoDB's 400 KB item limit, and its
//! version, the condition of every replacement.

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use cfp_schedule::{Draft, StoreError, StoredDraft};

use crate::compressed_json::{MAX_PIECE_BYTES, compress, decompress};
use crate::error::corrupt;
use crate::keys::{
    BODY, DRAFT_ENTITY, DRAFT_SK, ENTITY, EVENT_SLUG, PK, SK, VERSION, describe, event_pk,
};
use crate::table_access::{Item, key_of};

/// How many slots the draft holds, for whoever looks at the table.
const SLOTS: &str = "slots";

pub(crate) fn to_item(event: &str, draft: &Draft, version: u32) -> Result<Item, StoreError> {
    let key = || describe(&event_pk(event), DRAFT_SK);
    let body = compress(draft).map_err(|e| corrupt(key(), e))?;
    if body.len() > MAX_PIECE_BYTES {
        return Err(StoreError::TooLarge(format!(
            "the draft of {event} compresses to {} bytes, more than the {MAX_PIECE_BYTES} an item holds",
            body.len()
        )));
    }
    Ok(Item::from([
        (PK.to_owned(), AttributeValue::S(event_pk(event))),
        (SK.to_owned(), AttributeValue::S(DRAFT_SK.to_owned())),
        (
            ENTITY.to_owned(),
            AttributeValue::S(DRAFT_ENTITY.to_owned()),
        ),
        (EVENT_SLUG.to_owned(), AttributeValue::S(event.to_owned())),
        (
            SLOTS.to_owned(),
            AttributeValue::N(draft.slots.len().to_string()),
        ),
        (BODY.to_owned(), AttributeValue::B(Blob::new(body))),
        (VERSION.to_owned(), AttributeValue::N(version.to_string())),
    ]))
}

/// A draft item written before drafts had versions reads as version 0, which a write
/// conditional on version 0 replaces (see `ScheduleTable::put_draft`).
pub(crate) fn from_item(item: &Item) -> Result<StoredDraft, StoreError> {
    let body = item
        .get(BODY)
        .and_then(|value| value.as_b().ok())
        .ok_or_else(|| corrupt(key_of(item), "has no binary body"))?;
    let draft =
        decompress(body.as_ref()).map_err(|e| corrupt(key_of(item), format!("its body {e}")))?;
    let version = match item.get(VERSION) {
        None => 0,
        Some(value) => value
            .as_n()
            .ok()
            .and_then(|n| n.parse::<u32>().ok())
            .ok_or_else(|| corrupt(key_of(item), format!("has version {value:?}")))?,
    };
    Ok(StoredDraft { draft, version })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draft_reads_back_with_its_version_and_a_bad_version_is_damage() {
        let draft = Draft::default();
        let item = to_item("devconf-2027", &draft, 7).expect("item");
        assert_eq!(
            from_item(&item),
            Ok(StoredDraft {
                draft: draft.clone(),
                version: 7
            })
        );
        let mut unversioned = item.clone();
        unversioned.remove(VERSION);
        assert_eq!(from_item(&unversioned).map(|d| d.version), Ok(0));
        for bad in [
            AttributeValue::S("7".into()),
            AttributeValue::N("-1".into()),
            AttributeValue::N("4294967296".into()),
        ] {
            let mut damaged = item.clone();
            damaged.insert(VERSION.to_owned(), bad);
            assert!(matches!(
                from_item(&damaged),
                Err(StoreError::Corrupt { .. })
            ));
        }
    }
}
