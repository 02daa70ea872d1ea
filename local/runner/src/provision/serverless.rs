//! SAM's own resource types, which the runner plays itself rather than creating in moto: their
//! names and ids are fixed before anything is created, so every other resource can refer to them.

use std::collections::BTreeMap;

use crate::physical_names::{NameRules, physical_name, random_suffix};
use crate::stack_resources::{PhysicalResource, StackResources};
use crate::template::{FUNCTION_TYPE, Props, Scope, StackSettings, Template, resource_is_active};

use super::error::ProvisionError;

pub const HTTP_API_TYPE: &str = "AWS::Serverless::HttpApi";
/// The API SAM creates for `HttpApi` events that name no `ApiId`.
pub const IMPLICIT_HTTP_API: &str = "ServerlessHttpApi";

/// An API Gateway id: 10 lower-case letters and digits.
fn api_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..10].to_owned()
}

/// Names every active `AWS::Serverless::Function` and gives every HTTP API an id.
/// `api_endpoints` holds the local URL each API is served on (by logical id), which becomes its
/// `ApiEndpoint` attribute.
pub fn name_serverless_resources(
    template: &Template,
    scope: Scope<'_>,
    api_endpoints: &BTreeMap<String, String>,
    resources: &mut StackResources,
) -> Result<(), ProvisionError> {
    let stack = scope.stack;
    for decl in template.resources.values() {
        let active = resource_is_active(decl, scope.conditions).map_err(|source| {
            ProvisionError::Resolve {
                resource: decl.logical_id.clone(),
                source,
            }
        })?;
        if !active {
            continue;
        }
        match decl.resource_type.as_str() {
            FUNCTION_TYPE => {
                let name = match decl.properties.get("FunctionName") {
                    Some(value) => {
                        let resolved = scope
                            .with(resources)
                            .resolve_required("FunctionName", value)
                            .map_err(|source| ProvisionError::Resolve {
                                resource: decl.logical_id.clone(),
                                source,
                            })?;
                        let map =
                            serde_json::Map::from_iter([("FunctionName".to_owned(), resolved)]);
                        Props::new(&decl.logical_id, &map).required_string("FunctionName")?
                    }
                    None => physical_name(
                        &stack.stack_name,
                        &decl.logical_id,
                        &random_suffix(),
                        NameRules::LAMBDA_FUNCTION,
                    ),
                };
                let arn = format!(
                    "arn:{}:lambda:{}:{}:function:{name}",
                    stack.partition(),
                    stack.region,
                    stack.account_id
                );
                resources.insert(
                    PhysicalResource::new(&decl.logical_id, FUNCTION_TYPE, &name).with("Arn", arn),
                );
            }
            HTTP_API_TYPE => {
                resources.insert(http_api(stack, &decl.logical_id, api_endpoints));
            }
            _ => {}
        }
    }
    Ok(())
}

/// The physical record of an HTTP API (also SAM's implicit one).
pub fn http_api(
    stack: &StackSettings,
    logical_id: &str,
    api_endpoints: &BTreeMap<String, String>,
) -> PhysicalResource {
    let id = api_id();
    let endpoint = api_endpoints.get(logical_id).cloned().unwrap_or_else(|| {
        format!(
            "https://{id}.execute-api.{}.{}",
            stack.region,
            stack.url_suffix()
        )
    });
    PhysicalResource::new(logical_id, HTTP_API_TYPE, &id)
        .with("ApiId", id.clone())
        .with("ApiEndpoint", endpoint)
}
