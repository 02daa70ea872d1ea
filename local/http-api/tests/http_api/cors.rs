use serde_json::json;

use crate::support::{JwksServer, TestApi, api, cors_config, json_body, route};

async fn cors_api() -> (TestApi, JwksServer) {
    let jwks = JwksServer::start().await;
    let mut protected = route("GET", "/me/cfps", "ListMyCfps");
    protected.authorizer = Some(jwks.authorizer());
    let mut config = api(vec![route("GET", "/thing", "GetThing"), protected]);
    config.cors = Some(cors_config());
    (TestApi::start(config).await, jwks)
}

#[tokio::test]
async fn preflight_is_answered_without_the_function() {
    let (api, _jwks) = cors_api().await;
    for path in ["/thing", "/me/cfps", "/no/such/route"] {
        let response = api
            .request("OPTIONS", path)
            .header("Origin", "https://app.example")
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "authorization,content-type",
            )
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 204, "{path}");
        let headers = response.headers();
        assert_eq!(
            headers["access-control-allow-origin"],
            "https://app.example"
        );
        assert_eq!(headers["access-control-allow-methods"], "GET,POST,OPTIONS");
        assert_eq!(
            headers["access-control-allow-headers"],
            "authorization,content-type"
        );
        assert_eq!(headers["access-control-max-age"], "600");
        assert_eq!(headers["access-control-allow-credentials"], "true");
        assert!(headers.contains_key("apigw-requestid"));
    }
    assert!(api.invoker.calls().is_empty());
}

#[tokio::test]
async fn preflight_from_an_unknown_origin_gets_no_cors_headers() {
    let (api, _jwks) = cors_api().await;
    let response = api
        .request("OPTIONS", "/thing")
        .header("Origin", "https://evil.example")
        .header("Access-Control-Request-Method", "GET")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 204);
    assert!(
        response
            .headers()
            .keys()
            .all(|name| !name.as_str().starts_with("access-control-")),
        "{:?}",
        response.headers()
    );
    assert!(api.invoker.calls().is_empty());
}

#[tokio::test]
async fn actual_responses_carry_the_configured_cors_headers() {
    let (api, _jwks) = cors_api().await;
    api.invoker.answer_json(json!({
        "statusCode": 200,
        "headers": {
            "access-control-allow-origin": "*",
            "access-control-expose-headers": "x-secret",
            "etag": "\"1\""
        },
        "body": "{}"
    }));
    let response = api
        .get("/thing")
        .header("Origin", "https://app.example")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let headers = response.headers();
    assert_eq!(
        headers["access-control-allow-origin"],
        "https://app.example"
    );
    assert_eq!(headers["access-control-expose-headers"], "etag,location");
    assert_eq!(headers["access-control-allow-credentials"], "true");
    assert_eq!(headers["etag"], "\"1\"");

    // Another origin: the function's own CORS headers are dropped, none are added.
    let response = api
        .get("/thing")
        .header("Origin", "https://evil.example")
        .send()
        .await
        .expect("request");
    assert!(
        response
            .headers()
            .keys()
            .all(|name| !name.as_str().starts_with("access-control-")),
        "{:?}",
        response.headers()
    );

    // The gateway's own answers are readable by the allowed origin too.
    let response = api
        .get("/me/cfps")
        .header("Origin", "https://app.example")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "https://app.example"
    );
    assert_eq!(
        json_body(response).await,
        json!({"message": "Unauthorized"})
    );
}

#[tokio::test]
async fn without_cors_options_is_just_a_request() {
    let api = TestApi::start(api(vec![route("GET", "/thing", "GetThing")])).await;
    let response = api
        .request("OPTIONS", "/thing")
        .header("Origin", "https://app.example")
        .header("Access-Control-Request-Method", "GET")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 404);
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}
