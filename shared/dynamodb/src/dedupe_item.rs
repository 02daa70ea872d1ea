//! A dedupe record as stored. `expiresAt` is the table's TTL attribute (epoch seconds, a Number).

use cfp_domain::StoreError;
use cfp_domain::dedupe::{Claim, DedupeKey, DedupeRecord, DedupeState, LeaseToken};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::error::corrupt;
use crate::keys::{DEDUPE_ENTITY, DEDUPE_SK, dedupe_pk, describe};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DedupeItem {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub state: String,
    pub lease_token: String,
    /// Epoch seconds.
    pub lease_until: i64,
    /// Epoch seconds; DynamoDB deletes the item some time after.
    pub expires_at: i64,
    pub updated_at: String,
}

impl DedupeItem {
    pub fn in_progress(claim: &Claim, now: DateTime<Utc>) -> Self {
        DedupeItem {
            pk: dedupe_pk(&claim.key),
            sk: DEDUPE_SK.to_owned(),
            entity: DEDUPE_ENTITY.to_owned(),
            state: DedupeState::InProgress.as_str().to_owned(),
            lease_token: claim.token.to_string(),
            lease_until: claim.lease_until.timestamp(),
            expires_at: claim.expires_at.timestamp(),
            updated_at: now.to_rfc3339_opts(SecondsFormat::Millis, false),
        }
    }
}

impl TryFrom<DedupeItem> for DedupeRecord {
    type Error = StoreError;

    fn try_from(item: DedupeItem) -> Result<DedupeRecord, StoreError> {
        let key = describe(&item.pk, &item.sk);
        let bad = |field: &str, reason: &dyn std::fmt::Display| {
            corrupt(key.clone(), format!("{field} {reason}"))
        };
        let raw_key = item
            .pk
            .strip_prefix("DEDUPE#")
            .ok_or_else(|| bad("pk", &"does not start with DEDUPE#"))?;
        Ok(DedupeRecord {
            key: DedupeKey::parse(raw_key).map_err(|e| bad("pk", &e))?,
            state: DedupeState::parse(&item.state).map_err(|e| bad("state", &e))?,
            lease_token: LeaseToken::parse(&item.lease_token).map_err(|e| bad("leaseToken", &e))?,
            lease_until: DateTime::from_timestamp(item.lease_until, 0)
                .ok_or_else(|| bad("leaseUntil", &"is out of range"))?,
        })
    }
}
