//! The event source mapping of one function on one stream: finds the stream's shards and runs a
//! reader for each, starting a child shard only once its parent is fully delivered, so that the
//! records of an item stay in order across a shard split.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use aws_sdk_dynamodbstreams::error::DisplayErrorContext;
use tokio::task::JoinSet;
use tracing::{debug, error, info, warn};

use crate::config::StartingPosition;
use crate::error::Error;
use crate::shard_reader::{Checkpoint, ShardStart, read_shard};
use crate::stream_mapping::StreamMapping;
use crate::timing::Backoff;

/// A shard as DescribeStream lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ShardInfo {
    id: String,
    parent: Option<String>,
    /// Has an ending sequence number: no record will be added to it.
    closed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ShardState {
    Reading,
    Finished,
    /// Its reader died; start it again from its checkpoint.
    Restart,
}

#[derive(Debug)]
struct ShardEntry {
    state: ShardState,
    checkpoint: Checkpoint,
}

enum DescribeFailure {
    NotFound,
    Other(String),
}

/// Runs the mapping until the task is dropped. Returns only if the stream does not exist when the
/// mapping starts. `ready` is told once every shard of the first listing is being read.
pub(crate) async fn run(
    mapping: Arc<StreamMapping>,
    mut ready: Option<tokio::sync::oneshot::Sender<()>>,
) -> Result<(), Error> {
    let mut shards: HashMap<String, ShardEntry> = HashMap::new();
    let mut readers: JoinSet<String> = JoinSet::new();
    let mut reader_shards: HashMap<tokio::task::Id, String> = HashMap::new();
    let mut first_listing = true;
    let mut backoff = Backoff::new(&mapping.timing);
    info!(
        function = mapping.function(),
        stream = mapping.stream_arn(),
        "stream event source mapping started"
    );
    loop {
        let pause = match describe_shards(&mapping).await {
            Ok(listing) => {
                backoff.reset();
                let initial = first_listing.then_some(mapping.subscription.starting_position);
                first_listing = false;
                let mut started = Vec::new();
                for (shard, start) in ready_shards(&listing, &shards, initial) {
                    match start {
                        None => {
                            debug!(
                                function = mapping.function(),
                                shard = shard.as_str(),
                                "closed shard before LATEST; nothing to read"
                            );
                            shards.insert(
                                shard,
                                ShardEntry {
                                    state: ShardState::Finished,
                                    checkpoint: Checkpoint::default(),
                                },
                            );
                        }
                        Some(start) => {
                            let checkpoint = shards
                                .get(&shard)
                                .map(|entry| entry.checkpoint.clone())
                                .unwrap_or_else(|| mapping.checkpoint(&shard));
                            let start = checkpoint.get().map_or(start, ShardStart::After);
                            debug!(function = mapping.function(), shard = shard.as_str(), start = ?start, "reading shard");
                            let signal = ready.is_some().then(|| {
                                let (tx, rx) = tokio::sync::oneshot::channel();
                                started.push(rx);
                                tx
                            });
                            let handle = readers.spawn(read_shard(
                                Arc::clone(&mapping),
                                shard.clone(),
                                start,
                                checkpoint.clone(),
                                signal,
                            ));
                            reader_shards.insert(handle.id(), shard.clone());
                            shards.insert(
                                shard,
                                ShardEntry {
                                    state: ShardState::Reading,
                                    checkpoint,
                                },
                            );
                        }
                    }
                }
                if let Some(ready) = ready.take() {
                    tokio::spawn(async move {
                        for reader in started {
                            // A reader that died is restarted; it no longer holds up the start.
                            let _ = reader.await;
                        }
                        let _ = ready.send(());
                    });
                }
                mapping.timing.shard_discovery_interval
            }
            Err(DescribeFailure::NotFound) if first_listing => {
                return Err(Error::StreamNotFound {
                    function: mapping.function().to_owned(),
                    stream_arn: mapping.stream_arn().to_owned(),
                });
            }
            Err(DescribeFailure::NotFound) => {
                warn!(
                    function = mapping.function(),
                    stream = mapping.stream_arn(),
                    "the stream no longer exists"
                );
                backoff
                    .next_delay()
                    .max(mapping.timing.shard_discovery_interval)
            }
            Err(DescribeFailure::Other(e)) => {
                warn!(
                    function = mapping.function(),
                    stream = mapping.stream_arn(),
                    error = e,
                    "DescribeStream failed; retrying"
                );
                backoff.next_delay()
            }
        };
        // Look again after the pause, or at once when a reader ends so that its children start.
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            () = mapping.stop.cancelled() => {
                // Each reader ends once its batch in flight is over.
                while readers.join_next().await.is_some() {}
                info!(
                    function = mapping.function(),
                    stream = mapping.stream_arn(),
                    "stream event source mapping stopped"
                );
                return Ok(());
            }
            Some(ended) = readers.join_next_with_id() => {
                match ended {
                    Ok((id, shard)) => {
                        reader_shards.remove(&id);
                        if let Some(entry) = shards.get_mut(&shard) {
                            entry.state = ShardState::Finished;
                        }
                    }
                    Err(e) => {
                        let shard = reader_shards.remove(&e.id());
                        error!(
                            function = mapping.function(),
                            shard = shard.as_deref().unwrap_or("(unknown)"),
                            error = %e,
                            "shard reader died; restarting it from its checkpoint"
                        );
                        if let Some(entry) = shard.and_then(|s| shards.get_mut(&s)) {
                            entry.state = ShardState::Restart;
                        }
                    }
                }
            }
        }
    }
}

/// The shards to start now and where: `None` for a shard that has nothing to read (closed before a
/// LATEST start). `initial` is the mapping's starting position on the first listing; shards found
/// later are new and read from their beginning.
fn ready_shards(
    listing: &[ShardInfo],
    known: &HashMap<String, ShardEntry>,
    initial: Option<StartingPosition>,
) -> Vec<(String, Option<ShardStart>)> {
    let listed: HashSet<&str> = listing.iter().map(|s| s.id.as_str()).collect();
    let mut ready = Vec::new();
    // Shards finished in this very pass count, so a chain of closed shards resolves at once.
    let mut finished_now: HashSet<&str> = HashSet::new();
    for shard in listing {
        match known.get(&shard.id).map(|entry| entry.state) {
            Some(ShardState::Reading | ShardState::Finished) => continue,
            Some(ShardState::Restart) => {
                ready.push((shard.id.clone(), Some(ShardStart::TrimHorizon)));
                continue;
            }
            None => {}
        }
        let parent_done = match &shard.parent {
            None => true,
            Some(parent) => match known.get(parent).map(|entry| entry.state) {
                Some(ShardState::Finished) => true,
                Some(_) => false,
                // A parent no longer listed was trimmed: nothing of it is left to read.
                None => !listed.contains(parent.as_str()) || finished_now.contains(parent.as_str()),
            },
        };
        if !parent_done {
            continue;
        }
        match initial {
            Some(StartingPosition::Latest) if shard.closed => {
                finished_now.insert(shard.id.as_str());
                ready.push((shard.id.clone(), None));
            }
            Some(StartingPosition::Latest) => {
                ready.push((shard.id.clone(), Some(ShardStart::Latest)))
            }
            _ => ready.push((shard.id.clone(), Some(ShardStart::TrimHorizon))),
        }
    }
    ready
}

/// Every shard of the stream, parents listed before their children as DescribeStream lists them.
async fn describe_shards(mapping: &StreamMapping) -> Result<Vec<ShardInfo>, DescribeFailure> {
    let mut shards = Vec::new();
    let mut start_after: Option<String> = None;
    loop {
        let output = mapping
            .clients
            .streams
            .describe_stream()
            .stream_arn(mapping.stream_arn())
            .set_exclusive_start_shard_id(start_after.take())
            .send()
            .await
            .map_err(|e| {
                if e.as_service_error()
                    .is_some_and(|se| se.is_resource_not_found_exception())
                {
                    DescribeFailure::NotFound
                } else {
                    DescribeFailure::Other(DisplayErrorContext(&e).to_string())
                }
            })?;
        let Some(description) = output.stream_description else {
            return Err(DescribeFailure::Other(
                "DescribeStream returned no description".into(),
            ));
        };
        for shard in description.shards() {
            let Some(id) = shard.shard_id() else {
                warn!(
                    function = mapping.function(),
                    "DescribeStream listed a shard without an id; ignored"
                );
                continue;
            };
            shards.push(ShardInfo {
                id: id.to_owned(),
                parent: shard.parent_shard_id().map(str::to_owned),
                closed: shard
                    .sequence_number_range()
                    .and_then(|range| range.ending_sequence_number())
                    .is_some(),
            });
        }
        match description.last_evaluated_shard_id() {
            Some(last) => start_after = Some(last.to_owned()),
            None => return Ok(shards),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shard(id: &str, parent: Option<&str>, closed: bool) -> ShardInfo {
        ShardInfo {
            id: id.into(),
            parent: parent.map(Into::into),
            closed,
        }
    }

    fn entry(state: ShardState) -> ShardEntry {
        ShardEntry {
            state,
            checkpoint: Checkpoint::default(),
        }
    }

    fn ids(ready: &[(String, Option<ShardStart>)]) -> Vec<&str> {
        ready.iter().map(|(id, _)| id.as_str()).collect()
    }

    #[test]
    fn parents_come_before_children() {
        let listing = [shard("a", None, true), shard("b", Some("a"), false)];
        let mut known = HashMap::new();
        let ready = ready_shards(&listing, &known, Some(StartingPosition::TrimHorizon));
        assert_eq!(ready, [("a".to_owned(), Some(ShardStart::TrimHorizon))]);

        known.insert("a".to_owned(), entry(ShardState::Reading));
        assert!(ready_shards(&listing, &known, None).is_empty());

        known.insert("a".to_owned(), entry(ShardState::Finished));
        assert_eq!(
            ready_shards(&listing, &known, None),
            [("b".to_owned(), Some(ShardStart::TrimHorizon))]
        );
    }

    #[test]
    fn a_trimmed_parent_does_not_block_its_child() {
        let listing = [shard("b", Some("gone"), false)];
        assert_eq!(
            ids(&ready_shards(
                &listing,
                &HashMap::new(),
                Some(StartingPosition::TrimHorizon)
            )),
            ["b"]
        );
    }

    #[test]
    fn latest_skips_closed_shards_and_starts_open_ones_at_the_tip() {
        let listing = [
            shard("a", None, true),
            shard("b", Some("a"), true),
            shard("c", Some("b"), false),
            shard("d", None, false),
        ];
        let ready = ready_shards(&listing, &HashMap::new(), Some(StartingPosition::Latest));
        assert_eq!(
            ready,
            [
                ("a".to_owned(), None),
                ("b".to_owned(), None),
                ("c".to_owned(), Some(ShardStart::Latest)),
                ("d".to_owned(), Some(ShardStart::Latest)),
            ]
        );
    }

    #[test]
    fn shards_found_later_are_read_from_their_beginning() {
        let listing = [shard("a", None, true), shard("b", Some("a"), false)];
        let known = HashMap::from([("a".to_owned(), entry(ShardState::Finished))]);
        assert_eq!(
            ready_shards(&listing, &known, None),
            [("b".to_owned(), Some(ShardStart::TrimHorizon))]
        );
    }

    #[test]
    fn a_dead_reader_is_restarted() {
        let listing = [shard("a", None, false)];
        let known = HashMap::from([("a".to_owned(), entry(ShardState::Restart))]);
        assert_eq!(ids(&ready_shards(&listing, &known, None)), ["a"]);
    }
}
