//! What a successful invocation's response says about its batch when the mapping has
//! `FunctionResponseTypes: [ReportBatchItemFailures]`.
//!
//! Lambda's rules: an empty or null body, an object without `batchItemFailures`, or an empty or null
//! list mean the whole batch succeeded. Otherwise Lambda checkpoints just before the failed record
//! with the lowest sequence number and retries from there. An `itemIdentifier` that is null, empty,
//! missing (a bad key name) or names no record of the batch makes the whole batch a failure.

use serde_json::Value;

/// The verdict on a batch whose invocation returned normally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchVerdict {
    AllSucceeded,
    /// The records before this index succeeded; retry from it (the lowest failed sequence number).
    RetryFrom(usize),
    /// The response does not name failed records in a way Lambda accepts.
    WholeBatchFailed(InvalidResponse),
}

/// Why a response made the whole batch fail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidResponse {
    #[error("the response is not JSON")]
    NotJson,
    #[error("the response is neither null nor a JSON object")]
    NotAnObject,
    #[error("`batchItemFailures` is not a list")]
    FailuresNotAList,
    #[error("a batch item failure has no string `itemIdentifier`")]
    MissingIdentifier,
    #[error("a batch item failure has an empty `itemIdentifier`")]
    EmptyIdentifier,
    #[error("`itemIdentifier` {0:?} is not the sequence number of a record in the batch")]
    UnknownIdentifier(String),
}

/// Judges `body` for a batch whose records have the sequence numbers `batch` (in order).
pub fn judge(body: &[u8], batch: &[&str]) -> BatchVerdict {
    match lowest_failure(body, batch) {
        Ok(None) => BatchVerdict::AllSucceeded,
        Ok(Some(index)) => BatchVerdict::RetryFrom(index),
        Err(invalid) => BatchVerdict::WholeBatchFailed(invalid),
    }
}

fn lowest_failure(body: &[u8], batch: &[&str]) -> Result<Option<usize>, InvalidResponse> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let response: Value = serde_json::from_slice(body).map_err(|_| InvalidResponse::NotJson)?;
    let failures = match &response {
        Value::Null => return Ok(None),
        Value::Object(map) => match map.get("batchItemFailures") {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Array(failures)) => failures,
            Some(_) => return Err(InvalidResponse::FailuresNotAList),
        },
        _ => return Err(InvalidResponse::NotAnObject),
    };
    let mut lowest: Option<usize> = None;
    for failure in failures {
        let identifier = failure
            .get("itemIdentifier")
            .and_then(Value::as_str)
            .ok_or(InvalidResponse::MissingIdentifier)?;
        if identifier.is_empty() {
            return Err(InvalidResponse::EmptyIdentifier);
        }
        let index = batch
            .iter()
            .position(|seq| *seq == identifier)
            .ok_or_else(|| InvalidResponse::UnknownIdentifier(identifier.to_owned()))?;
        // The batch is in sequence order, so the lowest sequence number is the lowest index.
        lowest = Some(lowest.map_or(index, |l| l.min(index)));
    }
    Ok(lowest)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BATCH: [&str; 4] = ["100", "101", "102", "1000"];

    fn verdict(body: &str) -> BatchVerdict {
        judge(body.as_bytes(), &BATCH)
    }

    #[test]
    fn empty_and_null_answers_mean_success() {
        for body in [
            "",
            "  \n",
            "null",
            "{}",
            r#"{"batchItemFailures": null}"#,
            r#"{"batchItemFailures": []}"#,
        ] {
            assert_eq!(verdict(body), BatchVerdict::AllSucceeded, "{body:?}");
        }
    }

    #[test]
    fn retry_starts_at_the_lowest_failed_sequence_number() {
        assert_eq!(
            verdict(r#"{"batchItemFailures": [{"itemIdentifier": "102"}]}"#),
            BatchVerdict::RetryFrom(2)
        );
        // Listed out of order; "1000" sorts before "101" as text but not as a sequence number.
        assert_eq!(
            verdict(
                r#"{"batchItemFailures": [{"itemIdentifier": "1000"}, {"itemIdentifier": "101"}, {"itemIdentifier": "102"}]}"#
            ),
            BatchVerdict::RetryFrom(1)
        );
        assert_eq!(
            verdict(r#"{"batchItemFailures": [{"itemIdentifier": "100"}]}"#),
            BatchVerdict::RetryFrom(0)
        );
    }

    #[test]
    fn bad_identifiers_fail_the_whole_batch() {
        let cases = [
            (
                r#"{"batchItemFailures": [{"itemIdentifier": null}]}"#,
                InvalidResponse::MissingIdentifier,
            ),
            (
                r#"{"batchItemFailures": [{"itemIdentifier": ""}]}"#,
                InvalidResponse::EmptyIdentifier,
            ),
            (
                r#"{"batchItemFailures": [{"itemId": "101"}]}"#,
                InvalidResponse::MissingIdentifier,
            ),
            (
                r#"{"batchItemFailures": [{"itemIdentifier": 101}]}"#,
                InvalidResponse::MissingIdentifier,
            ),
            (
                r#"{"batchItemFailures": [{"itemIdentifier": "101"}, {"itemIdentifier": "999"}]}"#,
                InvalidResponse::UnknownIdentifier("999".into()),
            ),
            (
                r#"{"batchItemFailures": "101"}"#,
                InvalidResponse::FailuresNotAList,
            ),
            (r#""ok""#, InvalidResponse::NotAnObject),
            ("[1]", InvalidResponse::NotAnObject),
            ("{not json", InvalidResponse::NotJson),
        ];
        for (body, why) in cases {
            assert_eq!(verdict(body), BatchVerdict::WholeBatchFailed(why), "{body}");
        }
    }
}
