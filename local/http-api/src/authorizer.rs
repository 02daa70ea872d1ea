//! The HTTP API JWT authorizer, following API Gateway's documented checks: the token from the
//! identity source (bare or after `Bearer `), an RS256 signature by a key of the issuer's
//! `jwks_uri` named by `kid`, `iss` equal to the issuer, `exp` after and `nbf`/`iat` before now
//! (no leeway), `aud` - or `client_id` when there is no `aud` - among the audience, and, when the
//! route asks for scopes, at least one of them in `scope`/`scp`.

use std::collections::BTreeMap;

use http::HeaderMap;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Validation};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::claims::stringify_claims;
use crate::config::JwtAuthorizerConfig;
use crate::jwks::JwksCache;

/// `requestContext.authorizer` of an authorized request.
#[derive(Debug, Clone, Serialize)]
pub struct AuthorizerContext {
    pub jwt: JwtContext,
}

/// `requestContext.authorizer.jwt`.
#[derive(Debug, Clone, Serialize)]
pub struct JwtContext {
    pub claims: BTreeMap<String, String>,
    /// The token's scopes when the route requires scopes, otherwise null (as API Gateway sends).
    pub scopes: Option<Vec<String>>,
}

/// Why a request was not authorized.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("no token in the identity source")]
    MissingToken,
    #[error("invalid token: {0}")]
    InvalidToken(String),
    #[error("the token has none of the route's scopes")]
    InsufficientScope,
}

impl AuthError {
    /// The `www-authenticate` value, in the form API Gateway documents:
    /// `Bearer scope="" error="invalid_token" error_description="..."`.
    pub fn challenge(&self, route_scopes: &[String]) -> String {
        let scope = route_scopes.join(" ");
        match self {
            Self::MissingToken => "Bearer".to_owned(),
            Self::InvalidToken(description) => format!(
                "Bearer scope=\"{scope}\" error=\"invalid_token\" error_description=\"{description}\""
            ),
            Self::InsufficientScope => format!(
                "Bearer scope=\"{scope}\" error=\"insufficient_scope\" error_description=\"the token does not have the required scopes\""
            ),
        }
    }
}

/// Checks tokens for any number of JWT authorizers, sharing one key cache.
pub struct JwtAuthorizer {
    jwks: JwksCache,
}

impl JwtAuthorizer {
    pub fn new(jwks: JwksCache) -> Self {
        Self { jwks }
    }

    /// Authorizes a request to a route guarded by `config` that requires `route_scopes`.
    pub async fn authorize(
        &self,
        config: &JwtAuthorizerConfig,
        route_scopes: &[String],
        headers: &HeaderMap,
        raw_query: &str,
    ) -> Result<AuthorizerContext, AuthError> {
        let token =
            identity(&config.identity_source, headers, raw_query).ok_or(AuthError::MissingToken)?;
        let claims = self.verify(config, &token).await?;

        let token_scopes = scopes_of(&claims);
        let scopes = if route_scopes.is_empty() {
            None
        } else {
            let granted = route_scopes
                .iter()
                .any(|wanted| token_scopes.iter().any(|has| has == wanted));
            if !granted {
                return Err(AuthError::InsufficientScope);
            }
            Some(token_scopes)
        };

        Ok(AuthorizerContext {
            jwt: JwtContext {
                claims: stringify_claims(&claims),
                scopes,
            },
        })
    }

    async fn verify(
        &self,
        config: &JwtAuthorizerConfig,
        token: &str,
    ) -> Result<Map<String, Value>, AuthError> {
        let invalid = |text: &str| AuthError::InvalidToken(text.to_owned());

        // An `alg` jsonwebtoken does not know (such as `none`) already fails here.
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| invalid("the token is malformed or names an unsupported algorithm"))?;
        if header.alg != Algorithm::RS256 {
            return Err(AuthError::InvalidToken(format!(
                "signing method {:?} is invalid",
                header.alg
            )));
        }
        let kid = header
            .kid
            .ok_or_else(|| invalid("the token has no key id (kid)"))?;
        let key = self
            .jwks
            .key(&config.jwks_uri, &kid)
            .await
            .map_err(|error| {
                tracing::error!(%error, "cannot get the issuer's signing keys");
                invalid("the issuer's signing keys could not be fetched")
            })?
            .ok_or_else(|| invalid("no signing key of the issuer matches the token's kid"))?;

        let mut validation = Validation::new(Algorithm::RS256);
        validation.leeway = 0;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        // Audience is checked below: API Gateway also accepts `client_id` (access tokens).
        validation.validate_aud = false;
        validation.set_issuer(&[&config.issuer]);
        validation.set_required_spec_claims(&["exp", "iss"]);

        let data = jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation)
            .map_err(|error| AuthError::InvalidToken(describe(error.kind())))?;
        let claims = data.claims;

        if let Some(iat) = claims.get("iat") {
            let iat = iat
                .as_f64()
                .ok_or_else(|| invalid("the token's iat claim is malformed"))?;
            if iat > now_seconds() {
                return Err(invalid("the token was issued in the future"));
            }
        }

        // `aud` decides when present; `client_id` only when there is no `aud`.
        let audience_ok = match claims.get("aud") {
            Some(Value::String(aud)) => config.audience.contains(aud),
            Some(Value::Array(auds)) => auds
                .iter()
                .filter_map(Value::as_str)
                .any(|aud| config.audience.iter().any(|a| a == aud)),
            Some(_) => false,
            None => claims
                .get("client_id")
                .and_then(Value::as_str)
                .is_some_and(|id| config.audience.iter().any(|a| a == id)),
        };
        if !audience_ok {
            return Err(invalid("the token does not have a valid audience"));
        }
        Ok(claims)
    }
}

const HEADER_SOURCE: &str = "$request.header.";
const QUERY_SOURCE: &str = "$request.querystring.";

/// Whether [`identity`] can read tokens from `source`.
pub fn is_supported_identity_source(source: &str) -> bool {
    [HEADER_SOURCE, QUERY_SOURCE].iter().any(|prefix| {
        source
            .strip_prefix(prefix)
            .is_some_and(|name| !name.is_empty())
    }) && source
        .strip_prefix(HEADER_SOURCE)
        .is_none_or(|name| http::HeaderName::from_bytes(name.as_bytes()).is_ok())
}

/// The token from the identity source, without a `Bearer ` prefix; `None` when absent or empty.
fn identity(source: &str, headers: &HeaderMap, raw_query: &str) -> Option<String> {
    let raw = if let Some(name) = source.strip_prefix(HEADER_SOURCE) {
        headers.get(name)?.to_str().ok()?.to_owned()
    } else if let Some(name) = source.strip_prefix(QUERY_SOURCE) {
        crate::request_event::query_pairs(raw_query)
            .into_iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value)?
    } else {
        tracing::warn!(source, "unsupported identity source");
        return None;
    };
    let raw = raw.trim();
    let token = match raw.split_at_checked(7) {
        Some((prefix, rest)) if prefix.eq_ignore_ascii_case("bearer ") => rest.trim_start(),
        _ if raw.eq_ignore_ascii_case("bearer") => "",
        _ => raw,
    };
    (!token.is_empty()).then(|| token.to_owned())
}

/// The scopes a token grants: `scope` (space-separated) or `scp` (string or list).
fn scopes_of(claims: &Map<String, Value>) -> Vec<String> {
    let value = claims.get("scope").or_else(|| claims.get("scp"));
    match value {
        Some(Value::String(text)) => text.split_whitespace().map(str::to_owned).collect(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

fn describe(kind: &ErrorKind) -> String {
    match kind {
        ErrorKind::ExpiredSignature => "the token has expired".into(),
        ErrorKind::ImmatureSignature => "the token is not valid yet".into(),
        ErrorKind::InvalidIssuer => "the token does not have a valid issuer".into(),
        ErrorKind::MissingRequiredClaim(claim) if claim == "iss" => {
            "the token does not have a valid issuer".into()
        }
        ErrorKind::MissingRequiredClaim(claim) => format!("the token has no {claim} claim"),
        ErrorKind::InvalidClaimFormat(claim) => format!("the token's {claim} claim is malformed"),
        ErrorKind::InvalidSignature => "the token's signature is invalid".into(),
        ErrorKind::InvalidAlgorithm => "the token's signing method is invalid".into(),
        _ => "the token is malformed".into(),
    }
}

fn now_seconds() -> f64 {
    chrono::Utc::now().timestamp_millis() as f64 / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;
    use serde_json::json;

    fn headers(authorization: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            "authorization",
            HeaderValue::from_str(authorization).expect("valid header"),
        );
        headers
    }

    #[test]
    fn identity_takes_the_token_with_or_without_bearer() {
        let source = "$request.header.Authorization";
        assert_eq!(
            identity(source, &headers("Bearer abc"), "").as_deref(),
            Some("abc")
        );
        assert_eq!(
            identity(source, &headers("bearer   abc"), "").as_deref(),
            Some("abc")
        );
        assert_eq!(
            identity(source, &headers("abc"), "").as_deref(),
            Some("abc")
        );
        assert_eq!(identity(source, &headers("Bearer "), ""), None);
        assert_eq!(identity(source, &HeaderMap::new(), ""), None);
        assert_eq!(
            identity(
                "$request.querystring.token",
                &HeaderMap::new(),
                "a=1&token=xyz"
            )
            .as_deref(),
            Some("xyz")
        );
    }

    #[test]
    fn identity_sources_are_checked() {
        assert!(is_supported_identity_source(
            "$request.header.Authorization"
        ));
        assert!(is_supported_identity_source("$request.querystring.token"));
        assert!(!is_supported_identity_source("$request.header."));
        assert!(!is_supported_identity_source("$request.header.bad name"));
        assert!(!is_supported_identity_source("$context.identity"));
        assert!(!is_supported_identity_source(""));
    }

    #[test]
    fn scopes_come_from_scope_or_scp() {
        let Value::Object(claims) = json!({"scope": "read  write"}) else {
            panic!("object")
        };
        assert_eq!(scopes_of(&claims), ["read", "write"]);
        let Value::Object(claims) = json!({"scp": ["a", "b"]}) else {
            panic!("object")
        };
        assert_eq!(scopes_of(&claims), ["a", "b"]);
        assert!(scopes_of(&Map::new()).is_empty());
    }

    #[test]
    fn challenges_follow_api_gateway_form() {
        assert_eq!(AuthError::MissingToken.challenge(&[]), "Bearer");
        assert_eq!(
            AuthError::InvalidToken("the token has expired".into()).challenge(&[]),
            r#"Bearer scope="" error="invalid_token" error_description="the token has expired""#
        );
        assert!(
            AuthError::InsufficientScope
                .challenge(&["a".into(), "b".into()])
                .starts_with(r#"Bearer scope="a b" error="insufficient_scope""#)
        );
    }
}
