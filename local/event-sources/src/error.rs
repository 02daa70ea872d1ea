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
    #[error("bucket {bucket}: cannot wire its notifications to the functions: {message}")]
    S3Setup { bucket: String, message: String },
    #[error("function {function}: event {event} cannot subscribe to {topic_arn}: {message}")]
    SnsSetup {
        function: String,
        event: String,
        topic_arn: String,
        message: String,
    },
    #[error("function {function}: the stream {stream_arn} event source did not start: {message}")]
    StreamStart {
        function: String,
        stream_arn: String,
        message: String,
    },
}
