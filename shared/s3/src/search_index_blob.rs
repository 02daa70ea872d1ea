//! [`IndexBlobStore`] on the search index bucket: one object per event,
//! `search-index/<event>.tar`, stamped in its user metadata with the release and format it
//! indexes. Writes are S3 conditional PUTs (`If-None-Match: *` for the first, `If-Match: <etag>`
//! after), reads are conditional GETs (`If-None-Match: <etag>`), so writers never overwrite each
//! other unknowingly and a reader holding the current blob downloads nothing.

use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::operation::get_object::GetObjectError;
use aws_sdk_s3::operation::head_object::HeadObjectError;
use aws_sdk_s3::primitives::ByteStream;
use cfp_search::{
    BlobStoreError, BlobVersion, Fetched, IndexBlobStore, IndexStamp, PutCondition, PutOutcome,
};

/// The prefix of every event's index blob in the bucket.
pub const SEARCH_INDEX_PREFIX: &str = "search-index/";
/// User metadata (`x-amz-meta-...`; S3 lower-cases the names) stamping a blob.
const RELEASE_METADATA: &str = "index-release";
const FORMAT_METADATA: &str = "index-format";
const CONTENT_TYPE: &str = "application/x-tar";
/// A blob far larger than any event's index (~0.5 MB per 1,000 talks) is not read into memory.
pub const MAX_INDEX_BYTES: i64 = 256 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct SearchIndexBucket {
    client: Client,
    bucket: String,
}

impl SearchIndexBucket {
    pub fn new(client: Client, bucket: impl Into<String>) -> Self {
        SearchIndexBucket {
            client,
            bucket: bucket.into(),
        }
    }

    /// An S3 client for `config`: [`crate::client`].
    pub fn client_for(config: &aws_config::SdkConfig) -> Client {
        crate::client(config)
    }

    pub fn name(&self) -> &str {
        &self.bucket
    }

    /// The object key of the event's blob. Event slugs are `a-z`, `0-9` and `-`; anything that
    /// could leave the prefix or make an odd key is refused.
    pub fn key(event: &str) -> Result<String, BlobStoreError> {
        let plain = !event.is_empty()
            && event.len() <= 128
            && event
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !plain {
            return Err(BlobStoreError(format!(
                "{event:?} cannot name an index blob"
            )));
        }
        Ok(format!("{SEARCH_INDEX_PREFIX}{event}.tar"))
    }
}

/// The whole error chain: it goes to the log, never to a caller.
fn backend<E: std::error::Error>(operation: &str, error: E) -> BlobStoreError {
    BlobStoreError(format!("{operation}: {}", DisplayErrorContext(&error)))
}

fn status_of<E>(error: &SdkError<E, HttpResponse>) -> Option<u16> {
    error
        .raw_response()
        .map(|response| response.status().as_u16())
}

fn stamp_of(metadata: Option<&std::collections::HashMap<String, String>>) -> Option<IndexStamp> {
    let metadata = metadata?;
    let number = |name: &str| metadata.get(name)?.trim().parse::<u32>().ok();
    Some(IndexStamp {
        release: number(RELEASE_METADATA)?,
        format: number(FORMAT_METADATA)?,
    })
}

#[async_trait]
impl IndexBlobStore for SearchIndexBucket {
    async fn version(&self, event: &str) -> Result<Option<BlobVersion>, BlobStoreError> {
        let key = Self::key(event)?;
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(&key)
            .send()
            .await
        {
            Ok(head) => {
                let etag = head
                    .e_tag()
                    .ok_or_else(|| BlobStoreError(format!("HeadObject {key}: no ETag")))?;
                Ok(Some(BlobVersion {
                    etag: etag.to_owned(),
                    stamp: stamp_of(head.metadata()),
                }))
            }
            Err(error) => match error.into_service_error() {
                HeadObjectError::NotFound(_) => Ok(None),
                other => Err(backend("HeadObject", other)),
            },
        }
    }

    async fn fetch(&self, event: &str, held: Option<&str>) -> Result<Fetched, BlobStoreError> {
        let key = Self::key(event)?;
        let output = match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(&key)
            .set_if_none_match(held.map(str::to_owned))
            .send()
            .await
        {
            Ok(output) => output,
            // S3 answers a matching If-None-Match with 304, which the SDK reports as an error.
            Err(error) if status_of(&error) == Some(304) => return Ok(Fetched::NotModified),
            Err(error) => {
                return match error.into_service_error() {
                    GetObjectError::NoSuchKey(_) => Ok(Fetched::Missing),
                    other => Err(backend("GetObject", other)),
                };
            }
        };
        if output.content_length().unwrap_or(0) > MAX_INDEX_BYTES {
            return Err(BlobStoreError(format!(
                "{key} is larger than {MAX_INDEX_BYTES} bytes"
            )));
        }
        let etag = output
            .e_tag()
            .ok_or_else(|| BlobStoreError(format!("GetObject {key}: no ETag")))?
            .to_owned();
        let bytes = output
            .body
            .collect()
            .await
            .map_err(|error| backend("GetObject (body)", error))?
            .into_bytes()
            .to_vec();
        Ok(Fetched::Blob { bytes, etag })
    }

    async fn put(
        &self,
        event: &str,
        blob: &[u8],
        stamp: IndexStamp,
        condition: &PutCondition,
    ) -> Result<PutOutcome, BlobStoreError> {
        let key = Self::key(event)?;
        let mut request = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(&key)
            .content_type(CONTENT_TYPE)
            .metadata(RELEASE_METADATA, stamp.release.to_string())
            .metadata(FORMAT_METADATA, stamp.format.to_string())
            .body(ByteStream::from(blob.to_vec()));
        request = match condition {
            PutCondition::Absent => request.if_none_match("*"),
            PutCondition::Unchanged { etag } => request.if_match(etag),
        };
        match request.send().await {
            Ok(_) => Ok(PutOutcome::Stored),
            Err(error) => {
                // 412: the condition failed. 409 (ConditionalRequestConflict): a concurrent
                // conditional write to the key is in progress. 404 under If-Match: the blob was
                // removed since. Each means someone else changed it: read again, decide anew.
                let status = status_of(&error);
                let code = error.as_service_error().and_then(|e| e.code());
                let lost_race = matches!(status, Some(412 | 409))
                    || matches!(
                        code,
                        Some("PreconditionFailed" | "ConditionalRequestConflict")
                    )
                    || (matches!(condition, PutCondition::Unchanged { .. })
                        && (status == Some(404) || code == Some("NoSuchKey")));
                if lost_race {
                    Ok(PutOutcome::ConditionFailed)
                } else {
                    Err(backend("PutObject", error))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_live_under_the_prefix_and_odd_events_are_refused() {
        assert_eq!(
            SearchIndexBucket::key("devconf-2027").expect("key"),
            "search-index/devconf-2027.tar"
        );
        for bad in ["", "../x", "a/b", "a b", "a\n", &"a".repeat(129), "ü"] {
            assert!(SearchIndexBucket::key(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn stamps_come_from_both_metadata_values_or_not_at_all() {
        let metadata = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<std::collections::HashMap<_, _>>()
        };
        assert_eq!(
            stamp_of(Some(&metadata(&[
                ("index-release", "7"),
                ("index-format", "1")
            ]))),
            Some(IndexStamp {
                release: 7,
                format: 1
            })
        );
        assert_eq!(stamp_of(Some(&metadata(&[("index-release", "7")]))), None);
        assert_eq!(
            stamp_of(Some(&metadata(&[
                ("index-release", "-1"),
                ("index-format", "1")
            ]))),
            None
        );
        assert_eq!(stamp_of(None), None);
    }
}
