//! What the runner resolves from template.yaml for one `Type: DynamoDB` event of a function.

use std::time::Duration;

/// The SDK clients a stream event source needs, built once by the runner against the local endpoint.
#[derive(Debug, Clone)]
pub struct StreamClients {
    pub streams: aws_sdk_dynamodbstreams::Client,
    pub sqs: aws_sdk_sqs::Client,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartingPosition {
    TrimHorizon,
    Latest,
}

/// The SDK clients the S3 and SNS event sources need.
#[derive(Debug, Clone)]
pub struct NotificationClients {
    pub sqs: aws_sdk_sqs::Client,
    pub s3: aws_sdk_s3::Client,
    pub sns: aws_sdk_sns::Client,
}

/// Where a batch goes once its retries are spent (`DestinationConfig.OnFailure`).
#[derive(Debug, Clone)]
pub enum OnFailureDestination {
    Sqs {
        queue_url: String,
        queue_arn: String,
    },
}

/// One DynamoDB stream event source mapping, as SAM's `Type: DynamoDB` event declares it.
#[derive(Debug, Clone)]
pub struct DynamoDbStreamSubscription {
    /// Logical id of the function in template.yaml.
    pub function: String,
    /// The table's `LatestStreamArn` in the local endpoint.
    pub stream_arn: String,
    pub starting_position: StartingPosition,
    pub batch_size: usize,
    pub maximum_batching_window: Duration,
    /// `None` means retry until the record expires (the template's `-1` or no setting).
    pub maximum_retry_attempts: Option<u32>,
    /// `None` means no age limit.
    pub maximum_record_age: Option<Duration>,
    pub bisect_batch_on_function_error: bool,
    /// `FunctionResponseTypes: [ReportBatchItemFailures]`.
    pub report_batch_item_failures: bool,
    /// `FilterCriteria.Filters[].Pattern`, parsed; a record is delivered if any matches.
    pub filters: Vec<serde_json::Value>,
    pub on_failure: Option<OnFailureDestination>,
    /// The Region the records claim (`awsRegion`), i.e. the stack's Region.
    pub region: String,
}

/// How many times each stream batch or asynchronous event reaches the function. At-least-once
/// delivery allows more than one; `Twice` makes it happen every time (a fault to test against).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Delivery {
    #[default]
    Once,
    /// Each batch or event is delivered again, whole, once its first delivery is over (after any
    /// retries and an on-failure report).
    Twice,
}

impl Delivery {
    /// How many deliveries each batch or event gets.
    pub fn count(self) -> usize {
        match self {
            Delivery::Once => 1,
            Delivery::Twice => 2,
        }
    }
}
