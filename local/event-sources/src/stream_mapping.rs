//! One DynamoDB stream subscription, checked and made ready to run: compiled filters, the function's
//! ARN, the clients and the invoker, shared by the poller and its shard readers.

use std::sync::Arc;

use cfp_local_invoke::Invoke;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::StreamSourceOptions;
use crate::checkpoint_store::{CheckpointStore, ShardKey};
use crate::config::{Delivery, DynamoDbStreamSubscription, StreamClients};
use crate::error::Error;
use crate::event_pattern::EventPattern;
use crate::shard_reader::Checkpoint;
use crate::timing::PollerTiming;

/// Lambda's bounds for `BatchSize` on a DynamoDB stream.
const MAX_BATCH_SIZE: usize = 10_000;

pub(crate) struct StreamMapping {
    pub(crate) subscription: DynamoDbStreamSubscription,
    filters: Vec<EventPattern>,
    /// `arn:<partition>:lambda:<region>:<account>:function:<name>`, for on-failure records.
    pub(crate) function_arn: String,
    pub(crate) clients: StreamClients,
    pub(crate) invoker: Arc<dyn Invoke>,
    pub(crate) timing: PollerTiming,
    pub(crate) delivery: Delivery,
    checkpoints: Option<Arc<CheckpointStore>>,
    pub(crate) stop: CancellationToken,
}

impl StreamMapping {
    pub(crate) fn new(
        subscription: DynamoDbStreamSubscription,
        clients: StreamClients,
        invoker: Arc<dyn Invoke>,
        options: StreamSourceOptions,
    ) -> Result<Self, Error> {
        let function = &subscription.function;
        if !(1..=MAX_BATCH_SIZE).contains(&subscription.batch_size) {
            return Err(Error::InvalidBatchSize {
                function: function.clone(),
                batch_size: subscription.batch_size,
            });
        }
        let filters = subscription
            .filters
            .iter()
            .enumerate()
            .map(|(index, pattern)| {
                EventPattern::parse(pattern).map_err(|source| Error::InvalidFilter {
                    function: function.clone(),
                    index,
                    source,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let (partition, account) =
            stream_arn_owner(&subscription.stream_arn).ok_or_else(|| Error::InvalidStreamArn {
                function: function.clone(),
                stream_arn: subscription.stream_arn.clone(),
            })?;
        let function_arn = format!(
            "arn:{partition}:lambda:{}:{account}:function:{function}",
            subscription.region
        );
        Ok(Self {
            subscription,
            filters,
            function_arn,
            clients,
            invoker,
            timing: options.timing,
            delivery: options.delivery,
            checkpoints: options.checkpoints,
            stop: options.stop,
        })
    }

    /// The checkpoint of `shard_id`, starting from the one saved by an earlier run if any.
    pub(crate) fn checkpoint(&self, shard_id: &str) -> Checkpoint {
        match &self.checkpoints {
            None => Checkpoint::default(),
            Some(store) => {
                let key = ShardKey {
                    function: self.subscription.function.clone(),
                    stream_arn: self.subscription.stream_arn.clone(),
                    shard_id: shard_id.to_owned(),
                };
                Checkpoint::persisted(Arc::clone(store), key)
            }
        }
    }

    /// Whether a record passes the filter criteria: any filter matches, or there are none.
    pub(crate) fn accepts(&self, record: &Value) -> bool {
        self.filters.is_empty() || self.filters.iter().any(|f| f.matches(record))
    }

    pub(crate) fn function(&self) -> &str {
        &self.subscription.function
    }

    pub(crate) fn stream_arn(&self) -> &str {
        &self.subscription.stream_arn
    }
}

/// The partition and account of `arn:<partition>:dynamodb:<region>:<account>:table/<t>/stream/<label>`.
fn stream_arn_owner(arn: &str) -> Option<(&str, &str)> {
    let mut parts = arn.splitn(6, ':');
    let (prefix, partition, service, _region, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let is_stream = resource
        .strip_prefix("table/")
        .and_then(|rest| rest.split_once("/stream/"))
        .is_some_and(|(table, label)| !table.is_empty() && !label.is_empty());
    (prefix == "arn"
        && service == "dynamodb"
        && !partition.is_empty()
        && !account.is_empty()
        && is_stream)
        .then_some((partition, account))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_owner_of_a_stream_arn() {
        assert_eq!(
            stream_arn_owner(
                "arn:aws:dynamodb:eu-central-1:123456789012:table/cfp/stream/2026-01-01T00:00:00.000"
            ),
            Some(("aws", "123456789012"))
        );
        for bad in [
            "",
            "arn:aws:dynamodb:eu-central-1:123456789012:table/cfp",
            "arn:aws:sqs:eu-central-1:123456789012:table/cfp/stream/x",
            "arn:aws:dynamodb:eu-central-1::table/cfp/stream/x",
            "arn:aws:dynamodb:eu-central-1:1:table//stream/x",
            "not an arn",
        ] {
            assert_eq!(stream_arn_owner(bad), None, "{bad}");
        }
    }
}
