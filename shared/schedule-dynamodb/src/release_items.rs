//! A release as stored: one header item (`sk = RELEASE#<number>`, entity `release`, the one
//! item updateSearchIndex's stream filter selects) and the release's body, gzip-compressed
//! JSON of the whole [`Release`], cut into chunk items
//! (`sk = RELEASECHUNK#<number>#<attempt>#<index>`, entity `release-chunk`).
//!
//! Every attempt to store a release writes its chunks under its own `attempt` UUID, so two
//! writers racing for the same number never overwrite each other's chunks; the header names the
//! attempt that won.

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use cfp_schedule::{Release, ReleaseHeader, ReleaseName, ReleaseNumber, StoreError};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::corrupt;
use crate::keys::{
    BODY, ENTITY, EVENT_SLUG, EXPIRES_AT, PK, RELEASE_CHUNK_ENTITY, RELEASE_ENTITY, SK, describe,
    event_pk, release_chunk_sk, release_sk,
};
use crate::table_access::{Item, key_of, string};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReleaseHeaderItem {
    pk: String,
    sk: String,
    entity: String,
    event_slug: String,
    number: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    released_at: DateTime<Utc>,
    /// Whose chunks are the body.
    attempt: Uuid,
    chunks: u32,
}

/// A header item as read: the release's header, and where its body is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StoredHeader {
    pub key: String,
    pub release: ReleaseHeader,
    pub attempt: Uuid,
    pub chunks: usize,
}

pub(crate) fn header_item(
    event: &str,
    release: &Release,
    attempt: Uuid,
    chunks: usize,
) -> Result<Item, StoreError> {
    let sk = release_sk(release.number);
    let key = describe(&event_pk(event), &sk);
    let chunks = u32::try_from(chunks).map_err(|e| corrupt(key.clone(), e))?;
    let item = ReleaseHeaderItem {
        pk: event_pk(event),
        sk,
        entity: RELEASE_ENTITY.to_owned(),
        event_slug: event.to_owned(),
        number: release.number.get(),
        name: release.name.as_ref().map(|name| name.as_str().to_owned()),
        released_at: release.released_at,
        attempt,
        chunks,
    };
    serde_dynamo::to_item(item).map_err(|e| corrupt(key, e))
}

pub(crate) fn header_from_item(item: Item) -> Result<StoredHeader, StoreError> {
    let key = key_of(&item);
    let item: ReleaseHeaderItem =
        serde_dynamo::from_item(item).map_err(|e| corrupt(key.clone(), e))?;
    let number = ReleaseNumber::new(item.number)
        .ok_or_else(|| corrupt(key.clone(), "has release number 0"))?;
    if item.chunks == 0 {
        return Err(corrupt(key, "names no chunks"));
    }
    let chunks = usize::try_from(item.chunks).map_err(|e| corrupt(key.clone(), e))?;
    let name = item
        .name
        .as_deref()
        .map(ReleaseName::parse)
        .transpose()
        .map_err(|e| corrupt(key.clone(), format!("has an invalid name: {e}")))?;
    Ok(StoredHeader {
        key,
        release: ReleaseHeader {
            number,
            name,
            released_at: item.released_at,
        },
        attempt: item.attempt,
        chunks,
    })
}

/// One chunk of an attempt's body; it expires at `expires_at` (epoch seconds) unless the commit
/// removes that.
pub(crate) fn chunk_item(
    event: &str,
    number: ReleaseNumber,
    attempt: Uuid,
    index: usize,
    bytes: &[u8],
    expires_at: i64,
) -> Item {
    Item::from([
        (PK.to_owned(), AttributeValue::S(event_pk(event))),
        (
            SK.to_owned(),
            AttributeValue::S(release_chunk_sk(number, attempt, index)),
        ),
        (
            ENTITY.to_owned(),
            AttributeValue::S(RELEASE_CHUNK_ENTITY.to_owned()),
        ),
        (EVENT_SLUG.to_owned(), AttributeValue::S(event.to_owned())),
        (BODY.to_owned(), AttributeValue::B(Blob::new(bytes))),
        (
            EXPIRES_AT.to_owned(),
            AttributeValue::N(expires_at.to_string()),
        ),
    ])
}

/// The body of a release from its chunks as a Query returned them (in sort-key order): every
/// chunk the header names, each in its place, or the release is damaged.
pub(crate) fn body_from_chunks(
    event: &str,
    header: &StoredHeader,
    chunks: Vec<Item>,
) -> Result<Vec<u8>, StoreError> {
    if chunks.len() != header.chunks {
        return Err(corrupt(
            header.key.clone(),
            format!(
                "names {} chunks but {} were found",
                header.chunks,
                chunks.len()
            ),
        ));
    }
    let mut body = Vec::new();
    for (index, chunk) in chunks.iter().enumerate() {
        let expected = release_chunk_sk(header.release.number, header.attempt, index);
        if string(chunk, SK) != Some(expected.as_str()) {
            return Err(corrupt(
                describe(&event_pk(event), &expected),
                format!("is missing; found {} in its place", key_of(chunk)),
            ));
        }
        let bytes = chunk
            .get(BODY)
            .and_then(|value| value.as_b().ok())
            .ok_or_else(|| corrupt(key_of(chunk), "has no binary body"))?;
        body.extend_from_slice(bytes.as_ref());
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cfp_schedule::test_data;

    fn release() -> Release {
        test_data::release(&[(1, "Main", "2027-06-10T09:00:00+02:00")])
    }

    #[test]
    fn a_header_reads_back_and_says_where_the_body_is() {
        let attempt = Uuid::new_v4();
        let item = header_item("devconf-2027", &release(), attempt, 3).expect("item");
        assert_eq!(string(&item, ENTITY), Some(RELEASE_ENTITY));
        assert_eq!(string(&item, EVENT_SLUG), Some("devconf-2027"));
        assert_eq!(
            item.get("number")
                .and_then(|n| n.as_n().ok())
                .map(String::as_str),
            Some("1")
        );
        let header = header_from_item(item).expect("header");
        assert_eq!(header.release, release().header());
        assert_eq!(header.attempt, attempt);
        assert_eq!(header.chunks, 3);
    }

    #[test]
    fn chunks_that_do_not_match_the_header_are_damage() {
        let attempt = Uuid::new_v4();
        let header = header_from_item(header_item("e", &release(), attempt, 2).expect("item"))
            .expect("header");
        let number = header.release.number;
        let chunk = |index, attempt| chunk_item("e", number, attempt, index, b"x", 0);
        let body = body_from_chunks("e", &header, vec![chunk(0, attempt), chunk(1, attempt)]);
        assert_eq!(body.expect("body"), b"xx");
        for chunks in [
            vec![chunk(0, attempt)],
            vec![chunk(0, attempt), chunk(2, attempt)],
            vec![chunk(0, attempt), chunk(1, Uuid::new_v4())],
            vec![chunk(0, attempt), chunk(1, attempt), chunk(2, attempt)],
        ] {
            assert!(matches!(
                body_from_chunks("e", &header, chunks),
                Err(StoreError::Corrupt { .. })
            ));
        }
        let mut bodiless = chunk(1, attempt);
        bodiless.remove(BODY);
        assert!(matches!(
            body_from_chunks("e", &header, vec![chunk(0, attempt), bodiless]),
            Err(StoreError::Corrupt { .. })
        ));
        let mut zero = header_item("e", &release(), attempt, 1).expect("item");
        zero.insert("number".into(), AttributeValue::N("0".into()));
        assert!(header_from_item(zero).is_err());
    }
}
