//! The whole local stack from one template: moto, the created resources, the Lambda service, the
//! HTTP APIs and the event sources, started in that order and stopped together.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use cfp_local_event_sources::{
    AsyncInvoker, AsyncTiming, CheckpointError, CheckpointStore, DynamoDbStreamSubscription,
    NotificationClients, PollerTiming, S3NotificationSource, SnsSubscription, StreamClients,
    StreamSourceOptions,
};
use cfp_local_http_api::HttpApiConfig;
use cfp_local_invoke::Invoke;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::AbortOnDropHandle;

use crate::aws_clients::AwsClients;
use crate::child_process::guarded_command;
use crate::faults::{FaultInjectingInvoker, FaultPlan, SesFaultProxy};
use crate::lambda::{LambdaService, LambdaSettings, LogSink, invoke_api};
use crate::moto::{MotoError, MotoServer};
use crate::provision::serverless::http_api;
use crate::provision::{
    IMPLICIT_HTTP_API, ProvisionError, name_serverless_resources, provision_stack_adopting,
};
use crate::stack::StackInfo;
use crate::stack_resources::StackResources;
use crate::stack_state::{StackStateError, StateDir};
use crate::template::parameters::ParameterError;
use crate::template::{
    ParameterValues, ResolveError, Scope, StackSettings, Template, TemplateError,
    evaluate_conditions,
};
use crate::wiring::{
    WiringError, async_invoke_configs, check_binaries, dynamodb_stream_subscriptions,
    function_configs, http_api_configs, http_api_ids, locate_functions, resolve_functions,
    s3_notification_sources, sns_subscriptions, undriven_events, uses_implicit_api,
};

/// Where the AWS endpoint comes from.
#[derive(Debug, Clone)]
pub enum AwsEndpoint {
    /// Start this `moto_server` on a free loopback port.
    StartMoto(PathBuf),
    /// Use an endpoint that is already running.
    Existing(String),
}

/// Everything `cfp-local up` can be told.
#[derive(Clone)]
pub struct LocalStackOptions {
    pub template: PathBuf,
    /// Where `cargo build` puts binaries (`<target_dir>/<profile>/<binary>`).
    pub target_dir: PathBuf,
    /// `debug` or `release`.
    pub profile: String,
    pub aws: AwsEndpoint,
    /// The first HTTP API's port (0: any free port); further APIs get free ports.
    pub api_port: u16,
    /// The Lambda Invoke API's port (0: any free port).
    pub lambda_port: u16,
    pub stack: StackSettings,
    pub parameter_overrides: Vec<(String, String)>,
    /// Instances per function at most (`ReservedConcurrentExecutions` may lower it).
    pub max_instances: usize,
    /// How long a call waits for a free instance before it is throttled.
    pub queue_timeout: Duration,
    /// Pacing of asynchronous invocations (S3, SNS, `Event`): the pauses before retries.
    pub async_timing: AsyncTiming,
    pub log_sink: Arc<dyn LogSink>,
    /// Faults to inject into event delivery; none by default.
    pub faults: FaultPlan,
    /// Where the stack's resources and stream checkpoints are kept for a runner started again on
    /// the same endpoint; `None` keeps nothing.
    pub state_dir: Option<StateDir>,
}

/// How long a stop waits for the stream batches in flight (the longest stream function timeout
/// of the template is 30 s).
const STREAM_DRAIN_LIMIT: Duration = Duration::from_secs(35);

#[derive(Debug, thiserror::Error)]
pub enum LocalStackError {
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error(transparent)]
    Parameter(#[from] ParameterError),
    #[error("Conditions: {0}")]
    Conditions(ResolveError),
    #[error(transparent)]
    Wiring(#[from] WiringError),
    #[error(transparent)]
    Moto(#[from] MotoError),
    #[error(transparent)]
    Provision(#[from] ProvisionError),
    #[error("cannot listen on {addr} for the {what}: {source}")]
    Bind {
        what: String,
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(
        "port {} for the {what} is already in use: is another `cfp-local up` running? Stop it, or pick another port with {option} (0 takes any free port)",
        addr.port()
    )]
    PortInUse {
        what: String,
        addr: SocketAddr,
        /// The `cfp-local up` option that sets the port.
        option: &'static str,
    },
    #[error(transparent)]
    EventSource(#[from] cfp_local_event_sources::Error),
    #[error(transparent)]
    State(#[from] StackStateError),
    #[error(transparent)]
    Checkpoints(#[from] CheckpointError),
    #[error("cannot start the SES fault proxy: {0}")]
    FaultProxy(std::io::Error),
}

/// An HTTP API being served.
#[derive(Debug, Clone)]
pub struct ServedApi {
    pub logical_id: String,
    pub url: String,
    pub config: HttpApiConfig,
}

/// A running local stack. Dropping it stops its servers and kills moto; [`LocalStack::shutdown`]
/// also waits until every function instance is gone.
pub struct LocalStack {
    pub info: StackInfo,
    pub lambda: Arc<LambdaService>,
    pub resources: StackResources,
    pub apis: Vec<ServedApi>,
    pub stream_subscriptions: Vec<DynamoDbStreamSubscription>,
    /// The buckets whose notifications reach functions.
    pub s3_sources: Vec<S3NotificationSource>,
    /// The functions' topic subscriptions, each with its subscription ARN.
    pub sns_subscriptions: Vec<(SnsSubscription, String)>,
    pub async_invoker: Arc<AsyncInvoker>,
    /// The proxy in front of SES when `--fault ses-error-rate` is on.
    pub ses_fault_proxy: Option<SesFaultProxy>,
    /// Whether the resources were adopted from an earlier run rather than created.
    pub adopted: bool,
    tasks: Vec<AbortOnDropHandle<()>>,
    stream_tasks: Vec<AbortOnDropHandle<()>>,
    stream_stop: CancellationToken,
    moto: Option<MotoServer>,
}

async fn bind(
    what: &str,
    addr: SocketAddr,
    option: &'static str,
) -> Result<TcpListener, LocalStackError> {
    TcpListener::bind(addr).await.map_err(|source| {
        if source.kind() == std::io::ErrorKind::AddrInUse && addr.port() != 0 {
            LocalStackError::PortInUse {
                what: what.to_owned(),
                addr,
                option,
            }
        } else {
            LocalStackError::Bind {
                what: what.to_owned(),
                addr,
                source,
            }
        }
    })
}

impl LocalStack {
    /// Starts everything the template declares. Fails before starting moto when a function's
    /// binary is missing or a listener's port is taken.
    pub async fn start(options: LocalStackOptions) -> Result<Self, LocalStackError> {
        let template = Template::load(&options.template)?;
        let parameters =
            ParameterValues::resolve(&template.parameters, &options.parameter_overrides)?;
        let conditions = evaluate_conditions(
            &template.conditions,
            &template.mappings,
            &options.stack,
            &parameters,
        )
        .map_err(LocalStackError::Conditions)?;
        let scope = Scope {
            stack: &options.stack,
            parameters: &parameters,
            conditions: &conditions,
            mappings: &template.mappings,
        };

        let located = locate_functions(
            &template,
            scope,
            &StackResources::new(),
            &options.target_dir,
            &options.profile,
        )?;
        check_binaries(&located, &options.profile)?;

        // Listeners first: a port in use stops the start before anything else runs.
        let mut api_listeners = BTreeMap::new();
        let mut api_endpoints = BTreeMap::new();
        let implicit_api = uses_implicit_api(&template);
        for (n, logical_id) in http_api_ids(&template, implicit_api)
            .into_iter()
            .enumerate()
        {
            let port = if n == 0 { options.api_port } else { 0 };
            let listener = bind(
                &format!("HTTP API {logical_id}"),
                (Ipv4Addr::LOCALHOST, port).into(),
                "--api-port",
            )
            .await?;
            let addr = listener
                .local_addr()
                .map_err(|source| LocalStackError::Bind {
                    what: logical_id.clone(),
                    addr: (Ipv4Addr::LOCALHOST, port).into(),
                    source,
                })?;
            api_endpoints.insert(logical_id.clone(), format!("http://{addr}"));
            api_listeners.insert(logical_id, listener);
        }
        let lambda_v4 = bind(
            "Lambda API",
            (Ipv4Addr::LOCALHOST, options.lambda_port).into(),
            "--lambda-port",
        )
        .await?;
        let lambda_addr = lambda_v4
            .local_addr()
            .map_err(|source| LocalStackError::Bind {
                what: "Lambda API".into(),
                addr: (Ipv4Addr::LOCALHOST, options.lambda_port).into(),
                source,
            })?;
        // `cargo lambda invoke` calls [::1] unless told otherwise; serve there too when possible.
        let lambda_v6 = TcpListener::bind((Ipv6Addr::LOCALHOST, lambda_addr.port()))
            .await
            .ok();

        let (moto, aws_endpoint) = match &options.aws {
            AwsEndpoint::StartMoto(program) => {
                let moto = MotoServer::start_with(program, |p| guarded_command(p)).await?;
                let endpoint = moto.endpoint().to_owned();
                (Some(moto), endpoint)
            }
            AwsEndpoint::Existing(endpoint) => (None, endpoint.trim_end_matches('/').to_owned()),
        };
        let clients = AwsClients::new(&aws_endpoint, &options.stack.region).await;

        let mut resources = StackResources::new();
        name_serverless_resources(&template, scope, &api_endpoints, &mut resources)?;
        if implicit_api && resources.get(IMPLICIT_HTTP_API).is_none() {
            resources.insert(http_api(&options.stack, IMPLICIT_HTTP_API, &api_endpoints));
        }
        // An endpoint that outlives runners may hold this stack from an earlier run: adopt it.
        let adopted = match (&options.state_dir, &options.aws) {
            (Some(state), AwsEndpoint::Existing(_)) => {
                state
                    .adoptable(&aws_endpoint, &options.stack, &clients)
                    .await
            }
            _ => None,
        };
        provision_stack_adopting(&template, scope, &clients, &mut resources, adopted.as_ref())
            .await?;
        let checkpoints = match &options.state_dir {
            Some(state) => {
                state.save(&aws_endpoint, &options.stack, &resources)?;
                let file = state.checkpoints_file();
                Some(Arc::new(if adopted.is_some() {
                    CheckpointStore::open(&file)?
                } else {
                    CheckpointStore::empty(&file)?
                }))
            }
            None => None,
        };
        let ses_fault_proxy = if options.faults.ses_error_rate.is_never() {
            None
        } else {
            Some(
                SesFaultProxy::start(
                    &aws_endpoint,
                    options.faults.ses_error_rate,
                    options.faults.seed,
                )
                .await
                .map_err(LocalStackError::FaultProxy)?,
            )
        };
        if options.faults.is_active() {
            tracing::warn!(faults = %options.faults.describe(), "injecting faults into event delivery");
        }

        let functions = resolve_functions(&template, scope, &resources, &located)?;
        for (function, event, event_type) in undriven_events(&functions) {
            tracing::warn!(%function, %event, %event_type, "this event type is not driven locally yet; the function only runs when invoked");
        }
        let mut settings = LambdaSettings::new(
            &options.stack.region,
            &aws_endpoint,
            options.log_sink.clone(),
        );
        settings.queue_timeout = options.queue_timeout;
        // The X-Ray daemon traced functions send their subsegments to; it logs each one.
        let (xray_address, xray_socket) =
            crate::xray_daemon::bind()
                .await
                .map_err(|source| LocalStackError::Bind {
                    what: "X-Ray daemon".into(),
                    addr: (Ipv4Addr::LOCALHOST, 0).into(),
                    source,
                })?;
        settings.xray_daemon = Some(xray_address);
        if let Some(proxy) = &ses_fault_proxy {
            settings.service_endpoints.extend(proxy.environment());
        }
        let lambda = Arc::new(LambdaService::new(
            function_configs(&functions, options.max_instances),
            settings,
        ));
        let invoker: Arc<dyn Invoke> = lambda.clone();
        // Event deliveries meet the injected handler errors and crashes; HTTP calls never do.
        let event_invoker: Arc<dyn Invoke> = if options.faults.affects_invocations() {
            Arc::new(FaultInjectingInvoker::new(
                lambda.clone(),
                options.faults.clone(),
            ))
        } else {
            invoker.clone()
        };
        let async_invoker = Arc::new(
            AsyncInvoker::new(
                event_invoker.clone(),
                clients.sqs.clone(),
                async_invoke_configs(&functions, &resources)?,
                options.async_timing.clone(),
            )
            .with_delivery(options.faults.delivery()),
        );

        let api_configs =
            http_api_configs(&template, scope, &resources, &functions, &aws_endpoint)?;
        let subscriptions =
            dynamodb_stream_subscriptions(&functions, &resources, &options.stack.region)?;
        let s3_sources = s3_notification_sources(&functions, &resources)?;
        let sns_wanted = sns_subscriptions(&functions, &resources);

        let mut tasks = vec![AbortOnDropHandle::new(tokio::spawn(
            crate::xray_daemon::run(xray_socket, options.log_sink.clone()),
        ))];
        for listener in std::iter::once(lambda_v4).chain(lambda_v6) {
            let service = lambda.clone();
            let async_invoker = async_invoker.clone();
            tasks.push(AbortOnDropHandle::new(tokio::spawn(async move {
                if let Err(err) = invoke_api::serve(listener, service, async_invoker).await {
                    tracing::error!(%err, "the Lambda API stopped");
                }
            })));
        }
        let mut apis = Vec::new();
        for (logical_id, config) in api_configs {
            let Some(listener) = api_listeners.remove(&logical_id) else {
                continue;
            };
            let base = api_endpoints.get(&logical_id).cloned().unwrap_or_default();
            let url = if config.stage == "$default" {
                base
            } else {
                format!("{base}/{}", config.stage)
            };
            apis.push(ServedApi {
                logical_id: logical_id.clone(),
                url,
                config: config.clone(),
            });
            let invoker = invoker.clone();
            tasks.push(AbortOnDropHandle::new(tokio::spawn(async move {
                if let Err(err) = cfp_local_http_api::serve(listener, config, invoker).await {
                    tracing::error!(api = %logical_id, %err, "the HTTP API stopped");
                }
            })));
        }
        let stream_clients = StreamClients {
            streams: clients.dynamodb_streams.clone(),
            sqs: clients.sqs.clone(),
        };
        // Every event source is reading before start returns, so that the stack file (written
        // after it) never announces a stack that would miss an event.
        let stream_stop = CancellationToken::new();
        let mut stream_tasks = Vec::new();
        for subscription in &subscriptions {
            let run = cfp_local_event_sources::start_dynamodb_stream(
                subscription.clone(),
                stream_clients.clone(),
                event_invoker.clone(),
                StreamSourceOptions {
                    timing: PollerTiming::default(),
                    delivery: options.faults.delivery(),
                    checkpoints: checkpoints.clone(),
                    stop: stream_stop.clone(),
                },
            )
            .await?;
            stream_tasks.push(AbortOnDropHandle::new(tokio::spawn(run)));
        }
        let notification_clients = NotificationClients {
            sqs: clients.sqs.clone(),
            s3: clients.s3.clone(),
            sns: clients.sns.clone(),
        };
        for source in &s3_sources {
            let run = cfp_local_event_sources::start_s3_notifications(
                source.clone(),
                notification_clients.clone(),
                async_invoker.clone(),
            )
            .await?;
            tasks.push(AbortOnDropHandle::new(tokio::spawn(run)));
        }
        let mut sns_started = Vec::new();
        for subscription in sns_wanted {
            let (arn, run) = cfp_local_event_sources::start_sns_subscription(
                subscription.clone(),
                notification_clients.clone(),
                async_invoker.clone(),
            )
            .await?;
            tasks.push(AbortOnDropHandle::new(tokio::spawn(run)));
            sns_started.push((subscription, arn));
        }

        let info = StackInfo::from_resources(
            &resources,
            &aws_endpoint,
            &options.stack.region,
            apis.first().map(|a| a.url.clone()),
            &format!("http://{lambda_addr}"),
        );
        Ok(LocalStack {
            info,
            lambda,
            resources,
            apis,
            stream_subscriptions: subscriptions,
            s3_sources,
            sns_subscriptions: sns_started,
            async_invoker,
            ses_fault_proxy,
            adopted: adopted.is_some(),
            tasks,
            stream_tasks,
            stream_stop,
            moto,
        })
    }

    /// Stops the servers and event sources, every function instance, then moto. The stream
    /// batches in flight are let finish first (for up to [`STREAM_DRAIN_LIMIT`]), so that their
    /// checkpoints are saved and a runner started again neither repeats nor loses them.
    pub async fn shutdown(mut self) {
        self.stream_stop.cancel();
        let streams: Vec<_> = self.stream_tasks.drain(..).collect();
        if tokio::time::timeout(STREAM_DRAIN_LIMIT, join_all_tasks(streams))
            .await
            .is_err()
        {
            tracing::warn!(
                "stream batches still in flight after {STREAM_DRAIN_LIMIT:?}; stopping them"
            );
        }
        for task in self.tasks.drain(..) {
            task.abort();
        }
        self.async_invoker.shutdown();
        self.lambda.shutdown().await;
        if let Some(moto) = self.moto.take() {
            moto.stop().await;
        }
    }
}

/// Waits for every task; a task that panicked or was aborted counts as ended.
async fn join_all_tasks(tasks: Vec<AbortOnDropHandle<()>>) {
    for task in tasks {
        let _ = task.await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_taken_port_names_the_option_that_moves_it() {
        let taken = bind(
            "HTTP API Api",
            (Ipv4Addr::LOCALHOST, 0).into(),
            "--api-port",
        )
        .await
        .expect("a free port");
        let addr = taken.local_addr().expect("an address");
        let err = bind("HTTP API Api", addr, "--api-port")
            .await
            .expect_err("the port is taken");
        let text = err.to_string();
        assert!(matches!(err, LocalStackError::PortInUse { .. }), "{text}");
        assert!(text.contains(&format!("port {}", addr.port())), "{text}");
        assert!(
            text.contains("another `cfp-local up`") && text.contains("--api-port"),
            "{text}"
        );
    }
}
