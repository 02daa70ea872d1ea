//! Why an event source mapping cannot run at all. Transient trouble (a failed poll, a failing
//! function, an unreachable queue) is logged and retried instead, as Lambda does.

use crate::event_pattern::PatternError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("function {function}: FilterCriteria filter #{index} is not a valid pattern: {source}")]
    InvalidFilter {
        function: String,
        index: usize,
        #[source]
        source: PatternError,
    },
    #[error("function {function}: BatchSize must be between 1 and 10000, not {batch_size}")]
    InvalidBatchSize { function: String, batch_size: usize },
    #[error("function {function}: {stream_arn:?} is not a DynamoDB stream ARN")]
    InvalidStreamArn {
        function: String,
        stream_arn: String,
    },
    #[error("function {function}: the stream {stream_arn} does not exist")]
    StreamNotFound {
        function: String,
        stream_arn: String,
    },
}
