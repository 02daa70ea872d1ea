//! The proposals stored for the run's event, read straight from the CfP table (consistent
//! reads, every page): what "stored" means for the checks.

use std::collections::HashSet;

use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::LoadError;

/// The CfP table of a stack, for one event.
#[derive(Debug, Clone)]
pub struct StoredProposals {
    client: aws_sdk_dynamodb::Client,
    table: String,
    slug: String,
}

impl StoredProposals {
    pub fn new(client: aws_sdk_dynamodb::Client, table: String, slug: String) -> Self {
        StoredProposals {
            client,
            table,
            slug,
        }
    }

    /// The ids of every proposal stored for the event.
    pub async fn ids(&self) -> Result<HashSet<String>, LoadError> {
        let mut pages = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :cfp)")
            .expression_attribute_values(":pk", AttributeValue::S(format!("EVENT#{}", self.slug)))
            .expression_attribute_values(":cfp", AttributeValue::S("CFP#".into()))
            .projection_expression("#id")
            .expression_attribute_names("#id", "id")
            .consistent_read(true)
            .into_paginator()
            .items()
            .send();
        let mut ids = HashSet::new();
        while let Some(item) = pages.next().await {
            let item = item.map_err(|err| LoadError::Table {
                table: self.table.clone(),
                slug: self.slug.clone(),
                message: DisplayErrorContext(&err).to_string(),
            })?;
            match item.get("id") {
                Some(AttributeValue::S(id)) => {
                    ids.insert(id.clone());
                }
                other => {
                    return Err(LoadError::Table {
                        table: self.table.clone(),
                        slug: self.slug.clone(),
                        message: format!("a proposal item without a string id: {other:?}"),
                    });
                }
            }
        }
        Ok(ids)
    }
}
