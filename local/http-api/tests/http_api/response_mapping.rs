use serde_json::json;

use crate::support::{TestApi, api, json_body, route};

async fn thing_api() -> TestApi {
    TestApi::start(api(vec![route("GET", "/thing", "GetThing")])).await
}

#[tokio::test]
async fn structured_response_sets_status_headers_cookies_and_body() {
    let api = thing_api().await;
    api.invoker.answer_json(json!({
        "statusCode": 201,
        "headers": {
            "content-type": "application/problem+json",
            "etag": "\"3\"",
            "location": "/thing/1",
            "content-length": "1"
        },
        "multiValueHeaders": {},
        "cookies": ["session=abc; HttpOnly; Path=/", "theme=dark"],
        "body": "{\"id\":1}",
        "isBase64Encoded": false
    }));
    let response = api.get("/thing").send().await.expect("request");
    assert_eq!(response.status(), 201);
    let headers = response.headers();
    assert_eq!(headers["content-type"], "application/problem+json");
    assert_eq!(headers["etag"], "\"3\"");
    assert_eq!(headers["location"], "/thing/1");
    let cookies: Vec<_> = headers.get_all("set-cookie").iter().collect();
    assert_eq!(cookies, ["session=abc; HttpOnly; Path=/", "theme=dark"]);
    assert!(headers.contains_key("apigw-requestid"));
    // The function's own content-length is not trusted; the real one is sent.
    assert_eq!(headers["content-length"], "8");
    assert_eq!(response.text().await.expect("body"), r#"{"id":1}"#);
}

#[tokio::test]
async fn multi_value_headers_are_sent_one_by_one() {
    let api = thing_api().await;
    api.invoker.answer_json(json!({
        "statusCode": 200,
        "headers": {"x-single": "1", "x-both": "dropped"},
        "multiValueHeaders": {"x-both": ["a", "b"], "vary": ["origin", "accept"]}
    }));
    let response = api.get("/thing").send().await.expect("request");
    let headers = response.headers();
    assert_eq!(headers["x-single"], "1");
    let both: Vec<_> = headers.get_all("x-both").iter().collect();
    assert_eq!(both, ["a", "b"]);
    let vary: Vec<_> = headers.get_all("vary").iter().collect();
    assert_eq!(vary, ["origin", "accept"]);
    assert_eq!(response.text().await.expect("body"), "");
}

#[tokio::test]
async fn base64_body_is_sent_as_bytes() {
    let api = thing_api().await;
    api.invoker.answer_json(json!({
        "statusCode": 200,
        "headers": {"content-type": "image/png"},
        "body": "iVBORw0KGgo=",
        "isBase64Encoded": true
    }));
    let response = api.get("/thing").send().await.expect("request");
    assert_eq!(response.status(), 200);
    let body = response.bytes().await.expect("body");
    assert_eq!(body.as_ref(), b"\x89PNG\r\n\x1a\n");
}

#[tokio::test]
async fn what_lambda_http_sends_maps_back() {
    // The exact shape lambda_http (apigw_http) serializes for a response.
    let api = thing_api().await;
    api.invoker.answer_json(json!({
        "statusCode": 404,
        "headers": {"content-type": "application/problem+json"},
        "multiValueHeaders": {},
        "body": "{\"title\":\"Not Found\"}",
        "isBase64Encoded": false,
        "cookies": []
    }));
    let response = api.get("/thing").send().await.expect("request");
    assert_eq!(response.status(), 404);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    assert_eq!(json_body(response).await, json!({"title": "Not Found"}));
}

#[tokio::test]
async fn json_without_status_code_is_a_200_json_body() {
    let api = thing_api().await;
    api.invoker
        .answer_json(json!({"message": "Hello from Lambda!", "n": 1}));
    let response = api.get("/thing").send().await.expect("request");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(
        json_body(response).await,
        json!({"message": "Hello from Lambda!", "n": 1})
    );

    api.invoker.answer_json(json!("Hello from Lambda!"));
    let response = api.get("/thing").send().await.expect("request");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(response.text().await.expect("body"), "Hello from Lambda!");
}

#[tokio::test]
async fn invalid_responses_are_502() {
    let api = thing_api().await;
    for answer in [
        "this is not JSON",
        r#"{"statusCode": "200"}"#,
        r#"{"statusCode": 200, "headers": {"x": 1}}"#,
        r#"{"statusCode": 200, "body": {"not": "a string"}}"#,
        r#"{"statusCode": 200, "body": "%%%", "isBase64Encoded": true}"#,
        r#"{"statusCode": 200, "headers": {"bad header": "x"}}"#,
        r#"{"statusCode": 200, "headers": {"x": "line\nbreak"}}"#,
    ] {
        api.invoker
            .answer(Ok(bytes::Bytes::from(answer.to_owned())));
        let response = api.get("/thing").send().await.expect("request");
        assert_eq!(response.status(), 502, "{answer}");
        assert_eq!(
            json_body(response).await,
            json!({"message": "Internal Server Error"}),
            "{answer}"
        );
    }
}
