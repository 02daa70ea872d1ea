//! [`EventStore`] on the CfP table.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};
use cfp_domain::StoreError;
use cfp_domain::event::{Event, EventSlug};
use cfp_domain::ports::{EventReplaced, EventStore};
use cfp_domain::version::Version;

use crate::conditional_write::{Item, Written, item_key, written};
use crate::error::corrupt;
use crate::event_item::{EventItem, time};
use crate::keys::{EVENT_SK, describe, event_pk};
use crate::table::CfpTable;

#[async_trait]
impl EventStore for CfpTable {
    async fn insert_event(&self, event: &Event) -> Result<(), StoreError> {
        let item: EventItem = event.into();
        let key = describe(&item.pk, &item.sk);
        let item = serde_dynamo::to_item(item).map_err(|e| corrupt(key, e))?;
        self.insert_item(item, "PutItem (event)").await
    }

    async fn get_event(&self, slug: &EventSlug) -> Result<Option<Event>, StoreError> {
        let pk = event_pk(slug);
        // Consistent: an organiser creates an event and reads it right away.
        let read = self.read_item(item_key(pk.clone(), EVENT_SK), "GetItem (event)");
        let Some(item) = read.await? else {
            return Ok(None);
        };
        event_from_item(item, &pk).map(Some)
    }

    /// One UpdateItem of the team, version and update time, conditional on the version read.
    async fn replace_team(
        &self,
        current: &Event,
        next: &Event,
    ) -> Result<EventReplaced, StoreError> {
        if current.slug != next.slug {
            return Err(StoreError::Backend {
                operation: "UpdateItem (event team)",
                message: "a team change must keep the event's slug".into(),
            });
        }
        let item = EventItem::from(next);
        let team = item
            .team
            .into_iter()
            .map(|(user, role)| (user, AttributeValue::S(role)))
            .collect();
        let values = HashMap::from([
            (":team".to_owned(), AttributeValue::M(team)),
            (
                ":next".to_owned(),
                AttributeValue::N(item.version.to_string()),
            ),
            (
                ":updated".to_owned(),
                AttributeValue::S(time(next.updated_at)),
            ),
            (
                ":current".to_owned(),
                AttributeValue::N(current.version.get().to_string()),
            ),
        ]);
        // Items written before versions were stored have none: they are at version 1.
        let condition = if current.version == Version::FIRST {
            "attribute_exists(pk) AND (#version = :current OR attribute_not_exists(#version))"
        } else {
            "attribute_exists(pk) AND #version = :current"
        };
        let (pk, sk) = (event_pk(&current.slug), EVENT_SK);
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(item_key(pk.clone(), sk)))
            .update_expression("SET #team = :team, #version = :next, #updatedAt = :updated")
            .condition_expression(condition)
            .expression_attribute_names("#team", "team")
            .expression_attribute_names("#version", "version")
            .expression_attribute_names("#updatedAt", "updatedAt")
            .set_expression_attribute_values(Some(values))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match written(result, "UpdateItem (event team)")? {
            Written::Applied(_) => Ok(EventReplaced::Done),
            Written::ConditionFailed(returned) => {
                let stored = self
                    .item_on_conflict(returned, item_key(pk.clone(), sk), "GetItem (event)")
                    .await?;
                let stored = stored.map(|item| event_from_item(item, &pk)).transpose()?;
                Ok(EventReplaced::Conflict(stored.map(Box::new)))
            }
        }
    }
}

fn event_from_item(item: Item, pk: &str) -> Result<Event, StoreError> {
    let item: EventItem =
        serde_dynamo::from_item(item).map_err(|e| corrupt(describe(pk, EVENT_SK), e))?;
    Event::try_from(item)
}
