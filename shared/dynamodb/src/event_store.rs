//! [`EventStore`] on the CfP table.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use cfp_domain::StoreError;
use cfp_domain::event::{Event, EventSlug};
use cfp_domain::ports::EventStore;
use cfp_domain::team::{Role, UserId};

use crate::conditional_write::{item_key, written};
use crate::error::corrupt;
use crate::event_item::EventItem;
use crate::keys::{EVENT_SK, PK, SK, describe, event_pk};
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
        let item: EventItem =
            serde_dynamo::from_item(item).map_err(|e| corrupt(describe(&pk, EVENT_SK), e))?;
        Event::try_from(item).map(Some)
    }

    async fn set_team_member(
        &self,
        slug: &EventSlug,
        user: &UserId,
        role: Role,
    ) -> Result<bool, StoreError> {
        // One entry of the `team` map: concurrent changes to other members are not lost.
        self.update_team(
            slug,
            "SET #team.#user = :role",
            Some(AttributeValue::S(role.as_str().to_owned())),
            user,
        )
        .await
    }

    async fn remove_team_member(
        &self,
        slug: &EventSlug,
        user: &UserId,
    ) -> Result<bool, StoreError> {
        self.update_team(slug, "REMOVE #team.#user", None, user)
            .await
    }
}

impl CfpTable {
    async fn update_team(
        &self,
        slug: &EventSlug,
        update: &str,
        role: Option<AttributeValue>,
        user: &UserId,
    ) -> Result<bool, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, AttributeValue::S(event_pk(slug)))
            .key(SK, AttributeValue::S(EVENT_SK.to_owned()))
            .update_expression(update)
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#team", "team")
            // A user id is data, never part of an expression.
            .expression_attribute_names("#user", user.as_str())
            .set_expression_attribute_values(
                role.map(|role| std::collections::HashMap::from([(":role".to_owned(), role)])),
            )
            .send()
            .await;
        Ok(written(result, "UpdateItem (event team)")?.applied())
    }
}
