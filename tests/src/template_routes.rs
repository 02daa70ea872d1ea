//! The HTTP API's routes as template.yaml declares them (the `HttpApi` events of its functions), so
//! a test can insist on covering every one of them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use cfp_local::template::{FUNCTION_TYPE, Template};
use serde_json::Value;

/// One route of the HTTP API: `method` upper case, `path` with its `{parameters}`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Route {
    pub method: String,
    pub path: String,
    /// `Auth.Authorizer: NONE`: API Gateway lets anyone through.
    pub public: bool,
}

impl std::fmt::Display for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

/// The repository's template.yaml.
pub fn template_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../template.yaml")
}

/// Every `HttpApi` route of the template's functions, sorted.
pub fn http_api_routes(template: &Path) -> anyhow::Result<BTreeSet<Route>> {
    let template =
        Template::load(template).with_context(|| format!("reading {}", template.display()))?;
    let mut routes = BTreeSet::new();
    for function in template.resources_of_type(FUNCTION_TYPE) {
        let Some(events) = function.properties.get("Events") else {
            continue;
        };
        let Value::Object(events) = events else {
            bail!("{}: Events is not a mapping", function.logical_id);
        };
        for (name, event) in events {
            if event["Type"] != "HttpApi" {
                continue;
            }
            let properties = &event["Properties"];
            let (Some(method), Some(path)) =
                (properties["Method"].as_str(), properties["Path"].as_str())
            else {
                bail!(
                    "{}.Events.{name}: an HttpApi event without a literal Method and Path",
                    function.logical_id
                );
            };
            routes.insert(Route {
                method: method.to_ascii_uppercase(),
                path: path.to_owned(),
                public: properties["Auth"]["Authorizer"] == "NONE",
            });
        }
    }
    Ok(routes)
}
