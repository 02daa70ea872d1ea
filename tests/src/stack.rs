//! The running stack, its clients, and the things tests make in it (users, events).

use std::path::PathBuf;

use anyhow::Context;
use cfp_local::stack::StackInfo;
use serde_json::Value;

use crate::api::{ApiResponse, Caller};

/// A signed-in user of the local user pool.
#[derive(Debug, Clone)]
pub struct User {
    pub email: String,
    pub sub: String,
    pub id_token: String,
    pub access_token: String,
}

impl User {
    /// Calls the API with this user's ID token, as the web app does.
    pub fn caller(&self) -> Caller {
        Caller::Token(self.id_token.clone())
    }
}

/// Clients of one running local stack.
pub struct Stack {
    pub info: StackInfo,
    pub http: reqwest::Client,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub sns: aws_sdk_sns::Client,
    /// Path-style, as against any local S3 endpoint.
    pub s3: aws_sdk_s3::Client,
}

/// Where `scripts/test.sh` (or `make run`) wrote the stack file.
fn stack_file() -> PathBuf {
    match std::env::var_os("CFP_STACK_FILE") {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/local/stack.json"),
    }
}

impl Stack {
    /// Clients of this test run's stack; fails with a clear message when none is running.
    ///
    /// Each test builds its own: connection pools belong to the runtime that made them, and every
    /// `#[tokio::test]` has a runtime of its own.
    pub async fn connect() -> Stack {
        Stack::try_connect().await.expect(
            "no local stack: run the end-to-end tests through `make test` \
             (or start `make run` and set CFP_STACK_FILE=target/local/stack.json)",
        )
    }

    async fn try_connect() -> anyhow::Result<Stack> {
        let path = stack_file();
        let info = StackInfo::load(&path)
            .with_context(|| format!("reading the stack file {}", path.display()))?;
        let sdk = cfp_sdk_config::loader()
            .endpoint_url(&info.aws_endpoint)
            .region(aws_config::Region::new(info.region.clone()))
            .credentials_provider(aws_sdk_dynamodb::config::Credentials::for_tests())
            .load()
            .await;
        Ok(Stack {
            http: reqwest::Client::new(),
            dynamodb: aws_sdk_dynamodb::Client::new(&sdk),
            sqs: aws_sdk_sqs::Client::new(&sdk),
            sns: aws_sdk_sns::Client::new(&sdk),
            s3: aws_sdk_s3::Client::from_conf(
                aws_sdk_s3::config::Builder::from(&sdk)
                    .force_path_style(true)
                    .build(),
            ),
            info,
        })
    }

    /// A new user with a unique address, signed in; in `group` when given.
    pub async fn user(&self, group: Option<&str>) -> User {
        let email = format!("{}@speakers.test", uuid::Uuid::new_v4().simple());
        let password = "Correct-Horse-9-Battery";
        let tokens = cfp_local::users::create_user(&self.info, &email, password, group)
            .await
            .expect("creating a user in the local pool");
        let sub = crate::tokens::claim(&tokens.id_token, "sub").expect("the ID token has a sub");
        User {
            email,
            sub,
            id_token: tokens.id_token,
            access_token: tokens.access_token,
        }
    }

    /// A new admin (may create events).
    pub async fn admin(&self) -> User {
        self.user(Some("admins")).await
    }

    /// A fresh event with an open CfP, created over the API by `organiser` (an admin).
    pub async fn open_event(&self, organiser: &User) -> String {
        let slug = crate::fixtures::unique_slug();
        let response = self
            .post(
                "/events",
                organiser.caller(),
                &crate::fixtures::event_body(&slug),
            )
            .await;
        assert_eq!(response.status, 201, "creating {slug}: {response:?}");
        slug
    }

    /// A proposal `body` submitted to `slug` by `speaker`; its id (asserts the 201).
    pub async fn submit(&self, slug: &str, speaker: &User, body: &Value) -> String {
        let created = self
            .post(&format!("/events/{slug}/cfps"), speaker.caller(), body)
            .await;
        assert_eq!(created.status, 201, "{created:?}");
        created.json["id"].as_str().expect("an id").to_owned()
    }

    pub async fn get(&self, path: &str, caller: Caller) -> ApiResponse {
        self.request(reqwest::Method::GET, path, caller, None).await
    }

    pub async fn post(&self, path: &str, caller: Caller, body: &Value) -> ApiResponse {
        let bytes = serde_json::to_vec(body).expect("JSON");
        self.request(
            reqwest::Method::POST,
            path,
            caller,
            Some(("application/json", bytes)),
        )
        .await
    }

    /// A request with a raw body (for malformed input).
    pub async fn post_raw(
        &self,
        path: &str,
        caller: Caller,
        content_type: &str,
        body: impl Into<Vec<u8>>,
    ) -> ApiResponse {
        self.request(
            reqwest::Method::POST,
            path,
            caller,
            Some((content_type, body.into())),
        )
        .await
    }

    pub async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        caller: Caller,
        body: Option<(&str, Vec<u8>)>,
    ) -> ApiResponse {
        self.request_with_headers(method, path, &caller, body, &[])
            .await
    }

    /// A JSON request with extra headers (If-Match, If-None-Match, Idempotency-Key).
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        caller: &Caller,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> ApiResponse {
        let body = body.map(|b| ("application/json", serde_json::to_vec(b).expect("JSON")));
        self.request_with_headers(method, path, caller, body, headers)
            .await
    }

    async fn request_with_headers(
        &self,
        method: reqwest::Method,
        path: &str,
        caller: &Caller,
        body: Option<(&str, Vec<u8>)>,
        headers: &[(&str, &str)],
    ) -> ApiResponse {
        let api_url = self
            .info
            .api_url
            .as_deref()
            .expect("the stack has an HTTP API");
        let url = format!("{}{}", api_url.trim_end_matches('/'), path);
        let mut request = self.http.request(method, &url);
        if let Some(header) = caller.authorization() {
            request = request.header("authorization", header);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some((content_type, bytes)) = body {
            request = request.header("content-type", content_type).body(bytes);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        ApiResponse::read(response).await
    }

    /// The proposals stored for an event, read straight from the table.
    pub async fn stored_proposals(
        &self,
        slug: &str,
    ) -> Vec<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
        use aws_sdk_dynamodb::types::AttributeValue;
        let output = self
            .dynamodb
            .query()
            .table_name(self.cfp_table())
            .key_condition_expression("pk = :pk AND begins_with(sk, :cfp)")
            .expression_attribute_values(":pk", AttributeValue::S(format!("EVENT#{slug}")))
            .expression_attribute_values(":cfp", AttributeValue::S("CFP#".into()))
            .consistent_read(true)
            .send()
            .await
            .expect("querying the CfP table");
        output.items.unwrap_or_default()
    }

    pub fn cfp_table(&self) -> &str {
        self.info
            .cfp_table
            .as_deref()
            .expect("the stack has a CfP table")
    }

    /// Emails moto's SES has accepted for `address`.
    pub async fn emails_to(&self, address: &str) -> Vec<cfp_local::mail::SentEmail> {
        cfp_local::mail::sent_emails(&self.info.aws_endpoint)
            .await
            .expect("reading the sent mail from moto")
            .into_iter()
            .filter(|mail| mail.to.iter().any(|to| to == address))
            .collect()
    }

    /// Invokes a function through the runner's Lambda Invoke API, as `cargo lambda invoke` does.
    pub async fn invoke(&self, function: &str, payload: &Value) -> (u16, Option<String>, Value) {
        let url = format!(
            "{}/2015-03-31/functions/{function}/invocations",
            self.info.lambda_endpoint.trim_end_matches('/')
        );
        let response = self
            .http
            .post(&url)
            .json(payload)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        let status = response.status().as_u16();
        let function_error = response
            .headers()
            .get("x-amz-function-error")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response.bytes().await.expect("invoke response body");
        let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
        (status, function_error, json)
    }

    /// The payloads the runner delivered to `function` recently (its invocation log).
    pub async fn invocations(&self, function: &str) -> Vec<Value> {
        let url = format!(
            "{}/_local/functions/{function}/invocations",
            self.info.lambda_endpoint.trim_end_matches('/')
        );
        let response = self.http.get(&url).send().await.expect("invocation log");
        assert!(
            response.status().is_success(),
            "{url}: {}",
            response.status()
        );
        let body: Value = response.json().await.expect("invocation log JSON");
        match body {
            Value::Array(items) => items,
            Value::Object(mut object) => match object.remove("invocations") {
                Some(Value::Array(items)) => items,
                _ => Vec::new(),
            },
            _ => Vec::new(),
        }
    }
}
