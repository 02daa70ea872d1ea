//! The draft as stored (`sk = DRAFT`): its slots as gzip-compressed JSON in one binary
//! attribute, since 5,000 plain slots would not fit DynamoDB's 400 KB item limit.

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use cfp_schedule::{Draft, StoreError};

use crate::compressed_json::{MAX_PIECE_BYTES, compress, decompress};
use crate::error::corrupt;
use crate::keys::{BODY, DRAFT_ENTITY, DRAFT_SK, ENTITY, EVENT_SLUG, PK, SK, describe, event_pk};
use crate::table_access::{Item, key_of};

/// How many slots the draft holds, for whoever looks at the table.
const SLOTS: &str = "slots";

pub(crate) fn to_item(event: &str, draft: &Draft) -> Result<Item, StoreError> {
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
    ]))
}

pub(crate) fn from_item(item: &Item) -> Result<Draft, StoreError> {
    let body = item
        .get(BODY)
        .and_then(|value| value.as_b().ok())
        .ok_or_else(|| corrupt(key_of(item), "has no binary body"))?;
    decompress(body.as_ref()).map_err(|e| corrupt(key_of(item), format!("its body {e}")))
}
