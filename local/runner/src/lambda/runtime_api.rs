//! The Lambda Runtime API (2018-06-01) that one instance's runtime client talks to, served on its
//! own loopback port: `/runtime/invocation/next` hands out one invocation at a time, `/response`
//! and `/error` complete it, `/runtime/init/error` reports a failed start.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bytes::Bytes;
use serde_json::json;
use tokio::sync::{mpsc, watch};
use tokio_util::task::AbortOnDropHandle;

/// Lambda's limit on a synchronous response.
pub const MAX_RESPONSE_BYTES: usize = 6 * 1024 * 1024;

/// One invocation handed to the instance.
#[derive(Debug)]
pub struct Invocation {
    pub request_id: String,
    pub payload: Bytes,
    pub timeout: Duration,
    pub trace_id: String,
    pub client_context: Option<String>,
    pub cognito_identity: Option<String>,
    /// Where the Runtime API reports what the runtime did with it.
    pub events: mpsc::UnboundedSender<RuntimeEvent>,
}

/// What the runtime did with an invocation.
#[derive(Debug, Clone, PartialEq)]
pub enum RuntimeEvent {
    /// The runtime fetched it through `/next` at this instant.
    Started(Instant),
    Response(Bytes),
    Error {
        error_type: String,
        payload: Bytes,
    },
}

/// The instance takes no invocation now: one is pending already, or its Runtime API is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the instance takes no invocation now")]
pub struct NotAccepted;

/// `/runtime/init/error`: the runtime could not start.
#[derive(Debug, Clone, PartialEq)]
pub struct InitError {
    pub error_type: String,
    pub payload: Bytes,
}

struct RuntimeState {
    function_arn: String,
    queue: tokio::sync::Mutex<mpsc::Receiver<Invocation>>,
    /// The invocation handed out and not yet answered.
    current: Mutex<Option<(String, mpsc::UnboundedSender<RuntimeEvent>)>>,
    first_poll: watch::Sender<Option<Instant>>,
    init_error: watch::Sender<Option<InitError>>,
}

/// The Runtime API server of one instance; stops when dropped.
pub struct RuntimeApi {
    pub addr: SocketAddr,
    dispatch: mpsc::Sender<Invocation>,
    first_poll: watch::Receiver<Option<Instant>>,
    init_error: watch::Receiver<Option<InitError>>,
    _server: AbortOnDropHandle<()>,
}

impl RuntimeApi {
    /// Serves the Runtime API for a function with ARN `function_arn` on 127.0.0.1, any free port.
    pub async fn start(function_arn: &str) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let (dispatch, queue) = mpsc::channel(1);
        let (first_poll, first_poll_rx) = watch::channel(None);
        let (init_error, init_error_rx) = watch::channel(None);
        let state = Arc::new(RuntimeState {
            function_arn: function_arn.to_owned(),
            queue: tokio::sync::Mutex::new(queue),
            current: Mutex::new(None),
            first_poll,
            init_error,
        });
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(response),
            )
            .route(
                "/2018-06-01/runtime/invocation/{id}/error",
                post(invocation_error),
            )
            .route("/2018-06-01/runtime/init/error", post(init_error_handler))
            .fallback(unknown)
            // Bodies over Lambda's limit are read and refused by the handlers with Lambda's error.
            .layer(DefaultBodyLimit::max(4 * MAX_RESPONSE_BYTES))
            .with_state(state);
        let server = tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, app).await {
                tracing::warn!(%err, "a Runtime API server stopped");
            }
        });
        Ok(RuntimeApi {
            addr,
            dispatch,
            first_poll: first_poll_rx,
            init_error: init_error_rx,
            _server: AbortOnDropHandle::new(server),
        })
    }

    /// Queues `invocation` for the runtime's next `/next`.
    pub fn dispatch(&self, invocation: Invocation) -> Result<(), NotAccepted> {
        self.dispatch.try_send(invocation).map_err(|_| NotAccepted)
    }

    /// When the runtime first asked for an invocation (the end of its init phase).
    pub fn first_poll(&self) -> Option<Instant> {
        *self.first_poll.borrow()
    }

    /// A watch on the init error the runtime reported, if any.
    pub fn init_error(&self) -> watch::Receiver<Option<InitError>> {
        self.init_error.clone()
    }
}

fn error_body(status: StatusCode, error_type: &str, message: &str) -> Response {
    (
        status,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        json!({ "errorType": error_type, "errorMessage": message }).to_string(),
    )
        .into_response()
}

fn accepted() -> Response {
    (
        StatusCode::ACCEPTED,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        json!({ "status": "OK" }).to_string(),
    )
        .into_response()
}

async fn next(State(state): State<Arc<RuntimeState>>) -> Response {
    let mut queue = state.queue.lock().await;
    state.first_poll.send_if_modified(|first| {
        if first.is_none() {
            *first = Some(Instant::now());
            true
        } else {
            false
        }
    });
    let Some(invocation) = queue.recv().await else {
        // The instance is being discarded; its runtime will be killed.
        return error_body(
            StatusCode::INTERNAL_SERVER_ERROR,
            "ServiceException",
            "the instance is shutting down",
        );
    };
    drop(queue);
    let deadline = SystemTime::now()
        .checked_add(invocation.timeout)
        .and_then(|d| d.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_millis());
    let mut headers = HeaderMap::new();
    let mut put = |name: &'static str, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    };
    put("lambda-runtime-aws-request-id", &invocation.request_id);
    put("lambda-runtime-deadline-ms", &deadline.to_string());
    put("lambda-runtime-invoked-function-arn", &state.function_arn);
    put("lambda-runtime-trace-id", &invocation.trace_id);
    if let Some(context) = &invocation.client_context {
        put("lambda-runtime-client-context", context);
    }
    if let Some(identity) = &invocation.cognito_identity {
        put("lambda-runtime-cognito-identity", identity);
    }
    put("content-type", "application/json");
    if let Ok(mut current) = state.current.lock() {
        *current = Some((invocation.request_id.clone(), invocation.events.clone()));
    }
    let _ = invocation
        .events
        .send(RuntimeEvent::Started(Instant::now()));
    (StatusCode::OK, headers, invocation.payload).into_response()
}

/// Takes the current invocation if it is `id`.
fn complete(state: &RuntimeState, id: &str) -> Option<mpsc::UnboundedSender<RuntimeEvent>> {
    let mut current = state.current.lock().ok()?;
    match current.as_ref() {
        Some((current_id, _)) if current_id == id => current.take().map(|(_, events)| events),
        _ => None,
    }
}

fn unknown_request(id: &str) -> Response {
    error_body(
        StatusCode::BAD_REQUEST,
        "InvalidRequestID",
        &format!("{id} is not the invocation in progress"),
    )
}

async fn response(
    State(state): State<Arc<RuntimeState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(events) = complete(&state, &id) else {
        return unknown_request(&id);
    };
    if headers
        .get("lambda-runtime-function-response-mode")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"streaming"))
    {
        tracing::warn!(
            "response streaming is not emulated locally: the streamed body is passed on as it came"
        );
    }
    if body.len() > MAX_RESPONSE_BYTES {
        let message = format!(
            "Response payload size ({} bytes) exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes).",
            body.len()
        );
        let payload =
            json!({ "errorType": "Function.ResponseSizeTooLarge", "errorMessage": message })
                .to_string();
        let _ = events.send(RuntimeEvent::Error {
            error_type: "Function.ResponseSizeTooLarge".into(),
            payload: payload.into(),
        });
        return error_body(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLarge",
            &message,
        );
    }
    let _ = events.send(RuntimeEvent::Response(body));
    accepted()
}

/// The error type of a posted error document: its `errorType`, else the header, else `Unhandled`.
fn error_type_of(headers: &HeaderMap, body: &Bytes) -> String {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|doc| {
            doc.get("errorType")
                .and_then(|t| t.as_str())
                .map(str::to_owned)
        })
        .or_else(|| {
            headers
                .get("lambda-runtime-function-error-type")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "Unhandled".to_owned())
}

async fn invocation_error(
    State(state): State<Arc<RuntimeState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(events) = complete(&state, &id) else {
        return unknown_request(&id);
    };
    let error_type = error_type_of(&headers, &body);
    let _ = events.send(RuntimeEvent::Error {
        error_type,
        payload: body,
    });
    accepted()
}

async fn init_error_handler(
    State(state): State<Arc<RuntimeState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let error_type = error_type_of(&headers, &body);
    state.init_error.send_replace(Some(InitError {
        error_type,
        payload: body,
    }));
    accepted()
}

async fn unknown() -> Response {
    error_body(StatusCode::NOT_FOUND, "NotFound", "not a Runtime API route")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> reqwest::Client {
        reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client")
    }

    fn invocation(id: &str) -> (Invocation, mpsc::UnboundedReceiver<RuntimeEvent>) {
        let (events, receiver) = mpsc::unbounded_channel();
        let invocation = Invocation {
            request_id: id.to_owned(),
            payload: Bytes::from_static(b"{\"n\":1}"),
            timeout: Duration::from_secs(3),
            trace_id: "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0"
                .into(),
            client_context: Some("{\"custom\":{}}".into()),
            cognito_identity: None,
            events,
        };
        (invocation, receiver)
    }

    /// Plays the runtime client's side of the wire protocol against the server.
    #[tokio::test]
    async fn the_wire_protocol() {
        let api = RuntimeApi::start("arn:aws:lambda:eu-central-1:123456789012:function:f")
            .await
            .expect("starts");
        let base = format!("http://{}/2018-06-01/runtime", api.addr);
        let http = client();
        assert!(api.first_poll().is_none());

        let (first, mut events) = invocation("req-1");
        api.dispatch(first).expect("accepted");
        let (second, _) = invocation("req-2");
        assert_eq!(
            api.dispatch(second),
            Err(NotAccepted),
            "one invocation at a time"
        );

        let next = http
            .get(format!("{base}/invocation/next"))
            .send()
            .await
            .expect("next");
        assert_eq!(next.status(), 200);
        let headers = next.headers().clone();
        assert_eq!(headers["lambda-runtime-aws-request-id"], "req-1");
        assert_eq!(
            headers["lambda-runtime-invoked-function-arn"],
            "arn:aws:lambda:eu-central-1:123456789012:function:f"
        );
        assert!(
            headers["lambda-runtime-trace-id"]
                .to_str()
                .expect("ascii")
                .starts_with("Root=1-")
        );
        assert_eq!(headers["lambda-runtime-client-context"], "{\"custom\":{}}");
        assert!(headers.get("lambda-runtime-cognito-identity").is_none());
        let deadline: u128 = headers["lambda-runtime-deadline-ms"]
            .to_str()
            .expect("ascii")
            .parse()
            .expect("ms");
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock")
            .as_millis();
        assert!(
            deadline > now && deadline <= now + 3_000,
            "{deadline} vs {now}"
        );
        assert_eq!(
            next.bytes().await.expect("body"),
            Bytes::from_static(b"{\"n\":1}")
        );
        assert!(api.first_poll().is_some());
        assert!(matches!(
            events.recv().await,
            Some(RuntimeEvent::Started(_))
        ));

        // Only the invocation in progress can be answered.
        let wrong = http
            .post(format!("{base}/invocation/req-9/response"))
            .body("{}")
            .send()
            .await
            .expect("answer");
        assert_eq!(wrong.status(), 400);
        let ok = http
            .post(format!("{base}/invocation/req-1/response"))
            .body("{\"ok\":true}")
            .send()
            .await
            .expect("answer");
        assert_eq!(ok.status(), 202);
        assert_eq!(
            events.recv().await,
            Some(RuntimeEvent::Response(Bytes::from_static(b"{\"ok\":true}")))
        );
        let twice = http
            .post(format!("{base}/invocation/req-1/response"))
            .body("{}")
            .send()
            .await
            .expect("answer");
        assert_eq!(twice.status(), 400, "an invocation is answered once");

        // An error document; its errorType wins over the header's.
        let (third, mut events) = invocation("req-3");
        api.dispatch(third).expect("accepted");
        http.get(format!("{base}/invocation/next"))
            .send()
            .await
            .expect("next");
        let error = http
            .post(format!("{base}/invocation/req-3/error"))
            .header("lambda-runtime-function-error-type", "unhandled")
            .body("{\"errorType\":\"MyError\",\"errorMessage\":\"boom\"}")
            .send()
            .await
            .expect("answer");
        assert_eq!(error.status(), 202);
        assert!(matches!(
            events.recv().await,
            Some(RuntimeEvent::Started(_))
        ));
        let Some(RuntimeEvent::Error {
            error_type,
            payload,
        }) = events.recv().await
        else {
            panic!("an error event")
        };
        assert_eq!(error_type, "MyError");
        assert!(String::from_utf8_lossy(&payload).contains("boom"));

        // An oversized response is refused with Lambda's error and ends the invocation.
        let (fourth, mut events) = invocation("req-4");
        api.dispatch(fourth).expect("accepted");
        http.get(format!("{base}/invocation/next"))
            .send()
            .await
            .expect("next");
        let big = http
            .post(format!("{base}/invocation/req-4/response"))
            .body(vec![b'x'; MAX_RESPONSE_BYTES + 1])
            .send()
            .await
            .expect("answer");
        assert_eq!(big.status(), 413);
        events.recv().await;
        assert!(matches!(
            events.recv().await,
            Some(RuntimeEvent::Error { error_type, .. }) if error_type == "Function.ResponseSizeTooLarge"
        ));

        // An init error is published for the instance.
        let init_error = api.init_error();
        let reported = http
            .post(format!("{base}/init/error"))
            .header("lambda-runtime-function-error-type", "Runtime.InitError")
            .body("not json")
            .send()
            .await
            .expect("answer");
        assert_eq!(reported.status(), 202);
        let reported = init_error.borrow().clone().expect("an init error");
        assert_eq!(reported.error_type, "Runtime.InitError");
        assert_eq!(reported.payload, Bytes::from_static(b"not json"));

        let unknown = http
            .get(format!("http://{}/nope", api.addr))
            .send()
            .await
            .expect("answer");
        assert_eq!(unknown.status(), 404);
    }
}
