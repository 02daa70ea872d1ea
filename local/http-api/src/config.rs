//! What the runner resolves from template.yaml for one `AWS::Serverless::HttpApi`.

/// One HTTP API with every route that the template's functions attach to it.
#[derive(Debug, Clone)]
pub struct HttpApiConfig {
    /// The API's id (the value of `!Ref HttpApi`); goes into `requestContext.apiId`.
    pub api_id: String,
    /// `$default` for a SAM HttpApi without a StageName.
    pub stage: String,
    pub account_id: String,
    pub region: String,
    pub routes: Vec<RouteConfig>,
    pub cors: Option<CorsConfig>,
}

/// One `Type: HttpApi` event of a function.
#[derive(Debug, Clone)]
pub struct RouteConfig {
    /// Upper-case HTTP method, or `ANY`.
    pub method: String,
    /// The template's path, with `{name}` and a trailing `{name+}` greedy parameter.
    pub path: String,
    /// Logical id of the function in template.yaml (what [`cfp_local_invoke::Invoke`] takes).
    pub function: String,
    /// `None` when the route says `Auth: Authorizer: NONE` (or the API has no default authorizer).
    pub authorizer: Option<JwtAuthorizerConfig>,
    /// Scopes the route requires (`Auth.AuthorizationScopes`), empty for none.
    pub authorization_scopes: Vec<String>,
}

/// An HTTP API JWT authorizer (`Auth.Authorizers.<name>.JwtConfiguration`).
#[derive(Debug, Clone)]
pub struct JwtAuthorizerConfig {
    pub name: String,
    /// e.g. `$request.header.Authorization`.
    pub identity_source: String,
    /// The `iss` every token must carry, resolved (`https://cognito-idp.<region>.amazonaws.com/<pool>`).
    pub issuer: String,
    /// Accepted `aud` (ID tokens) or `client_id` (access tokens) values.
    pub audience: Vec<String>,
    /// Where the signing keys are served locally (moto: `<endpoint>/<pool_id>/.well-known/jwks.json`).
    /// A setting of its own because the local issuer URL is not where the keys live.
    pub jwks_uri: String,
}

/// `CorsConfiguration` of the API.
#[derive(Debug, Clone, Default)]
pub struct CorsConfig {
    pub allow_origins: Vec<String>,
    pub allow_methods: Vec<String>,
    pub allow_headers: Vec<String>,
    pub expose_headers: Vec<String>,
    pub max_age: Option<u64>,
    pub allow_credentials: bool,
}
