//! The stack file (`target/local/stack.json`): what a client needs to use the running local
//! stack. Written atomically once everything is up, removed when the stack stops.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::provision::{cognito, s3, sns};
use crate::stack_resources::StackResources;

/// The stack file's contents. Keys the template has no resource for yet are `null`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StackInfo {
    /// Base URL of the HTTP API (`http://127.0.0.1:3000`).
    pub api_url: Option<String>,
    /// The local AWS endpoint (moto).
    pub aws_endpoint: String,
    pub region: String,
    pub user_pool_id: Option<String>,
    pub user_pool_client_id: Option<String>,
    pub cfp_table: Option<String>,
    pub schedule_table: Option<String>,
    /// The speakers' pictures bucket.
    pub bucket: Option<String>,
    pub search_index_bucket: Option<String>,
    pub topic_arn: Option<String>,
    /// The local Lambda Invoke API (`http://127.0.0.1:9001`).
    pub lambda_endpoint: String,
    pub stream_failure_queue_url: Option<String>,
}

/// Why the stack file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StackFileError {
    #[error("cannot read the stack file {path} (is `cfp-local up` running?): {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the stack file {path} is not valid: {source}")]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("cannot write the stack file {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl StackInfo {
    /// The default location, relative to the working directory.
    pub const DEFAULT_PATH: &str = "target/local/stack.json";

    /// Reads the stack file at `path`.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, StackFileError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| StackFileError::Read {
            path: path.to_owned(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|source| StackFileError::Parse {
            path: path.to_owned(),
            source,
        })
    }

    /// Writes the stack file at `path` in one step (a temporary file renamed into place), so a
    /// reader never sees half a file.
    pub fn write_atomically(&self, path: impl AsRef<Path>) -> Result<(), StackFileError> {
        let path = path.as_ref();
        let write_error = |source| StackFileError::Write {
            path: path.to_owned(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(write_error)?;
        }
        let mut temporary = path.as_os_str().to_owned();
        temporary.push(format!(".{}.tmp", std::process::id()));
        let temporary = PathBuf::from(temporary);
        let text = serde_json::to_string_pretty(self)
            .map_err(|e| write_error(std::io::Error::other(e)))?;
        std::fs::write(&temporary, text + "\n").map_err(write_error)?;
        std::fs::rename(&temporary, path).map_err(|source| {
            let _ = std::fs::remove_file(&temporary);
            write_error(source)
        })
    }

    /// Removes the stack file at `path`; a missing file is fine.
    pub fn remove(path: impl AsRef<Path>) -> Result<(), StackFileError> {
        let path = path.as_ref();
        match std::fs::remove_file(path) {
            Ok(()) => Ok(()),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(StackFileError::Write {
                path: path.to_owned(),
                source,
            }),
        }
    }

    /// Fills the resource keys from the created resources: `CfpTable`, `ScheduleTable`,
    /// `StreamFailureQueue`, `PicturesBucket` and `CfpEventsTopic` by logical id (the template
    /// also has an alarm topic); otherwise the bucket, topic, user pool and client when the
    /// template has exactly one of each.
    pub fn from_resources(
        resources: &StackResources,
        aws_endpoint: &str,
        region: &str,
        api_url: Option<String>,
        lambda_endpoint: &str,
    ) -> Self {
        let only = |resource_type: &str| -> Option<String> {
            let mut all = resources.of_type(resource_type);
            match (all.next(), all.next()) {
                (Some(one), None) => Some(one.reference.clone()),
                (Some(_), Some(_)) => {
                    tracing::warn!(
                        r#type = resource_type,
                        "the template has several; the stack file names none"
                    );
                    None
                }
                _ => None,
            }
        };
        let by_id = |id: &str| resources.reference(id).map(str::to_owned);
        StackInfo {
            api_url,
            aws_endpoint: aws_endpoint.to_owned(),
            region: region.to_owned(),
            user_pool_id: only(cognito::USER_POOL_TYPE),
            user_pool_client_id: only(cognito::USER_POOL_CLIENT_TYPE),
            cfp_table: by_id("CfpTable"),
            schedule_table: by_id("ScheduleTable"),
            bucket: by_id("PicturesBucket").or_else(|| only(s3::BUCKET_TYPE)),
            search_index_bucket: by_id("SearchIndexBucket"),
            topic_arn: by_id("CfpEventsTopic").or_else(|| only(sns::TOPIC_TYPE)),
            lambda_endpoint: lambda_endpoint.to_owned(),
            stream_failure_queue_url: by_id("StreamFailureQueue"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stack_resources::PhysicalResource;

    #[test]
    fn round_trip_with_nulls_and_atomic_write() {
        let mut resources = StackResources::new();
        resources.insert(PhysicalResource::new(
            "CfpTable",
            "AWS::DynamoDB::Table",
            "t1",
        ));
        resources.insert(PhysicalResource::new(
            "Pool",
            cognito::USER_POOL_TYPE,
            "eu-central-1_x",
        ));
        resources.insert(PhysicalResource::new("B1", s3::BUCKET_TYPE, "b1"));
        resources.insert(PhysicalResource::new("B2", s3::BUCKET_TYPE, "b2"));
        resources.insert(PhysicalResource::new(
            "AlarmTopic",
            sns::TOPIC_TYPE,
            "arn:alarms",
        ));
        resources.insert(PhysicalResource::new(
            "CfpEventsTopic",
            sns::TOPIC_TYPE,
            "arn:events",
        ));
        let info = StackInfo::from_resources(
            &resources,
            "http://127.0.0.1:5000",
            "eu-central-1",
            None,
            "http://127.0.0.1:9001",
        );
        assert_eq!(info.cfp_table.as_deref(), Some("t1"));
        assert_eq!(info.user_pool_id.as_deref(), Some("eu-central-1_x"));
        assert_eq!(info.bucket, None);
        assert_eq!(info.topic_arn.as_deref(), Some("arn:events"));
        let json = serde_json::to_value(&info).expect("serializes");
        assert!(json["scheduleTable"].is_null() && json["apiUrl"].is_null());
        assert_eq!(json["lambdaEndpoint"], "http://127.0.0.1:9001");

        let dir = std::env::temp_dir().join(format!("cfp-local-stack-{}", std::process::id()));
        let path = dir.join("nested/stack.json");
        info.write_atomically(&path).expect("writes");
        assert_eq!(StackInfo::load(&path).expect("loads"), info);
        StackInfo::remove(&path).expect("removes");
        StackInfo::remove(&path).expect("a missing file is fine");
        let err = StackInfo::load(&path).unwrap_err();
        assert!(err.to_string().contains("cfp-local up"), "{err}");
        std::fs::write(&path, "{").expect("write");
        assert!(matches!(
            StackInfo::load(&path),
            Err(StackFileError::Parse { .. })
        ));
        let _ = std::fs::remove_dir_all(dir);
    }
}
