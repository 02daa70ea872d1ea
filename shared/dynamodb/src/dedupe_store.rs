//! [`DedupeStore`] on the CfP table: every step is one conditional write, so two invocations
//! racing for the same record can never both win.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use cfp_domain::StoreError;
use cfp_domain::dedupe::{Claim, DedupeRecord, DedupeState, LeaseToken};
use cfp_domain::ports::{ClaimOutcome, DedupeStore};
use chrono::{SecondsFormat, Utc};

use crate::conditional_write::{Item, PutIfAbsent, item_key, written};
use crate::dedupe_item::DedupeItem;
use crate::error::corrupt;
use crate::keys::{DEDUPE_SK, dedupe_pk, describe};
use crate::table::CfpTable;

/// "Still held by this lease": the condition of every step after the claim.
const HELD_BY: &str = "#state = :in_progress AND leaseToken = :token";

fn state_names() -> HashMap<String, String> {
    // `state` is a DynamoDB reserved word.
    HashMap::from([("#state".to_owned(), "state".to_owned())])
}

/// The values [`HELD_BY`] needs.
fn held_by(token: &LeaseToken) -> Item {
    HashMap::from([
        (
            ":in_progress".to_owned(),
            AttributeValue::S(DedupeState::InProgress.as_str().to_owned()),
        ),
        (":token".to_owned(), AttributeValue::S(token.to_string())),
    ])
}

fn key_of(claim: &Claim) -> Item {
    item_key(dedupe_pk(&claim.key), DEDUPE_SK)
}

fn record_from(item: Item, claim: &Claim) -> Result<DedupeRecord, StoreError> {
    let key = describe(&dedupe_pk(&claim.key), DEDUPE_SK);
    let item: DedupeItem = serde_dynamo::from_item(item).map_err(|e| corrupt(key, e))?;
    DedupeRecord::try_from(item)
}

fn claim_item(claim: &Claim) -> Result<Item, StoreError> {
    let item = DedupeItem::in_progress(claim, Utc::now());
    let key = describe(&item.pk, &item.sk);
    serde_dynamo::to_item(item).map_err(|e| corrupt(key, e))
}

#[async_trait]
impl DedupeStore for CfpTable {
    async fn claim(&self, claim: &Claim) -> Result<ClaimOutcome, StoreError> {
        let operations = ("PutItem (dedupe claim)", "GetItem (dedupe)");
        match self
            .put_if_absent(claim_item(claim)?, key_of(claim), operations)
            .await?
        {
            PutIfAbsent::Put => Ok(ClaimOutcome::Claimed),
            PutIfAbsent::Exists(existing) => Ok(ClaimOutcome::Held(
                existing.map(|item| record_from(item, claim)).transpose()?,
            )),
        }
    }

    async fn take_over(&self, seen: &DedupeRecord, claim: &Claim) -> Result<bool, StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(claim_item(claim)?))
            .condition_expression(HELD_BY)
            .set_expression_attribute_names(Some(state_names()))
            .set_expression_attribute_values(Some(held_by(&seen.lease_token)))
            .send()
            .await;
        Ok(written(result, "PutItem (dedupe take-over)")?.applied())
    }

    async fn mark_sent(&self, claim: &Claim) -> Result<bool, StoreError> {
        let mut values = held_by(&claim.token);
        values.insert(
            ":sent".to_owned(),
            AttributeValue::S(DedupeState::Sent.as_str().to_owned()),
        );
        values.insert(
            ":now".to_owned(),
            AttributeValue::S(Utc::now().to_rfc3339_opts(SecondsFormat::Millis, false)),
        );
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_of(claim)))
            .update_expression("SET #state = :sent, updatedAt = :now")
            .condition_expression(HELD_BY)
            .set_expression_attribute_names(Some(state_names()))
            .set_expression_attribute_values(Some(values))
            .send()
            .await;
        Ok(written(result, "UpdateItem (dedupe mark sent)")?.applied())
    }

    async fn release(&self, claim: &Claim) -> Result<bool, StoreError> {
        self.delete_if(
            key_of(claim),
            HELD_BY,
            state_names(),
            held_by(&claim.token),
            "DeleteItem (dedupe release)",
        )
        .await
    }
}
