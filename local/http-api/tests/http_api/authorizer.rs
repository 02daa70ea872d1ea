use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::support::{
    CLIENT_ID, JwksServer, KEY_A_PEM, KEY_A_PUBLIC_PEM, KEY_B_PEM, KID_A, TestApi,
    access_token_claims, api, good_id_token, id_token_claims, json_body, now, public_jwk, route,
    sign_rs256,
};

struct Setup {
    api: TestApi,
    jwks: JwksServer,
}

async fn setup() -> Setup {
    let jwks = JwksServer::start().await;
    let authorizer = jwks.authorizer();
    let protected = |method: &str, path: &str, function: &str, scopes: &[&str]| {
        let mut route = route(method, path, function);
        route.authorizer = Some(authorizer.clone());
        route.authorization_scopes = scopes.iter().map(|s| s.to_string()).collect();
        route
    };
    let api = TestApi::start(api(vec![
        protected("GET", "/me/cfps", "ListMyCfps", &[]),
        protected("POST", "/scoped", "Scoped", &["cfp/write", "cfp/admin"]),
        protected("GET", "/scoped", "ScopedRead", &["cfp/read"]),
        route("GET", "/public", "Public"),
    ]))
    .await;
    Setup { api, jwks }
}

async fn call_with(
    api: &TestApi,
    method: &str,
    path: &str,
    authorization: Option<&str>,
) -> reqwest::Response {
    let mut request = api.request(method, path);
    if let Some(authorization) = authorization {
        request = request.header("Authorization", authorization);
    }
    request.send().await.expect("request")
}

/// Asserts a 401 with API Gateway's body and returns the `www-authenticate` value.
async fn assert_unauthorized(response: reqwest::Response, case: &str) -> String {
    assert_eq!(response.status(), 401, "{case}");
    let challenge = response
        .headers()
        .get("www-authenticate")
        .unwrap_or_else(|| panic!("{case}: no www-authenticate"))
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(challenge.starts_with("Bearer"), "{case}: {challenge}");
    assert_eq!(
        json_body(response).await,
        json!({"message": "Unauthorized"}),
        "{case}"
    );
    challenge
}

fn with(mut claims: Value, changes: Value) -> Value {
    for (name, value) in changes.as_object().expect("changes are an object") {
        if value.is_null() {
            claims.as_object_mut().expect("claims object").remove(name);
        } else {
            claims[name] = value.clone();
        }
    }
    claims
}

fn unsigned_token(header: Value, claims: &Value) -> String {
    format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

#[tokio::test]
async fn a_good_id_token_passes_with_string_claims() {
    let Setup { api, jwks } = setup().await;
    let token = good_id_token();
    let response = call_with(&api, "GET", "/me/cfps", Some(&format!("Bearer {token}"))).await;
    assert_eq!(response.status(), 200);

    let call = api.invoker.only_call();
    assert_eq!(call.function, "ListMyCfps");
    let jwt = &call.payload["requestContext"]["authorizer"]["jwt"];
    let claims = &jwt["claims"];
    let expected = id_token_claims();
    assert_eq!(claims["sub"], expected["sub"]);
    assert_eq!(claims["email"], "speaker@example.org");
    assert_eq!(claims["cognito:groups"], "[admins speakers]");
    assert_eq!(claims["email_verified"], "true");
    assert_eq!(claims["token_use"], "id");
    assert_eq!(claims["aud"], CLIENT_ID);
    assert!(
        claims
            .as_object()
            .expect("claims")
            .values()
            .all(Value::is_string),
        "every claim is a string: {claims}"
    );
    assert_eq!(
        claims["exp"].as_str().and_then(|e| e.parse::<i64>().ok()),
        expected["exp"].as_i64()
    );
    assert_eq!(jwt["scopes"], Value::Null);
    // The token itself still reaches the function.
    assert_eq!(
        call.payload["headers"]["authorization"],
        format!("Bearer {token}")
    );

    let typed: ApiGatewayV2httpRequest =
        serde_json::from_slice(&call.raw).expect("ApiGatewayV2httpRequest");
    let typed_jwt = typed
        .request_context
        .authorizer
        .and_then(|a| a.jwt)
        .expect("authorizer.jwt");
    assert_eq!(typed_jwt.claims["cognito:groups"], "[admins speakers]");
    assert_eq!(typed_jwt.scopes, None);

    assert_eq!(jwks.hits(), 1);
}

#[tokio::test]
async fn a_good_access_token_passes_without_bearer_prefix() {
    let Setup { api, jwks: _jwks } = setup().await;
    let token = sign_rs256(&access_token_claims(), KEY_A_PEM, Some(KID_A));
    let response = call_with(&api, "GET", "/me/cfps", Some(&token)).await;
    assert_eq!(response.status(), 200, "{:?}", response.headers());
    let claims = &api.invoker.only_call().payload["requestContext"]["authorizer"]["jwt"]["claims"];
    assert_eq!(claims["client_id"], CLIENT_ID);
    assert_eq!(claims["token_use"], "access");
    assert_eq!(claims["cognito:groups"], "[speakers]");
    assert!(claims.get("aud").is_none());
}

#[tokio::test]
async fn route_scopes_need_one_of_them_in_the_token() {
    let Setup { api, jwks: _jwks } = setup().await;
    let access = sign_rs256(&access_token_claims(), KEY_A_PEM, Some(KID_A));

    let response = call_with(&api, "GET", "/scoped", Some(&format!("Bearer {access}"))).await;
    assert_eq!(response.status(), 200);
    let jwt = &api.invoker.only_call().payload["requestContext"]["authorizer"]["jwt"];
    assert_eq!(
        jwt["scopes"],
        json!(["aws.cognito.signin.user.admin", "cfp/read"])
    );

    // Valid token, none of the route's scopes: API Gateway answers 403, not 401.
    let response = call_with(&api, "POST", "/scoped", Some(&format!("Bearer {access}"))).await;
    assert_eq!(response.status(), 403);
    let challenge = response.headers()["www-authenticate"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        challenge.contains(r#"scope="cfp/write cfp/admin" error="insufficient_scope""#),
        "{challenge}"
    );
    assert_eq!(json_body(response).await, json!({"message": "Forbidden"}));

    // An ID token has no scopes at all.
    let response = call_with(&api, "GET", "/scoped", Some(&good_id_token())).await;
    assert_eq!(response.status(), 403);

    let write = sign_rs256(
        &with(access_token_claims(), json!({"scope": "cfp/admin"})),
        KEY_A_PEM,
        Some(KID_A),
    );
    let response = call_with(&api, "POST", "/scoped", Some(&write)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        api.invoker.calls().len(),
        2,
        "only the authorized requests were invoked"
    );
}

#[tokio::test]
async fn bad_tokens_are_refused_and_the_function_is_not_invoked() {
    let Setup { api, jwks } = setup().await;
    let now = now();
    let claims = id_token_claims();

    let hs256_with_public_key = {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(KID_A.into());
        jsonwebtoken::encode(
            &header,
            &claims,
            &EncodingKey::from_secret(KEY_A_PUBLIC_PEM),
        )
        .expect("sign HS256")
    };
    let cases: Vec<(&str, Option<String>, Option<&str>)> = vec![
        ("no Authorization header", None, None),
        ("empty bearer", Some("Bearer ".into()), None),
        (
            "expired",
            Some(sign_rs256(
                &with(claims.clone(), json!({"exp": now - 1})),
                KEY_A_PEM,
                Some(KID_A),
            )),
            Some("the token has expired"),
        ),
        (
            "nbf in the future",
            Some(sign_rs256(
                &with(claims.clone(), json!({"nbf": now + 120})),
                KEY_A_PEM,
                Some(KID_A),
            )),
            Some("the token is not valid yet"),
        ),
        (
            "iat in the future",
            Some(sign_rs256(
                &with(claims.clone(), json!({"iat": now + 120})),
                KEY_A_PEM,
                Some(KID_A),
            )),
            Some("the token was issued in the future"),
        ),
        (
            "no exp",
            Some(sign_rs256(
                &with(claims.clone(), json!({"exp": null})),
                KEY_A_PEM,
                Some(KID_A),
            )),
            None,
        ),
        (
            "signed by another key under the issuer's kid",
            Some(sign_rs256(&claims, KEY_B_PEM, Some(KID_A))),
            Some("the token's signature is invalid"),
        ),
        (
            "signed by another key under an unknown kid",
            Some(sign_rs256(&claims, KEY_B_PEM, Some("attacker-key"))),
            None,
        ),
        ("no kid", Some(sign_rs256(&claims, KEY_A_PEM, None)), None),
        (
            "alg none",
            Some(unsigned_token(
                json!({"alg": "none", "typ": "JWT", "kid": KID_A}),
                &claims,
            )),
            None,
        ),
        (
            "alg none, upper case",
            Some(unsigned_token(
                json!({"alg": "NONE", "kid": KID_A}),
                &claims,
            )),
            None,
        ),
        (
            "HS256 signed with the public key as secret",
            Some(hs256_with_public_key),
            Some("signing method HS256 is invalid"),
        ),
        (
            "wrong issuer",
            Some(sign_rs256(
                &with(
                    claims.clone(),
                    json!({"iss": "https://cognito-idp.eu-central-1.amazonaws.com/other"}),
                ),
                KEY_A_PEM,
                Some(KID_A),
            )),
            Some("the token does not have a valid issuer"),
        ),
        (
            "issuer with a trailing slash",
            Some(sign_rs256(
                &with(
                    claims.clone(),
                    json!({"iss": format!("{}/", crate::support::ISSUER)}),
                ),
                KEY_A_PEM,
                Some(KID_A),
            )),
            None,
        ),
        (
            "no issuer",
            Some(sign_rs256(
                &with(claims.clone(), json!({"iss": null})),
                KEY_A_PEM,
                Some(KID_A),
            )),
            None,
        ),
        (
            "wrong audience",
            Some(sign_rs256(
                &with(claims.clone(), json!({"aud": "other-client"})),
                KEY_A_PEM,
                Some(KID_A),
            )),
            Some("the token does not have a valid audience"),
        ),
        (
            "aud decides over a good client_id",
            Some(sign_rs256(
                &with(
                    claims.clone(),
                    json!({"aud": "other-client", "client_id": CLIENT_ID}),
                ),
                KEY_A_PEM,
                Some(KID_A),
            )),
            Some("the token does not have a valid audience"),
        ),
        (
            "access token for another client",
            Some(sign_rs256(
                &with(access_token_claims(), json!({"client_id": "other-client"})),
                KEY_A_PEM,
                Some(KID_A),
            )),
            Some("the token does not have a valid audience"),
        ),
        (
            "neither aud nor client_id",
            Some(sign_rs256(
                &with(claims.clone(), json!({"aud": null})),
                KEY_A_PEM,
                Some(KID_A),
            )),
            None,
        ),
        ("garbage", Some("garbage".into()), None),
        (
            "garbage in three parts",
            Some("Bearer abc.def.ghi".into()),
            None,
        ),
        (
            "tampered payload",
            Some({
                let token = good_id_token();
                let mut parts: Vec<&str> = token.split('.').collect();
                let forged = URL_SAFE_NO_PAD.encode(
                    with(
                        claims.clone(),
                        json!({"cognito:groups": ["admins", "root"]}),
                    )
                    .to_string(),
                );
                parts[1] = &forged;
                parts.join(".")
            }),
            Some("the token's signature is invalid"),
        ),
    ];

    for (case, authorization, description) in &cases {
        let response = call_with(&api, "GET", "/me/cfps", authorization.as_deref()).await;
        let challenge = assert_unauthorized(response, case).await;
        match (authorization, description) {
            (None, _) => assert_eq!(challenge, "Bearer", "{case}"),
            (Some(_), Some(description)) => assert!(
                challenge.contains(&format!(
                    r#"error="invalid_token" error_description="{description}""#
                )),
                "{case}: {challenge}"
            ),
            (Some(_), None) => {}
        }
    }
    assert!(
        api.invoker.calls().is_empty(),
        "no refused request reached the function"
    );

    // A public route needs no token, and a good token still passes after all that.
    assert_eq!(call_with(&api, "GET", "/public", None).await.status(), 200);
    let response = call_with(&api, "GET", "/me/cfps", Some(&good_id_token())).await;
    assert_eq!(response.status(), 200);

    // The keys were fetched once: the unknown kid's refetch is rate-limited right after a fetch.
    assert_eq!(jwks.hits(), 1);
}

#[tokio::test]
async fn unreachable_keys_refuse_the_token() {
    let Setup { api, jwks } = setup().await;
    jwks.serve_keys(json!({"keys": []}));
    let response = call_with(&api, "GET", "/me/cfps", Some(&good_id_token())).await;
    assert_unauthorized(response, "empty key set").await;

    jwks.serve_keys(json!({"keys": [public_jwk(KEY_A_PEM, KID_A)]}));
    // An empty set is refetched on the next token: nothing is cached to protect.
    let response = call_with(&api, "GET", "/me/cfps", Some(&good_id_token())).await;
    assert_eq!(response.status(), 200);
    assert_eq!(jwks.hits(), 2);
    assert_eq!(api.invoker.calls().len(), 1);
}

#[tokio::test]
async fn a_key_set_that_cannot_be_fetched_refuses_every_token() {
    // A port that was bound and released: nothing listens there.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address")
    };
    let mut route = route("GET", "/me/cfps", "ListMyCfps");
    route.authorizer = Some(cfp_local_http_api::JwtAuthorizerConfig {
        name: "CognitoAuthorizer".into(),
        identity_source: "$request.header.Authorization".into(),
        issuer: crate::support::ISSUER.into(),
        audience: vec![CLIENT_ID.into()],
        jwks_uri: format!("http://{closed}/pool/.well-known/jwks.json"),
    });
    let api = TestApi::start(api(vec![route])).await;
    let response = call_with(&api, "GET", "/me/cfps", Some(&good_id_token())).await;
    let challenge = assert_unauthorized(response, "JWKS unreachable").await;
    assert!(challenge.contains("could not be fetched"), "{challenge}");
    assert!(api.invoker.calls().is_empty());
}
