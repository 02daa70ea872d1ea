//! The real template's functions against the workspace's crates: every function is built the way
//! deployment builds it (cargo-lambda, a `bootstrap` for provided.al2023 on arm64) from a
//! workspace crate under functions/, and links the AWS SDK clients its IAM policies let it use
//! and nothing more, over one HTTP/TLS stack.
//!
//! The local runner ignores `Runtime`, `Architectures`, `Metadata.BuildMethod` and `Policies`
//! (functions.rs), and neither moto nor cfn-lint checks them against the code: without these
//! tests a function built for x86_64, without cargo-lambda, or linking a client its role may not
//! use would pass every other test and fail only in AWS.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::template::{FUNCTION_TYPE, FunctionCode, ResourceDecl, Template};

/// The deployment target (`Architectures: [arm64]` on provided.al2023).
const TARGET: &str = "aarch64-unknown-linux-gnu";

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn real_template() -> Template {
    Template::load(&workspace_root().join("template.yaml")).expect("template.yaml parses")
}

/// The cargo that runs the tests (it sets `CARGO`), else the one that built them.
fn cargo() -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| env!("CARGO").into());
    let mut command = Command::new(cargo);
    command.current_dir(workspace_root());
    command
}

fn run(mut command: Command) -> String {
    let output = command.output().expect("cargo runs");
    assert!(
        output.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("cargo prints UTF-8")
}

/// The function's crate, as the runner locates it from `CodeUri`.
fn function_code(template: &Template, function: &ResourceDecl) -> FunctionCode {
    let code_uri = function
        .properties
        .get("CodeUri")
        .unwrap_or_else(|| panic!("{} names its crate", function.logical_id));
    FunctionCode::locate(
        &function.logical_id,
        template.dir(),
        code_uri,
        &function.metadata,
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn every_function_is_a_workspace_binary_built_for_arm64_by_cargo_lambda() {
    let template = real_template();
    // Workspace members only (`--no-deps`): their manifests and targets.
    let metadata: Value = {
        let mut command = cargo();
        command.args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ]);
        serde_json::from_str(&run(command)).expect("cargo metadata prints JSON")
    };
    let canonical = |path: &Path| {
        path.canonicalize()
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    };
    let members: BTreeMap<PathBuf, &Value> = metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| {
            let manifest = Path::new(p["manifest_path"].as_str().expect("a manifest path"));
            (canonical(manifest.parent().expect("a crate folder")), p)
        })
        .collect();
    let functions_dir = canonical(&workspace_root().join("functions"));

    let mut crate_dirs = BTreeSet::new();
    for function in template.resources_of_type(FUNCTION_TYPE) {
        let id = &function.logical_id;
        // Globals are merged: what each function deploys with, whatever it overrides.
        let property = |name: &str| function.properties.get(name).cloned();
        assert_eq!(
            property("Runtime"),
            Some(Value::from("provided.al2023")),
            "{id}"
        );
        assert_eq!(
            property("Architectures"),
            Some(serde_json::json!(["arm64"])),
            "{id}"
        );
        assert_eq!(property("Handler"), Some(Value::from("bootstrap")), "{id}");
        assert_eq!(
            function.metadata.get("BuildMethod"),
            Some(&Value::from("rust-cargolambda")),
            "{id}: sam build runs cargo-lambda"
        );
        let code = function_code(&template, function);
        let crate_dir = canonical(&code.crate_dir);
        assert_eq!(
            crate_dir.parent(),
            Some(functions_dir.as_path()),
            "{id}: CodeUri is a folder of functions/"
        );
        let package = members
            .get(&crate_dir)
            .unwrap_or_else(|| panic!("{id}: {} is a workspace member", crate_dir.display()));
        assert_eq!(package["name"], code.package_name.as_str(), "{id}");
        let binaries: Vec<&str> = package["targets"]
            .as_array()
            .expect("targets")
            .iter()
            .filter(|t| {
                t["kind"]
                    .as_array()
                    .is_some_and(|k| k.contains(&"bin".into()))
            })
            .filter_map(|t| t["name"].as_str())
            .collect();
        assert_eq!(
            binaries,
            [code.binary_name.as_str()],
            "{id}: one binary, the one cargo-lambda packages as bootstrap"
        );
        assert!(crate_dirs.insert(crate_dir), "{id} shares its crate");
    }
    let folders: BTreeSet<PathBuf> = std::fs::read_dir(&functions_dir)
        .expect("functions/ lists")
        .map(|entry| entry.expect("an entry").path())
        .filter(|path| path.is_dir())
        .map(|path| canonical(&path))
        .collect();
    assert_eq!(crate_dirs, folders, "one function per folder of functions/");
}

/// A crate as `cargo tree` names it: `name` and its version's major part (`1` of 1.12.0, `0.23`
/// of 0.23.46: what can be linked twice).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct LinkedCrate {
    name: String,
    version: String,
}

impl LinkedCrate {
    fn major(&self) -> String {
        let mut parts = self.version.split('.');
        match (parts.next(), parts.next()) {
            (Some("0"), Some(minor)) => format!("0.{minor}"),
            (Some(major), _) => major.to_owned(),
            (None, _) => self.version.clone(),
        }
    }
}

/// A function binary's normal dependency graph for the deployment target: each crate's direct
/// dependencies, from `cargo tree --prefix depth` (each crate's dependencies are listed under its
/// first appearance; later ones end in `(*)`).
struct LinkGraph {
    root: LinkedCrate,
    edges: BTreeMap<LinkedCrate, BTreeSet<LinkedCrate>>,
}

impl LinkGraph {
    /// Why `cargo tree -p` and not the resolve graph of `cargo metadata`: that graph is the whole
    /// workspace's, features unified across every member (dev-dependencies and the local runner
    /// included), and it lists optional dependencies that only a weak feature names. Read that
    /// way, get-openapi and search-talks link aws-sdk-dynamodb (aws_lambda_events' serde_dynamo
    /// gets its `aws-sdk-dynamodb+1` feature from cfp-dynamodb) and every function links ring
    /// (rustls-webpki's `ring?/alloc`), none of which their own builds compile. `cargo tree -p
    /// <function>` resolves features as `cargo build -p <function>` does, and as cargo-lambda
    /// does when `sam build` runs it in the function's folder. Build-dependencies and
    /// proc-macros run on the build machine and are left out (`-e normal,no-proc-macro`).
    fn of(package: &str) -> Self {
        let mut command = cargo();
        command.args([
            "tree",
            "-p",
            package,
            "-e",
            "normal,no-proc-macro",
            "--target",
            TARGET,
            "--prefix",
            "depth",
            "--format",
            "{p}",
        ]);
        let text = run(command);
        let mut root = None;
        let mut stack: Vec<LinkedCrate> = Vec::new();
        let mut edges: BTreeMap<LinkedCrate, BTreeSet<LinkedCrate>> = BTreeMap::new();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let digits = line.chars().take_while(char::is_ascii_digit).count();
            let depth: usize = line[..digits].parse().expect("a depth prefix");
            let mut words = line[digits..].split_whitespace();
            let name = words.next().expect("a crate name").to_owned();
            let version = words
                .next()
                .and_then(|v| v.strip_prefix('v'))
                .unwrap_or_else(|| panic!("a version in `{line}`"))
                .to_owned();
            let linked = LinkedCrate { name, version };
            stack.truncate(depth);
            if depth == 0 {
                root = Some(linked.clone());
            }
            if let Some(parent) = stack.last() {
                edges
                    .entry(parent.clone())
                    .or_default()
                    .insert(linked.clone());
            }
            stack.push(linked);
        }
        let root = root.expect("cargo tree prints the package");
        LinkGraph { root, edges }
    }

    /// Every crate reachable from the root without passing through `avoiding`.
    fn reachable(&self, avoiding: &[&str]) -> BTreeSet<LinkedCrate> {
        let mut seen = BTreeSet::new();
        let mut next = vec![self.root.clone()];
        while let Some(current) = next.pop() {
            if avoiding.contains(&current.name.as_str()) || !seen.insert(current.clone()) {
                continue;
            }
            next.extend(self.edges.get(&current).into_iter().flatten().cloned());
        }
        seen
    }
}

/// Each IAM service prefix a function's code calls, and the SDK crate that calls it. `ses:` is
/// the IAM prefix of both SES APIs; the code uses SESv2 (shared/ses). A prefix missing here fails
/// the test: add it with its crate.
const SDK_CRATES: &[(&str, &str)] = &[
    ("dynamodb", "aws-sdk-dynamodb"),
    ("s3", "aws-sdk-s3"),
    ("sns", "aws-sdk-sns"),
    ("ses", "aws-sdk-sesv2"),
    ("sqs", "aws-sdk-sqs"),
];

/// The SDK crates a function's own `Policies` let it use. Only its explicit statements count:
/// what SAM adds (X-Ray writes for `Tracing: Active`, the stream reads of a DynamoDB event
/// source, the queue sends of a `DeadLetterQueue`) is used by Lambda itself, not by the code
/// (trace segments go to the X-Ray daemon over UDP, without an SDK client). A managed policy or
/// a SAM policy template hides its actions from this test, so it fails on one.
fn granted_sdk_crates(function: &ResourceDecl) -> BTreeSet<String> {
    let id = &function.logical_id;
    let policies = match function.properties.get("Policies") {
        None => Vec::new(),
        Some(Value::Array(policies)) => policies.iter().collect(),
        Some(other) => vec![other],
    };
    let mut actions: Vec<&str> = Vec::new();
    for policy in policies {
        let statements = match policy.get("Statement") {
            Some(Value::Array(statements)) => statements.iter().collect(),
            Some(statement @ Value::Object(_)) => vec![statement],
            _ => panic!("{id}: an inline policy document, not {policy}: list its actions"),
        };
        for statement in statements {
            match &statement["Action"] {
                Value::String(action) => actions.push(action),
                Value::Array(list) => {
                    actions.extend(list.iter().map(|a| a.as_str().expect("a named action")))
                }
                other => panic!("{id}: a statement's actions are listed, not {other}"),
            }
        }
    }
    actions
        .into_iter()
        .map(|action| {
            let (service, _) = action
                .split_once(':')
                .unwrap_or_else(|| panic!("{id}: `{action}` is service:Action"));
            SDK_CRATES
                .iter()
                .find(|(prefix, _)| *prefix == service)
                .map(|(_, sdk)| (*sdk).to_owned())
                .unwrap_or_else(|| panic!("{id}: `{action}`: which SDK crate calls `{service}`?"))
        })
        .collect()
}

/// Issue 2: "each function links only the SDK clients it uses" and "the binaries carry one
/// HTTP/TLS stack". The clients a function links are the ones its policies grant actions on,
/// and every function binary links one version of hyper, rustls and http, one crypto provider
/// (ring, which cfp-sdk-config chooses; never aws-lc-rs, rustls' and the SDK's default, 0.5-0.6
/// MB larger), and neither OpenSSL nor native-tls.
#[test]
fn every_function_links_the_sdk_clients_its_policies_grant_over_one_tls_stack() {
    let template = real_template();
    let mut all_linked: BTreeSet<LinkedCrate> = BTreeSet::new();
    let mut checked = 0;
    for function in template.resources_of_type(FUNCTION_TYPE) {
        let id = &function.logical_id;
        let code = function_code(&template, function);
        let graph = LinkGraph::of(&code.package_name);
        assert_eq!(graph.root.name, code.package_name);
        // aws-config links aws-sdk-sts for its own credential providers (web identity, assume
        // role): not a client the function's code calls, so it is not counted as one.
        let clients: BTreeSet<String> = graph
            .reachable(&["aws-config"])
            .into_iter()
            .map(|c| c.name)
            .filter(|name| name.starts_with("aws-sdk-"))
            .collect();
        assert_eq!(
            clients,
            granted_sdk_crates(function),
            "{id} ({}) links the SDK clients its policies grant actions on",
            code.package_name
        );
        let linked = graph.reachable(&[]);
        let crypto: Vec<&str> = linked
            .iter()
            .map(|c| c.name.as_str())
            .filter(|name| ["ring", "aws-lc-rs"].contains(name))
            .collect();
        assert!(
            crypto.is_empty() || crypto == ["ring"],
            "{id}: one crypto provider, ring: {crypto:?}"
        );
        all_linked.extend(linked);
        checked += 1;
    }
    assert!(checked >= 20, "{checked} functions");

    for forbidden in [
        "openssl",
        "openssl-sys",
        "native-tls",
        "hyper-tls",
        "tokio-native-tls",
    ] {
        let found: Vec<_> = all_linked.iter().filter(|c| c.name == forbidden).collect();
        assert!(found.is_empty(), "a function links {found:?}");
    }
    let majors = |name: &str| -> BTreeSet<String> {
        all_linked
            .iter()
            .filter(|c| c.name == name)
            .map(LinkedCrate::major)
            .collect()
    };
    // hyper 1 only: the SDK's legacy client (hyper 0.14, rustls 0.21, http 0.2) stays out.
    assert_eq!(majors("hyper"), BTreeSet::from(["1".to_owned()]));
    assert_eq!(majors("http").len(), 1, "http: {:?}", majors("http"));
    assert_eq!(majors("rustls").len(), 1, "rustls: {:?}", majors("rustls"));
    assert_eq!(
        majors("hyper-rustls").len(),
        1,
        "hyper-rustls: {:?}",
        majors("hyper-rustls")
    );
}
