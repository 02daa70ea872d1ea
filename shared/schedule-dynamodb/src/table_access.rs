//! The plumbing every part of the store shares: consistent reads of one item, versioned
//! conditional puts, and Queries of one event's items by sort-key prefix, paginated to the end.

use std::collections::HashMap;

use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::AttributeValue;
use cfp_schedule::StoreError;

use crate::error::unavailable;
use crate::keys::{PK, SK, VERSION};
use crate::table::ScheduleTable;

pub(crate) type Item = HashMap<String, AttributeValue>;

/// An equality filter on one attribute, applied by DynamoDB before the items are returned.
pub(crate) struct Equals<'a> {
    pub attribute: &'a str,
    pub value: AttributeValue,
}

impl ScheduleTable {
    /// One item by its key, read consistently (read-your-writes: an organiser saves the draft
    /// and releases it right away).
    pub(crate) async fn read_item(
        &self,
        pk: String,
        sk: &str,
        operation: &'static str,
    ) -> Result<Option<Item>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(PK, AttributeValue::S(pk))
            .key(SK, AttributeValue::S(sk.to_owned()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|error| unavailable(operation, error))?;
        Ok(output.item)
    }

    /// Puts `item` if the stored item with its key has version `expected` (`None`: if there is
    /// none); [`StoreError::Concurrent`] otherwise.
    pub(crate) async fn put_versioned(
        &self,
        item: Item,
        expected: Option<u32>,
        operation: &'static str,
    ) -> Result<(), StoreError> {
        let request = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item));
        let request = match expected {
            None => request
                .condition_expression("attribute_not_exists(#pk)")
                .expression_attribute_names("#pk", PK),
            Some(version) => request
                .condition_expression("#version = :expected")
                .expression_attribute_names("#version", VERSION)
                .expression_attribute_values(":expected", AttributeValue::N(version.to_string())),
        };
        match request.send().await {
            Ok(_) => Ok(()),
            Err(error) => match error.into_service_error() {
                PutItemError::ConditionalCheckFailedException(_) => Err(StoreError::Concurrent),
                other => Err(unavailable(operation, other)),
            },
        }
    }

    /// Every item of partition `pk` whose sort key begins with `sk_prefix` (and that passes
    /// `filter`), in sort-key order, read consistently. Follows `LastEvaluatedKey`: one Query
    /// answers at most 1 MB.
    pub(crate) async fn query_prefix(
        &self,
        pk: String,
        sk_prefix: &str,
        filter: Option<Equals<'_>>,
        operation: &'static str,
    ) -> Result<Vec<Item>, StoreError> {
        let mut names = HashMap::from([
            ("#pk".to_owned(), PK.to_owned()),
            ("#sk".to_owned(), SK.to_owned()),
        ]);
        let mut values = HashMap::from([
            (":pk".to_owned(), AttributeValue::S(pk)),
            (
                ":prefix".to_owned(),
                AttributeValue::S(sk_prefix.to_owned()),
            ),
        ]);
        let filter_expression = filter.map(|filter| {
            names.insert("#filter".to_owned(), filter.attribute.to_owned());
            values.insert(":filter".to_owned(), filter.value);
            "#filter = :filter"
        });
        let mut items = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
                .set_filter_expression(filter_expression.map(str::to_owned))
                .set_expression_attribute_names(Some(names.clone()))
                .set_expression_attribute_values(Some(values.clone()))
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|error| unavailable(operation, error))?;
            items.extend(output.items.unwrap_or_default());
            match output.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(items),
            }
        }
    }
}

/// The string attribute `name` of `item`, if it is one.
pub(crate) fn string<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name)
        .and_then(|value| value.as_s().ok())
        .map(String::as_str)
}

/// "pk / sk" of an item read back, for error messages.
pub(crate) fn key_of(item: &Item) -> String {
    match (string(item, PK), string(item, SK)) {
        (Some(pk), Some(sk)) => crate::keys::describe(pk, sk),
        _ => "(an item without pk/sk)".to_owned(),
    }
}
