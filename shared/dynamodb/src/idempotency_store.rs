//! [`IdempotencyStore`] on the CfP table: every step is one conditional write, so two
//! duplicates racing for the same key can never both run.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use cfp_domain::StoreError;
use cfp_domain::dedupe::LeaseToken;
use cfp_domain::idempotency::{IdempotencyClaim, IdempotencyRecord, StoredResponse};
use cfp_domain::ports::{IdempotencyClaimOutcome, IdempotencyStore};
use chrono::{SecondsFormat, Utc};

use crate::conditional_write::{Item, PutIfAbsent, item_key, written};
use crate::error::corrupt;
use crate::idempotency_item::{IdempotencyItem, ResponseItem};
use crate::keys::{IDEMPOTENCY_SK, describe, idempotency_pk};
use crate::table::CfpTable;

/// "Still running under this lease": the condition of every step after the claim.
const HELD_BY: &str = "attribute_not_exists(#response) AND leaseToken = :token";

fn response_name() -> HashMap<String, String> {
    HashMap::from([("#response".to_owned(), "response".to_owned())])
}

/// The values [`HELD_BY`] needs.
fn held_by(token: &LeaseToken) -> Item {
    HashMap::from([(":token".to_owned(), AttributeValue::S(token.to_string()))])
}

fn key_of(claim: &IdempotencyClaim) -> Item {
    item_key(idempotency_pk(&claim.caller, &claim.key), IDEMPOTENCY_SK)
}

fn describe_claim(claim: &IdempotencyClaim) -> String {
    describe(&idempotency_pk(&claim.caller, &claim.key), IDEMPOTENCY_SK)
}

fn record_from(item: Item, claim: &IdempotencyClaim) -> Result<IdempotencyRecord, StoreError> {
    let item: IdempotencyItem =
        serde_dynamo::from_item(item).map_err(|e| corrupt(describe_claim(claim), e))?;
    IdempotencyRecord::try_from(item)
}

fn claim_item(claim: &IdempotencyClaim) -> Result<Item, StoreError> {
    let item = IdempotencyItem::in_progress(claim, Utc::now());
    let key = describe(&item.pk, &item.sk);
    serde_dynamo::to_item(item).map_err(|e| corrupt(key, e))
}

#[async_trait]
impl IdempotencyStore for CfpTable {
    async fn claim(&self, claim: &IdempotencyClaim) -> Result<IdempotencyClaimOutcome, StoreError> {
        let operations = ("PutItem (idempotency claim)", "GetItem (idempotency)");
        match self
            .put_if_absent(claim_item(claim)?, key_of(claim), operations)
            .await?
        {
            PutIfAbsent::Put => Ok(IdempotencyClaimOutcome::Claimed),
            PutIfAbsent::Exists(existing) => Ok(IdempotencyClaimOutcome::Held(
                existing.map(|item| record_from(item, claim)).transpose()?,
            )),
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
            .set_item(Some(claim_item(claim)?))
            .condition_expression(HELD_BY)
            .set_expression_attribute_names(Some(response_name()))
            .set_expression_attribute_values(Some(held_by(&seen.lease_token)))
            .send()
            .await;
        Ok(written(result, "PutItem (idempotency take-over)")?.applied())
    }

    async fn complete(
        &self,
        claim: &IdempotencyClaim,
        response: &StoredResponse,
    ) -> Result<bool, StoreError> {
        let stored = serde_dynamo::to_attribute_value(ResponseItem::from(response))
            .map_err(|e| corrupt(describe_claim(claim), e))?;
        let mut values = held_by(&claim.token);
        values.insert(":response".to_owned(), stored);
        values.insert(
            ":now".to_owned(),
            AttributeValue::S(Utc::now().to_rfc3339_opts(SecondsFormat::Millis, false)),
        );
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_of(claim)))
            .update_expression("SET #response = :response, updatedAt = :now")
            .condition_expression(HELD_BY)
            .set_expression_attribute_names(Some(response_name()))
            .set_expression_attribute_values(Some(values))
            .send()
            .await;
        Ok(written(result, "UpdateItem (idempotency complete)")?.applied())
    }

    async fn release(&self, claim: &IdempotencyClaim) -> Result<bool, StoreError> {
        self.delete_if(
            key_of(claim),
            HELD_BY,
            response_name(),
            held_by(&claim.token),
            "DeleteItem (idempotency release)",
        )
        .await
    }
}
