//! [`ScheduleStore`] on the schedule table.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use cfp_schedule::ports::ScheduleStore;
use cfp_schedule::{
    Draft, EventCopy, Release, ReleaseHeader, StoreError, StoredDraft, Talk, TalkCopy, TalkId,
    TalkNumber,
};

use crate::error::{corrupt, unavailable};
use crate::keys::{
    DRAFT_SK, ENTITY, EVENT_SK, EVENT_SLUG, PK, SK, TALK_NUMBER_ENTITY, TALK_NUMBER_SK,
    TALK_SK_PREFIX, VERSION, describe, event_pk, talk_sk,
};
use crate::table::ScheduleTable;
use crate::table_access::Equals;
use crate::talk_copy_item::{CONFIRMED, STATUS};
use crate::{draft_item, event_copy_item, talk_copy_item};

/// The counter's attribute on the `TALKNUMBER` item: the last number handed out.
const LAST_NUMBER: &str = "lastNumber";

#[async_trait]
impl ScheduleStore for ScheduleTable {
    async fn event_copy(&self, event: &str) -> Result<Option<EventCopy>, StoreError> {
        self.read_item(event_pk(event), EVENT_SK, "GetItem (event copy)")
            .await?
            .map(event_copy_item::from_item)
            .transpose()
    }

    async fn put_event_copy(
        &self,
        copy: &EventCopy,
        expected: Option<u32>,
    ) -> Result<(), StoreError> {
        let item = event_copy_item::to_item(copy)?;
        self.put_versioned(item, expected, "PutItem (event copy)")
            .await
    }

    async fn talk_copy(&self, event: &str, talk: TalkId) -> Result<Option<TalkCopy>, StoreError> {
        self.read_item(event_pk(event), &talk_sk(talk), "GetItem (talk copy)")
            .await?
            .map(talk_copy_item::from_item)
            .transpose()
    }

    async fn put_talk_copy(
        &self,
        event: &str,
        copy: &TalkCopy,
        expected: Option<u32>,
    ) -> Result<(), StoreError> {
        let item = talk_copy_item::to_item(event, copy)?;
        self.put_versioned(item, expected, "PutItem (talk copy)")
            .await
    }

    async fn allocate_talk_number(&self, event: &str) -> Result<TalkNumber, StoreError> {
        let output = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, AttributeValue::S(event_pk(event)))
            .key(SK, AttributeValue::S(TALK_NUMBER_SK.to_owned()))
            // ADD is atomic on the server: concurrent callers never get the same number.
            .update_expression("ADD #last :one SET #entity = :entity, #slug = :slug")
            .expression_attribute_names("#last", LAST_NUMBER)
            .expression_attribute_names("#entity", ENTITY)
            .expression_attribute_names("#slug", EVENT_SLUG)
            .expression_attribute_values(":one", AttributeValue::N("1".to_owned()))
            .expression_attribute_values(
                ":entity",
                AttributeValue::S(TALK_NUMBER_ENTITY.to_owned()),
            )
            .expression_attribute_values(":slug", AttributeValue::S(event.to_owned()))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(|error| unavailable("UpdateItem (talk number)", error))?;
        let key = || describe(&event_pk(event), TALK_NUMBER_SK);
        let last = output
            .attributes
            .as_ref()
            .and_then(|attributes| attributes.get(LAST_NUMBER))
            .and_then(|value| value.as_n().ok())
            .ok_or_else(|| corrupt(key(), format!("returned no number {LAST_NUMBER}")))?;
        let last: u64 = last
            .parse()
            .map_err(|e| corrupt(key(), format!("{LAST_NUMBER} {last:?}: {e}")))?;
        u32::try_from(last)
            .ok()
            .and_then(TalkNumber::new)
            .ok_or_else(|| {
                StoreError::Unavailable(format!(
                    "the talk numbers of {event} are exhausted ({last})"
                ))
            })
    }

    async fn confirmed_talks(&self, event: &str) -> Result<HashMap<TalkId, Talk>, StoreError> {
        let items = self
            .query_prefix(
                event_pk(event),
                TALK_SK_PREFIX,
                // Withdrawn talks' tombstones stay in the table but need not travel.
                Some(Equals {
                    attribute: STATUS,
                    value: AttributeValue::S(CONFIRMED.to_owned()),
                }),
                "Query (confirmed talks)",
            )
            .await?;
        let mut talks = HashMap::with_capacity(items.len());
        for item in items {
            if let Some(talk) = talk_copy_item::from_item(item)?.confirmed() {
                talks.insert(talk.id, talk);
            }
        }
        Ok(talks)
    }

    async fn draft(&self, event: &str) -> Result<StoredDraft, StoreError> {
        match self
            .read_item(event_pk(event), DRAFT_SK, "GetItem (draft)")
            .await?
        {
            Some(item) => draft_item::from_item(&item),
            None => Ok(StoredDraft::default()),
        }
    }

    async fn put_draft(
        &self,
        event: &str,
        draft: &Draft,
        expected: u32,
    ) -> Result<u32, StoreError> {
        let version = expected.checked_add(1).ok_or_else(|| {
            StoreError::Unavailable(format!("the draft versions of {event} are exhausted"))
        })?;
        let request = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(draft_item::to_item(event, draft, version)?))
            .expression_attribute_names("#version", VERSION);
        // Version 0: no draft yet, or one stored before drafts had versions (read as 0).
        let request = if expected == 0 {
            request.condition_expression("attribute_not_exists(#version)")
        } else {
            request
                .condition_expression("#version = :expected")
                .expression_attribute_values(":expected", AttributeValue::N(expected.to_string()))
        };
        match request.send().await {
            Ok(_) => Ok(version),
            Err(error) => match error.into_service_error() {
                PutItemError::ConditionalCheckFailedException(_) => Err(StoreError::Concurrent),
                other => Err(unavailable("PutItem (draft)", other)),
            },
        }
    }

    async fn latest_release(&self, event: &str) -> Result<Option<Release>, StoreError> {
        self.read_latest_release(event).await
    }

    /// The header item alone: one small Query, without the chunks.
    async fn latest_release_header(
        &self,
        event: &str,
    ) -> Result<Option<ReleaseHeader>, StoreError> {
        Ok(self
            .read_latest_header(event)
            .await?
            .map(|stored| stored.release))
    }

    async fn put_release(&self, event: &str, release: &Release) -> Result<(), StoreError> {
        self.store_release(event, release).await
    }
}
