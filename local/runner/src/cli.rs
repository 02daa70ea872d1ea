//! The `cfp-local` command line: `up`, `user create|token`, `mail`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};

use cfp_local_event_sources::AsyncTiming;

use crate::faults::{FaultPlan, FaultSpec};
use crate::lambda::StdoutSink;
use crate::local_stack::{AwsEndpoint, LocalStack, LocalStackOptions};
use crate::mail::{is_addressed_to, sent_emails};
use crate::stack::StackInfo;
use crate::stack_state::StateDir;
use crate::template::StackSettings;
use crate::template::parameters::parse_override;
use crate::users::LocalUsers;

#[derive(Debug, Parser)]
#[command(
    name = "cfp-local",
    version,
    about = "template.yaml on one machine: moto, the functions, the HTTP API and the event sources"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the local stack and keep it running until Ctrl-C or SIGTERM.
    Up(UpArgs),
    /// Users of the local user pool.
    #[command(subcommand)]
    User(UserCommand),
    /// List the e-mails sent through the local SES.
    Mail(MailArgs),
}

#[derive(Debug, Args)]
pub struct UpArgs {
    /// The SAM template.
    #[arg(long, default_value = "template.yaml")]
    pub template: PathBuf,
    /// Which build of the function binaries to run.
    #[arg(long, default_value = "debug", value_parser = ["debug", "release"])]
    pub profile: String,
    /// Cargo's target directory [default: $CARGO_TARGET_DIR, else target/ beside the template].
    #[arg(long)]
    pub target_dir: Option<PathBuf>,
    /// The moto_server to start [default: .venv/moto/bin/moto_server beside the template, else moto_server on PATH].
    #[arg(long, conflicts_with = "aws_endpoint")]
    pub moto_server: Option<PathBuf>,
    /// Use this running AWS endpoint instead of starting moto.
    #[arg(long)]
    pub aws_endpoint: Option<String>,
    /// Port of the HTTP API (0: any free port).
    #[arg(long, default_value_t = 3000)]
    pub api_port: u16,
    /// Port of the Lambda Invoke API (0: any free port).
    #[arg(long, default_value_t = 9001)]
    pub lambda_port: u16,
    #[arg(long, default_value = StackSettings::DEFAULT_REGION)]
    pub region: String,
    #[arg(long, default_value = StackSettings::DEFAULT_STACK_NAME)]
    pub stack_name: String,
    /// Where to write the stack file once everything is up.
    #[arg(long, default_value = StackInfo::DEFAULT_PATH)]
    pub stack_file: PathBuf,
    /// Template parameters, as KEY=VALUE.
    #[arg(long, num_args = 1.., value_parser = parse_parameter)]
    pub parameter_overrides: Vec<(String, String)>,
    /// Instances per function at most.
    #[arg(long, default_value_t = 10)]
    pub max_instances: usize,
    /// Seconds a call waits for a free instance before it is throttled.
    #[arg(long, default_value_t = 3)]
    pub queue_seconds: u64,
    /// Seconds before the first retry of a failed asynchronous event (S3, SNS, `Event`
    /// invocations); the second waits twice as long. Lambda waits about a minute.
    #[arg(long, default_value_t = 1)]
    pub async_retry_seconds: u64,
    /// Inject a fault into event delivery (repeatable): duplicate-deliveries,
    /// handler-error-rate=R, ses-error-rate=R, crash-mid-batch-rate=R (R from 0 to 1).
    #[arg(long = "fault", value_name = "FAULT", value_parser = parse_fault)]
    pub faults: Vec<FaultSpec>,
    /// Seed of the faults' random decisions, to replay a run [default: a random one, printed].
    #[arg(long)]
    pub fault_seed: Option<u64>,
    /// Where the stack's resources and stream checkpoints are kept, for a runner started again
    /// on the same --aws-endpoint [default: beside the stack file, `<name>.state`].
    #[arg(long)]
    pub state_dir: Option<PathBuf>,
}

fn parse_fault(text: &str) -> Result<FaultSpec, String> {
    text.parse()
        .map_err(|e: crate::faults::FaultPlanError| e.to_string())
}

fn parse_parameter(text: &str) -> Result<(String, String), String> {
    parse_override(text).map_err(|e| e.to_string())
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user (verified e-mail, permanent password) and print its ID token.
    Create(UserArgs),
    /// Sign an existing user in and print its ID token.
    Token(UserArgs),
}

#[derive(Debug, Args)]
pub struct UserArgs {
    #[arg(long)]
    pub email: String,
    #[arg(long)]
    pub password: String,
    /// Groups to add the user to (create only).
    #[arg(long = "group")]
    pub groups: Vec<String>,
    /// Print all three tokens as JSON.
    #[arg(long)]
    pub json: bool,
    #[arg(long, default_value = StackInfo::DEFAULT_PATH)]
    pub stack_file: PathBuf,
}

#[derive(Debug, Args)]
pub struct MailArgs {
    /// Only mail to this address.
    #[arg(long)]
    pub to: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    #[arg(long, default_value = StackInfo::DEFAULT_PATH)]
    pub stack_file: PathBuf,
}

/// Runs the command.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Up(args) => up(args).await,
        Command::User(UserCommand::Create(args)) => user(args, true).await,
        Command::User(UserCommand::Token(args)) => user(args, false).await,
        Command::Mail(args) => mail(args).await,
    }
}

fn template_dir(template: &Path) -> PathBuf {
    template
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_owned)
}

async fn up(args: UpArgs) -> anyhow::Result<()> {
    // A stale file from a killed run must not point clients at a dead stack.
    StackInfo::remove(&args.stack_file)?;
    let dir = template_dir(&args.template);
    let target_dir = args
        .target_dir
        .clone()
        .or_else(|| std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from))
        .unwrap_or_else(|| dir.join("target"));
    let aws = match (&args.aws_endpoint, &args.moto_server) {
        (Some(endpoint), _) => AwsEndpoint::Existing(endpoint.clone()),
        (None, Some(program)) => AwsEndpoint::StartMoto(program.clone()),
        (None, None) => {
            let venv = dir.join(".venv/moto/bin/moto_server");
            AwsEndpoint::StartMoto(if venv.is_file() {
                venv
            } else {
                PathBuf::from("moto_server")
            })
        }
    };
    let seed = args.fault_seed.unwrap_or_else(rand::random);
    let faults = FaultPlan::from_specs(&args.faults, seed)?;
    let state_dir = args
        .state_dir
        .clone()
        .map_or_else(|| StateDir::beside(&args.stack_file), StateDir::new);
    let options = LocalStackOptions {
        template: args.template.clone(),
        target_dir,
        profile: args.profile.clone(),
        aws,
        api_port: args.api_port,
        lambda_port: args.lambda_port,
        stack: StackSettings {
            stack_name: args.stack_name.clone(),
            region: args.region.clone(),
            account_id: StackSettings::MOTO_ACCOUNT_ID.to_owned(),
        },
        parameter_overrides: args.parameter_overrides.clone(),
        max_instances: args.max_instances,
        queue_timeout: Duration::from_secs(args.queue_seconds),
        async_timing: AsyncTiming {
            first_retry_delay: Duration::from_secs(args.async_retry_seconds),
            ..AsyncTiming::default()
        },
        log_sink: Arc::new(StdoutSink),
        faults,
        state_dir: Some(state_dir),
    };
    let faults_line = options
        .faults
        .is_active()
        .then(|| options.faults.describe());
    let stack = LocalStack::start(options).await.with_context(|| {
        format!(
            "cannot start the local stack from {}",
            args.template.display()
        )
    })?;
    if let Err(err) = stack.info.write_atomically(&args.stack_file) {
        stack.shutdown().await;
        return Err(err.into());
    }
    print_banner(&stack, &args.stack_file, faults_line.as_deref());

    wait_for_stop_signal().await?;
    eprintln!("cfp-local: stopping");
    stack.shutdown().await;
    StackInfo::remove(&args.stack_file)?;
    Ok(())
}

async fn wait_for_stop_signal() -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .context("cannot listen for SIGTERM")?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result.context("cannot listen for Ctrl-C")?,
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c()
        .await
        .context("cannot listen for Ctrl-C")?;
    Ok(())
}

/// A path of the template with its parameters filled in for the example.
fn example_path(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        match rest[start..].find('}') {
            Some(end) => {
                out.push_str("demo");
                rest = &rest[start + end + 1..];
            }
            None => {
                rest = &rest[start..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

fn print_banner(stack: &LocalStack, stack_file: &Path, faults: Option<&str>) {
    let info = &stack.info;
    let mut lines = vec!["cfp-local is up.".to_owned()];
    for api in &stack.apis {
        lines.push(format!(
            "  HTTP API {:<16} {} ({} routes)",
            api.logical_id,
            api.url,
            api.config.routes.len()
        ));
    }
    lines.push(format!(
        "  Lambda API              {}",
        info.lambda_endpoint
    ));
    lines.push(format!(
        "  AWS endpoint            {}  (region {})",
        info.aws_endpoint, info.region
    ));
    lines.push(format!(
        "  Stack file              {}",
        stack_file.display()
    ));
    lines.push(format!(
        "  Stream subscriptions    {}",
        stack.stream_subscriptions.len()
    ));
    if stack.adopted {
        lines.push("  Resources               adopted from the earlier run on this endpoint; stream delivery resumes at its checkpoints".to_owned());
    }
    if let Some(faults) = faults {
        lines.push(format!("  Faults                  {faults}"));
    }
    if let Some(proxy) = &stack.ses_fault_proxy {
        lines.push(format!("  SES fault proxy         {}", proxy.url()));
    }
    for source in &stack.s3_sources {
        let targets: Vec<String> = source
            .targets
            .iter()
            .map(|t| {
                let filter = match (&t.prefix, &t.suffix) {
                    (None, None) => String::new(),
                    (prefix, suffix) => format!(
                        " [{}*{}]",
                        prefix.as_deref().unwrap_or_default(),
                        suffix.as_deref().unwrap_or_default()
                    ),
                };
                format!("{} ({}{filter})", t.function, t.events.join(","))
            })
            .collect();
        lines.push(format!(
            "  Bucket                  {} -> {}",
            source.bucket,
            targets.join(", ")
        ));
    }
    for (subscription, _) in &stack.sns_subscriptions {
        let filter = if subscription.filter_policy.is_some() {
            " (filter policy)"
        } else {
            ""
        };
        lines.push(format!(
            "  Topic                   {} -> {}{filter}",
            subscription.topic_arn, subscription.function
        ));
    }
    lines.push(String::new());
    lines.push("Try it (README.md, \"Trying it\", has a whole walkthrough):".to_owned());
    let me = this_command();
    if let Some(api) = stack.apis.first() {
        if let Some(public) = api.config.routes.iter().find(|r| r.authorizer.is_none()) {
            lines.push(format!(
                "  curl -i -X {} {}{}",
                public.method,
                api.url,
                example_path(&public.path)
            ));
        }
        if let Some(private) = api
            .config
            .routes
            .iter()
            .filter(|r| r.authorizer.is_some())
            .min_by_key(|r| (r.method != "GET", r.path.matches('{').count()))
        {
            let file = stack_file.display();
            lines.push(format!(
                "  TOKEN=$({me} user create --stack-file {file} --email organiser@example.org --password 'Local-Passw0rd-1' --group admins)"
            ));
            lines.push(format!(
                "  curl -i -X {} -H \"Authorization: Bearer $TOKEN\" {}{}",
                private.method,
                api.url,
                example_path(&private.path)
            ));
        }
    }
    if let Some(function) = stack.lambda.functions().first() {
        let port = info.lambda_endpoint.rsplit(':').next().unwrap_or("9001");
        lines.push(format!(
            "  curl -s --data-binary @events/<event>.json {}/2015-03-31/functions/{}/invocations",
            info.lambda_endpoint, function.logical_id
        ));
        lines.push(format!(
            "  cargo lambda invoke --invoke-port {port} --data-file events/<event>.json {}",
            function.logical_id
        ));
        lines.push(format!(
            "  curl -s {}/_local/functions/{}/invocations",
            info.lambda_endpoint, function.logical_id
        ));
    }
    lines.push(format!("  {me} mail --stack-file {}", stack_file.display()));
    lines.push("Ctrl-C stops everything.".to_owned());
    println!("{}", lines.join("\n"));
}

/// How to call this very binary from the current directory (it is rarely on PATH).
fn this_command() -> String {
    let exe = std::env::current_exe().ok();
    let cwd = std::env::current_dir().ok();
    match (exe, cwd) {
        (Some(exe), Some(cwd)) => match exe.strip_prefix(&cwd) {
            Ok(relative) => relative.display().to_string(),
            Err(_) => exe.display().to_string(),
        },
        _ => "cfp-local".to_owned(),
    }
}

async fn user(args: UserArgs, create: bool) -> anyhow::Result<()> {
    let stack = StackInfo::load(&args.stack_file)?;
    let users = LocalUsers::from_stack(&stack).await?;
    let tokens = if create {
        users
            .create_and_sign_in(&args.email, &args.password, &args.groups)
            .await?
    } else {
        if !args.groups.is_empty() {
            bail!("--group only applies to `user create`");
        }
        users.sign_in(&args.email, &args.password).await?
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&tokens)?);
    } else {
        println!("{}", tokens.id_token);
    }
    Ok(())
}

async fn mail(args: MailArgs) -> anyhow::Result<()> {
    let stack = StackInfo::load(&args.stack_file)?;
    let mut emails = sent_emails(&stack.aws_endpoint).await?;
    if let Some(to) = &args.to {
        emails.retain(|e| is_addressed_to(e, to));
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&emails)?);
        return Ok(());
    }
    if emails.is_empty() {
        println!(
            "no mail sent{}",
            args.to.map(|to| format!(" to {to}")).unwrap_or_default()
        );
    }
    for (n, email) in emails.iter().enumerate() {
        println!(
            "#{} From: {}\n   To: {}\n   Subject: {}\n\n{}\n",
            n + 1,
            email.from,
            email.to.join(", "),
            email.subject,
            email.body
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_paths_fill_parameters() {
        assert_eq!(
            example_path("/events/{event}/cfps/{id}"),
            "/events/demo/cfps/demo"
        );
        assert_eq!(example_path("/{proxy+}"), "/demo");
        assert_eq!(example_path("/broken/{x"), "/broken/{x");
    }

    #[test]
    fn the_cli_parses() {
        let cli = Cli::try_parse_from([
            "cfp-local",
            "up",
            "--api-port",
            "0",
            "--parameter-overrides",
            "A=1",
            "B=x=y",
        ])
        .expect("parses");
        let Command::Up(args) = cli.command else {
            panic!("up")
        };
        assert_eq!(
            args.parameter_overrides,
            vec![("A".into(), "1".into()), ("B".into(), "x=y".into())]
        );
        assert_eq!(args.lambda_port, 9001);
        assert!(
            Cli::try_parse_from(["cfp-local", "up", "--parameter-overrides", "novalue"]).is_err()
        );
        assert!(
            Cli::try_parse_from([
                "cfp-local",
                "up",
                "--moto-server",
                "m",
                "--aws-endpoint",
                "http://x"
            ])
            .is_err()
        );
        assert!(Cli::try_parse_from(["cfp-local", "user", "create", "--email", "a@b"]).is_err());
    }

    #[test]
    fn faults_are_off_unless_asked_for() {
        let parse = |extra: &[&str]| {
            let mut argv = vec!["cfp-local", "up"];
            argv.extend_from_slice(extra);
            Cli::try_parse_from(argv).map(|cli| match cli.command {
                Command::Up(args) => args,
                _ => panic!("up"),
            })
        };
        let plain = parse(&[]).expect("parses");
        assert!(plain.faults.is_empty() && plain.fault_seed.is_none());
        let faulty = parse(&[
            "--fault",
            "duplicate-deliveries",
            "--fault",
            "ses-error-rate=0.3",
            "--fault-seed",
            "42",
        ])
        .expect("parses");
        let plan = FaultPlan::from_specs(&faulty.faults, 42).expect("a plan");
        assert!(plan.duplicate_deliveries);
        assert_eq!(plan.ses_error_rate.get(), 0.3);
        let refused = parse(&["--fault", "ses-error-rate=3"]).expect_err("out of range");
        assert!(refused.to_string().contains("from 0 to 1"), "{refused}");
        assert!(parse(&["--fault", "nonsense"]).is_err());
    }
}
