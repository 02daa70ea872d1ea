//! [`DedupeStore`] on the CfP table: every step is one conditional write, so two invocations
//! racing for the same record can never both win.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};
use cfp_domain::StoreError;
use cfp_domain::dedupe::{Claim, DedupeRecord, DedupeState};
use cfp_domain::ports::{ClaimOutcome, DedupeStore};
use chrono::{SecondsFormat, Utc};

use crate::dedupe_item::DedupeItem;
use crate::error::{backend, corrupt};
use crate::keys::{DEDUPE_SK, PK, SK, dedupe_pk, describe};
use crate::table::CfpTable;

/// "Still held by this lease": the condition of every step after the claim.
const HELD_BY: &str = "#state = :in_progress AND leaseToken = :token";

fn state_names() -> HashMap<String, String> {
    // `state` is a DynamoDB reserved word.
    HashMap::from([("#state".to_owned(), "state".to_owned())])
}

impl CfpTable {
    fn record_from(
        &self,
        item: HashMap<String, AttributeValue>,
        claim: &Claim,
    ) -> Result<DedupeRecord, StoreError> {
        let key = describe(&dedupe_pk(&claim.key), DEDUPE_SK);
        let item: DedupeItem = serde_dynamo::from_item(item).map_err(|e| corrupt(key, e))?;
        DedupeRecord::try_from(item)
    }

    async fn read_record(&self, claim: &Claim) -> Result<Option<DedupeRecord>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(PK, AttributeValue::S(dedupe_pk(&claim.key)))
            .key(SK, AttributeValue::S(DEDUPE_SK.to_owned()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|error| backend("GetItem (dedupe)", error))?;
        output
            .item
            .map(|item| self.record_from(item, claim))
            .transpose()
    }

    fn claim_item(&self, claim: &Claim) -> Result<HashMap<String, AttributeValue>, StoreError> {
        let item = DedupeItem::in_progress(claim, Utc::now());
        let key = describe(&item.pk, &item.sk);
        serde_dynamo::to_item(item).map_err(|e| corrupt(key, e))
    }

    fn key_of(claim: &Claim) -> HashMap<String, AttributeValue> {
        HashMap::from([
            (PK.to_owned(), AttributeValue::S(dedupe_pk(&claim.key))),
            (SK.to_owned(), AttributeValue::S(DEDUPE_SK.to_owned())),
        ])
    }
}

#[async_trait]
impl DedupeStore for CfpTable {
    async fn claim(&self, claim: &Claim) -> Result<ClaimOutcome, StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(self.claim_item(claim)?))
            .condition_expression("attribute_not_exists(pk)")
            // Saves the read that would otherwise follow a lost race.
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(_) => Ok(ClaimOutcome::Claimed),
            Err(error) => match error.into_service_error() {
                PutItemError::ConditionalCheckFailedException(failed) => {
                    let existing = match failed.item {
                        Some(item) => Some(self.record_from(item, claim)?),
                        // Not every DynamoDB implementation returns the item; read it.
                        None => self.read_record(claim).await?,
                    };
                    Ok(ClaimOutcome::Held(existing))
                }
                other => Err(backend("PutItem (dedupe claim)", other)),
            },
        }
    }

    async fn take_over(&self, seen: &DedupeRecord, claim: &Claim) -> Result<bool, StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(self.claim_item(claim)?))
            .condition_expression(HELD_BY)
            .set_expression_attribute_names(Some(state_names()))
            .expression_attribute_values(
                ":in_progress",
                AttributeValue::S(DedupeState::InProgress.as_str().to_owned()),
            )
            .expression_attribute_values(":token", AttributeValue::S(seen.lease_token.to_string()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(error) => match error.into_service_error() {
                PutItemError::ConditionalCheckFailedException(_) => Ok(false),
                other => Err(backend("PutItem (dedupe take-over)", other)),
            },
        }
    }

    async fn mark_sent(&self, claim: &Claim) -> Result<bool, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::key_of(claim)))
            .update_expression("SET #state = :sent, updatedAt = :now")
            .condition_expression(HELD_BY)
            .set_expression_attribute_names(Some(state_names()))
            .expression_attribute_values(
                ":sent",
                AttributeValue::S(DedupeState::Sent.as_str().to_owned()),
            )
            .expression_attribute_values(
                ":now",
                AttributeValue::S(Utc::now().to_rfc3339_opts(SecondsFormat::Millis, false)),
            )
            .expression_attribute_values(
                ":in_progress",
                AttributeValue::S(DedupeState::InProgress.as_str().to_owned()),
            )
            .expression_attribute_values(":token", AttributeValue::S(claim.token.to_string()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(error) => match error.into_service_error() {
                UpdateItemError::ConditionalCheckFailedException(_) => Ok(false),
                other => Err(backend("UpdateItem (dedupe mark sent)", other)),
            },
        }
    }

    async fn release(&self, claim: &Claim) -> Result<bool, StoreError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(Self::key_of(claim)))
            .condition_expression(HELD_BY)
            .set_expression_attribute_names(Some(state_names()))
            .expression_attribute_values(
                ":in_progress",
                AttributeValue::S(DedupeState::InProgress.as_str().to_owned()),
            )
            .expression_attribute_values(":token", AttributeValue::S(claim.token.to_string()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(error) => match error.into_service_error() {
                DeleteItemError::ConditionalCheckFailedException(_) => Ok(false),
                other => Err(backend("DeleteItem (dedupe release)", other)),
            },
        }
    }
}
