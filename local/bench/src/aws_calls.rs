//! A counting proxy in front of moto: the functions of the cost pass get it as their AWS
//! endpoint, so every AWS call a handler really makes is seen, classified (DynamoDB operation,
//! SES send, SNS publish, S3 request) and turned into the units AWS bills. DynamoDB bills by item
//! size, which the proxy only sees as wire bytes (JSON with type tags, a little larger than the
//! stored item): reads count ceil(bytes / 4 KB) (half for eventually consistent reads), writes
//! ceil(bytes / 1 KB), transactions twice; each at least one unit.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio_util::task::AbortOnDropHandle;

/// The billable calls of one or more invocations.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AwsUsage {
    pub dynamodb_calls: u32,
    pub read_units: f64,
    pub write_units: f64,
    pub ses_sends: u32,
    pub sns_publishes: u32,
    pub s3_gets: u32,
    pub s3_puts: u32,
    /// Other calls seen, by `service:operation`.
    pub other: Vec<String>,
}

fn units(bytes: usize, unit: usize) -> f64 {
    bytes.div_ceil(unit).max(1) as f64
}

/// The JSON size of `value`.
fn json_len(value: &Value) -> usize {
    serde_json::to_vec(value).map_or(0, |v| v.len())
}

/// The service a SigV4 `Authorization` header was signed for (`.../<region>/<service>/aws4_request`).
pub fn signed_service(authorization: &str) -> Option<&str> {
    let credential = authorization.split("Credential=").nth(1)?;
    let scope = credential.split([',', ' ']).next()?;
    let mut parts = scope.rsplit('/');
    (parts.next()? == "aws4_request").then_some(())?;
    parts.next()
}

impl AwsUsage {
    /// Adds one DynamoDB call: `operation` from `X-Amz-Target`, its request and response bodies.
    pub fn add_dynamodb(&mut self, operation: &str, request: &[u8], response: &[u8]) {
        self.dynamodb_calls += 1;
        let body: Value = serde_json::from_slice(request).unwrap_or(Value::Null);
        let consistent = body["ConsistentRead"].as_bool().unwrap_or(false);
        let read_factor = if consistent { 1.0 } else { 0.5 };
        match operation {
            "GetItem" | "Query" | "Scan" | "BatchGetItem" => {
                self.read_units += units(response.len(), 4096) * read_factor;
            }
            "TransactGetItems" => {
                let items = body["TransactItems"].as_array().map_or(1, Vec::len);
                self.read_units += 2.0 * units(response.len(), 4096).max(items as f64);
            }
            "PutItem" | "UpdateItem" | "DeleteItem" => {
                self.write_units += units(request.len(), 1024);
            }
            "TransactWriteItems" => {
                let items = body["TransactItems"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                self.write_units += items
                    .iter()
                    .map(|item| 2.0 * units(json_len(item), 1024))
                    .sum::<f64>()
                    .max(2.0);
            }
            "BatchWriteItem" => {
                let requests = body["RequestItems"]
                    .as_object()
                    .cloned()
                    .unwrap_or_default();
                self.write_units += requests
                    .values()
                    .filter_map(Value::as_array)
                    .flatten()
                    .map(|item| units(json_len(item), 1024))
                    .sum::<f64>();
            }
            other => self.other.push(format!("dynamodb:{other}")),
        }
    }

    fn add_call(
        &mut self,
        service: &str,
        method: &Method,
        uri: &Uri,
        target: Option<&str>,
        request: &[u8],
        response: &[u8],
    ) {
        match service {
            "dynamodb" => {
                let operation = target
                    .and_then(|t| t.rsplit('.').next())
                    .unwrap_or("unknown");
                self.add_dynamodb(operation, request, response);
            }
            // SES v2 signs as `ses`: `POST /v2/email/outbound-emails` sends; v1 `Action=SendEmail`.
            "ses" | "email" => {
                let body = String::from_utf8_lossy(request);
                if uri.path().ends_with("/outbound-emails") || body.contains("Action=Send") {
                    self.ses_sends += 1;
                } else {
                    self.other.push(format!("ses:{}", uri.path()));
                }
            }
            "sns" => {
                let body = String::from_utf8_lossy(request);
                if body.contains("Action=PublishBatch") {
                    self.sns_publishes += body.matches(".Id=").count().max(1) as u32;
                } else if body.contains("Action=Publish") {
                    self.sns_publishes += 1;
                } else {
                    self.other.push("sns:other".to_owned());
                }
            }
            "s3" => {
                if *method == Method::GET || *method == Method::HEAD {
                    self.s3_gets += 1;
                } else {
                    self.s3_puts += 1;
                }
            }
            other => self.other.push(format!("{other}:{}", uri.path())),
        }
    }
}

struct ProxyState {
    upstream: String,
    http: reqwest::Client,
    usage: Mutex<AwsUsage>,
}

/// The running proxy; stops when dropped.
pub struct CountingProxy {
    pub endpoint: String,
    state: Arc<ProxyState>,
    _server: AbortOnDropHandle<()>,
}

impl CountingProxy {
    /// Serves on 127.0.0.1 (any free port), forwarding to `upstream`.
    pub async fn start(upstream: &str) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr: SocketAddr = listener.local_addr()?;
        let state = Arc::new(ProxyState {
            upstream: upstream.trim_end_matches('/').to_owned(),
            http: reqwest::Client::new(),
            usage: Mutex::new(AwsUsage::default()),
        });
        let app = Router::new().fallback(forward).with_state(state.clone());
        let server = tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, app).await {
                tracing::warn!(%err, "the counting proxy stopped");
            }
        });
        Ok(CountingProxy {
            endpoint: format!("http://{addr}"),
            state,
            _server: AbortOnDropHandle::new(server),
        })
    }

    /// What was counted since the last call, and starts counting afresh.
    pub fn take(&self) -> AwsUsage {
        self.state
            .usage
            .lock()
            .map(|mut usage| std::mem::take(&mut *usage))
            .unwrap_or_default()
    }
}

async fn forward(
    State(state): State<Arc<ProxyState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let mut request = state
        .http
        .request(method.clone(), format!("{}{path}", state.upstream))
        .body(body.clone());
    for (name, value) in &headers {
        if name != axum::http::header::HOST && name != axum::http::header::CONTENT_LENGTH {
            request = request.header(name, value);
        }
    }
    let upstream = match request.send().await {
        Ok(response) => response,
        Err(err) => return (StatusCode::BAD_GATEWAY, err.to_string()).into_response(),
    };
    let status = upstream.status();
    let response_headers = upstream.headers().clone();
    let response_body = match upstream.bytes().await {
        Ok(bytes) => bytes,
        Err(err) => return (StatusCode::BAD_GATEWAY, err.to_string()).into_response(),
    };
    let service = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(signed_service)
        // Presigned S3 URLs carry the signature in the query.
        .or_else(|| {
            uri.query()
                .filter(|q| q.contains("X-Amz-Credential"))
                .map(|_| "s3")
        })
        .unwrap_or("unsigned")
        .to_owned();
    let target = headers.get("x-amz-target").and_then(|v| v.to_str().ok());
    if let Ok(mut usage) = state.usage.lock() {
        usage.add_call(&service, &method, &uri, target, &body, &response_body);
    }
    let mut response = (status, response_body).into_response();
    for (name, value) in &response_headers {
        if name != axum::http::header::CONTENT_LENGTH
            && name != axum::http::header::TRANSFER_ENCODING
        {
            response.headers_mut().insert(name, value.clone());
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_signed_service() {
        let header = "AWS4-HMAC-SHA256 Credential=test/20260101/eu-central-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0";
        assert_eq!(signed_service(header), Some("dynamodb"));
        assert_eq!(signed_service("Bearer x"), None);
        assert_eq!(
            signed_service(
                "AWS4-HMAC-SHA256 Credential=test/20260101/eu-central-1/ses/aws4_request,SignedHeaders=host"
            ),
            Some("ses")
        );
    }

    #[test]
    fn dynamodb_units_follow_the_wire_bytes() {
        let mut usage = AwsUsage::default();
        // A consistent read of a small item: 1 RRU; an eventually consistent 5 KB query: 2 x 0.5.
        usage.add_dynamodb("GetItem", br#"{"ConsistentRead": true}"#, &[b' '; 300]);
        usage.add_dynamodb("Query", br#"{}"#, &[b' '; 5000]);
        assert_eq!(usage.read_units, 2.0);
        // A 1.5 KB put: 2 WRU; a transaction of two small items: 2 x 2.
        usage.add_dynamodb("PutItem", &[b' '; 1500], b"{}");
        usage.add_dynamodb(
            "TransactWriteItems",
            br#"{"TransactItems": [{"Put": {}}, {"Update": {}}]}"#,
            b"{}",
        );
        assert_eq!(usage.write_units, 6.0);
        assert_eq!(usage.dynamodb_calls, 4);
        usage.add_dynamodb("DescribeTable", b"{}", b"{}");
        assert_eq!(usage.other, vec!["dynamodb:DescribeTable".to_owned()]);
    }

    #[tokio::test]
    async fn the_proxy_forwards_and_counts() {
        // An upstream that answers every request with its path.
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .unwrap();
        let upstream = format!("http://{}", listener.local_addr().unwrap());
        let app = Router::new().fallback(|uri: Uri| async move { uri.path().to_owned() });
        let server = AbortOnDropHandle::new(tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        }));
        let proxy = CountingProxy::start(&upstream).await.unwrap();
        let http = reqwest::Client::new();
        let answer = http
            .post(format!("{}/v2/email/outbound-emails", proxy.endpoint))
            .header(
                "authorization",
                "AWS4-HMAC-SHA256 Credential=test/20260101/eu-central-1/ses/aws4_request, SignedHeaders=host, Signature=0",
            )
            .body("{}")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(answer, "/v2/email/outbound-emails");
        http.get(format!("{}/bucket/key?X-Amz-Credential=x", proxy.endpoint))
            .send()
            .await
            .unwrap();
        let usage = proxy.take();
        assert_eq!((usage.ses_sends, usage.s3_gets), (1, 1));
        assert_eq!(proxy.take(), AwsUsage::default());
        drop(server);
    }
}
