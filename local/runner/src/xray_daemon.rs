//! The X-Ray daemon Lambda runs beside a traced function, played on loopback: functions send their
//! (sub)segment documents to `AWS_XRAY_DAEMON_ADDRESS` over UDP, and the runner writes each one it
//! receives to its log as `[XRay] {document}`, where tests and people read them.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::UdpSocket;

use crate::lambda::LogSink;

/// The tag of the daemon's lines in the runner's log.
pub const LOG_TAG: &str = "XRay";

/// The first line of every datagram of the daemon protocol; one JSON document follows it.
const PROTOCOL_HEADER: &str = r#"{"format": "json", "version": 1}"#;

/// Binds a UDP port on loopback; `run` then receives on it until dropped or aborted.
pub async fn bind() -> std::io::Result<(SocketAddr, UdpSocket)> {
    let socket = UdpSocket::bind("127.0.0.1:0").await?;
    Ok((socket.local_addr()?, socket))
}

/// Receives datagrams and logs each well-formed document as one line (compact JSON); anything
/// else is logged as a warning, never taking the runner down.
pub async fn run(socket: UdpSocket, sink: Arc<dyn LogSink>) {
    // The largest UDP payload; X-Ray documents are far smaller (the daemon takes up to 64 KB).
    let mut buffer = vec![0u8; 65_535];
    loop {
        match socket.recv(&mut buffer).await {
            Ok(length) => match document(&buffer[..length]) {
                Ok(document) => sink.line(LOG_TAG, &document.to_string()),
                Err(reason) => tracing::warn!(%reason, "X-Ray daemon: datagram dropped"),
            },
            Err(error) => tracing::warn!(%error, "X-Ray daemon: receive failed"),
        }
    }
}

/// The JSON document of one datagram.
fn document(datagram: &[u8]) -> Result<serde_json::Value, String> {
    let text = std::str::from_utf8(datagram).map_err(|e| format!("not UTF-8: {e}"))?;
    let (header, body) = text
        .split_once('\n')
        .ok_or_else(|| "no header line".to_owned())?;
    if header.trim() != PROTOCOL_HEADER {
        return Err(format!("unknown header {header:?}"));
    }
    let document: serde_json::Value =
        serde_json::from_str(body).map_err(|e| format!("not a JSON document: {e}"))?;
    if !document.is_object() {
        return Err("not a JSON object".to_owned());
    }
    Ok(document)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lambda::MemorySink;
    use std::time::Duration;

    #[test]
    fn datagrams_in_the_daemon_protocol_are_documents() {
        let datagram = format!("{PROTOCOL_HEADER}\n{{\"type\":\"subsegment\",\"name\":\"S3\"}}");
        let parsed = document(datagram.as_bytes()).expect("a document");
        assert_eq!(parsed["name"], "S3");
        for bad in [
            "{\"name\":\"S3\"}".to_owned(),
            "{\"format\": \"xml\"}\n{}".to_owned(),
            format!("{PROTOCOL_HEADER}\nnot json"),
            format!("{PROTOCOL_HEADER}\n[1]"),
        ] {
            assert!(document(bad.as_bytes()).is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn each_received_document_is_one_log_line() {
        let (address, socket) = bind().await.expect("a UDP port");
        let sink = Arc::new(MemorySink::default());
        let task = tokio::spawn(run(socket, sink.clone()));
        let sender = std::net::UdpSocket::bind("127.0.0.1:0").expect("a sender");
        sender.send_to(b"junk", address).expect("send");
        let datagram =
            format!("{PROTOCOL_HEADER}\n{{\"type\":\"subsegment\",\"name\":\"DynamoDB\"}}");
        sender.send_to(datagram.as_bytes(), address).expect("send");
        let mut lines = Vec::new();
        for _ in 0..100 {
            lines = sink.lines();
            if !lines.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        task.abort();
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert_eq!(lines[0].0, LOG_TAG);
        let logged: serde_json::Value = serde_json::from_str(&lines[0].1).expect("one JSON line");
        assert_eq!(
            logged,
            serde_json::json!({"type": "subsegment", "name": "DynamoDB"})
        );
    }
}
