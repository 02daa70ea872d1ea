//! The API against its OpenAPI description, by schemathesis: it reads the description the local
//! API serves (GET /openapi.json), generates requests from it (valid and invalid ones, with a
//! fixed seed) and checks every answer: no 5xx, a documented status, a documented content type,
//! the documented body schema and headers.
//!
//! The requests carry real tokens and name real resources (openapi/schemathesis.toml): an event
//! with an open CfP and a released schedule, organised by the caller, a submitted proposal in it.
//! Two runs: as the event's organiser over every operation, then as the proposal's speaker over
//! the proposal routes (where the owner gets answers the organiser does not).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use cfp_e2e::fixtures::proposal_by;
use cfp_e2e::{Stack, User};

/// A bound on one schemathesis run, far above what it takes (well under a minute each).
const RUN_LIMIT: Duration = Duration::from_secs(300);
/// Fixed, so that a run is reproducible (`--seed`).
const SEED: &str = "20261127";
/// Test cases per operation and phase: enough to try each parameter's and field's edges, few
/// enough for the whole check to stay within a couple of minutes on two cores.
const MAX_EXAMPLES: &str = "12";
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
                      response_schema_conformance,response_headers_conformance";

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the workspace")
        .to_path_buf()
}

/// The resources the runs name, and who may act on them.
struct Fixtures {
    slug: String,
    proposal: String,
    talk: String,
    organiser: User,
    speaker: User,
}

async fn fixtures(stack: &Stack) -> Fixtures {
    let organiser = stack.admin().await;
    let slug = stack.open_event(&organiser).await;
    let speaker = stack.user(None).await;
    let proposal = stack
        .submit(&slug, &speaker, &proposal_by("Contracts", "Bertrand Meyer"))
        .await;
    // A released talk, so that the schedule's answers are there to be checked.
    let talk = stack
        .submit(
            &slug,
            &speaker,
            &proposal_by("Design by contract", "Bertrand Meyer"),
        )
        .await;
    stack
        .release_searchable_talk(&slug, &talk, &organiser, &organiser, "contract")
        .await;
    Fixtures {
        slug,
        proposal,
        talk,
        organiser,
        speaker,
    }
}

/// Runs schemathesis as `user` over the operations `filters` select; panics with its whole
/// output unless it passed.
async fn schemathesis(stack: &Stack, fixtures: &Fixtures, user: &User, filters: &[&str]) {
    let root = workspace_root();
    let program = root.join(".venv/contract/bin/schemathesis");
    assert!(
        program.exists(),
        "{} is missing: run `make .venv/contract/.installed` (`make test` does)",
        program.display()
    );
    let api_url = stack
        .info
        .api_url
        .as_deref()
        .expect("the stack has an HTTP API");
    let api_url = api_url.trim_end_matches('/');
    // Its own working directory, for anything it leaves behind.
    let work = root.join("target/contract");
    std::fs::create_dir_all(&work).expect("creating target/contract");

    let mut command = tokio::process::Command::new(&program);
    command
        .current_dir(&work)
        .env("CFP_CONTRACT_EVENT", &fixtures.slug)
        .env("CFP_CONTRACT_PROPOSAL", &fixtures.proposal)
        .env("CFP_CONTRACT_TALK", &fixtures.talk)
        .arg("--config-file")
        .arg(root.join("openapi/schemathesis.toml"))
        .arg("--no-color")
        .arg("run")
        .arg(format!("{api_url}/openapi.json"))
        .args(["--url", api_url])
        .args([
            "--header",
            &format!("Authorization: Bearer {}", user.id_token),
        ])
        .args(["--checks", CHECKS])
        .args(["--max-examples", MAX_EXAMPLES])
        .args(["--seed", SEED])
        .args(["--phases", "examples,coverage,fuzzing"])
        .args(["--generation-database", "none"])
        .args(["--workers", "1"])
        .args(["--request-timeout", "30"])
        .args(filters)
        .stdin(Stdio::null())
        .kill_on_drop(true);
    let output = tokio::time::timeout(RUN_LIMIT, command.output())
        .await
        .unwrap_or_else(|_| panic!("schemathesis took longer than {RUN_LIMIT:?}"))
        .unwrap_or_else(|e| panic!("running {}: {e}", program.display()));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "schemathesis found answers that break the description ({}):\n{stdout}\n{stderr}",
        output.status
    );
    // Only shown with --nocapture: what was run and how it went.
    println!("{stdout}");
}

#[tokio::test]
async fn every_answer_is_one_the_openapi_description_allows() {
    let stack = &Stack::connect().await;
    let fixtures = fixtures(stack).await;
    schemathesis(stack, &fixtures, &fixtures.organiser, &[]).await;
    schemathesis(
        stack,
        &fixtures,
        &fixtures.speaker,
        &["--include-path-regex", "/cfps"],
    )
    .await;
}
