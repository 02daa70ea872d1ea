//! [`ProposalStore`] on the CfP table: conditional writes, and listings served by a Query of the
//! table or of one of its indexes (never a Scan).

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};
use cfp_domain::StoreError;
use cfp_domain::event::EventSlug;
use cfp_domain::listing::{Listing, Page, PageRequest};
use cfp_domain::ports::{ProposalStore, Replaced};
use cfp_domain::proposal::{Proposal, ProposalId};

use crate::conditional_write::{Item, Written, item_key, written};
use crate::error::{backend, corrupt};
use crate::keys::{
    BY_EVENT_STATUS_INDEX, BY_OWNER_INDEX, EVENT_STATUS, OWNER_ID, PK, PROPOSAL_SK_PREFIX, SK,
    describe, event_pk, event_status_key, proposal_sk,
};
use crate::proposal_item::ProposalItem;
use crate::table::CfpTable;

/// Attributes a replacement leaves alone: the key, the kind, and what other writers own
/// (the picture pipeline's `picture`).
const KEPT: [&str; 4] = [PK, SK, "entity", "picture"];
/// Optional attributes: absent from the new proposal means removed from the item.
const OPTIONAL: [&str; 5] = ["description", "track", "language", "decidedAt", "decidedBy"];

fn proposal_from_item(item: Item) -> Result<Proposal, StoreError> {
    let key = match (item.get(PK), item.get(SK)) {
        (Some(AttributeValue::S(pk)), Some(AttributeValue::S(sk))) => describe(pk, sk),
        _ => "(an item without pk/sk)".to_owned(),
    };
    let item: ProposalItem = serde_dynamo::from_item(item).map_err(|e| corrupt(key, e))?;
    Proposal::try_from(item)
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

impl CfpTable {
    /// The Query behind one listing: (index, key condition, values, names).
    fn listing_query(
        &self,
        listing: &Listing,
    ) -> (
        Option<&'static str>,
        &'static str,
        Item,
        HashMap<String, String>,
    ) {
        match listing {
            Listing::Event {
                event,
                status: Some(status),
            } => (
                Some(BY_EVENT_STATUS_INDEX),
                "#k = :k",
                HashMap::from([(":k".to_owned(), s(event_status_key(event, *status)))]),
                HashMap::from([("#k".to_owned(), EVENT_STATUS.to_owned())]),
            ),
            Listing::Event {
                event,
                status: None,
            } => (
                None,
                "#k = :k AND begins_with(#s, :cfp)",
                HashMap::from([
                    (":k".to_owned(), s(event_pk(event))),
                    (":cfp".to_owned(), s(PROPOSAL_SK_PREFIX)),
                ]),
                HashMap::from([
                    ("#k".to_owned(), PK.to_owned()),
                    ("#s".to_owned(), SK.to_owned()),
                ]),
            ),
            Listing::Owner(owner) => (
                Some(BY_OWNER_INDEX),
                "#k = :k",
                HashMap::from([(":k".to_owned(), s(owner.as_str()))]),
                HashMap::from([("#k".to_owned(), OWNER_ID.to_owned())]),
            ),
        }
    }

    /// Where the Query resumes: the key of the cursor's proposal, in the queried index.
    fn start_key(listing: &Listing, page: &PageRequest) -> Option<Item> {
        let after = page.after.as_ref()?;
        let mut key = HashMap::from([
            (PK.to_owned(), s(event_pk(&after.event))),
            (SK.to_owned(), s(proposal_sk(after.id))),
        ]);
        match listing {
            Listing::Event {
                event,
                status: Some(status),
            } => {
                key.insert(EVENT_STATUS.to_owned(), s(event_status_key(event, *status)));
            }
            Listing::Event { status: None, .. } => {}
            Listing::Owner(owner) => {
                key.insert(OWNER_ID.to_owned(), s(owner.as_str()));
            }
        }
        Some(key)
    }
}

#[async_trait]
impl ProposalStore for CfpTable {
    async fn insert_proposal(&self, proposal: &Proposal) -> Result<(), StoreError> {
        let item: ProposalItem = proposal.into();
        let key = describe(&item.pk, &item.sk);
        let item = serde_dynamo::to_item(item).map_err(|e| corrupt(key, e))?;
        self.insert_item(item, "PutItem (proposal)").await
    }

    async fn get_proposal(
        &self,
        event: &EventSlug,
        id: ProposalId,
    ) -> Result<Option<Proposal>, StoreError> {
        let (pk, sk) = (event_pk(event), proposal_sk(id));
        // Consistent: a speaker submits and reads the proposal right away.
        let read = self.read_item(item_key(pk.clone(), sk.clone()), "GetItem (proposal)");
        let Some(item) = read.await? else {
            return Ok(None);
        };
        let item: ProposalItem =
            serde_dynamo::from_item(item).map_err(|e| corrupt(describe(&pk, &sk), e))?;
        Proposal::try_from(item).map(Some)
    }

    /// One UpdateItem that sets every attribute of `next` (and removes its absent optional
    /// ones), conditional on the state and version of `current`. Attributes other writers own
    /// stay as they are.
    async fn replace_proposal(
        &self,
        current: &Proposal,
        next: &Proposal,
    ) -> Result<Replaced, StoreError> {
        if current.event != next.event || current.id != next.id {
            return Err(StoreError::Backend {
                operation: "UpdateItem (proposal)",
                message: "a replacement must keep the proposal's event and id".into(),
            });
        }
        let (pk, sk) = (event_pk(&next.event), proposal_sk(next.id));
        let item: Item = serde_dynamo::to_item(ProposalItem::from(next))
            .map_err(|e| corrupt(describe(&pk, &sk), e))?;
        let mut names = HashMap::from([
            ("#cs".to_owned(), "status".to_owned()),
            ("#cv".to_owned(), "version".to_owned()),
        ]);
        let mut values = HashMap::from([
            (":cs".to_owned(), s(current.status.as_str())),
            (
                ":cv".to_owned(),
                AttributeValue::N(current.version.get().to_string()),
            ),
        ]);
        let mut sets = Vec::new();
        let mut removes = Vec::new();
        for (i, name) in OPTIONAL.iter().enumerate() {
            if !item.contains_key(*name) {
                names.insert(format!("#r{i}"), (*name).to_owned());
                removes.push(format!("#r{i}"));
            }
        }
        for (i, (name, value)) in item.into_iter().enumerate() {
            if KEPT.contains(&name.as_str()) {
                continue;
            }
            names.insert(format!("#a{i}"), name);
            values.insert(format!(":a{i}"), value);
            sets.push(format!("#a{i} = :a{i}"));
        }
        let mut update = format!("SET {}", sets.join(", "));
        if !removes.is_empty() {
            update.push_str(&format!(" REMOVE {}", removes.join(", ")));
        }
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(item_key(pk.clone(), sk.clone())))
            .update_expression(update)
            .condition_expression("attribute_exists(pk) AND #cs = :cs AND #cv = :cv")
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match written(result, "UpdateItem (proposal)")? {
            Written::Applied(_) => Ok(Replaced::Done),
            Written::ConditionFailed(returned) => {
                let key = item_key(pk, sk);
                let stored = self
                    .item_on_conflict(returned, key, "GetItem (proposal)")
                    .await?;
                let stored = stored.map(proposal_from_item).transpose()?;
                Ok(Replaced::Conflict(stored.map(Box::new)))
            }
        }
    }

    async fn list_proposals(
        &self,
        listing: &Listing,
        page: &PageRequest,
    ) -> Result<Page, StoreError> {
        let (index, condition, values, names) = self.listing_query(listing);
        // One more than asked: it says whether there is a next page.
        let wanted = page.limit.get() + 1;
        let mut items = Vec::with_capacity(wanted);
        let mut start = Self::start_key(listing, page);
        loop {
            let remaining = i32::try_from(wanted - items.len()).unwrap_or(i32::MAX);
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .set_index_name(index.map(str::to_owned))
                .key_condition_expression(condition)
                .set_expression_attribute_values(Some(values.clone()))
                .set_expression_attribute_names(Some(names.clone()))
                // Newest first: sort keys are `CFP#<UUID v7>`, ordered by submission time.
                .scan_index_forward(false)
                .limit(remaining)
                .set_consistent_read(index.is_none().then_some(true))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|error| backend("Query (proposals)", error))?;
            for item in output.items.unwrap_or_default() {
                items.push(proposal_from_item(item)?);
            }
            // A Query page may stop early (1 MB); go on until enough or the end.
            match output.last_evaluated_key {
                Some(key) if items.len() < wanted => start = Some(key),
                _ => break,
            }
        }
        Ok(Page::from_overfetch(listing, items, page.limit))
    }
}
