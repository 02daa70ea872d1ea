//! `AWS::Serverless::HttpApi` resources and the functions' `HttpApi` events, as the local HTTP
//! API's configuration: routes, JWT authorizers (keys served by the local Cognito), CORS.

use std::collections::BTreeMap;

use cfp_local_http_api::{CorsConfig, HttpApiConfig, JwtAuthorizerConfig, RouteConfig};
use serde_json::{Map, Value};

use super::error::WiringError;
use super::functions::ResolvedFunction;
use crate::provision::{HTTP_API_TYPE, IMPLICIT_HTTP_API};
use crate::stack_resources::StackResources;
use crate::template::{FunctionEvent, Props, RouteAuthorizer, Scope, Template};

/// The logical ids of the HTTP APIs the stack serves: the template's, plus SAM's implicit
/// `ServerlessHttpApi` when an `HttpApi` event names no `ApiId`.
pub fn http_api_ids(template: &Template, uses_implicit_api: bool) -> Vec<String> {
    let mut ids: Vec<String> = template
        .resources_of_type(HTTP_API_TYPE)
        .map(|r| r.logical_id.clone())
        .collect();
    if uses_implicit_api && !ids.iter().any(|id| id == IMPLICIT_HTTP_API) {
        ids.push(IMPLICIT_HTTP_API.to_owned());
    }
    ids
}

/// Whether any function's `HttpApi` event has no `ApiId` (read before resolution: the template's
/// own text says so).
pub fn uses_implicit_api(template: &Template) -> bool {
    template
        .resources_of_type(crate::template::FUNCTION_TYPE)
        .filter_map(|f| f.properties.get("Events").and_then(Value::as_object))
        .flat_map(|events| events.values())
        .any(|event| {
            event.get("Type").and_then(Value::as_str) == Some("HttpApi")
                && event
                    .get("Properties")
                    .and_then(|p| p.get("ApiId"))
                    .is_none()
        })
}

/// One configuration per HTTP API, in logical-id order, with every route the functions attach.
/// `aws_endpoint` is where the local Cognito serves the signing keys.
pub fn http_api_configs(
    template: &Template,
    scope: Scope<'_>,
    resources: &StackResources,
    functions: &[ResolvedFunction],
    aws_endpoint: &str,
) -> Result<Vec<(String, HttpApiConfig)>, WiringError> {
    let mut configs: BTreeMap<String, (HttpApiConfig, Authorizers)> = BTreeMap::new();
    for api in resources.of_type(HTTP_API_TYPE) {
        let logical_id = &api.logical_id;
        let declared = match template.resources.get(logical_id) {
            Some(decl) => decl.properties.clone(),
            // SAM's implicit API takes its settings from Globals.HttpApi.
            None => template
                .globals
                .get("HttpApi")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
        };
        let used: Map<String, Value> = declared
            .into_iter()
            .filter(|(k, _)| ["Auth", "CorsConfiguration", "StageName"].contains(&k.as_str()))
            .collect();
        let properties =
            scope
                .with(resources)
                .resolve_map(&used)
                .map_err(|source| WiringError::Resolve {
                    resource: logical_id.clone(),
                    source,
                })?;
        let props = Props::new(logical_id, &properties);
        let authorizers = Authorizers::read(logical_id, props, aws_endpoint)?;
        let config = HttpApiConfig {
            api_id: api.reference.clone(),
            stage: props
                .string("StageName")?
                .unwrap_or_else(|| "$default".to_owned()),
            account_id: scope.stack.account_id.clone(),
            region: scope.stack.region.clone(),
            routes: Vec::new(),
            cors: cors(logical_id, props)?,
        };
        configs.insert(logical_id.clone(), (config, authorizers));
    }

    for function in functions {
        for event in &function.settings.events {
            let FunctionEvent::HttpApi(event) = event else {
                continue;
            };
            let function_id = &function.located.logical_id;
            let api_logical_id = match &event.api_id {
                None => IMPLICIT_HTTP_API.to_owned(),
                Some(api_id) => resources
                    .find_by_reference(HTTP_API_TYPE, api_id)
                    .map(|api| api.logical_id.clone())
                    .ok_or_else(|| WiringError::UnknownApi {
                        function: function_id.clone(),
                        event: event.name.clone(),
                        api_id: api_id.clone(),
                    })?,
            };
            let Some((config, authorizers)) = configs.get_mut(&api_logical_id) else {
                return Err(WiringError::UnknownApi {
                    function: function_id.clone(),
                    event: event.name.clone(),
                    api_id: api_logical_id,
                });
            };
            let route_name = format!("{function_id}.Events.{}", event.name);
            let authorizer = match &event.authorizer {
                RouteAuthorizer::None => None,
                RouteAuthorizer::ApiDefault => authorizers.default.clone(),
                RouteAuthorizer::Named(name) => {
                    Some(authorizers.get(&api_logical_id, name, &route_name)?)
                }
            };
            config.routes.push(RouteConfig {
                method: event.method.clone(),
                path: event.path.clone(),
                function: function_id.clone(),
                authorizer,
                authorization_scopes: event.authorization_scopes.clone(),
            });
        }
    }
    Ok(configs
        .into_iter()
        .map(|(id, (mut config, _))| {
            config
                .routes
                .sort_by(|a, b| (&a.path, &a.method).cmp(&(&b.path, &b.method)));
            (id, config)
        })
        .collect())
}

/// The JWT authorizers of one API and its default.
struct Authorizers {
    by_name: BTreeMap<String, Result<JwtAuthorizerConfig, String>>,
    default: Option<JwtAuthorizerConfig>,
}

impl Authorizers {
    fn read(api: &str, props: Props<'_>, aws_endpoint: &str) -> Result<Self, WiringError> {
        let mut by_name = BTreeMap::new();
        let mut default_name = None;
        if let Some(auth) = props.object("Auth")? {
            let owner = format!("{api}.Auth");
            let auth = Props::new(&owner, auth);
            default_name = auth.string("DefaultAuthorizer")?;
            if let Some(declared) = auth.object("Authorizers")? {
                let declared_owner = format!("{api}.Auth.Authorizers");
                for (name, authorizer) in declared {
                    let owner = format!("{declared_owner}.{name}");
                    let Value::Object(authorizer) = authorizer else {
                        return Err(Props::new(&declared_owner, declared)
                            .error(name, "must be a mapping")
                            .into());
                    };
                    let authorizer = Props::new(&owner, authorizer);
                    let entry = match authorizer.object("JwtConfiguration")? {
                        // A Lambda or IAM authorizer: an error only if a route uses it.
                        None => Err(name.clone()),
                        Some(jwt) => {
                            Ok(jwt_authorizer(name, &owner, authorizer, jwt, aws_endpoint)?)
                        }
                    };
                    by_name.insert(name.clone(), entry);
                }
            }
        }
        let mut authorizers = Authorizers {
            by_name,
            default: None,
        };
        if let Some(name) = default_name.filter(|n| n != "NONE") {
            authorizers.default = Some(authorizers.get(api, &name, "DefaultAuthorizer")?);
        }
        Ok(authorizers)
    }

    fn get(&self, api: &str, name: &str, route: &str) -> Result<JwtAuthorizerConfig, WiringError> {
        match self.by_name.get(name) {
            Some(Ok(config)) => Ok(config.clone()),
            Some(Err(_)) => Err(WiringError::UnsupportedAuthorizer {
                api: api.to_owned(),
                authorizer: name.to_owned(),
            }),
            None => Err(WiringError::UnknownAuthorizer {
                api: api.to_owned(),
                authorizer: name.to_owned(),
                route: Some(route.to_owned()),
            }),
        }
    }
}

fn jwt_authorizer(
    name: &str,
    owner: &str,
    authorizer: Props<'_>,
    jwt: &Map<String, Value>,
    aws_endpoint: &str,
) -> Result<JwtAuthorizerConfig, WiringError> {
    let jwt_owner = format!("{owner}.JwtConfiguration");
    let jwt = Props::new(&jwt_owner, jwt);
    // SAM documents these keys in lower case; CloudFormation's own spelling is capitalised.
    let issuer = match jwt.string("issuer")? {
        Some(issuer) => issuer,
        None => jwt.required_string("Issuer")?,
    };
    let mut audience = jwt.strings("audience")?;
    audience.extend(jwt.strings("Audience")?);
    // Cognito's issuer ends in the pool id; moto serves that pool's keys under its own URL.
    let pool_id = issuer
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default();
    Ok(JwtAuthorizerConfig {
        name: name.to_owned(),
        identity_source: authorizer
            .strings("IdentitySource")?
            .into_iter()
            .next()
            .unwrap_or_else(|| "$request.header.Authorization".to_owned()),
        jwks_uri: format!(
            "{}/{pool_id}/.well-known/jwks.json",
            aws_endpoint.trim_end_matches('/')
        ),
        issuer,
        audience,
    })
}

fn cors(api: &str, props: Props<'_>) -> Result<Option<CorsConfig>, WiringError> {
    match props.get("CorsConfiguration") {
        None | Some(Value::Bool(false)) => Ok(None),
        // `CorsConfiguration: true` allows every origin.
        Some(Value::Bool(true)) => Ok(Some(CorsConfig {
            allow_origins: vec!["*".into()],
            allow_methods: vec!["*".into()],
            allow_headers: vec!["*".into()],
            ..CorsConfig::default()
        })),
        Some(Value::String(origin)) => Ok(Some(CorsConfig {
            allow_origins: vec![origin.trim_matches('\'').to_owned()],
            ..CorsConfig::default()
        })),
        Some(_) => {
            let owner = format!("{api}.CorsConfiguration");
            let Some(cors) = props.object("CorsConfiguration")? else {
                return Ok(None);
            };
            let cors = Props::new(&owner, cors);
            Ok(Some(CorsConfig {
                allow_origins: cors.strings("AllowOrigins")?,
                allow_methods: cors.strings("AllowMethods")?,
                allow_headers: cors.strings("AllowHeaders")?,
                expose_headers: cors.strings("ExposeHeaders")?,
                max_age: cors.u64("MaxAge")?,
                allow_credentials: cors.bool("AllowCredentials")?.unwrap_or(false),
            }))
        }
    }
}
