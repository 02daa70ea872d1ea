//! The deadline of the Lambda invocation handling a stream batch, as the domain takes it: the
//! Runtime API's `Lambda-Runtime-Deadline-Ms` (`lambda_runtime::Context::deadline`) is epoch
//! milliseconds; dedupe leases end there (`cfp_domain::dedupe::Claim::new`).

use chrono::{DateTime, Utc};

/// `deadline_ms` (epoch milliseconds) as a time. One too far off to represent bounds nothing, so
/// it becomes the latest time there is and the lease's own bound applies.
pub fn invocation_deadline(deadline_ms: u64) -> DateTime<Utc> {
    i64::try_from(deadline_ms)
        .ok()
        .and_then(DateTime::from_timestamp_millis)
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milliseconds_since_the_epoch_convert_exactly() {
        let deadline = invocation_deadline(1_800_000_000_123);
        assert_eq!(deadline.timestamp_millis(), 1_800_000_000_123);
        assert_eq!(
            deadline.to_rfc3339(),
            "2027-01-15T08:00:00.123+00:00",
            "{deadline}"
        );
        assert_eq!(invocation_deadline(0), DateTime::UNIX_EPOCH);
    }

    #[test]
    fn a_deadline_beyond_any_date_is_no_bound() {
        for far in [u64::MAX, i64::MAX as u64] {
            assert_eq!(invocation_deadline(far), DateTime::<Utc>::MAX_UTC);
        }
    }
}
