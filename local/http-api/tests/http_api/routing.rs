use serde_json::json;

use crate::support::{TestApi, api, json_body, route};

fn pets_api() -> cfp_local_http_api::HttpApiConfig {
    api(vec![
        route("GET", "/pets/dog/1", "ExactDog"),
        route("GET", "/pets/dog/{id}", "AnyDog"),
        route("ANY", "/pets/{proxy+}", "PetsProxy"),
        route("GET", "/events/{event}/cfps/{id}", "GetCfp"),
        route("POST", "/events/{event}/cfps", "CreateCfp"),
    ])
}

#[tokio::test]
async fn literal_segments_win_over_parameters_and_greedy() {
    let api = TestApi::start(pets_api()).await;
    for (method, path, function, route_key) in [
        ("GET", "/pets/dog/1", "ExactDog", "GET /pets/dog/1"),
        ("GET", "/pets/dog/7", "AnyDog", "GET /pets/dog/{id}"),
        ("POST", "/pets/dog/1", "PetsProxy", "ANY /pets/{proxy+}"),
        (
            "DELETE",
            "/pets/cat/2/toys",
            "PetsProxy",
            "ANY /pets/{proxy+}",
        ),
    ] {
        let response = api.request(method, path).send().await.expect("request");
        assert_eq!(response.status(), 200, "{method} {path}");
        let call = api.invoker.calls().pop().expect("invoked");
        assert_eq!(call.function, function, "{method} {path}");
        assert_eq!(call.payload["routeKey"], route_key);
        assert_eq!(call.payload["requestContext"]["routeKey"], route_key);
    }
}

#[tokio::test]
async fn path_parameters_are_named_and_decoded() {
    let api = TestApi::start(pets_api()).await;
    api.get("/events/dev%20days%202026/cfps/01J%2FX")
        .send()
        .await
        .expect("request");
    let call = api.invoker.only_call();
    assert_eq!(
        call.payload["pathParameters"],
        json!({"event": "dev days 2026", "id": "01J/X"})
    );
    assert_eq!(
        call.payload["rawPath"],
        "/events/dev%20days%202026/cfps/01J%2FX"
    );

    api.get("/pets/cat/2/toys").send().await.expect("request");
    let call = api.invoker.calls().pop().expect("invoked");
    assert_eq!(
        call.payload["pathParameters"],
        json!({"proxy": "cat/2/toys"})
    );
}

#[tokio::test]
async fn unknown_paths_and_wrong_methods_are_not_found() {
    let api = TestApi::start(pets_api()).await;
    for (method, path) in [
        ("GET", "/nothing"),
        ("GET", "/"),
        ("GET", "/pets"),
        ("PUT", "/events/e1/cfps/1"),
        ("GET", "/events/e1/cfps"),
    ] {
        let response = api.request(method, path).send().await.expect("request");
        assert_eq!(response.status(), 404, "{method} {path}");
        assert!(response.headers().contains_key("apigw-requestid"));
        assert_eq!(json_body(response).await, json!({"message": "Not Found"}));
    }
    assert!(api.invoker.calls().is_empty());
}

#[tokio::test]
async fn a_named_stage_is_the_first_path_segment() {
    let mut config = pets_api();
    config.stage = "prod".into();
    let api = TestApi::start(config).await;

    let response = api.get("/prod/pets/dog/1").send().await.expect("request");
    assert_eq!(response.status(), 200);
    let call = api.invoker.only_call();
    assert_eq!(call.function, "ExactDog");
    assert_eq!(call.payload["rawPath"], "/prod/pets/dog/1");
    assert_eq!(call.payload["requestContext"]["stage"], "prod");

    let response = api.get("/pets/dog/1").send().await.expect("request");
    assert_eq!(response.status(), 404);
    let response = api
        .get("/production/pets/dog/1")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn an_invalid_route_template_fails_serve() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let invoker = std::sync::Arc::new(crate::support::ScriptedInvoker::new());
    let result = cfp_local_http_api::serve(
        listener,
        api(vec![route("GET", "/a/{rest+}/b", "F")]),
        invoker,
    )
    .await;
    let error = result.expect_err("an invalid template is refused");
    assert!(error.to_string().contains("GET /a/{rest+}/b"), "{error}");
}

#[tokio::test]
async fn the_default_route_catches_everything_else() {
    let mut routes = pets_api().routes;
    routes.push(route("ANY", "$default", "Fallback"));
    let api = TestApi::start(api(routes)).await;
    for (method, path) in [
        ("GET", "/"),
        ("PATCH", "/nothing/here"),
        ("PUT", "/events/e1/cfps/1"),
    ] {
        let response = api.request(method, path).send().await.expect("request");
        assert_eq!(response.status(), 200, "{method} {path}");
        let call = api.invoker.calls().pop().expect("invoked");
        assert_eq!(call.function, "Fallback");
        assert_eq!(call.payload["routeKey"], "$default");
        assert!(call.payload.get("pathParameters").is_none());
    }
    api.get("/pets/dog/1").send().await.expect("request");
    assert_eq!(
        api.invoker.calls().pop().expect("invoked").function,
        "ExactDog"
    );
}
