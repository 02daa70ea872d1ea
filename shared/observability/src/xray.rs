//! Each AWS SDK call as an X-Ray subsegment of the invocation's trace (namespace `aws`, named
//! after the service, with the operation, the request id, the HTTP status and the error, throttle
//! and fault flags), sent to the X-Ray daemon Lambda runs beside the function.
//!
//! [`XraySubsegments`] is an SDK interceptor, registered once on each client's config where the
//! client is built (cfp-dynamodb, cfp-ses, cfp-sns, cfp-s3). It reads the invocation's trace from
//! `_X_AMZN_TRACE_ID` at each call (lambda_runtime sets it per invocation); without a daemon
//! address (`AWS_XRAY_DAEMON_ADDRESS`), a trace or a sampled trace it does nothing, and nothing
//! it does can fail a call.

use std::net::SocketAddr;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};
use xray_lite::{
    AwsOperation, Client, DaemonClient, Http, Response, SegmentId, Subsegment, TraceId,
};

/// The variable Lambda sets to the daemon's `host:port` when tracing is active.
pub const DAEMON_ADDRESS_VARIABLE: &str = "AWS_XRAY_DAEMON_ADDRESS";
/// The variable lambda_runtime sets to each invocation's trace header.
pub const TRACE_HEADER_VARIABLE: &str = "_X_AMZN_TRACE_ID";

/// The parts of an `X-Amzn-Trace-Id` header a subsegment needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceHeader {
    /// `1-<8 hex>-<24 hex>`.
    pub root: String,
    /// The function's segment (`Parent=`), the parent of our subsegments.
    pub parent: Option<String>,
    pub sampled: bool,
}

impl TraceHeader {
    /// `Root=1-...;Parent=...;Sampled=1` in any order, with any other fields; `None` without a
    /// well-formed root.
    pub fn parse(header: &str) -> Option<TraceHeader> {
        let mut root = None;
        let mut parent = None;
        let mut sampled = false;
        for field in header.split(';') {
            match field.trim().split_once('=') {
                Some(("Root", value)) => root = Some(value),
                Some(("Parent", value)) => parent = Some(value),
                Some(("Sampled", value)) => sampled = value == "1",
                _ => {}
            }
        }
        let root = root.filter(|r| is_trace_root(r))?;
        let parent = parent.filter(|p| p.len() == 16 && p.bytes().all(|b| b.is_ascii_hexdigit()));
        Some(TraceHeader {
            root: root.to_owned(),
            parent: parent.map(str::to_owned),
            sampled,
        })
    }
}

/// `1-<8 hex digits>-<24 hex digits>`.
fn is_trace_root(root: &str) -> bool {
    let mut parts = root.split('-');
    let hex = |part: Option<&str>, len: usize| {
        part.is_some_and(|p| p.len() == len && p.bytes().all(|b| b.is_ascii_hexdigit()))
    };
    parts.next() == Some("1")
        && hex(parts.next(), 8)
        && hex(parts.next(), 24)
        && parts.next().is_none()
}

/// Where the current trace comes from: the environment in a function, a fixed value in tests.
type TraceSource = fn() -> Option<String>;

fn trace_from_environment() -> Option<String> {
    std::env::var(TRACE_HEADER_VARIABLE).ok()
}

/// The SDK interceptor: one per client, shared by all its calls. Register it with
/// `<service>::config::Builder::interceptor`.
#[derive(Debug, Clone)]
pub struct XraySubsegments {
    daemon: Option<DaemonClient>,
    trace: TraceSource,
}

impl XraySubsegments {
    /// Sends to `AWS_XRAY_DAEMON_ADDRESS`; inert when it is unset or unusable.
    pub fn from_env() -> Self {
        let daemon = std::env::var(DAEMON_ADDRESS_VARIABLE)
            .ok()
            .and_then(|address| daemon_address(&address))
            .and_then(|address| match DaemonClient::new(address) {
                Ok(client) => Some(client),
                Err(error) => {
                    tracing::warn!(%error, "no X-Ray subsegments: cannot open a UDP socket");
                    None
                }
            });
        XraySubsegments {
            daemon,
            trace: trace_from_environment,
        }
    }

    /// Sends to `daemon` for the trace `trace` gives (tests).
    pub fn with_daemon(daemon: SocketAddr, trace: fn() -> Option<String>) -> std::io::Result<Self> {
        Ok(XraySubsegments {
            daemon: Some(DaemonClient::new(daemon).map_err(std::io::Error::other)?),
            trace,
        })
    }
}

/// `127.0.0.1:2000` as Lambda gives it; a host name is resolved once.
fn daemon_address(address: &str) -> Option<SocketAddr> {
    use std::net::ToSocketAddrs;
    address.to_socket_addrs().ok()?.next()
}

/// The subsegment of the attempt in progress, kept in the call's own config bag (the interceptor
/// is shared by concurrent calls).
#[derive(Debug)]
struct Attempt(Option<Subsegment>);

impl Storable for Attempt {
    type Storer = StoreReplace<Self>;
}

/// How an attempt ended, as the subsegment reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttemptOutcome {
    /// The HTTP status, when a response came.
    pub status: Option<u16>,
    /// `x-amzn-requestid` (or `x-amz-request-id`).
    pub request_id: Option<String>,
    /// An error code such as `ThrottlingException`, when the service sent one.
    pub error_code: Option<String>,
}

/// Error codes of throttled requests (X-Ray's `throttled` flag).
const THROTTLING_CODES: &[&str] = &[
    "ThrottlingException",
    "Throttling",
    "ThrottledException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "SlowDown",
];

/// Fills in a begun subsegment: the AWS fields, the HTTP status and the flags as X-Ray reads them
/// (4xx an error, 429 or a throttling code also throttled, 5xx or no response at all a fault).
pub fn finish_subsegment(
    mut subsegment: Subsegment,
    operation: &str,
    outcome: &AttemptOutcome,
) -> Subsegment {
    subsegment.end();
    subsegment.namespace = Some("aws".to_owned());
    subsegment.aws = Some(AwsOperation {
        operation: Some(operation.to_owned()),
        request_id: outcome.request_id.clone(),
        ..AwsOperation::default()
    });
    match outcome.status {
        Some(status) => {
            subsegment.http = Some(Http {
                response: Some(Response {
                    status: Some(status),
                    ..Response::default()
                }),
                ..Http::default()
            });
            subsegment.error = (400..500).contains(&status);
            subsegment.fault = status >= 500;
        }
        None => subsegment.fault = true,
    }
    subsegment.throttled = outcome.status == Some(429)
        || outcome
            .error_code
            .as_deref()
            .is_some_and(|code| THROTTLING_CODES.contains(&code));
    if subsegment.throttled {
        subsegment.error = true;
    }
    subsegment
}

/// A subsegment named after `service` under the function's segment of `trace`.
pub fn begin_subsegment(trace: &TraceHeader, service: &str) -> Subsegment {
    Subsegment::begin(
        TraceId::Rendered(trace.root.clone()),
        trace.parent.clone().map(SegmentId::Rendered),
        service,
    )
}

impl Intercept for XraySubsegments {
    fn name(&self) -> &'static str {
        "XraySubsegments"
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if self.daemon.is_none() {
            return Ok(());
        }
        let Some(trace) = (self.trace)()
            .as_deref()
            .and_then(TraceHeader::parse)
            .filter(|t| t.sampled)
        else {
            return Ok(());
        };
        let service = cfg
            .load::<Metadata>()
            .map_or("AWS", |metadata| metadata.service())
            .to_owned();
        cfg.interceptor_state()
            .store_put(Attempt(Some(begin_subsegment(&trace, &service))));
        Ok(())
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(daemon) = &self.daemon else {
            return Ok(());
        };
        let Some(subsegment) = cfg
            .get_mut_from_interceptor_state::<Attempt>()
            .and_then(|attempt| attempt.0.take())
        else {
            return Ok(());
        };
        let operation = cfg
            .load::<Metadata>()
            .map_or("", |metadata| metadata.name())
            .to_owned();
        let outcome = match context.response() {
            Some(response) => {
                let header = |name: &str| response.headers().get(name).map(str::to_owned);
                AttemptOutcome {
                    status: Some(response.status().as_u16()),
                    request_id: header("x-amzn-requestid").or_else(|| header("x-amz-request-id")),
                    error_code: header("x-amzn-errortype")
                        .map(|t| t.split(':').next().unwrap_or_default().to_owned()),
                }
            }
            None => AttemptOutcome::default(),
        };
        let subsegment = finish_subsegment(subsegment, &operation, &outcome);
        // UDP to the local daemon: a lost subsegment is better than a failed call.
        if let Err(error) = daemon.send(&subsegment) {
            tracing::debug!(%error, "X-Ray subsegment not sent");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    const HEADER: &str =
        "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";

    #[test]
    fn a_lambda_trace_header_parses() {
        let trace = TraceHeader::parse(HEADER).expect("a trace");
        assert_eq!(trace.root, "1-5759e988-bd862e3fe1be46a994272793");
        assert_eq!(trace.parent.as_deref(), Some("53995c3f42cd8ad8"));
        assert!(trace.sampled);
        let unsampled = TraceHeader::parse(
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0;Lineage=a:0",
        )
        .expect("a trace");
        assert!(!unsampled.sampled);
    }

    #[test]
    fn malformed_headers_are_no_trace() {
        for header in [
            "",
            "Root=",
            "Root=1-xyz-abc;Sampled=1",
            "Parent=53995c3f42cd8ad8;Sampled=1",
            "Root=1-5759e988-bd862e3fe1be46a994272793-extra;Sampled=1",
        ] {
            assert_eq!(TraceHeader::parse(header), None, "{header}");
        }
    }

    fn document(outcome: &AttemptOutcome) -> Value {
        let trace = TraceHeader::parse(HEADER).expect("a trace");
        let subsegment =
            finish_subsegment(begin_subsegment(&trace, "DynamoDB"), "PutItem", outcome);
        serde_json::to_value(&subsegment).expect("JSON")
    }

    #[test]
    fn a_successful_call_is_an_aws_subsegment_of_the_functions_segment() {
        let document = document(&AttemptOutcome {
            status: Some(200),
            request_id: Some("REQ123".into()),
            error_code: None,
        });
        assert_eq!(document["type"], "subsegment");
        assert_eq!(document["name"], "DynamoDB");
        assert_eq!(document["namespace"], "aws");
        assert_eq!(document["trace_id"], "1-5759e988-bd862e3fe1be46a994272793");
        assert_eq!(document["parent_id"], "53995c3f42cd8ad8");
        assert_eq!(document["aws"]["operation"], "PutItem");
        assert_eq!(document["aws"]["request_id"], "REQ123");
        assert_eq!(document["http"]["response"]["status"], 200);
        let id = document["id"].as_str().expect("an id");
        assert!(
            id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()),
            "{id}"
        );
        let (start, end) = (
            document["start_time"].as_f64().expect("start"),
            document["end_time"].as_f64().expect("end"),
        );
        assert!(start > 1.6e9 && end >= start, "{document}");
        for flag in ["in_progress", "error", "fault", "throttled"] {
            assert!(document.get(flag).is_none(), "{flag}: {document}");
        }
    }

    #[test]
    fn client_errors_throttles_and_faults_are_flagged() {
        let conditional = document(&AttemptOutcome {
            status: Some(400),
            error_code: Some("ConditionalCheckFailedException".into()),
            ..AttemptOutcome::default()
        });
        assert_eq!(conditional["error"], true);
        assert!(conditional.get("throttled").is_none() && conditional.get("fault").is_none());

        let throttled = document(&AttemptOutcome {
            status: Some(400),
            error_code: Some("ProvisionedThroughputExceededException".into()),
            ..AttemptOutcome::default()
        });
        assert_eq!(throttled["error"], true);
        assert_eq!(throttled["throttled"], true);

        let fault = document(&AttemptOutcome {
            status: Some(503),
            ..AttemptOutcome::default()
        });
        assert_eq!(fault["fault"], true);
        assert!(fault.get("error").is_none());

        let no_response = document(&AttemptOutcome::default());
        assert_eq!(no_response["fault"], true);
        assert!(no_response.get("http").is_none());
    }
}
