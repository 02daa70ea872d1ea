//! Creates the template's resources in the local AWS endpoint (moto), in dependency order, the way
//! CloudFormation would, and records what `Ref`/`GetAtt` yield for each.

pub mod cognito;
pub mod dynamodb;
pub mod error;
pub mod s3;
pub mod serverless;
pub mod ses;
pub mod sns;
pub mod sqs;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

pub use error::ProvisionError;
pub use serverless::{HTTP_API_TYPE, IMPLICIT_HTTP_API, name_serverless_resources};

use crate::aws_clients::AwsClients;
use crate::stack_resources::{PhysicalResource, StackResources};
use crate::template::dependencies::creation_order;
use crate::template::{Props, Scope, Template, resource_is_active};

/// Resource types created in the local endpoint.
pub const CREATED_TYPES: &[&str] = &[
    dynamodb::TABLE_TYPE,
    sqs::QUEUE_TYPE,
    sns::TOPIC_TYPE,
    s3::BUCKET_TYPE,
    cognito::USER_POOL_TYPE,
    cognito::USER_POOL_CLIENT_TYPE,
    cognito::USER_POOL_GROUP_TYPE,
];

/// Creates every active resource of a [`CREATED_TYPES`] type, then verifies the SES identities.
/// `resources` must already hold the serverless resources ([`name_serverless_resources`]); it
/// receives every created resource, and a reason for each resource that has no local value.
pub async fn provision_stack(
    template: &Template,
    scope: Scope<'_>,
    clients: &AwsClients,
    resources: &mut StackResources,
) -> Result<(), ProvisionError> {
    provision_stack_adopting(template, scope, clients, resources, None).await
}

/// [`provision_stack`], taking over the resources in `adopted` (an earlier run's, found in the
/// endpoint) instead of creating them again: only what they lack is created.
pub async fn provision_stack_adopting(
    template: &Template,
    scope: Scope<'_>,
    clients: &AwsClients,
    resources: &mut StackResources,
    adopted: Option<&StackResources>,
) -> Result<(), ProvisionError> {
    let mut to_create = BTreeSet::new();
    // Logged once per type: the template has an alarm or two per function.
    let mut not_created: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for decl in template.resources.values() {
        let id = &decl.logical_id;
        let active = resource_is_active(decl, scope.conditions).map_err(|source| {
            ProvisionError::Resolve {
                resource: id.clone(),
                source,
            }
        })?;
        if !active {
            let condition = decl.condition.as_deref().unwrap_or_default();
            resources.mark_unavailable(id, format!("its Condition `{condition}` is false"));
        } else if CREATED_TYPES.contains(&decl.resource_type.as_str()) {
            resources.mark_unavailable(id, "is not created yet");
            to_create.insert(id.clone());
        } else if resources.get(id).is_none() {
            not_created
                .entry(decl.resource_type.as_str())
                .or_default()
                .push(id);
            resources
                .mark_unavailable(id, format!("{} is not created locally", decl.resource_type));
        }
    }

    for (resource_type, ids) in not_created {
        tracing::info!(r#type = %resource_type, count = ids.len(), resources = %ids.join(", "), "not created locally");
    }

    for id in creation_order(&to_create, &template.resources)? {
        let Some(decl) = template.resources.get(&id) else {
            continue;
        };
        if let Some(existing) = adopted
            .and_then(|a| a.get(&id))
            .filter(|r| r.resource_type == decl.resource_type)
        {
            tracing::info!(resource = %id, r#type = %decl.resource_type, physical = %existing.reference, "adopted from the earlier run");
            resources.insert(existing.clone());
            continue;
        }
        let properties = scope
            .with(resources)
            .resolve_map(&decl.properties)
            .map_err(|source| ProvisionError::Resolve {
                resource: id.clone(),
                source,
            })?;
        let stack_name = scope.stack.stack_name.as_str();
        let region = scope.stack.region.as_str();
        let created: PhysicalResource = match decl.resource_type.as_str() {
            dynamodb::TABLE_TYPE => {
                dynamodb::create_table(&clients.dynamodb, stack_name, &id, &properties).await?
            }
            sqs::QUEUE_TYPE => {
                sqs::create_queue(&clients.sqs, stack_name, &id, &properties).await?
            }
            sns::TOPIC_TYPE => {
                sns::create_topic(&clients.sns, stack_name, &id, &properties).await?
            }
            s3::BUCKET_TYPE => {
                s3::create_bucket(&clients.s3, stack_name, region, &id, &properties).await?
            }
            cognito::USER_POOL_TYPE => {
                cognito::create_user_pool(&clients.cognito, stack_name, region, &id, &properties)
                    .await?
            }
            cognito::USER_POOL_CLIENT_TYPE => {
                cognito::create_user_pool_client(&clients.cognito, stack_name, &id, &properties)
                    .await?
            }
            cognito::USER_POOL_GROUP_TYPE => {
                cognito::create_user_pool_group(&clients.cognito, stack_name, &id, &properties)
                    .await?
            }
            _ => continue,
        };
        tracing::info!(resource = %id, r#type = %decl.resource_type, physical = %created.reference, "created");
        resources.insert(created);
    }

    for identity in ses_identities(template, scope, resources)? {
        ses::verify_identity(&clients.ses, &identity).await?;
        tracing::info!(%identity, "verified in SES");
    }
    Ok(())
}

/// `Metadata.cfp-local.SesIdentities`, resolved.
pub fn ses_identities(
    template: &Template,
    scope: Scope<'_>,
    resources: &StackResources,
) -> Result<Vec<String>, ProvisionError> {
    let Some(local) = template.metadata.get("cfp-local") else {
        return Ok(Vec::new());
    };
    let owner = "Metadata.cfp-local";
    let resolved =
        scope
            .with(resources)
            .resolve(local)
            .map_err(|source| ProvisionError::Resolve {
                resource: owner.to_owned(),
                source,
            })?;
    let Some(Value::Object(map)) = resolved else {
        return Err(Props::new("Metadata", &template.metadata)
            .error("cfp-local", "must be a mapping")
            .into());
    };
    Ok(Props::new(owner, &map).strings("SesIdentities")?)
}
