//! Storing a release atomically although its body may span many items, and reading the latest.
//!
//! put_release writes the body's chunks first, each with a TTL, then commits in one
//! TransactWriteItems: the header (only if no release has its number) and, for each chunk, the
//! removal of its TTL. A writer that loses the race for the number commits nothing, and its
//! chunks expire. Readers find a release by its header only, so they never see a partial body.

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};
use cfp_schedule::{Release, StoreError};
use chrono::{Duration, Utc};
use futures::{StreamExt, TryStreamExt, stream};
use uuid::Uuid;

use crate::compressed_json::{MAX_PIECE_BYTES, compress, decompress};
use crate::error::{corrupt, unavailable};
use crate::keys::{
    EXPIRES_AT, PK, RELEASE_SK_PREFIX, SK, describe, event_pk, release_chunk_prefix,
    release_chunk_sk, release_sk,
};
use crate::release_items::{
    StoredHeader, body_from_chunks, chunk_item, header_from_item, header_item,
};
use crate::table::ScheduleTable;
use crate::table_access::Item;

/// TransactWriteItems takes at most 100 actions: the header and 99 chunks.
pub const MAX_RELEASE_CHUNKS: usize = 99;
/// How long an uncommitted chunk lives: far longer than any put_release takes.
const CHUNK_TTL: Duration = Duration::days(1);
/// Chunk writes in flight at once.
const PARALLEL_CHUNK_WRITES: usize = 4;

/// How DynamoDB names a failed condition, and a clash with another transaction, in a cancelled
/// transaction's reasons.
const CONDITION_FAILED: &str = "ConditionalCheckFailed";
const TRANSACTION_CONFLICT: &str = "TransactionConflict";

impl ScheduleTable {
    pub(crate) async fn store_release(
        &self,
        event: &str,
        release: &Release,
    ) -> Result<(), StoreError> {
        let header_sk = release_sk(release.number);
        let body =
            compress(release).map_err(|e| corrupt(describe(&event_pk(event), &header_sk), e))?;
        let chunks: Vec<&[u8]> = body.chunks(MAX_PIECE_BYTES).collect();
        if chunks.len() > MAX_RELEASE_CHUNKS {
            return Err(StoreError::TooLarge(format!(
                "release {} of {event} compresses to {} bytes: {} chunks, more than the {MAX_RELEASE_CHUNKS} one transaction can commit",
                release.number,
                body.len(),
                chunks.len()
            )));
        }
        let attempt = Uuid::new_v4();
        let expires_at = (Utc::now() + CHUNK_TTL).timestamp();
        let chunk_items: Vec<Item> = chunks
            .iter()
            .enumerate()
            .map(|(index, bytes)| {
                chunk_item(event, release.number, attempt, index, bytes, expires_at)
            })
            .collect();
        // Owned items: a stream that borrowed `chunks` would not be Send across the await.
        stream::iter(chunk_items)
            .map(|item| {
                self.client
                    .put_item()
                    .table_name(&self.table)
                    .set_item(Some(item))
                    .send()
            })
            .buffer_unordered(PARALLEL_CHUNK_WRITES)
            .map_err(|error| unavailable("PutItem (release chunk)", error))
            .try_for_each(|_| async { Ok(()) })
            .await?;

        let header = Put::builder()
            .table_name(&self.table)
            .set_item(Some(header_item(event, release, attempt, chunks.len())?))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .build()
            .map_err(|error| unavailable("TransactWriteItems (release header)", error))?;
        let mut actions = vec![TransactWriteItem::builder().put(header).build()];
        for index in 0..chunks.len() {
            let keep = Update::builder()
                .table_name(&self.table)
                .key(PK, AttributeValue::S(event_pk(event)))
                .key(
                    SK,
                    AttributeValue::S(release_chunk_sk(release.number, attempt, index)),
                )
                .update_expression("REMOVE #expiresAt")
                // Never recreate a chunk that is gone: that must fail the commit.
                .condition_expression("attribute_exists(#pk)")
                .expression_attribute_names("#expiresAt", EXPIRES_AT)
                .expression_attribute_names("#pk", PK)
                .build()
                .map_err(|error| unavailable("TransactWriteItems (release chunk)", error))?;
            actions.push(TransactWriteItem::builder().update(keep).build());
        }
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(actions))
            // Makes the SDK's own retry of a commit whose answer was lost succeed again rather
            // than meet its own header and report a lost race.
            .client_request_token(attempt.to_string())
            .send()
            .await;
        result.map(|_| ()).map_err(commit_error)
    }

    /// The latest release's header item: the last `RELEASE#` key (numbers are zero-padded).
    pub(crate) async fn read_latest_header(
        &self,
        event: &str,
    ) -> Result<Option<StoredHeader>, StoreError> {
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#sk", SK)
            .expression_attribute_values(":pk", AttributeValue::S(event_pk(event)))
            .expression_attribute_values(":prefix", AttributeValue::S(RELEASE_SK_PREFIX.to_owned()))
            .scan_index_forward(false)
            .limit(1)
            .consistent_read(true)
            .send()
            .await
            .map_err(|error| unavailable("Query (latest release)", error))?;
        output
            .items
            .unwrap_or_default()
            .into_iter()
            .next()
            .map(header_from_item)
            .transpose()
    }

    pub(crate) async fn read_latest_release(
        &self,
        event: &str,
    ) -> Result<Option<Release>, StoreError> {
        let Some(header) = self.read_latest_header(event).await? else {
            return Ok(None);
        };
        let chunks: Vec<Item> = self
            .query_prefix(
                event_pk(event),
                &release_chunk_prefix(header.release.number, header.attempt),
                None,
                "Query (release chunks)",
            )
            .await?;
        let body = body_from_chunks(event, &header, chunks)?;
        let release: Release =
            decompress(&body).map_err(|e| corrupt(header.key.clone(), format!("its body {e}")))?;
        // Readers key what they render by the header: the body must be the header's release.
        if release.header() != header.release {
            return Err(corrupt(
                header.key,
                format!(
                    "holds the body of release {} of {}",
                    release.number, release.released_at
                ),
            ));
        }
        Ok(Some(release))
    }
}

/// A cancelled commit whose header condition failed (or that clashed with another writer's
/// transaction) lost the race for the number; anything else is a failure of the store.
fn commit_error(error: SdkError<TransactWriteItemsError>) -> StoreError {
    match error.into_service_error() {
        TransactWriteItemsError::TransactionCanceledException(cancelled) => {
            let codes: Vec<&str> = cancelled
                .cancellation_reasons()
                .iter()
                .map(|reason| reason.code().unwrap_or("None"))
                .collect();
            match codes.first() {
                Some(&CONDITION_FAILED) => StoreError::Concurrent,
                _ if codes.contains(&TRANSACTION_CONFLICT) => StoreError::Concurrent,
                _ => StoreError::Unavailable(format!(
                    "TransactWriteItems (release) was cancelled: {}; reasons {codes:?}",
                    cancelled.message().unwrap_or("no message")
                )),
            }
        }
        other => unavailable("TransactWriteItems (release)", other),
    }
}
