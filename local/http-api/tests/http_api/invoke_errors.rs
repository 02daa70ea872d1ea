use std::time::Duration;

use bytes::Bytes;
use cfp_local_invoke::InvokeError;
use serde_json::json;

use crate::support::{TestApi, api, json_body, route};

#[tokio::test]
async fn each_invoke_error_has_its_status_and_body() {
    let api = TestApi::start(api(vec![route("GET", "/thing", "GetThing")])).await;
    let cases = [
        (
            InvokeError::FunctionError {
                error_type: "Unhandled".into(),
                payload: Bytes::from_static(br#"{"errorType":"Panic","errorMessage":"boom"}"#),
            },
            500,
            "Internal Server Error",
        ),
        (
            InvokeError::FunctionNotFound("GetThing".into()),
            500,
            "Internal Server Error",
        ),
        (
            InvokeError::RuntimeExited("exit status 101".into()),
            502,
            "Internal Server Error",
        ),
        (
            InvokeError::Timeout(Duration::from_secs(10)),
            504,
            "Service Unavailable",
        ),
        (InvokeError::Throttled, 429, "Too Many Requests"),
    ];
    for (error, status, message) in cases {
        api.invoker.answer(Err(error.clone()));
        let response = api.get("/thing").send().await.expect("request");
        assert_eq!(response.status(), status, "{error}");
        assert_eq!(response.headers()["content-type"], "application/json");
        assert!(response.headers().contains_key("apigw-requestid"));
        assert_eq!(
            json_body(response).await,
            json!({"message": message}),
            "{error}"
        );
    }
    // Every request did reach the function side.
    assert_eq!(api.invoker.calls().len(), 5);
}
