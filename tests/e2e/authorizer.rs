//! The HTTP API's JWT authorizer, checked from outside: only tokens of the local pool, for this
//! client, unexpired and properly signed, reach a function.

use cfp_e2e::fixtures::proposal_body;
use cfp_e2e::{Caller, Stack, tokens};
use serde_json::{Value, json};

/// A proposal to read, and the claims of its owner's real ID token to forge from.
async fn setup() -> (Stack, String, Value, Option<String>) {
    let stack = Stack::connect().await;
    let organiser = stack.admin().await;
    let slug = stack.open_event(&organiser).await;
    let speaker = stack.user(None).await;
    let created = stack
        .post(
            &format!("/events/{slug}/cfps"),
            speaker.caller(),
            &proposal_body("Tokens"),
        )
        .await;
    assert_eq!(created.status, 201, "{created:?}");
    let path = format!(
        "/events/{slug}/cfps/{}",
        created.json["id"].as_str().unwrap()
    );
    let claims = tokens::claims(&speaker.id_token).expect("claims of a real token");
    (stack, path, claims, tokens::key_id(&speaker.id_token))
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn assert_unauthorized(response: &cfp_e2e::ApiResponse, what: &str) {
    assert_eq!(response.status, 401, "{what}: {response:?}");
    assert_eq!(response.json, json!({"message": "Unauthorized"}), "{what}");
}

#[tokio::test]
async fn real_id_and_access_tokens_of_the_pool_are_accepted() {
    let stack = &Stack::connect().await;
    let organiser = stack.admin().await;
    let slug = stack.open_event(&organiser).await;
    let speaker = stack.user(None).await;
    let created = stack
        .post(
            &format!("/events/{slug}/cfps"),
            speaker.caller(),
            &proposal_body("Both tokens"),
        )
        .await;
    assert_eq!(created.status, 201, "{created:?}");
    let path = format!(
        "/events/{slug}/cfps/{}",
        created.json["id"].as_str().unwrap()
    );

    let with_id = stack
        .get(&path, Caller::Token(speaker.id_token.clone()))
        .await;
    assert_eq!(with_id.status, 200, "{with_id:?}");
    let with_access = stack
        .get(&path, Caller::Token(speaker.access_token.clone()))
        .await;
    assert_eq!(with_access.status, 200, "{with_access:?}");
    // API Gateway takes the token with or without the Bearer prefix.
    let bare = stack
        .get(&path, Caller::Header(speaker.id_token.clone()))
        .await;
    assert_eq!(bare.status, 200, "{bare:?}");
}

#[tokio::test]
async fn a_forgery_signed_with_the_pool_key_and_valid_claims_is_accepted() {
    // The control for the tests below: forging itself works, so their 401s come from the one claim
    // each of them breaks.
    let (stack, path, claims, kid) = setup().await;
    let token = tokens::sign(&claims, &tokens::local_pool_key(), kid.as_deref());
    let response = stack.get(&path, Caller::Token(token)).await;
    assert_eq!(response.status, 200, "{response:?}");
}

#[tokio::test]
async fn expired_tokens_are_refused() {
    let (stack, path, mut claims, kid) = setup().await;
    claims["iat"] = json!(now() - 7200);
    claims["auth_time"] = json!(now() - 7200);
    claims["exp"] = json!(now() - 3600);
    let token = tokens::sign(&claims, &tokens::local_pool_key(), kid.as_deref());
    assert_unauthorized(&stack.get(&path, Caller::Token(token)).await, "expired");
}

#[tokio::test]
async fn tokens_signed_by_another_key_are_refused() {
    let (stack, path, claims, kid) = setup().await;
    let token = tokens::sign(&claims, &tokens::foreign_key(), kid.as_deref());
    assert_unauthorized(
        &stack.get(&path, Caller::Token(token)).await,
        "foreign key, same kid",
    );
    let token = tokens::sign(&claims, &tokens::foreign_key(), Some("another-kid"));
    assert_unauthorized(
        &stack.get(&path, Caller::Token(token)).await,
        "foreign key, own kid",
    );
}

#[tokio::test]
async fn unsigned_tokens_are_refused() {
    let (stack, path, claims, kid) = setup().await;
    let token = tokens::unsigned(&claims, kid.as_deref());
    assert_unauthorized(&stack.get(&path, Caller::Token(token)).await, "alg none");
}

#[tokio::test]
async fn tokens_from_another_issuer_or_for_another_client_are_refused() {
    let (stack, path, claims, kid) = setup().await;
    let key = tokens::local_pool_key();

    let mut other_issuer = claims.clone();
    other_issuer["iss"] =
        json!("https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_SomeOtherPool");
    let token = tokens::sign(&other_issuer, &key, kid.as_deref());
    assert_unauthorized(
        &stack.get(&path, Caller::Token(token)).await,
        "other issuer",
    );

    let mut other_client = claims.clone();
    other_client["aud"] = json!("some-other-app-client");
    let token = tokens::sign(&other_client, &key, kid.as_deref());
    assert_unauthorized(
        &stack.get(&path, Caller::Token(token)).await,
        "other audience",
    );
}

#[tokio::test]
async fn missing_or_garbage_credentials_are_refused() {
    let (stack, path, _, _) = setup().await;
    assert_unauthorized(&stack.get(&path, Caller::Anonymous).await, "no header");
    for garbage in [
        "Bearer",
        "Bearer ",
        "Bearer not.a.jwt",
        "Basic dXNlcjpwYXNz",
        "Bearer ...",
    ] {
        let response = stack.get(&path, Caller::Header(garbage.into())).await;
        assert_unauthorized(&response, garbage);
    }
}
