use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::support::{TestApi, api, route};

fn cfp_api() -> cfp_local_http_api::HttpApiConfig {
    api(vec![
        route("POST", "/events/{event}/cfps", "CreateCfp"),
        route("GET", "/events/{event}", "GetEvent"),
        route("PUT", "/files/{name}", "PutFile"),
    ])
}

#[tokio::test]
async fn event_has_the_payload_2_0_shape() {
    let api = TestApi::start(cfp_api()).await;
    let before = chrono::Utc::now().timestamp_millis();
    let response = api
        .request(
            "POST",
            "/events/dev%20days/cfps?status=open&tag=a&tag=b&empty=&q=x%20y",
        )
        .header("Content-Type", "application/json")
        .header("X-Multi", "one")
        .header("X-Multi", "two")
        .header("User-Agent", "cfp-test/1.0")
        .header("Cookie", "session=abc; theme=dark")
        .header("Authorization", "Bearer not-checked-here")
        .body(r#"{"title":"Rust on Lambda"}"#)
        .send()
        .await
        .expect("request");
    let after = chrono::Utc::now().timestamp_millis();
    assert_eq!(response.status(), 200);
    let request_id = response.headers()["apigw-requestid"]
        .to_str()
        .expect("ascii")
        .to_owned();

    let event = api.invoker.only_call().payload;
    assert_eq!(event["version"], "2.0");
    assert_eq!(event["routeKey"], "POST /events/{event}/cfps");
    assert_eq!(event["rawPath"], "/events/dev%20days/cfps");
    assert_eq!(
        event["rawQueryString"],
        "status=open&tag=a&tag=b&empty=&q=x%20y"
    );
    assert_eq!(event["cookies"], json!(["session=abc", "theme=dark"]));
    assert_eq!(
        event["queryStringParameters"],
        json!({"status": "open", "tag": "a,b", "empty": "", "q": "x y"})
    );
    assert_eq!(event["pathParameters"], json!({"event": "dev days"}));
    assert_eq!(event["body"], r#"{"title":"Rust on Lambda"}"#);
    assert_eq!(event["isBase64Encoded"], false);
    assert!(event.get("stageVariables").is_none());

    let headers = &event["headers"];
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(headers["x-multi"], "one,two");
    assert_eq!(headers["user-agent"], "cfp-test/1.0");
    assert_eq!(headers["authorization"], "Bearer not-checked-here");
    assert_eq!(headers["x-forwarded-for"], "127.0.0.1");
    assert_eq!(headers["x-forwarded-proto"], "http");
    let port = api.base.rsplit(':').next().expect("port");
    assert_eq!(headers["x-forwarded-port"], port);
    assert!(
        headers["x-amzn-trace-id"]
            .as_str()
            .is_some_and(|trace| trace.starts_with("Root=1-")),
        "{headers}"
    );
    assert!(headers.get("cookie").is_none(), "cookies move to `cookies`");
    let names: Vec<&String> = headers.as_object().expect("map").keys().collect();
    assert!(
        names
            .iter()
            .all(|n| n.chars().all(|c| !c.is_ascii_uppercase()))
    );

    let context = &event["requestContext"];
    assert_eq!(context["accountId"], "123456789012");
    assert_eq!(context["apiId"], "testapi01");
    assert_eq!(context["stage"], "$default");
    assert_eq!(context["requestId"], request_id.as_str());
    assert_eq!(
        context["domainName"],
        api.base.trim_start_matches("http://")
    );
    assert_eq!(context["domainPrefix"], "127");
    assert_eq!(context["http"]["method"], "POST");
    assert_eq!(context["http"]["path"], "/events/dev%20days/cfps");
    assert_eq!(context["http"]["protocol"], "HTTP/1.1");
    assert_eq!(context["http"]["sourceIp"], "127.0.0.1");
    assert_eq!(context["http"]["userAgent"], "cfp-test/1.0");
    assert!(context.get("authorizer").is_none());
    let epoch = context["timeEpoch"].as_i64().expect("timeEpoch");
    assert!(
        (before..=after).contains(&epoch),
        "{epoch} not in {before}..={after}"
    );
    let time = context["time"].as_str().expect("time");
    let parsed = chrono::DateTime::parse_from_str(time, "%d/%b/%Y:%H:%M:%S %z")
        .unwrap_or_else(|e| panic!("{time}: {e}"));
    assert_eq!(parsed.timestamp(), epoch / 1000);
}

#[tokio::test]
async fn event_deserializes_as_aws_lambda_events_and_lambda_http() {
    let api = TestApi::start(cfp_api()).await;
    api.request("POST", "/events/e1/cfps?a=1&a=2")
        .header("content-type", "application/json; charset=utf-8")
        .header("cookie", "k=v")
        .body(r#"{"x":1}"#)
        .send()
        .await
        .expect("request");
    let call = api.invoker.only_call();

    let typed: ApiGatewayV2httpRequest =
        serde_json::from_slice(&call.raw).expect("deserializes as ApiGatewayV2httpRequest");
    assert_eq!(typed.version.as_deref(), Some("2.0"));
    assert_eq!(
        typed.route_key.as_deref(),
        Some("POST /events/{event}/cfps")
    );
    assert_eq!(typed.raw_path.as_deref(), Some("/events/e1/cfps"));
    assert_eq!(typed.raw_query_string.as_deref(), Some("a=1&a=2"));
    assert_eq!(typed.cookies, Some(vec!["k=v".to_owned()]));
    assert_eq!(typed.path_parameters["event"], "e1");
    // aws_lambda_events splits the comma-joined value again.
    assert_eq!(typed.query_string_parameters.all("a"), Some(vec!["1", "2"]));
    assert_eq!(typed.body.as_deref(), Some(r#"{"x":1}"#));
    assert!(!typed.is_base64_encoded);
    assert_eq!(typed.request_context.http.method, http::Method::POST);
    assert_eq!(typed.request_context.apiid.as_deref(), Some("testapi01"));
    assert_eq!(typed.request_context.stage.as_deref(), Some("$default"));
    assert!(typed.request_context.time_epoch > 0);
    assert!(typed.stage_variables.is_empty());

    // What a function built with lambda_http (feature apigw_http) sees.
    let request =
        lambda_http::request::from_str(std::str::from_utf8(&call.raw).expect("UTF-8 event"))
            .expect("lambda_http reads the event");
    assert_eq!(request.method(), http::Method::POST);
    assert_eq!(request.uri().path(), "/events/e1/cfps");
    assert_eq!(request.uri().query(), Some("a=1&a=2"));
    assert_eq!(request.headers()["cookie"], "k=v");
    assert_eq!(
        request.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    assert_eq!(request.body().as_ref(), br#"{"x":1}"#);
}

#[tokio::test]
async fn binary_bodies_are_base64_and_text_bodies_are_not() {
    let api = TestApi::start(cfp_api()).await;
    let bytes: Vec<u8> = (0u8..=255).collect();
    api.request("PUT", "/files/pic.png")
        .header("content-type", "image/png")
        .body(bytes.clone())
        .send()
        .await
        .expect("request");
    let call = api.invoker.only_call();
    assert_eq!(call.payload["isBase64Encoded"], true);
    let body = call.payload["body"].as_str().expect("body");
    assert_eq!(STANDARD.decode(body).expect("base64"), bytes);
    let request = lambda_http::request::from_str(std::str::from_utf8(&call.raw).expect("utf8"))
        .expect("lambda_http reads the event");
    assert_eq!(request.body().as_ref(), bytes.as_slice());

    for (content_type, base64) in [
        (Some("text/plain"), false),
        (Some("application/xml"), false),
        (Some("application/x-www-form-urlencoded"), true),
        (None, true),
    ] {
        let mut request = api.request("PUT", "/files/doc").body("a=b");
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        request.send().await.expect("request");
        let event = api.invoker.calls().pop().expect("invoked").payload;
        assert_eq!(event["isBase64Encoded"], base64, "{content_type:?}");
        let expected = if base64 { "YT1i" } else { "a=b" };
        assert_eq!(event["body"], expected, "{content_type:?}");
    }
}

#[tokio::test]
async fn a_chunked_body_arrives_whole_with_its_length() {
    let api = TestApi::start(cfp_api()).await;
    let status = put_chunked(&api, "/files/doc", 3 * 1024 * 1024 + 5).await;
    assert_eq!(status, 200);
    let event = api.invoker.only_call().payload;
    assert_eq!(event["headers"]["content-length"], "3145733");
    assert!(event["headers"].get("transfer-encoding").is_none());
    let body = event["body"].as_str().expect("body");
    assert_eq!(
        STANDARD.decode(body).expect("base64"),
        vec![1u8; 3 * 1024 * 1024 + 5]
    );
}

#[tokio::test]
async fn optional_fields_are_absent_when_empty() {
    let api = TestApi::start(cfp_api()).await;
    api.get("/events/e1").send().await.expect("request");
    let event: Value = api.invoker.only_call().payload;
    assert_eq!(event["rawQueryString"], "");
    for absent in ["cookies", "queryStringParameters", "body", "stageVariables"] {
        assert!(
            event.get(absent).is_none(),
            "{absent} should be absent: {event}"
        );
    }
    assert_eq!(event["isBase64Encoded"], false);
    assert_eq!(event["pathParameters"], json!({"event": "e1"}));
}

#[tokio::test]
async fn payload_limit_is_ten_megabytes() {
    let api = TestApi::start(cfp_api()).await;
    let limit = cfp_local_http_api::MAX_PAYLOAD_BYTES;
    assert_eq!(limit, 10 * 1024 * 1024);

    let response = api
        .request("PUT", "/files/big")
        .header("content-type", "application/octet-stream")
        .body(vec![7u8; limit + 1])
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 413);
    assert_eq!(
        response.json::<Value>().await.expect("json"),
        json!({"message": "Request Entity Too Large"})
    );
    assert!(api.invoker.calls().is_empty());

    // A body sent chunked, without a Content-Length, is measured as it arrives.
    let status = put_chunked(&api, "/files/big", limit + 1).await;
    assert_eq!(status, 413);
    assert!(api.invoker.calls().is_empty());

    let response = api
        .request("PUT", "/files/big")
        .header("content-type", "application/octet-stream")
        .body(vec![7u8; limit])
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let event = api.invoker.only_call().payload;
    let body = event["body"].as_str().expect("body");
    assert_eq!(STANDARD.decode(body).expect("base64").len(), limit);
}

/// Sends `total` bytes with `Transfer-Encoding: chunked` over a raw connection and returns the
/// status code of the answer.
async fn put_chunked(api: &TestApi, path: &str, total: usize) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let address = api.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    let head = format!(
        "PUT {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.expect("write head");
    let chunk = vec![1u8; 1024 * 1024];
    let mut left = total;
    while left > 0 {
        let n = left.min(chunk.len());
        let frame = [format!("{n:x}\r\n").as_bytes(), &chunk[..n], b"\r\n"].concat();
        // The gateway may answer (and stop reading) before everything is sent.
        if stream.write_all(&frame).await.is_err() {
            break;
        }
        left -= n;
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&buffer[..n]),
        }
    }
    let text = String::from_utf8_lossy(&answer);
    text.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP status in {text:?}"))
}
