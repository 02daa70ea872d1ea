//! The payload format 2.0 event API Gateway sends a Lambda proxy integration
//! ("Working with AWS Lambda proxy integrations for HTTP APIs"): lower-case header names with
//! repeated headers joined by `,`, cookies split out of the `cookie` header, repeated query
//! parameters joined by `,`, percent-decoded path parameters, and the request context.

use std::collections::BTreeMap;
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use http::HeaderMap;
use http::header::{CONTENT_TYPE, COOKIE, USER_AGENT};
use percent_encoding::percent_decode_str;
use serde::Serialize;

use crate::authorizer::AuthorizerContext;
use crate::body_encoding::encode_body;
use crate::routing::RouteMatch;

/// Headers about the client's connection to the gateway, not about the request.
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// The event, serialized as the function receives it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestEvent {
    pub version: &'static str,
    pub route_key: String,
    pub raw_path: String,
    pub raw_query_string: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cookies: Option<Vec<String>>,
    pub headers: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query_string_parameters: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_parameters: Option<BTreeMap<String, String>>,
    pub request_context: RequestContext,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    pub is_base64_encoded: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestContext {
    pub account_id: String,
    pub api_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorizer: Option<AuthorizerContext>,
    pub domain_name: String,
    pub domain_prefix: String,
    pub http: HttpDescription,
    pub request_id: String,
    pub route_key: String,
    pub stage: String,
    /// `12/Mar/2020:19:03:58 +0000`
    pub time: String,
    /// Milliseconds since the epoch.
    pub time_epoch: i64,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpDescription {
    pub method: String,
    pub path: String,
    pub protocol: String,
    pub source_ip: String,
    pub user_agent: String,
}

/// What the gateway knows about one request when it builds the event.
pub struct RequestFacts<'a> {
    pub method: &'a str,
    /// The path as received, still percent-encoded (with the stage prefix, if the stage has one).
    pub raw_path: &'a str,
    pub raw_query: &'a str,
    /// `HTTP/1.1`
    pub protocol: &'a str,
    pub headers: &'a HeaderMap,
    pub source_ip: IpAddr,
    /// The port the client connected to (for `x-forwarded-port`).
    pub local_port: u16,
    pub body: &'a [u8],
    pub api_id: &'a str,
    pub account_id: &'a str,
    pub stage: &'a str,
    pub request_id: &'a str,
    pub trace_id: &'a str,
    pub now: DateTime<Utc>,
}

/// Builds the event for a request that matched `route`.
pub fn build_event(
    facts: &RequestFacts<'_>,
    route: &RouteMatch,
    authorizer: Option<AuthorizerContext>,
) -> RequestEvent {
    let cookies = cookies(facts.headers);
    let headers = event_headers(facts);
    let query = query_parameters(facts.raw_query);
    let content_type = facts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok());
    let (body, is_base64_encoded) = encode_body(content_type, facts.body);

    let domain_name = headers
        .get("host")
        .cloned()
        .unwrap_or_else(|| format!("127.0.0.1:{}", facts.local_port));
    let domain_prefix = domain_name
        .split([':', '.'])
        .next()
        .unwrap_or_default()
        .to_owned();

    RequestEvent {
        version: "2.0",
        route_key: route.route_key.clone(),
        raw_path: facts.raw_path.to_owned(),
        raw_query_string: facts.raw_query.to_owned(),
        cookies: (!cookies.is_empty()).then_some(cookies),
        query_string_parameters: (!query.is_empty()).then_some(query),
        path_parameters: (!route.path_parameters.is_empty()).then(|| route.path_parameters.clone()),
        request_context: RequestContext {
            account_id: facts.account_id.to_owned(),
            api_id: facts.api_id.to_owned(),
            authorizer,
            domain_name,
            domain_prefix,
            http: HttpDescription {
                method: facts.method.to_owned(),
                path: facts.raw_path.to_owned(),
                protocol: facts.protocol.to_owned(),
                source_ip: facts.source_ip.to_string(),
                user_agent: facts
                    .headers
                    .get(USER_AGENT)
                    .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
                    .unwrap_or_default(),
            },
            request_id: facts.request_id.to_owned(),
            route_key: route.route_key.clone(),
            stage: facts.stage.to_owned(),
            time: facts.now.format("%d/%b/%Y:%H:%M:%S %z").to_string(),
            time_epoch: facts.now.timestamp_millis(),
        },
        headers,
        body,
        is_base64_encoded,
    }
}

/// Each cookie of every `cookie` header, as `cookies` lists them.
fn cookies(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .flat_map(|value| {
            String::from_utf8_lossy(value.as_bytes())
                .split(';')
                .map(|cookie| cookie.trim().to_owned())
                .filter(|cookie| !cookie.is_empty())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The request's headers (lower-case, repeated ones joined by `,`, without `cookie`) plus the
/// ones API Gateway adds on the way to the integration.
fn event_headers(facts: &RequestFacts<'_>) -> BTreeMap<String, String> {
    let mut headers = BTreeMap::new();
    for name in facts.headers.keys() {
        if name == COOKIE || HOP_BY_HOP.contains(&name.as_str()) {
            continue;
        }
        let joined = facts
            .headers
            .get_all(name)
            .iter()
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
            .collect::<Vec<_>>()
            .join(",");
        headers.insert(name.as_str().to_owned(), joined);
    }

    // The gateway buffers the body, so the function always sees its length, never chunking.
    if !facts.body.is_empty() {
        headers.insert("content-length".into(), facts.body.len().to_string());
    }
    let client = facts.source_ip.to_string();
    let forwarded_for = match headers.get("x-forwarded-for") {
        Some(earlier) => format!("{earlier}, {client}"),
        None => client,
    };
    headers.insert("x-forwarded-for".into(), forwarded_for);
    headers.insert("x-forwarded-port".into(), facts.local_port.to_string());
    headers.insert("x-forwarded-proto".into(), "http".into());
    headers
        .entry("x-amzn-trace-id".into())
        .or_insert_with(|| facts.trace_id.to_owned());
    headers
}

/// `queryStringParameters`: decoded names and values, repeated names joined by `,`.
fn query_parameters(raw_query: &str) -> BTreeMap<String, String> {
    let mut parameters: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in query_pairs(raw_query) {
        parameters
            .entry(name)
            .and_modify(|joined| {
                joined.push(',');
                joined.push_str(&value);
            })
            .or_insert(value);
    }
    parameters
}

/// The `name=value` pairs of a raw query string, percent-decoded. A `+` is left as it is: API
/// Gateway decodes percent escapes only (functions that want form semantics read
/// `rawQueryString`, as `lambda_http` does).
pub fn query_pairs(raw_query: &str) -> Vec<(String, String)> {
    raw_query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(name), decode(value))
        })
        .collect()
}

fn decode(text: &str) -> String {
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_query_parameters_are_joined() {
        let query = query_parameters("a=1&b=x%20y&a=2&flag&=empty&c=1+2");
        assert_eq!(query["a"], "1,2");
        assert_eq!(query["b"], "x y");
        assert_eq!(query["flag"], "");
        assert_eq!(query[""], "empty");
        assert_eq!(query["c"], "1+2");
        assert!(query_parameters("").is_empty());
    }

    #[test]
    fn cookies_are_split_from_every_cookie_header() {
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, "a=1; b=2".parse().expect("header"));
        headers.append(COOKIE, "c=3".parse().expect("header"));
        assert_eq!(cookies(&headers), ["a=1", "b=2", "c=3"]);
    }
}
