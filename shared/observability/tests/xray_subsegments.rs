//! The X-Ray interceptor on a real SDK client against moto: each call arrives at the daemon's
//! UDP port as one subsegment document of the current trace, and a call without a daemon or a
//! sampled trace sends nothing and works all the same.

use std::net::UdpSocket;
use std::time::Duration;

use cfp_local_moto::MotoServer;
use cfp_observability::XraySubsegments;
use serde_json::Value;

const ROOT: &str = "1-5759e988-bd862e3fe1be46a994272793";

fn sampled() -> Option<String> {
    Some(format!("Root={ROOT};Parent=53995c3f42cd8ad8;Sampled=1"))
}

fn unsampled() -> Option<String> {
    Some(format!("Root={ROOT};Parent=53995c3f42cd8ad8;Sampled=0"))
}

fn daemon() -> UdpSocket {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("a UDP port");
    socket
        .set_read_timeout(Some(Duration::from_millis(500)))
        .expect("timeout");
    socket
}

/// The next datagram: the daemon protocol's header line, then one JSON document.
fn received(socket: &UdpSocket) -> Option<Value> {
    let mut buffer = [0u8; 65_536];
    let length = socket.recv(&mut buffer).ok()?;
    let text = std::str::from_utf8(&buffer[..length]).expect("UTF-8");
    let (header, document) = text.split_once('\n').expect("a header line");
    assert_eq!(header, r#"{"format": "json", "version": 1}"#);
    Some(serde_json::from_str(document).expect("a JSON document"))
}

fn dynamodb(
    config: &aws_config::SdkConfig,
    interceptor: XraySubsegments,
) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(config)
            .interceptor(interceptor)
            .build(),
    )
}

#[tokio::test]
async fn each_call_is_one_subsegment_of_the_trace_with_its_outcome() {
    let moto = MotoServer::for_tests().await;
    let config = moto.sdk_config().await;
    let socket = daemon();
    let address = socket.local_addr().expect("address");
    let client = dynamodb(
        &config,
        XraySubsegments::with_daemon(address, sampled).expect("interceptor"),
    );

    client.list_tables().send().await.expect("ListTables");
    let ok = received(&socket).expect("a subsegment for ListTables");
    assert_eq!(ok["type"], "subsegment");
    assert_eq!(ok["name"], "DynamoDB");
    assert_eq!(ok["namespace"], "aws");
    assert_eq!(ok["trace_id"], ROOT);
    assert_eq!(ok["parent_id"], "53995c3f42cd8ad8");
    assert_eq!(ok["aws"]["operation"], "ListTables");
    assert_eq!(ok["http"]["response"]["status"], 200);
    assert!(
        ok.get("error").is_none() && ok.get("fault").is_none(),
        "{ok}"
    );

    let missing = client
        .describe_table()
        .table_name("no-such-table")
        .send()
        .await;
    assert!(missing.is_err(), "moto knows no such table");
    let refused = received(&socket).expect("a subsegment for DescribeTable");
    assert_eq!(refused["aws"]["operation"], "DescribeTable");
    assert_eq!(refused["http"]["response"]["status"], 400);
    assert_eq!(refused["error"], true, "{refused}");
    assert!(received(&socket).is_none(), "one document per call");
}

#[tokio::test]
async fn without_a_sampled_trace_or_a_daemon_nothing_is_sent_and_calls_work() {
    let moto = MotoServer::for_tests().await;
    let config = moto.sdk_config().await;
    let socket = daemon();
    let address = socket.local_addr().expect("address");
    let unsampled = dynamodb(
        &config,
        XraySubsegments::with_daemon(address, unsampled).expect("interceptor"),
    );
    unsampled.list_tables().send().await.expect("ListTables");
    assert!(
        received(&socket).is_none(),
        "an unsampled trace sends nothing"
    );

    // As in a function without AWS_XRAY_DAEMON_ADDRESS (this test sets none).
    let inert = dynamodb(&config, XraySubsegments::from_env());
    inert.list_tables().send().await.expect("ListTables");
}
