//! The plumbing every store's conditional writes share: telling "the condition failed" from a
//! backend failure, inserting only what is new, and finding the item a failed condition met.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};
use cfp_domain::StoreError;

use crate::error::backend;
use crate::keys::{PK, SK};
use crate::table::CfpTable;

pub(crate) type Item = HashMap<String, AttributeValue>;

/// How a conditional write went, when it did not fail for another reason.
pub(crate) enum Written<T> {
    Applied(T),
    /// The condition failed; the item it met, when DynamoDB returned it
    /// (`ReturnValuesOnConditionCheckFailure::AllOld`).
    ConditionFailed(Option<Item>),
}

impl<T> Written<T> {
    pub(crate) fn applied(&self) -> bool {
        matches!(self, Written::Applied(_))
    }
}

/// The SDK errors of the conditional operations: their condition-failed case, or a backend error.
pub(crate) trait ConditionalError {
    fn condition_failed(self, operation: &'static str) -> Result<Option<Item>, StoreError>;
}

macro_rules! conditional_error {
    ($($error:ident),*) => {$(
        impl ConditionalError for SdkError<$error> {
            fn condition_failed(self, operation: &'static str) -> Result<Option<Item>, StoreError> {
                match self.into_service_error() {
                    $error::ConditionalCheckFailedException(failed) => Ok(failed.item),
                    other => Err(backend(operation, other)),
                }
            }
        }
    )*};
}

conditional_error!(PutItemError, UpdateItemError, DeleteItemError);

/// A conditional write's result; any failure but the condition is a [`StoreError::Backend`].
pub(crate) fn written<T, E: ConditionalError>(
    result: Result<T, E>,
    operation: &'static str,
) -> Result<Written<T>, StoreError> {
    match result {
        Ok(output) => Ok(Written::Applied(output)),
        Err(error) => error
            .condition_failed(operation)
            .map(Written::ConditionFailed),
    }
}

/// The key attributes of one item.
pub(crate) fn item_key(pk: String, sk: impl Into<String>) -> Item {
    HashMap::from([
        (PK.to_owned(), AttributeValue::S(pk)),
        (SK.to_owned(), AttributeValue::S(sk.into())),
    ])
}

/// Whether `item` became a new item or one with its key was there.
pub(crate) enum PutIfAbsent {
    Put,
    /// The item already there (`None`: it was gone again by the time it was read).
    Exists(Option<Item>),
}

impl CfpTable {
    /// One item by its key, read consistently (read-your-writes).
    pub(crate) async fn read_item(
        &self,
        key: Item,
        operation: &'static str,
    ) -> Result<Option<Item>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(|error| backend(operation, error))?;
        Ok(output.item)
    }

    /// The item a failed condition met: as the failed write returned it, else read (not every
    /// DynamoDB implementation returns it).
    pub(crate) async fn item_on_conflict(
        &self,
        returned: Option<Item>,
        key: Item,
        read_operation: &'static str,
    ) -> Result<Option<Item>, StoreError> {
        match returned {
            Some(item) => Ok(Some(item)),
            None => self.read_item(key, read_operation).await,
        }
    }

    /// Puts `item` unless an item with its key exists: [`StoreError::AlreadyExists`] then.
    pub(crate) async fn insert_item(
        &self,
        item: Item,
        operation: &'static str,
    ) -> Result<(), StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match written(result, operation)? {
            Written::Applied(_) => Ok(()),
            Written::ConditionFailed(_) => Err(StoreError::AlreadyExists),
        }
    }

    /// Puts `item` (keyed `key`) unless an item with that key exists, and then returns that one:
    /// the first step of a claim, where losing the race must say who won.
    pub(crate) async fn put_if_absent(
        &self,
        item: Item,
        key: Item,
        operations: (&'static str, &'static str),
    ) -> Result<PutIfAbsent, StoreError> {
        let (put_operation, read_operation) = operations;
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            // Saves the read that would otherwise follow a lost race.
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        Ok(match written(result, put_operation)? {
            Written::Applied(_) => PutIfAbsent::Put,
            Written::ConditionFailed(returned) => {
                PutIfAbsent::Exists(self.item_on_conflict(returned, key, read_operation).await?)
            }
        })
    }

    /// Deletes the item keyed `key` only while `condition` holds (e.g. a lease is still held by
    /// the caller); whether it was deleted.
    pub(crate) async fn delete_if(
        &self,
        key: Item,
        condition: &str,
        names: HashMap<String, String>,
        values: Item,
        operation: &'static str,
    ) -> Result<bool, StoreError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .condition_expression(condition)
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .send()
            .await;
        Ok(written(result, operation)?.applied())
    }
}
