//! The authorizer against tokens issued by the local Cognito (moto), as the local stack uses it: the
//! keys come from moto's JWKS while `iss` names the real AWS issuer.

use cfp_local_moto::{MotoServer, REGION};
use serde_json::{Value, json};

use crate::support::{TestApi, api, client, route};

/// The workspace's test moto, spoken to as raw Cognito JSON.
struct Moto(MotoServer);

impl Moto {
    async fn start() -> Self {
        Moto(MotoServer::for_tests().await)
    }

    /// One Cognito Identity Provider API call (JSON 1.1). moto picks the service from the
    /// credential scope of the Authorization header and does not check the signature.
    async fn cognito(&self, action: &str, body: Value) -> Value {
        let response = client()
            .post(self.0.endpoint())
            .header("content-type", "application/x-amz-json-1.1")
            .header(
                "x-amz-target",
                format!("AWSCognitoIdentityProviderService.{action}"),
            )
            .header(
                "authorization",
                format!(
                    "AWS4-HMAC-SHA256 Credential=test/20260101/{REGION}/cognito-idp/aws4_request, SignedHeaders=host, Signature=0"
                ),
            )
            .body(body.to_string())
            .send()
            .await
            .unwrap_or_else(|e| panic!("{action}: {e}"));
        let status = response.status();
        let text = response.text().await.expect("body");
        assert!(status.is_success(), "{action}: {status} {text}");
        if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{action}: {e}: {text}"))
        }
    }
}

#[tokio::test]
async fn tokens_from_the_local_cognito_are_accepted() {
    let moto = Moto::start().await;
    let pool = moto
        .cognito(
            "CreateUserPool",
            json!({"PoolName": "cfp", "UsernameAttributes": ["email"]}),
        )
        .await;
    let pool_id = pool["UserPool"]["Id"].as_str().expect("pool id").to_owned();
    let app_client = moto
        .cognito(
            "CreateUserPoolClient",
            json!({
                "UserPoolId": pool_id,
                "ClientName": "web",
                "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                "ReadAttributes": ["email", "email_verified"]
            }),
        )
        .await;
    let client_id = app_client["UserPoolClient"]["ClientId"]
        .as_str()
        .expect("client id")
        .to_owned();
    let email = "speaker@example.org";
    let password = "Correct-Horse-42";
    moto.cognito(
        "CreateGroup",
        json!({"UserPoolId": pool_id, "GroupName": "admins"}),
    )
    .await;
    moto.cognito(
        "AdminCreateUser",
        json!({
            "UserPoolId": pool_id,
            "Username": email,
            "UserAttributes": [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
            "MessageAction": "SUPPRESS"
        }),
    )
    .await;
    moto.cognito(
        "AdminSetUserPassword",
        json!({"UserPoolId": pool_id, "Username": email, "Password": password, "Permanent": true}),
    )
    .await;
    moto.cognito(
        "AdminAddUserToGroup",
        json!({"UserPoolId": pool_id, "Username": email, "GroupName": "admins"}),
    )
    .await;
    let auth = moto
        .cognito(
            "InitiateAuth",
            json!({
                "AuthFlow": "USER_PASSWORD_AUTH",
                "ClientId": client_id,
                "AuthParameters": {"USERNAME": email, "PASSWORD": password}
            }),
        )
        .await;
    let id_token = auth["AuthenticationResult"]["IdToken"]
        .as_str()
        .expect("id token")
        .to_owned();
    let access_token = auth["AuthenticationResult"]["AccessToken"]
        .as_str()
        .expect("access token")
        .to_owned();

    let mut protected = route("GET", "/me/cfps", "ListMyCfps");
    protected.authorizer = Some(cfp_local_http_api::JwtAuthorizerConfig {
        name: "CognitoAuthorizer".into(),
        identity_source: "$request.header.Authorization".into(),
        issuer: format!("https://cognito-idp.{REGION}.amazonaws.com/{pool_id}"),
        audience: vec![client_id.clone()],
        jwks_uri: format!("{}/{pool_id}/.well-known/jwks.json", moto.0.endpoint()),
    });
    let api = TestApi::start(api(vec![protected])).await;

    for token in [&id_token, &access_token] {
        let response = api
            .get("/me/cfps")
            .header("authorization", format!("Bearer {token}"))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 200, "{:?}", response.headers());
    }
    let calls = api.invoker.calls();
    assert_eq!(calls.len(), 2);
    let id_claims = &calls[0].payload["requestContext"]["authorizer"]["jwt"]["claims"];
    assert_eq!(id_claims["email"], email);
    assert_eq!(id_claims["aud"], client_id.as_str());
    assert_eq!(id_claims["cognito:groups"], "[admins]");
    assert_eq!(id_claims["token_use"], "id");
    let access_claims = &calls[1].payload["requestContext"]["authorizer"]["jwt"]["claims"];
    assert_eq!(access_claims["client_id"], client_id.as_str());
    assert_eq!(access_claims["cognito:groups"], "[admins]");
    assert_eq!(access_claims["sub"], id_claims["sub"]);

    // A token for another app client of the same pool is refused.
    let other = moto
        .cognito(
            "CreateUserPoolClient",
            json!({"UserPoolId": pool_id, "ClientName": "other", "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH"]}),
        )
        .await;
    let other_id = other["UserPoolClient"]["ClientId"]
        .as_str()
        .expect("client id");
    let other_auth = moto
        .cognito(
            "InitiateAuth",
            json!({
                "AuthFlow": "USER_PASSWORD_AUTH",
                "ClientId": other_id,
                "AuthParameters": {"USERNAME": email, "PASSWORD": password}
            }),
        )
        .await;
    let other_token = other_auth["AuthenticationResult"]["IdToken"]
        .as_str()
        .expect("id token");
    let response = api
        .get("/me/cfps")
        .header("authorization", format!("Bearer {other_token}"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 401);
    assert_eq!(api.invoker.calls().len(), 2);
}
