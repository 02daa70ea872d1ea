//! The project's own template.yaml under `cfp-local up` (as a process), with the helpers the fault
//! and restart tests share: users and proposals through the HTTP API, the sent mail, the
//! on-failure queue and the stream read with the SDK, and the runner's saved checkpoints.
//!
//! The function binaries must be built (`cargo build --workspace --bins`, as `make test` does).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cfp_local::stack::StackInfo;
use serde_json::{Value, json};

use crate::common::{http, moto_server, target_dir, workspace_dir};

pub const EMAIL_FUNCTION: &str = "SendCfpSubmittedEmailFunction";
const PASSWORD: &str = "Fault-Passw0rd-1";

/// `cfp-local up` on the real template, in a directory of its own (stack file, state, output).
pub struct RealRunner {
    child: Option<Child>,
    pub dir: PathBuf,
    /// Which start this is (each start writes its own output files).
    starts: usize,
}

impl Drop for RealRunner {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

impl RealRunner {
    pub fn new(name: &str) -> RealRunner {
        let dir = std::env::temp_dir().join(format!(
            "cfp-local-{name}-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).expect("a temp dir");
        RealRunner {
            child: None,
            dir,
            starts: 0,
        }
    }

    pub fn stack_file(&self) -> PathBuf {
        self.dir.join("stack.json")
    }

    /// Where the runner keeps its checkpoints (the default state dir, beside the stack file).
    pub fn checkpoints_file(&self) -> PathBuf {
        self.dir.join("stack.state/checkpoints.json")
    }

    /// Starts the runner with `endpoint` (`--aws-endpoint`), or its own moto when `None`.
    pub fn start(&mut self, endpoint: Option<&str>, extra: &[&str]) {
        assert!(self.child.is_none(), "one runner at a time");
        // A SIGKILLed runner leaves its stack file behind: it must not pass for the new one's.
        let _ = std::fs::remove_file(self.stack_file());
        let template = workspace_dir().join("template.yaml");
        let target = target_dir();
        let moto = moto_server();
        let stack_file = self.stack_file();
        let mut args: Vec<String> = [
            "up",
            "--template",
            template.to_str().expect("utf-8"),
            "--target-dir",
            target.to_str().expect("utf-8"),
            "--api-port",
            "0",
            "--lambda-port",
            "0",
            "--stack-file",
            stack_file.to_str().expect("utf-8"),
        ]
        .map(str::to_owned)
        .into();
        match endpoint {
            Some(endpoint) => args.extend(["--aws-endpoint".to_owned(), endpoint.to_owned()]),
            None => args.extend([
                "--moto-server".to_owned(),
                moto.to_str().expect("utf-8").to_owned(),
            ]),
        }
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        self.starts += 1;
        let output = |stream: &str| {
            std::fs::File::create(self.dir.join(format!("{stream}.{}", self.starts)))
                .expect("an output file")
        };
        let child = Command::new(env!("CARGO_BIN_EXE_cfp-local"))
            .args(&args)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(output("stdout"))
            .stderr(output("stderr"))
            .spawn()
            .expect("cfp-local starts");
        self.child = Some(child);
    }

    /// What the runner printed, every start.
    pub fn output(&self) -> String {
        let mut text = String::new();
        for start in 1..=self.starts {
            for stream in ["stdout", "stderr"] {
                let content = std::fs::read_to_string(self.dir.join(format!("{stream}.{start}")))
                    .unwrap_or_default();
                // The last lines are the telling ones; the whole log can be long.
                let lines: Vec<&str> = content.lines().collect();
                let tail = lines[lines.len().saturating_sub(60)..].join("\n");
                text.push_str(&format!("--- start {start} {stream}\n{tail}\n"));
            }
        }
        text
    }

    /// How many lines of everything the runner printed (every start) contain `needle`.
    pub fn log_lines_with(&self, needle: &str) -> usize {
        (1..=self.starts)
            .flat_map(|start| ["stdout", "stderr"].map(|s| format!("{s}.{start}")))
            .map(|file| std::fs::read_to_string(self.dir.join(file)).unwrap_or_default())
            .map(|text| text.lines().filter(|l| l.contains(needle)).count())
            .sum()
    }

    /// Waits for the stack file, failing early if the runner exits.
    pub async fn wait_until_up(&mut self) -> StackInfo {
        let started = Instant::now();
        loop {
            if let Ok(info) = StackInfo::load(self.stack_file()) {
                return info;
            }
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                panic!(
                    "cfp-local exited ({status}) before it was up:\n{}",
                    self.output()
                );
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "not up within 120 s:\n{}",
                self.output()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Sends `signal` and waits for the runner to exit.
    pub async fn stop_with(&mut self, signal: i32) -> std::process::ExitStatus {
        let mut child = self.child.take().expect("a running runner");
        let pid = i32::try_from(child.id()).expect("a pid");
        // SAFETY: sends a signal to our own child process.
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0, "signal sent");
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return status;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "cfp-local did not stop within 60 s:\n{}",
                self.output()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// A signed-in user of the stack's pool.
pub struct Speaker {
    pub email: String,
    pub token: String,
}

/// HTTP API calls and AWS reads against one running stack.
pub struct CfpClient {
    pub info: StackInfo,
    http: reqwest::Client,
    streams: aws_sdk_dynamodbstreams::Client,
    dynamodb: aws_sdk_dynamodb::Client,
    sqs: aws_sdk_sqs::Client,
}

/// A proposal the API accepted with 201.
#[derive(Debug, Clone)]
pub struct Submitted {
    pub id: String,
    pub title: String,
}

impl CfpClient {
    pub async fn new(info: StackInfo) -> CfpClient {
        let sdk = cfp_local_moto::sdk_config(&info.aws_endpoint).await;
        CfpClient {
            http: http(),
            streams: aws_sdk_dynamodbstreams::Client::new(&sdk),
            dynamodb: aws_sdk_dynamodb::Client::new(&sdk),
            sqs: aws_sdk_sqs::Client::new(&sdk),
            info,
        }
    }

    fn api(&self) -> &str {
        self.info
            .api_url
            .as_deref()
            .expect("the stack serves an API")
    }

    pub async fn user(&self, group: Option<&str>) -> Speaker {
        let email = format!("{}@faults.test", uuid::Uuid::new_v4().simple());
        let tokens = cfp_local::users::create_user(&self.info, &email, PASSWORD, group)
            .await
            .expect("a user in the local pool");
        Speaker {
            email,
            token: tokens.id_token,
        }
    }

    /// Signs `speaker` in again (against another runner on the same pool).
    pub async fn sign_in(&self, speaker: &Speaker) -> Speaker {
        let users = cfp_local::users::LocalUsers::from_stack(&self.info)
            .await
            .expect("the pool's client");
        let tokens = users
            .sign_in(&speaker.email, PASSWORD)
            .await
            .expect("signs in");
        Speaker {
            email: speaker.email.clone(),
            token: tokens.id_token,
        }
    }

    async fn post(&self, path: &str, token: &str, body: &Value) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.api()))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("the API answers");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// An event with an open CfP; its slug.
    pub async fn open_event(&self, organiser: &Speaker) -> String {
        let slug = format!(
            "faults-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..12]
        );
        let closes = chrono::Utc::now() + chrono::Duration::days(30);
        let body = json!({
            "slug": slug,
            "name": "FaultConf 2027",
            "timeZone": "Europe/Berlin",
            "startDate": "2027-06-10",
            "endDate": "2027-06-12",
            "cfpClosesAt": closes.to_rfc3339(),
            "rooms": [{"name": "Main Hall"}],
            "tracks": [{"name": "Cloud"}],
            "sessionTypes": [{"name": "Talk", "durationMinutes": 30}]
        });
        let (status, answer) = self.post("/events", &organiser.token, &body).await;
        assert_eq!(status, 201, "creating the event: {answer}");
        slug
    }

    /// Submits a proposal; `Some` when the API answered 201.
    pub async fn submit(&self, slug: &str, speaker: &Speaker, title: &str) -> Option<Submitted> {
        let body = json!({
            "title": title,
            "abstract": "What happens to the mail when everything fails at once.",
            "description": "A longer description of the talk.",
            "sessionType": "Talk",
            "track": "Cloud",
            "language": "en",
            "speaker": {"name": "Grace Hopper", "bio": "Finds bugs in machines."}
        });
        let (status, answer) = self
            .post(&format!("/events/{slug}/cfps"), &speaker.token, &body)
            .await;
        (status == 201).then(|| Submitted {
            id: answer["id"].as_str().expect("an id").to_owned(),
            title: title.to_owned(),
        })
    }

    /// How many submission e-mails went out for each of `proposals` (by their unique titles).
    pub async fn submission_emails(&self, proposals: &[Submitted]) -> BTreeMap<String, usize> {
        let emails = cfp_local::mail::sent_emails(&self.info.aws_endpoint)
            .await
            .expect("the sent mail");
        proposals
            .iter()
            .map(|p| {
                let count = emails
                    .iter()
                    .filter(|e| {
                        e.subject.starts_with("Proposal received") && e.subject.contains(&p.title)
                    })
                    .count();
                (p.id.clone(), count)
            })
            .collect()
    }

    async fn stream_arn(&self) -> String {
        let table = self.info.cfp_table.as_deref().expect("the CfP table");
        self.dynamodb
            .describe_table()
            .table_name(table)
            .send()
            .await
            .expect("DescribeTable")
            .table
            .and_then(|t| t.latest_stream_arn)
            .expect("the table has a stream")
    }

    /// Every record of the CfP table's stream as (shard, sequence number, proposal id of an
    /// INSERT of a proposal, if it is one).
    pub async fn stream_records(&self) -> Vec<(String, String, Option<String>)> {
        let arn = self.stream_arn().await;
        let description = self
            .streams
            .describe_stream()
            .stream_arn(&arn)
            .send()
            .await
            .expect("DescribeStream")
            .stream_description
            .expect("a description");
        let mut records = Vec::new();
        for shard in description.shards() {
            let shard_id = shard.shard_id().expect("a shard id").to_owned();
            let mut iterator = self
                .streams
                .get_shard_iterator()
                .stream_arn(&arn)
                .shard_id(&shard_id)
                .shard_iterator_type(aws_sdk_dynamodbstreams::types::ShardIteratorType::TrimHorizon)
                .send()
                .await
                .expect("GetShardIterator")
                .shard_iterator;
            while let Some(current) = iterator.take() {
                let output = self
                    .streams
                    .get_records()
                    .shard_iterator(current)
                    .send()
                    .await
                    .expect("GetRecords");
                let batch = output.records.unwrap_or_default();
                if batch.is_empty() {
                    break;
                }
                for record in batch {
                    let insert = record.event_name()
                        == Some(&aws_sdk_dynamodbstreams::types::OperationType::Insert);
                    let data = record.dynamodb();
                    let sequence = data
                        .and_then(|d| d.sequence_number())
                        .expect("a sequence number")
                        .to_owned();
                    let image = data.and_then(|d| d.new_image());
                    let text = |name: &str| {
                        image
                            .and_then(|i| i.get(name))
                            .and_then(|v| v.as_s().ok())
                            .cloned()
                    };
                    let proposal = (insert && text("entity").as_deref() == Some("Proposal"))
                        .then(|| text("id"))
                        .flatten();
                    records.push((shard_id.clone(), sequence, proposal));
                }
                iterator = output.next_shard_iterator;
            }
        }
        records
    }

    /// The proposals whose records the email function's on-failure reports name (the messages
    /// stay in the queue: they are read, not deleted).
    pub async fn proposals_on_failure(
        &self,
        records: &[(String, String, Option<String>)],
    ) -> BTreeSet<String> {
        let queue = self
            .info
            .stream_failure_queue_url
            .as_deref()
            .expect("the stream failure queue");
        let mut bodies = BTreeMap::new();
        // Several receives with no visibility timeout: moto hands out up to 10 at a time.
        for _ in 0..20 {
            let received = self
                .sqs
                .receive_message()
                .queue_url(queue)
                .max_number_of_messages(10)
                .visibility_timeout(0)
                .send()
                .await
                .expect("ReceiveMessage");
            for message in received.messages.unwrap_or_default() {
                if let (Some(id), Some(body)) = (message.message_id, message.body) {
                    bodies.insert(id, body);
                }
            }
        }
        let mut proposals = BTreeSet::new();
        for body in bodies.values() {
            let report: Value = serde_json::from_str(body).expect("an on-failure record");
            let function = report["requestContext"]["functionArn"]
                .as_str()
                .unwrap_or_default();
            if !function.ends_with(&format!(":{EMAIL_FUNCTION}")) {
                continue;
            }
            let info = &report["DDBStreamBatchInfo"];
            let shard = info["shardId"].as_str().expect("a shard");
            let start = info["startSequenceNumber"].as_str().expect("a start");
            let end = info["endSequenceNumber"].as_str().expect("an end");
            for (record_shard, sequence, proposal) in records {
                if record_shard == shard
                    && !sequence_before(sequence, start)
                    && !sequence_before(end, sequence)
                    && let Some(id) = proposal
                {
                    proposals.insert(id.clone());
                }
            }
        }
        proposals
    }

    /// Waits until the runner's saved checkpoint of the email function has passed the last
    /// record of `proposals`: every delivery of them (both, with duplicates) is over.
    pub async fn wait_for_delivery(
        &self,
        runner: &RealRunner,
        proposals: &[Submitted],
        within: Duration,
    ) -> Vec<(String, String, Option<String>)> {
        let ids: BTreeSet<&str> = proposals.iter().map(|p| p.id.as_str()).collect();
        let started = Instant::now();
        loop {
            let records = self.stream_records().await;
            let last: BTreeMap<&str, &str> = records
                .iter()
                .filter(|(_, _, p)| p.as_deref().is_some_and(|id| ids.contains(id)))
                .map(|(shard, seq, _)| (shard.as_str(), seq.as_str()))
                .fold(BTreeMap::new(), |mut last, (shard, seq)| {
                    let entry = last.entry(shard).or_insert(seq);
                    if sequence_before(entry, seq) {
                        *entry = seq;
                    }
                    last
                });
            let found = records
                .iter()
                .filter(|(_, _, p)| p.as_deref().is_some_and(|id| ids.contains(id)))
                .count();
            let checkpoints = saved_checkpoints(runner);
            let delivered = found >= ids.len()
                && last.iter().all(|(shard, seq)| {
                    checkpoints
                        .get(*shard)
                        .is_some_and(|saved| !sequence_before(saved, seq))
                });
            if delivered {
                return records;
            }
            assert!(
                started.elapsed() < within,
                "the stream was not delivered within {within:?} ({found} of {} proposals in the stream, checkpoints {checkpoints:?}, last records {last:?}):\n{}",
                ids.len(),
                runner.output()
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}

impl CfpClient {
    /// Writes a copy of `model` (a new id and `title`) straight into the table with the SDK, as
    /// any writer may while no runner is up; the stream has it for the next runner.
    pub async fn put_proposal_copy(&self, slug: &str, model: &Submitted, title: &str) -> Submitted {
        use aws_sdk_dynamodb::types::AttributeValue;
        let table = self.info.cfp_table.as_deref().expect("the CfP table");
        let item = self
            .dynamodb
            .get_item()
            .table_name(table)
            .key("pk", AttributeValue::S(format!("EVENT#{slug}")))
            .key("sk", AttributeValue::S(format!("CFP#{}", model.id)))
            .send()
            .await
            .expect("GetItem")
            .item
            .expect("the model proposal is stored");
        let id = uuid::Uuid::now_v7().to_string();
        let copy = item
            .into_iter()
            .map(|(name, value)| {
                let value = match value {
                    AttributeValue::S(_) if name == "title" => AttributeValue::S(title.to_owned()),
                    AttributeValue::S(text) => AttributeValue::S(text.replace(&model.id, &id)),
                    other => other,
                };
                (name, value)
            })
            .collect();
        self.dynamodb
            .put_item()
            .table_name(table)
            .set_item(Some(copy))
            .send()
            .await
            .expect("PutItem");
        Submitted {
            id,
            title: title.to_owned(),
        }
    }

    /// How many invocations of the email function (in the runner's recent-invocations log) carried
    /// each proposal's record.
    pub async fn deliveries(&self, proposals: &[Submitted]) -> BTreeMap<String, usize> {
        let invocations: Vec<Value> = self
            .http
            .get(format!(
                "{}/_local/functions/{EMAIL_FUNCTION}/invocations",
                self.info.lambda_endpoint
            ))
            .send()
            .await
            .expect("the Lambda API answers")
            .json()
            .await
            .expect("a JSON list");
        proposals
            .iter()
            .map(|p| {
                let sk = format!("CFP#{}", p.id);
                let count = invocations
                    .iter()
                    .filter(|i| {
                        i["payload"]["Records"].as_array().is_some_and(|records| {
                            records
                                .iter()
                                .any(|r| r["dynamodb"]["Keys"]["sk"]["S"] == sk.as_str())
                        })
                    })
                    .count();
                (p.id.clone(), count)
            })
            .collect()
    }
}

/// The email function's saved checkpoints, by shard.
fn saved_checkpoints(runner: &RealRunner) -> BTreeMap<String, String> {
    let Ok(text) = std::fs::read_to_string(runner.checkpoints_file()) else {
        return BTreeMap::new();
    };
    let Ok(file) = serde_json::from_str::<Value>(&text) else {
        return BTreeMap::new();
    };
    file["checkpoints"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["function"] == EMAIL_FUNCTION)
        .filter_map(|c| {
            Some((
                c["shardId"].as_str()?.to_owned(),
                c["sequenceNumber"].as_str()?.to_owned(),
            ))
        })
        .collect()
}

/// Sequence numbers are decimal strings of growing length: compare them as numbers.
pub fn sequence_before(a: &str, b: &str) -> bool {
    (a.len(), a) < (b.len(), b)
}

/// Checks the outcome the fault tests promise: for each proposal exactly one submission e-mail,
/// or its record in the on-failure queue; never two e-mails, never neither.
pub fn assert_each_once_or_reported(
    proposals: &[Submitted],
    emails: &BTreeMap<String, usize>,
    on_failure: &BTreeSet<String>,
    output: &str,
) {
    let twice: Vec<_> = emails.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        twice.is_empty(),
        "proposals with more than one e-mail: {twice:?}\n{output}"
    );
    let lost: Vec<&str> = proposals
        .iter()
        .filter(|p| emails.get(&p.id) != Some(&1) && !on_failure.contains(&p.id))
        .map(|p| p.id.as_str())
        .collect();
    assert!(
        lost.is_empty(),
        "proposals with neither an e-mail nor an on-failure record: {lost:?}\n{output}"
    );
}
