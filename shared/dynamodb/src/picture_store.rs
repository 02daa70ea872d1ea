//! [`PictureStore`] on the CfP table: the picture pipeline's one conditional UpdateItem on a
//! proposal (the `picture` map, `version` + 1, `updatedAt`).

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use cfp_domain::StoreError;
use cfp_domain::event::EventSlug;
use cfp_domain::picture::{Picture, PictureStore, PictureUpdate, UploadId};
use cfp_domain::proposal::{ProposalId, ProposalStatus};
use chrono::SecondsFormat;

use crate::conditional_write::{Written, written};
use crate::error::backend;
use crate::keys::{PK, PROPOSAL_ENTITY, SK, event_pk, proposal_sk};
use crate::table::CfpTable;

#[async_trait]
impl PictureStore for CfpTable {
    async fn set_picture(
        &self,
        event: &EventSlug,
        id: ProposalId,
        picture: &Picture,
    ) -> Result<PictureUpdate, StoreError> {
        let (pk, sk) = (event_pk(event), proposal_sk(id));
        let updated_at = picture
            .updated_at
            .to_rfc3339_opts(SecondsFormat::Millis, false);
        let map = HashMap::from([
            (
                "thumbnailKey".to_owned(),
                AttributeValue::S(picture.thumbnail_key.clone()),
            ),
            (
                "contentType".to_owned(),
                AttributeValue::S(picture.content_type.clone()),
            ),
            (
                "width".to_owned(),
                AttributeValue::N(picture.width.to_string()),
            ),
            (
                "height".to_owned(),
                AttributeValue::N(picture.height.to_string()),
            ),
            (
                "updatedAt".to_owned(),
                AttributeValue::S(updated_at.clone()),
            ),
            (
                "uploadId".to_owned(),
                AttributeValue::S(picture.upload.to_string()),
            ),
        ]);
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PK, AttributeValue::S(pk.clone()))
            .key(SK, AttributeValue::S(sk.clone()))
            .update_expression(
                "SET #picture = :picture, #version = #version + :one, #updatedAt = :updatedAt",
            )
            // Upload ids are UUID v7 in canonical form: as strings they sort by time, so an
            // older upload arriving late never replaces a newer picture, and a redelivered one
            // changes nothing.
            .condition_expression(
                "#entity = :proposal AND #status IN (:submitted, :confirmed) AND \
                 (attribute_not_exists(#picture.#uploadId) OR #picture.#uploadId < :upload)",
            )
            .expression_attribute_names("#picture", "picture")
            .expression_attribute_names("#version", "version")
            .expression_attribute_names("#updatedAt", "updatedAt")
            .expression_attribute_names("#entity", "entity")
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#uploadId", "uploadId")
            .expression_attribute_values(":picture", AttributeValue::M(map))
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":updatedAt", AttributeValue::S(updated_at))
            .expression_attribute_values(":proposal", AttributeValue::S(PROPOSAL_ENTITY.into()))
            // The statuses that take pictures (ProposalStatus::takes_pictures).
            .expression_attribute_values(
                ":submitted",
                AttributeValue::S(ProposalStatus::Submitted.as_str().into()),
            )
            .expression_attribute_values(
                ":confirmed",
                AttributeValue::S(ProposalStatus::Confirmed.as_str().into()),
            )
            .expression_attribute_values(":upload", AttributeValue::S(picture.upload.to_string()))
            .return_values(ReturnValue::UpdatedOld)
            .send()
            .await;
        match written(result, "UpdateItem (picture)")? {
            Written::Applied(output) => {
                let replaced = output
                    .attributes
                    .as_ref()
                    .and_then(|old| old.get("picture"))
                    .and_then(|p| p.as_m().ok())
                    .and_then(|p| p.get("thumbnailKey"))
                    .and_then(|k| k.as_s().ok())
                    .cloned();
                Ok(PictureUpdate::Applied { replaced })
            }
            Written::ConditionFailed(_) => self.why_not(pk, sk, picture.upload).await,
        }
    }
}

impl CfpTable {
    /// Which condition failed, from the item as it is now.
    async fn why_not(
        &self,
        pk: String,
        sk: String,
        upload: UploadId,
    ) -> Result<PictureUpdate, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(PK, AttributeValue::S(pk))
            .key(SK, AttributeValue::S(sk))
            .consistent_read(true)
            .projection_expression("#entity, #status, #picture.#uploadId")
            .expression_attribute_names("#entity", "entity")
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#picture", "picture")
            .expression_attribute_names("#uploadId", "uploadId")
            .send()
            .await
            .map_err(|error| backend("GetItem (picture)", error))?;
        let Some(item) = output.item else {
            return Ok(PictureUpdate::ProposalGone);
        };
        let text = |value: Option<&AttributeValue>| value.and_then(|v| v.as_s().ok()).cloned();
        let is_proposal = text(item.get("entity")).as_deref() == Some(PROPOSAL_ENTITY);
        let takes_pictures = text(item.get("status"))
            .and_then(|status| ProposalStatus::parse(&status).ok())
            .is_some_and(|status| status.takes_pictures());
        if !is_proposal || !takes_pictures {
            return Ok(PictureUpdate::ProposalGone);
        }
        let current = item
            .get("picture")
            .and_then(|p| p.as_m().ok())
            .and_then(|p| text(p.get("uploadId")));
        Ok(match current {
            Some(current) if current == upload.to_string() => PictureUpdate::AlreadyApplied,
            // The condition failed for no other reason left: a later upload holds it. (A
            // concurrent withdrawal undone in between would also land here; nothing to do then
            // either.)
            _ => PictureUpdate::Superseded,
        })
    }
}
