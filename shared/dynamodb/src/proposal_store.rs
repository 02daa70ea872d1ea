//! [`ProposalStore`] on the CfP table.

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::AttributeValue;
use cfp_domain::StoreError;
use cfp_domain::event::EventSlug;
use cfp_domain::ports::ProposalStore;
use cfp_domain::proposal::{Proposal, ProposalId};

use crate::error::{backend, corrupt};
use crate::keys::{PK, SK, describe, event_pk, proposal_sk};
use crate::proposal_item::ProposalItem;
use crate::table::CfpTable;

#[async_trait]
impl ProposalStore for CfpTable {
    async fn insert_proposal(&self, proposal: &Proposal) -> Result<(), StoreError> {
        let item: ProposalItem = proposal.into();
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
                other => backend("PutItem (proposal)", other),
            })?;
        Ok(())
    }

    async fn get_proposal(
        &self,
        event: &EventSlug,
        id: ProposalId,
    ) -> Result<Option<Proposal>, StoreError> {
        let (pk, sk) = (event_pk(event), proposal_sk(id));
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(PK, AttributeValue::S(pk.clone()))
            .key(SK, AttributeValue::S(sk.clone()))
            // Read-your-writes: a speaker submits and reads the proposal right away.
            .consistent_read(true)
            .send()
            .await
            .map_err(|error| backend("GetItem (proposal)", error))?;
        let Some(item) = output.item else {
            return Ok(None);
        };
        let item: ProposalItem =
            serde_dynamo::from_item(item).map_err(|e| corrupt(describe(&pk, &sk), e))?;
        Proposal::try_from(item).map(Some)
    }
}
