//! Stream checkpoints that outlive the runner, as Lambda's event source mappings keep theirs: per
//! mapping (function and stream) and shard, the last sequence number fully dealt with. A runner
//! started again against the same endpoint resumes after it instead of at the starting position.
//!
//! One small JSON file, rewritten whole (a temporary file renamed over it) on every change, so a
//! runner killed at any moment leaves either the old or the new checkpoints, never a torn file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("cannot read the stream checkpoints {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the stream checkpoints {path} are not valid: {source}")]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("cannot write the stream checkpoints {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Which shard of which mapping a checkpoint belongs to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShardKey {
    /// Logical id of the function.
    pub function: String,
    pub stream_arn: String,
    pub shard_id: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    #[serde(flatten)]
    key: ShardKey,
    sequence_number: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct CheckpointFile {
    checkpoints: Vec<Entry>,
}

/// The checkpoints of every stream mapping of one stack, kept in a file.
#[derive(Debug)]
pub struct CheckpointStore {
    path: PathBuf,
    checkpoints: Mutex<BTreeMap<ShardKey, String>>,
}

impl CheckpointStore {
    /// The checkpoints saved at `path` by an earlier run (none if there is no file).
    pub fn open(path: &Path) -> Result<Self, CheckpointError> {
        let checkpoints = match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice::<CheckpointFile>(&bytes)
                .map_err(|source| CheckpointError::Parse {
                    path: path.to_owned(),
                    source,
                })?
                .checkpoints
                .into_iter()
                .map(|entry| (entry.key, entry.sequence_number))
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(source) => {
                return Err(CheckpointError::Read {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        Ok(Self {
            path: path.to_owned(),
            checkpoints: Mutex::new(checkpoints),
        })
    }

    /// No checkpoints: what was saved at `path` before is dropped (written over at the first save).
    pub fn empty(path: &Path) -> Result<Self, CheckpointError> {
        let store = Self {
            path: path.to_owned(),
            checkpoints: Mutex::new(BTreeMap::new()),
        };
        store.write(&BTreeMap::new())?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn get(&self, key: &ShardKey) -> Option<String> {
        self.lock().get(key).cloned()
    }

    /// Records `sequence_number` as the last one of `key` dealt with, and writes the file.
    pub fn save(&self, key: &ShardKey, sequence_number: &str) -> Result<(), CheckpointError> {
        let mut checkpoints = self.lock();
        if checkpoints.get(key).map(String::as_str) == Some(sequence_number) {
            return Ok(());
        }
        checkpoints.insert(key.clone(), sequence_number.to_owned());
        // Written under the lock, so that an older state never lands after a newer one.
        self.write(&checkpoints)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<ShardKey, String>> {
        // A poisoned lock still holds whole entries: each insert is a single step.
        self.checkpoints
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self, checkpoints: &BTreeMap<ShardKey, String>) -> Result<(), CheckpointError> {
        let write_error = |source| CheckpointError::Write {
            path: self.path.clone(),
            source,
        };
        let file = CheckpointFile {
            checkpoints: checkpoints
                .iter()
                .map(|(key, sequence_number)| Entry {
                    key: key.clone(),
                    sequence_number: sequence_number.clone(),
                })
                .collect(),
        };
        let bytes =
            serde_json::to_vec_pretty(&file).map_err(|e| write_error(std::io::Error::other(e)))?;
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(write_error)?;
        }
        let mut temporary = self.path.clone().into_os_string();
        temporary.push(".tmp");
        std::fs::write(&temporary, bytes).map_err(write_error)?;
        std::fs::rename(&temporary, &self.path).map_err(write_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(shard: &str) -> ShardKey {
        ShardKey {
            function: "Fn".into(),
            stream_arn: "arn:aws:dynamodb:eu-central-1:123456789012:table/t/stream/x".into(),
            shard_id: shard.into(),
        }
    }

    #[test]
    fn checkpoints_survive_a_reopen_and_empty_forgets_them() {
        let dir = std::env::temp_dir().join(format!("cfp-checkpoints-{}", uuid::Uuid::new_v4()));
        let path = dir.join("checkpoints.json");
        let store = CheckpointStore::open(&path).expect("no file is no checkpoints");
        assert_eq!(store.get(&key("a")), None);
        store.save(&key("a"), "100").expect("saved");
        store.save(&key("b"), "7").expect("saved");
        store.save(&key("a"), "200").expect("saved");

        let reopened = CheckpointStore::open(&path).expect("reads");
        assert_eq!(reopened.get(&key("a")).as_deref(), Some("200"));
        assert_eq!(reopened.get(&key("b")).as_deref(), Some("7"));

        let emptied = CheckpointStore::empty(&path).expect("empties");
        assert_eq!(emptied.get(&key("a")), None);
        assert_eq!(
            CheckpointStore::open(&path).expect("reads").get(&key("a")),
            None
        );

        std::fs::write(&path, "{not json").expect("write");
        assert!(matches!(
            CheckpointStore::open(&path),
            Err(CheckpointError::Parse { .. })
        ));
        let _ = std::fs::remove_dir_all(dir);
    }
}
