//! A dedupe record as stored. `expiresAt` is the table's TTL attribute (epoch seconds, a Number).
//!
//! The lease's end is `leaseUntilMs` (epoch milliseconds): it is an invocation's deadline, and
//! the retry after a timeout may come within the same second. `leaseUntil` (epoch seconds,
//! rounded up, so never before the lease ends) is still written for code that predates
//! `leaseUntilMs`, and read when an item has no `leaseUntilMs`.

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
    /// Epoch seconds, rounded up; read only when `lease_until_ms` is absent (older items).
    pub lease_until: i64,
    /// Epoch milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_until_ms: Option<i64>,
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
            lease_until: seconds_rounded_up(claim.lease_until),
            lease_until_ms: Some(claim.lease_until.timestamp_millis()),
            expires_at: claim.expires_at.timestamp(),
            updated_at: now.to_rfc3339_opts(SecondsFormat::Millis, false),
        }
    }
}

fn seconds_rounded_up(at: DateTime<Utc>) -> i64 {
    let seconds = at.timestamp();
    if at.timestamp_subsec_nanos() > 0 {
        seconds.saturating_add(1)
    } else {
        seconds
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
            lease_until: match item.lease_until_ms {
                Some(millis) => DateTime::from_timestamp_millis(millis)
                    .ok_or_else(|| bad("leaseUntilMs", &"is out of range"))?,
                None => DateTime::from_timestamp(item.lease_until, 0)
                    .ok_or_else(|| bad("leaseUntil", &"is out of range"))?,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cfp_domain::proposal::ProposalId;
    use chrono::Duration;

    fn claim_until(lease_until: DateTime<Utc>) -> Claim {
        let key = DedupeKey::submitted_email(ProposalId::generate());
        let now = lease_until - Duration::seconds(30);
        Claim::new(key, now, lease_until)
    }

    #[test]
    fn the_lease_is_stored_to_the_millisecond_and_in_seconds_never_early() {
        let whole = DateTime::from_timestamp(1_800_000_000, 0).expect("time");
        for (lease_until, seconds) in [
            (whole, 1_800_000_000),
            (whole + Duration::milliseconds(1), 1_800_000_001),
            (whole + Duration::milliseconds(999), 1_800_000_001),
        ] {
            let item = DedupeItem::in_progress(&claim_until(lease_until), whole);
            assert_eq!(item.lease_until, seconds);
            assert_eq!(item.lease_until_ms, Some(lease_until.timestamp_millis()));
            let record = DedupeRecord::try_from(item).expect("record");
            assert_eq!(record.lease_until, lease_until);
        }
    }

    #[test]
    fn an_item_from_before_milliseconds_reads_its_seconds() {
        let lease_until = DateTime::from_timestamp(1_800_000_000, 0).expect("time");
        let mut item = DedupeItem::in_progress(&claim_until(lease_until), lease_until);
        item.lease_until_ms = None;
        let record = DedupeRecord::try_from(item.clone()).expect("record");
        assert_eq!(record.lease_until, lease_until);

        item.lease_until_ms = Some(i64::MAX);
        let error = DedupeRecord::try_from(item).expect_err("out of range");
        assert!(error.to_string().contains("leaseUntilMs"), "{error}");
    }
}
