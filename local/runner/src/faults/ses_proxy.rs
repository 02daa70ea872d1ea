//! A loopback proxy in front of the local SES: the functions reach SES through it (the SDK's
//! service-specific endpoint variables point at it) when `--fault ses-error-rate=R` is on. At the
//! rate it answers an error SES really returns, without forwarding (nothing is sent); otherwise it
//! forwards the request to moto unchanged and passes the answer back.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;
use tokio_util::task::AbortOnDropHandle;

use super::dice::{FaultDice, Purpose};
use super::plan::Rate;

/// The SDK variables that point one service's clients somewhere else than `AWS_ENDPOINT_URL`
/// (the AWS SDKs' "service-specific endpoints"): SES v2 and the classic SES API.
pub const SES_ENDPOINT_VARIABLES: [&str; 2] = ["AWS_ENDPOINT_URL_SESV2", "AWS_ENDPOINT_URL_SES"];

/// Which SES API a request is for: they report errors in different protocols.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SesApi {
    /// SES v2, REST-JSON under `/v2/email/...`.
    V2,
    /// The classic SES API, the AWS Query protocol (form-encoded `Action=...` to `/`).
    Classic,
}

impl SesApi {
    pub fn of_path(path: &str) -> Self {
        if path.starts_with("/v2/") {
            SesApi::V2
        } else {
            SesApi::Classic
        }
    }
}

/// The errors the proxy answers with; both are retryable, as SES means them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SesFault {
    /// 500 InternalFailure.
    InternalFailure,
    /// SES v2: 429 TooManyRequestsException; classic SES: 400 Throttling.
    Throttled,
}

const INTERNAL_FAILURE_MESSAGE: &str =
    "The request processing has failed because of an unknown error, exception or failure.";

/// The answer SES gives for `fault`, in the protocol of `api`.
pub fn error_response(api: SesApi, fault: SesFault, request_id: &str) -> Response {
    match api {
        SesApi::V2 => {
            let (status, code, message) = match fault {
                SesFault::InternalFailure => (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "InternalFailure",
                    INTERNAL_FAILURE_MESSAGE,
                ),
                SesFault::Throttled => (
                    StatusCode::TOO_MANY_REQUESTS,
                    "TooManyRequestsException",
                    "Too many requests have been submitted.",
                ),
            };
            (
                status,
                [
                    (header::CONTENT_TYPE, "application/json"),
                    (HeaderName::from_static("x-amzn-errortype"), code),
                    (HeaderName::from_static("x-amzn-requestid"), request_id),
                ],
                serde_json::json!({ "message": message }).to_string(),
            )
                .into_response()
        }
        SesApi::Classic => {
            let (status, kind, code, message) = match fault {
                SesFault::InternalFailure => (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Receiver",
                    "InternalFailure",
                    INTERNAL_FAILURE_MESSAGE,
                ),
                SesFault::Throttled => (
                    StatusCode::BAD_REQUEST,
                    "Sender",
                    "Throttling",
                    "Maximum sending rate exceeded.",
                ),
            };
            let body = format!(
                "<ErrorResponse xmlns=\"http://ses.amazonaws.com/doc/2010-12-01/\">\n  <Error>\n    <Type>{kind}</Type>\n    <Code>{code}</Code>\n    <Message>{message}</Message>\n  </Error>\n  <RequestId>{request_id}</RequestId>\n</ErrorResponse>\n"
            );
            (
                status,
                [
                    (header::CONTENT_TYPE, "text/xml"),
                    (HeaderName::from_static("x-amzn-requestid"), request_id),
                ],
                body,
            )
                .into_response()
        }
    }
}

struct ProxyState {
    upstream: String,
    rate: Rate,
    dice: FaultDice,
    http: reqwest::Client,
    injected: AtomicU64,
    forwarded: AtomicU64,
}

/// The running proxy; stops when dropped.
pub struct SesFaultProxy {
    pub addr: SocketAddr,
    state: Arc<ProxyState>,
    _server: AbortOnDropHandle<()>,
}

impl SesFaultProxy {
    /// Serves on 127.0.0.1 (any free port), forwarding to `upstream` (moto's endpoint).
    pub async fn start(upstream: &str, rate: Rate, seed: u64) -> std::io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let http = reqwest::Client::builder()
            .no_proxy()
            .build()
            .map_err(std::io::Error::other)?;
        let state = Arc::new(ProxyState {
            upstream: upstream.trim_end_matches('/').to_owned(),
            rate,
            dice: FaultDice::new(seed, Purpose::SesErrors),
            http,
            injected: AtomicU64::new(0),
            forwarded: AtomicU64::new(0),
        });
        let app = Router::new()
            .fallback(proxy)
            // Raw e-mails may carry attachments; SES itself takes up to 40 MB.
            .layer(DefaultBodyLimit::max(40 * 1024 * 1024))
            .with_state(state.clone());
        let server = tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, app).await {
                tracing::warn!(%err, "the SES fault proxy stopped");
            }
        });
        Ok(SesFaultProxy {
            addr,
            state,
            _server: AbortOnDropHandle::new(server),
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The functions' environment variables that send their SES calls here.
    pub fn environment(&self) -> Vec<(String, String)> {
        SES_ENDPOINT_VARIABLES
            .iter()
            .map(|name| ((*name).to_owned(), self.url()))
            .collect()
    }

    /// How many requests were answered with an error, and how many were forwarded.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.state.injected.load(Ordering::Relaxed),
            self.state.forwarded.load(Ordering::Relaxed),
        )
    }
}

async fn proxy(
    State(state): State<Arc<ProxyState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let api = SesApi::of_path(uri.path());
    if state.dice.hits(state.rate) {
        let fault = state
            .dice
            .pick(&[SesFault::InternalFailure, SesFault::Throttled])
            .copied()
            .unwrap_or(SesFault::InternalFailure);
        let request_id = uuid::Uuid::new_v4().to_string();
        state.injected.fetch_add(1, Ordering::Relaxed);
        tracing::info!(path = uri.path(), ?fault, %request_id, "cfp-local fault: SES call answered with an error, not forwarded");
        return error_response(api, fault, &request_id);
    }
    state.forwarded.fetch_add(1, Ordering::Relaxed);
    let path_and_query = uri.path_and_query().map_or("/", |p| p.as_str());
    let mut forwarded_headers = headers;
    // The client sends to the upstream's host; hop-by-hop headers are not passed on.
    for name in [header::HOST, header::CONNECTION, header::TRANSFER_ENCODING] {
        forwarded_headers.remove(name);
    }
    let answer = state
        .http
        .request(method, format!("{}{path_and_query}", state.upstream))
        .headers(forwarded_headers)
        .body(body)
        .send()
        .await;
    let answer = match answer {
        Ok(answer) => answer,
        Err(err) => {
            tracing::warn!(%err, "the SES fault proxy cannot reach the AWS endpoint");
            return (
                StatusCode::BAD_GATEWAY,
                format!("cannot reach the AWS endpoint: {err}"),
            )
                .into_response();
        }
    };
    let status = answer.status();
    let mut headers = HeaderMap::new();
    for (name, value) in answer.headers() {
        if name != header::TRANSFER_ENCODING
            && name != header::CONNECTION
            && name != header::CONTENT_LENGTH
        {
            headers.append(name.clone(), value.clone());
        }
    }
    match answer.bytes().await {
        Ok(body) => (status, headers, body).into_response(),
        Err(err) => (
            StatusCode::BAD_GATEWAY,
            [(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"))],
            format!("the AWS endpoint's answer broke off: {err}"),
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn parts(response: Response) -> (StatusCode, HeaderMap, String) {
        let status = response.status();
        let headers = response.headers().clone();
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .expect("a body");
        (status, headers, String::from_utf8_lossy(&body).into_owned())
    }

    #[tokio::test]
    async fn v2_errors_are_rest_json_with_the_error_type_header() {
        let (status, headers, body) =
            parts(error_response(SesApi::V2, SesFault::Throttled, "r-1")).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(headers["x-amzn-errortype"], "TooManyRequestsException");
        assert_eq!(headers["x-amzn-requestid"], "r-1");
        assert_eq!(headers["content-type"], "application/json");
        let json: serde_json::Value = serde_json::from_str(&body).expect("JSON");
        assert!(json["message"].as_str().is_some_and(|m| !m.is_empty()));

        let (status, headers, _) =
            parts(error_response(SesApi::V2, SesFault::InternalFailure, "r-2")).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(headers["x-amzn-errortype"], "InternalFailure");
    }

    #[tokio::test]
    async fn classic_errors_are_query_protocol_xml() {
        let (status, headers, body) =
            parts(error_response(SesApi::Classic, SesFault::Throttled, "r-3")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(headers["content-type"], "text/xml");
        assert!(
            body.contains("<Code>Throttling</Code>") && body.contains("<Type>Sender</Type>"),
            "{body}"
        );
        assert!(body.contains("<RequestId>r-3</RequestId>"), "{body}");
        let (status, _, body) = parts(error_response(
            SesApi::Classic,
            SesFault::InternalFailure,
            "r-4",
        ))
        .await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(body.contains("<Code>InternalFailure</Code>"), "{body}");
    }

    #[test]
    fn the_api_is_told_by_the_path() {
        assert_eq!(SesApi::of_path("/v2/email/outbound-emails"), SesApi::V2);
        assert_eq!(SesApi::of_path("/"), SesApi::Classic);
    }

    /// Through a real listener: every call fails at rate 1, every call reaches upstream at 0.
    #[tokio::test]
    async fn the_proxy_answers_errors_at_its_rate_and_forwards_the_rest() {
        let upstream = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("a port");
        let upstream_addr = upstream.local_addr().expect("an address");
        let echo = Router::new().fallback(|uri: Uri, body: Bytes| async move {
            (StatusCode::OK, [("x-echo", uri.path().to_owned())], body)
        });
        let _upstream = AbortOnDropHandle::new(tokio::spawn(async move {
            let _ = axum::serve(upstream, echo).await;
        }));
        let http = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client");
        let upstream_url = format!("http://{upstream_addr}");

        let failing = SesFaultProxy::start(&upstream_url, Rate::new(1.0).expect("rate"), 5)
            .await
            .expect("starts");
        for _ in 0..4 {
            let answer = http
                .post(format!("{}/v2/email/outbound-emails", failing.url()))
                .body("{}")
                .send()
                .await
                .expect("an answer");
            assert!(
                [429, 500].contains(&answer.status().as_u16()),
                "{}",
                answer.status()
            );
        }
        assert_eq!(failing.counts(), (4, 0));

        let passing = SesFaultProxy::start(&upstream_url, Rate::NEVER, 5)
            .await
            .expect("starts");
        let answer = http
            .post(format!("{}/v2/email/outbound-emails?x=1", passing.url()))
            .body("hello")
            .send()
            .await
            .expect("an answer");
        assert_eq!(answer.status(), 200);
        assert_eq!(answer.headers()["x-echo"], "/v2/email/outbound-emails");
        assert_eq!(answer.text().await.expect("a body"), "hello");
        assert_eq!(passing.counts(), (0, 1));
        assert_eq!(
            passing.environment(),
            vec![
                ("AWS_ENDPOINT_URL_SESV2".to_owned(), passing.url()),
                ("AWS_ENDPOINT_URL_SES".to_owned(), passing.url())
            ]
        );
    }
}
