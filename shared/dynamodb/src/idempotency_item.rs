//! An idempotency record as stored. `expiresAt` is the table's TTL attribute (epoch seconds).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use cfp_domain::StoreError;
use cfp_domain::dedupe::LeaseToken;
use cfp_domain::idempotency::{
    Fingerprint, IdempotencyClaim, IdempotencyKey, IdempotencyRecord, StoredResponse,
};
use cfp_domain::team::UserId;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::error::corrupt;
use crate::keys::{IDEMPOTENCY_ENTITY, IDEMPOTENCY_SK, describe, idempotency_pk};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct IdempotencyItem {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub caller_id: String,
    pub idempotency_key: String,
    /// SHA-256 of the request (method, path, body).
    pub request_hash: String,
    pub lease_token: String,
    /// Epoch seconds.
    pub lease_until: i64,
    /// Epoch seconds; DynamoDB deletes the item some time after.
    pub expires_at: i64,
    /// Absent while the first request runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<ResponseItem>,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ResponseItem {
    pub status: u16,
    pub headers: Vec<HeaderItem>,
    /// base64: a body need not be text.
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct HeaderItem {
    pub name: String,
    pub value: String,
}

impl IdempotencyItem {
    pub fn in_progress(claim: &IdempotencyClaim, now: DateTime<Utc>) -> Self {
        IdempotencyItem {
            pk: idempotency_pk(&claim.caller, &claim.key),
            sk: IDEMPOTENCY_SK.to_owned(),
            entity: IDEMPOTENCY_ENTITY.to_owned(),
            caller_id: claim.caller.to_string(),
            idempotency_key: claim.key.as_str().to_owned(),
            request_hash: claim.fingerprint.as_str().to_owned(),
            lease_token: claim.token.to_string(),
            lease_until: claim.lease_until.timestamp(),
            expires_at: claim.expires_at.timestamp(),
            response: None,
            updated_at: now.to_rfc3339_opts(SecondsFormat::Millis, false),
        }
    }
}

impl From<&StoredResponse> for ResponseItem {
    fn from(response: &StoredResponse) -> Self {
        ResponseItem {
            status: response.status,
            headers: response
                .headers
                .iter()
                .map(|(name, value)| HeaderItem {
                    name: name.clone(),
                    value: value.clone(),
                })
                .collect(),
            body: STANDARD.encode(&response.body),
        }
    }
}

impl TryFrom<IdempotencyItem> for IdempotencyRecord {
    type Error = StoreError;

    fn try_from(item: IdempotencyItem) -> Result<IdempotencyRecord, StoreError> {
        let key = describe(&item.pk, &item.sk);
        let bad = |field: &str, reason: &dyn std::fmt::Display| {
            corrupt(key.clone(), format!("{field} {reason}"))
        };
        let response = item
            .response
            .map(|response| {
                Ok::<_, StoreError>(StoredResponse {
                    status: response.status,
                    headers: response
                        .headers
                        .into_iter()
                        .map(|header| (header.name, header.value))
                        .collect(),
                    body: STANDARD
                        .decode(&response.body)
                        .map_err(|e| bad("response.body", &e))?,
                })
            })
            .transpose()?;
        Ok(IdempotencyRecord {
            caller: UserId::parse(&item.caller_id).map_err(|e| bad("callerId", &e))?,
            key: IdempotencyKey::parse(&item.idempotency_key)
                .map_err(|e| bad("idempotencyKey", &e))?,
            fingerprint: Fingerprint::parse(&item.request_hash)
                .map_err(|e| bad("requestHash", &e))?,
            response,
            lease_token: LeaseToken::parse(&item.lease_token).map_err(|e| bad("leaseToken", &e))?,
            lease_until: DateTime::from_timestamp(item.lease_until, 0)
                .ok_or_else(|| bad("leaseUntil", &"is out of range"))?,
        })
    }
}
