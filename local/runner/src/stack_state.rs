//! What a runner leaves behind for the next one started against the same AWS endpoint (restart
//! safety): the resources it created, so that they are adopted rather than created again, and the
//! stream checkpoints, so that event delivery resumes where it stopped. Both live in a directory
//! beside the stack file (`target/local/stack.state/` for `target/local/stack.json`).
//!
//! A saved stack is adopted only when the runner is pointed at an endpoint that is already running
//! (`--aws-endpoint`), the endpoint, Region and stack name match, and every saved table still
//! exists there with the same stream; otherwise the runner provisions anew and starts the
//! checkpoints afresh.

use std::path::{Path, PathBuf};

use aws_sdk_dynamodb::error::DisplayErrorContext;
use serde::{Deserialize, Serialize};

use crate::aws_clients::AwsClients;
use crate::provision::{CREATED_TYPES, dynamodb::TABLE_TYPE};
use crate::stack_resources::{PhysicalResource, StackResources};
use crate::template::StackSettings;

#[derive(Debug, thiserror::Error)]
pub enum StackStateError {
    #[error("cannot write the stack state {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The state directory of one stack file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateDir(PathBuf);

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SavedStack {
    aws_endpoint: String,
    region: String,
    stack_name: String,
    resources: Vec<PhysicalResource>,
}

impl StateDir {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        StateDir(dir.into())
    }

    /// `<dir>/<name>.state` for the stack file `<dir>/<name>.json`.
    pub fn beside(stack_file: &Path) -> Self {
        StateDir(stack_file.with_extension("state"))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    fn resources_file(&self) -> PathBuf {
        self.0.join("resources.json")
    }

    /// Where the stream checkpoints are kept.
    pub fn checkpoints_file(&self) -> PathBuf {
        self.0.join("checkpoints.json")
    }

    /// The resources an earlier run left in `aws_endpoint` for this stack, if they are all still
    /// there; `None` (with the reason logged) otherwise.
    pub async fn adoptable(
        &self,
        aws_endpoint: &str,
        stack: &StackSettings,
        clients: &AwsClients,
    ) -> Option<StackResources> {
        let path = self.resources_file();
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "cannot read the saved stack; provisioning anew");
                return None;
            }
        };
        let saved: SavedStack = match serde_json::from_slice(&bytes) {
            Ok(saved) => saved,
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "the saved stack is not valid; provisioning anew");
                return None;
            }
        };
        if saved.aws_endpoint != aws_endpoint
            || saved.region != stack.region
            || saved.stack_name != stack.stack_name
        {
            tracing::info!(saved_endpoint = %saved.aws_endpoint, "the saved stack belongs to another endpoint or stack; provisioning anew");
            return None;
        }
        for table in saved
            .resources
            .iter()
            .filter(|r| r.resource_type == TABLE_TYPE)
        {
            let found = clients
                .dynamodb
                .describe_table()
                .table_name(&table.reference)
                .send()
                .await;
            let stream = match found {
                Ok(output) => output
                    .table
                    .and_then(|t| t.latest_stream_arn)
                    .unwrap_or_default(),
                Err(e) => {
                    tracing::info!(table = %table.reference, error = %DisplayErrorContext(&e), "a saved table is gone from the endpoint; provisioning anew");
                    return None;
                }
            };
            if table
                .attribute_str("StreamArn")
                .is_some_and(|saved_stream| saved_stream != stream)
            {
                tracing::info!(table = %table.reference, "a saved table has another stream now; provisioning anew");
                return None;
            }
        }
        let mut resources = StackResources::new();
        for resource in saved.resources {
            resources.insert(resource);
        }
        Some(resources)
    }

    /// Saves the created resources of `resources` (not the per-run names of functions and APIs).
    pub fn save(
        &self,
        aws_endpoint: &str,
        stack: &StackSettings,
        resources: &StackResources,
    ) -> Result<(), StackStateError> {
        let path = self.resources_file();
        let write_error = |source| StackStateError::Write {
            path: path.clone(),
            source,
        };
        let saved = SavedStack {
            aws_endpoint: aws_endpoint.to_owned(),
            region: stack.region.clone(),
            stack_name: stack.stack_name.clone(),
            resources: CREATED_TYPES
                .iter()
                .flat_map(|t| resources.of_type(t).cloned())
                .collect(),
        };
        let bytes =
            serde_json::to_vec_pretty(&saved).map_err(|e| write_error(std::io::Error::other(e)))?;
        std::fs::create_dir_all(&self.0).map_err(write_error)?;
        let mut temporary = path.clone().into_os_string();
        temporary.push(".tmp");
        std::fs::write(&temporary, bytes).map_err(write_error)?;
        std::fs::rename(&temporary, &path).map_err(write_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_sits_beside_the_stack_file() {
        let dir = StateDir::beside(Path::new("target/local/stack.json"));
        assert_eq!(dir.path(), Path::new("target/local/stack.state"));
        assert_eq!(
            dir.checkpoints_file(),
            Path::new("target/local/stack.state/checkpoints.json")
        );
    }

    #[tokio::test]
    async fn a_saved_stack_of_another_endpoint_is_not_adopted() {
        let root = std::env::temp_dir().join(format!("cfp-state-{}", uuid::Uuid::new_v4()));
        let dir = StateDir::new(&root);
        let stack = StackSettings::default();
        let mut resources = StackResources::new();
        resources.insert(
            PhysicalResource::new("Queue", crate::provision::sqs::QUEUE_TYPE, "http://q")
                .with("Arn", "arn:q"),
        );
        resources.insert(PhysicalResource::new(
            "Fn",
            "AWS::Serverless::Function",
            "cfp-local-Fn-X",
        ));
        dir.save("http://127.0.0.1:1", &stack, &resources)
            .expect("saved");
        let text = std::fs::read_to_string(root.join("resources.json")).expect("written");
        assert!(
            text.contains("arn:q") && !text.contains("cfp-local-Fn-X"),
            "{text}"
        );
        // Nothing listens on port 1: the endpoint check happens before any call is made.
        let clients = AwsClients::new("http://127.0.0.1:1", &stack.region).await;
        assert!(
            dir.adoptable("http://127.0.0.1:2", &stack, &clients)
                .await
                .is_none()
        );
        let other_stack = StackSettings {
            stack_name: "other".into(),
            ..StackSettings::default()
        };
        assert!(
            dir.adoptable("http://127.0.0.1:1", &other_stack, &clients)
                .await
                .is_none()
        );
        // No table saved, same endpoint and stack: adopted as saved.
        let adopted = dir
            .adoptable("http://127.0.0.1:1", &stack, &clients)
            .await
            .expect("adopted");
        assert_eq!(adopted.reference("Queue"), Some("http://q"));
        assert_eq!(adopted.reference("Fn"), None);
        let _ = std::fs::remove_dir_all(root);
    }
}
