//! [`IdempotencyStore`] on the CfP table: every step is one conditional write, so two
//! duplicates racing for the same key can never both run.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};
use cfp_domain::StoreError;
use cfp_domain::idempotency::{IdempotencyClaim, IdempotencyRecord, StoredResponse};
use cfp_domain::ports::{IdempotencyClaimOutcome, IdempotencyStore};
use chrono::{SecondsFormat, Utc};

use crate::error::{backend, corrupt};
use crate::idempotency_item::{IdempotencyItem, ResponseItem};
use crate::keys::{IDEMPOTENCY_SK, PK, SK, describe, idempotency_pk};
use crate::table::CfpTable;

/// "Still running under this lease": the condition of every step after the claim.
const HELD_BY: &str = "attribute_not_exists(#response) AND leaseToken = :token";

impl CfpTable {
    fn idempotency_key_of(claim: &IdempotencyClaim) -> HashMap<String, AttributeValue> {
        HashMap::from([
            (
                PK.to_owned(),
                AttributeValue::S(idempotency_pk(&claim.caller, &claim.key)),
            ),
            (SK.to_owned(), AttributeValue::S(IDEMPOTENCY_SK.to_owned())),
        ])
    }

    fn idempotency_record_from(
        item: HashMap<String, AttributeValue>,
        claim: &IdempotencyClaim,
    ) -> Result<IdempotencyRecord, StoreError> {
        let key = describe(&idempotency_pk(&claim.caller, &claim.key), IDEMPOTENCY_SK);
        let item: IdempotencyItem = serde_dynamo::from_item(item).map_err(|e| corrupt(key, e))?;
        IdempotencyRecord::try_from(item)
    }

    fn idempotency_claim_item(
        claim: &IdempotencyClaim,
    ) -> Result<HashMap<String, AttributeValue>, StoreError> {
        let item = IdempotencyItem::in_progress(claim, Utc::now());
        let key = describe(&item.pk, &item.sk);
        serde_dynamo::to_item(item).map_err(|e| corrupt(key, e))
    }
}

fn response_name() -> HashMap<String, String> {
    HashMap::from([("#response".to_owned(), "response".to_owned())])
}

#[async_trait]
impl IdempotencyStore for CfpTable {
    async fn claim(&self, claim: &IdempotencyClaim) -> Result<IdempotencyClaimOutcome, StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(Self::idempotency_claim_item(claim)?))
            .condition_expression("attribute_not_exists(pk)")
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(_) => Ok(IdempotencyClaimOutcome::Claimed),
            Err(error) => match error.into_service_error() {
                PutItemError::ConditionalCheckFailedException(failed) => {
                    let existing = match failed.item {
                        Some(item) => Some(Self::idempotency_record_from(item, claim)?),
                        None => {
                            let output = self
                                .client
                                .get_item()
                                .table_name(&self.table)
                                .set_key(Some(Self::idempotency_key_of(claim)))
                                .consistent_read(true)
                                .send()
                                .await
                                .map_err(|error| backend("GetItem (idempotency)", error))?;
                            output
                                .item
                                .map(|item| Self::idempotency_record_from(item, claim))
                                .transpose()?
                        }
                    };
                    Ok(IdempotencyClaimOutcome::Held(existing))
                }
                other => Err(backend("PutItem (idempotency claim)", other)),
            },
        }
    }

    async fn take_over(
        &self,
        seen: &IdempotencyRecord,
        claim: &IdempotencyClaim,
    ) -> Result<bool, StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(Self::idempotency_claim_item(claim)?))
            .condition_expression(HELD_BY)
            .set_expression_attribute_names(Some(response_name()))
            .expression_attribute_values(":token", AttributeValue::S(seen.lease_token.to_string()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(error) => match error.into_service_error() {
                PutItemError::ConditionalCheckFailedException(_) => Ok(false),
                other => Err(backend("PutItem (idempotency take-over)", other)),
            },
        }
    }

    async fn complete(
        &self,
        claim: &IdempotencyClaim,
        response: &StoredResponse,
    ) -> Result<bool, StoreError> {
        let key = describe(&idempotency_pk(&claim.caller, &claim.key), IDEMPOTENCY_SK);
        let stored = serde_dynamo::to_attribute_value(ResponseItem::from(response))
            .map_err(|e| corrupt(key, e))?;
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::idempotency_key_of(claim)))
            .update_expression("SET #response = :response, updatedAt = :now")
            .condition_expression(HELD_BY)
            .set_expression_attribute_names(Some(response_name()))
            .expression_attribute_values(":response", stored)
            .expression_attribute_values(
                ":now",
                AttributeValue::S(Utc::now().to_rfc3339_opts(SecondsFormat::Millis, false)),
            )
            .expression_attribute_values(":token", AttributeValue::S(claim.token.to_string()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(error) => match error.into_service_error() {
                UpdateItemError::ConditionalCheckFailedException(_) => Ok(false),
                other => Err(backend("UpdateItem (idempotency complete)", other)),
            },
        }
    }

    async fn release(&self, claim: &IdempotencyClaim) -> Result<bool, StoreError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(Self::idempotency_key_of(claim)))
            .condition_expression(HELD_BY)
            .set_expression_attribute_names(Some(response_name()))
            .expression_attribute_values(":token", AttributeValue::S(claim.token.to_string()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(error) => match error.into_service_error() {
                DeleteItemError::ConditionalCheckFailedException(_) => Ok(false),
                other => Err(backend("DeleteItem (idempotency release)", other)),
            },
        }
    }
}
