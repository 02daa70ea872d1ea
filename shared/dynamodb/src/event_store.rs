//! [`EventStore`] on the CfP table.

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::AttributeValue;
use cfp_domain::StoreError;
use cfp_domain::event::{Event, EventSlug};
use cfp_domain::ports::EventStore;

use crate::error::{backend, corrupt};
use crate::event_item::EventItem;
use crate::keys::{EVENT_SK, PK, SK, describe, event_pk};
use crate::table::CfpTable;

#[async_trait]
impl EventStore for CfpTable {
    async fn insert_event(&self, event: &Event) -> Result<(), StoreError> {
        let item: EventItem = event.into();
        let key = describe(&item.pk, &item.sk);
        let item = serde_dynamo::to_item(item).map_err(|e| corrupt(key, e))?;
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await
            .map_err(|error| match error.into_service_error() {
                PutItemError::ConditionalCheckFailedException(_) => StoreError::AlreadyExists,
                other => backend("PutItem (event)", other),
            })?;
        Ok(())
    }

    async fn get_event(&self, slug: &EventSlug) -> Result<Option<Event>, StoreError> {
        let pk = event_pk(slug);
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(PK, AttributeValue::S(pk.clone()))
            .key(SK, AttributeValue::S(EVENT_SK.to_owned()))
            // Read-your-writes: an organiser creates an event and reads it right away.
            .consistent_read(true)
            .send()
            .await
            .map_err(|error| backend("GetItem (event)", error))?;
        let Some(item) = output.item else {
            return Ok(None);
        };
        let item: EventItem =
            serde_dynamo::from_item(item).map_err(|e| corrupt(describe(&pk, EVENT_SK), e))?;
        Event::try_from(item).map(Some)
    }
}
