//! The OpenAPI description (`openapi/openapi.yaml`) read as tests need it: its operations as
//! routes, to compare with template.yaml's, and its request schemas as real validators (the
//! jsonschema crate, JSON Schema 2020-12), to check requests against.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value};

use crate::template_routes::Route;

/// The methods an OpenAPI path item may hold operations for.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The repository's OpenAPI description.
pub fn spec_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi/openapi.yaml")
}

/// One operation of the description.
#[derive(Debug, Clone)]
pub struct Operation {
    pub route: Route,
    pub operation_id: String,
    /// The path item's parameters and the operation's (the operation's win, by name and place).
    pub parameters: Vec<Value>,
    pub request_body: Option<Value>,
}

/// The description, parsed.
#[derive(Debug, Clone)]
pub struct Spec {
    pub document: Value,
}

impl Spec {
    pub fn load() -> anyhow::Result<Spec> {
        Spec::load_from(&spec_path())
    }

    pub fn load_from(path: &Path) -> anyhow::Result<Spec> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let document: Value = serde_norway::from_str(&text)
            .with_context(|| format!("{} is not YAML", path.display()))?;
        Ok(Spec { document })
    }

    /// Every operation, in the order of the document.
    pub fn operations(&self) -> anyhow::Result<Vec<Operation>> {
        let paths = self.document["paths"]
            .as_object()
            .ok_or_else(|| anyhow!("the description has no paths"))?;
        let global_public = is_public(&self.document["security"]);
        let mut operations = Vec::new();
        for (path, item) in paths {
            let shared = self.resolve_all(item.get("parameters"))?;
            for method in METHODS {
                let Some(operation) = item.get(method) else {
                    continue;
                };
                let own = self.resolve_all(operation.get("parameters"))?;
                let mut parameters: Vec<Value> = shared
                    .iter()
                    .filter(|p| {
                        !own.iter()
                            .any(|o| o["name"] == p["name"] && o["in"] == p["in"])
                    })
                    .cloned()
                    .collect();
                parameters.extend(own);
                let public = match operation.get("security") {
                    Some(security) => is_public(security),
                    None => global_public,
                };
                let request_body = match operation.get("requestBody") {
                    Some(body) => Some(self.resolve(body)?.clone()),
                    None => None,
                };
                operations.push(Operation {
                    route: Route {
                        method: method.to_ascii_uppercase(),
                        path: path.clone(),
                        public,
                    },
                    operation_id: operation["operationId"]
                        .as_str()
                        .ok_or_else(|| anyhow!("{method} {path} has no operationId"))?
                        .to_owned(),
                    parameters,
                    request_body,
                });
            }
        }
        Ok(operations)
    }

    /// Follows a local `$ref` (`#/components/...`); anything else is itself.
    pub fn resolve<'a>(&'a self, value: &'a Value) -> anyhow::Result<&'a Value> {
        let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
            return Ok(value);
        };
        let pointer = reference
            .strip_prefix('#')
            .ok_or_else(|| anyhow!("{reference} is not a reference into the document"))?;
        self.document
            .pointer(pointer)
            .ok_or_else(|| anyhow!("{reference} names nothing"))
    }

    fn resolve_all(&self, list: Option<&Value>) -> anyhow::Result<Vec<Value>> {
        let Some(list) = list else {
            return Ok(Vec::new());
        };
        let list = list
            .as_array()
            .ok_or_else(|| anyhow!("parameters must be a list"))?;
        list.iter()
            .map(|p| self.resolve(p).cloned())
            .collect::<anyhow::Result<_>>()
    }

    /// A validator for `schema` (a schema of the description, `$ref`s into its components
    /// resolved), with formats asserted.
    pub fn validator(&self, schema: &Value) -> anyhow::Result<jsonschema::Validator> {
        let mut root = match schema {
            Value::Object(object) => object.clone(),
            Value::Bool(true) => Map::new(),
            other => bail!("not a schema: {other}"),
        };
        root.insert("components".into(), self.document["components"].clone());
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&Value::Object(root))
            .map_err(|e| anyhow!("the schema does not compile: {e}"))
    }

    /// Every way `event` (an API Gateway payload-2.0 request) is not a valid request of the
    /// description: the route, path and query parameters, headers, content type and body.
    pub fn request_errors(&self, event: &Value) -> anyhow::Result<Vec<String>> {
        let route_key = event["routeKey"]
            .as_str()
            .ok_or_else(|| anyhow!("the event has no routeKey"))?;
        let (method, path) = route_key
            .split_once(' ')
            .ok_or_else(|| anyhow!("routeKey {route_key} is not METHOD PATH"))?;
        let operations = self.operations()?;
        let Some(operation) = operations
            .iter()
            .find(|o| o.route.method == method && o.route.path == path)
        else {
            return Ok(vec![format!(
                "the description has no operation {route_key}"
            )]);
        };

        let mut errors = Vec::new();
        let headers: BTreeMap<String, String> = strings(&event["headers"])
            .into_iter()
            .map(|(name, value)| (name.to_ascii_lowercase(), value))
            .collect();
        let sources = [
            ("path", strings(&event["pathParameters"])),
            ("query", strings(&event["queryStringParameters"])),
            ("header", headers.clone()),
        ];
        for (place, given) in &sources {
            let declared: Vec<&Value> = operation
                .parameters
                .iter()
                .filter(|p| p["in"] == *place)
                .collect();
            for parameter in &declared {
                let name = parameter["name"].as_str().unwrap_or_default();
                let key = if *place == "header" {
                    name.to_ascii_lowercase()
                } else {
                    name.to_owned()
                };
                let Some(raw) = given.get(&key) else {
                    if parameter["required"] == true {
                        errors.push(format!("{place} parameter {name} is required"));
                    }
                    continue;
                };
                let schema = &parameter["schema"];
                let value = typed(raw, self.resolve(schema)?);
                for error in self.validator(schema)?.iter_errors(&value) {
                    errors.push(format!("{place} parameter {name}: {error}"));
                }
            }
            // Headers are the client's and the proxies' own business; undeclared path and
            // query parameters are not.
            if *place != "header" {
                for name in given.keys() {
                    if !declared.iter().any(|p| p["name"] == name.as_str()) {
                        errors.push(format!("{place} parameter {name} is not declared"));
                    }
                }
            }
        }

        let body = match &event["body"] {
            Value::String(text) if event["isBase64Encoded"] == true => STANDARD
                .decode(text)
                .map_err(|e| anyhow!("the body is not base64: {e}"))?,
            Value::String(text) => text.clone().into_bytes(),
            _ => Vec::new(),
        };
        match &operation.request_body {
            None if !body.is_empty() => errors.push("the operation takes no body".into()),
            None => {}
            Some(request_body) if body.is_empty() && request_body["required"] == true => {
                errors.push("a body is required".into());
            }
            Some(_) if body.is_empty() => {}
            Some(request_body) => {
                let content_type = headers
                    .get("content-type")
                    .map(|value| {
                        value
                            .split(';')
                            .next()
                            .unwrap_or_default()
                            .trim()
                            .to_owned()
                    })
                    .unwrap_or_default();
                match request_body["content"].get(&content_type) {
                    None => errors.push(format!(
                        "the body's content type {content_type:?} is not one the operation takes"
                    )),
                    Some(media) => match serde_json::from_slice::<Value>(&body) {
                        Err(e) => errors.push(format!("the body is not JSON: {e}")),
                        Ok(json) => {
                            for error in self.validator(&media["schema"])?.iter_errors(&json) {
                                errors.push(format!("body{}: {error}", error.instance_path));
                            }
                        }
                    },
                }
            }
        }
        Ok(errors)
    }
}

/// `security: []` (or a list holding `{}`) means no credentials are needed.
fn is_public(security: &Value) -> bool {
    match security {
        Value::Array(requirements) => {
            requirements.is_empty()
                || requirements
                    .iter()
                    .any(|r| r.as_object().is_some_and(Map::is_empty))
        }
        _ => true,
    }
}

/// A mapping of strings (headers, path or query parameters) of an event; absent is empty.
fn strings(value: &Value) -> BTreeMap<String, String> {
    value
        .as_object()
        .map(|object| {
            object
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

/// A parameter's text as the JSON value its schema describes: numbers and booleans are sent as
/// text; one that does not parse stays text, which the schema then refuses.
fn typed(raw: &str, schema: &Value) -> Value {
    let parsed = match schema["type"].as_str() {
        Some("integer") => raw.parse::<i64>().ok().map(Value::from),
        Some("number") => raw.parse::<f64>().ok().map(Value::from),
        Some("boolean") => raw.parse::<bool>().ok().map(Value::from),
        _ => None,
    };
    parsed.unwrap_or_else(|| Value::String(raw.to_owned()))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::template_routes::{http_api_routes, template_path};

    fn spec() -> Spec {
        Spec::load().expect("openapi/openapi.yaml")
    }

    #[test]
    fn the_operations_are_exactly_the_templates_routes_public_or_not_alike() {
        let described: BTreeSet<Route> = spec()
            .operations()
            .expect("operations")
            .into_iter()
            .map(|o| o.route)
            .collect();
        let routed = http_api_routes(&template_path()).expect("the template's routes");
        let undescribed: Vec<String> = routed
            .difference(&described)
            .map(|r| format!("{r} (public: {})", r.public))
            .collect();
        let unrouted: Vec<String> = described
            .difference(&routed)
            .map(|r| format!("{r} (public: {})", r.public))
            .collect();
        assert!(
            undescribed.is_empty() && unrouted.is_empty(),
            "template.yaml routes these, the description lacks them (or disagrees on their \
             authorizer): {undescribed:?}\nthe description has these, template.yaml does not \
             route them so: {unrouted:?}"
        );
    }

    #[test]
    fn operation_ids_are_unique_and_every_protected_operation_documents_401() {
        let operations = spec().operations().expect("operations");
        let ids: BTreeSet<&str> = operations.iter().map(|o| o.operation_id.as_str()).collect();
        assert_eq!(ids.len(), operations.len(), "an operationId repeats");
        let spec = spec();
        for operation in &operations {
            let responses = &spec.document["paths"][&operation.route.path]
                [operation.route.method.to_ascii_lowercase()]["responses"];
            assert_eq!(
                responses.get("401").is_some(),
                !operation.route.public,
                "{}: 401 documented if and only if the route has the authorizer",
                operation.route
            );
        }
    }

    #[test]
    fn every_http_sample_event_is_a_valid_request_of_its_operation() {
        let spec = spec();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../events");
        let mut checked = 0;
        let mut failures = Vec::new();
        for entry in std::fs::read_dir(&dir).expect("events/").flatten() {
            let path = entry.path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("a sample");
            let event: Value = serde_json::from_str(&text).expect("a sample is JSON");
            // Only API Gateway payload-2.0 requests; stream, SNS and S3 samples have no route.
            if event["version"] != "2.0" || !event["routeKey"].is_string() {
                continue;
            }
            checked += 1;
            for error in spec.request_errors(&event).expect("checking a sample") {
                failures.push(format!("{}: {error}", path.display()));
            }
        }
        assert!(checked >= 10, "only {checked} HTTP samples found");
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    /// The checker itself: a sample made invalid in each place is caught there.
    #[test]
    fn invalid_requests_are_caught_where_they_are_wrong() {
        let spec = spec();
        let text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../events/create-cfp.json"),
        )
        .expect("the create-cfp sample");
        let valid: Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(
            spec.request_errors(&valid).expect("check"),
            Vec::<String>::new()
        );

        type Breakage = fn(&mut Value);
        let cases: [(&str, Breakage); 6] = [
            ("path parameter event", |e| {
                e["pathParameters"]["event"] = "Not A Slug".into()
            }),
            ("query parameter limit is not declared", |e| {
                e["queryStringParameters"] = serde_json::json!({"limit": "5"})
            }),
            ("header parameter Idempotency-Key", |e| {
                e["headers"]["idempotency-key"] = "has spaces".into()
            }),
            ("content type", |e| {
                e["headers"]["content-type"] = "text/plain".into()
            }),
            ("body/title", |e| {
                e["body"] = r#"{"title": 3, "abstract": "a", "sessionType": "Talk", "speaker": {"name": "A"}}"#.into();
                e["isBase64Encoded"] = false.into();
            }),
            ("body: \"speaker\" is a required property", |e| {
                e["body"] = r#"{"title": "t", "abstract": "a", "sessionType": "Talk"}"#.into();
                e["isBase64Encoded"] = false.into();
            }),
        ];
        for (expected, break_it) in cases {
            let mut event = valid.clone();
            break_it(&mut event);
            let errors = spec.request_errors(&event).expect("check");
            assert!(
                errors.iter().any(|e| e.contains(expected)),
                "{expected}: {errors:?}"
            );
        }
        let mut unknown = valid.clone();
        unknown["routeKey"] = "GET /nowhere".into();
        assert_eq!(
            spec.request_errors(&unknown).expect("check"),
            vec!["the description has no operation GET /nowhere".to_owned()]
        );
    }
}
