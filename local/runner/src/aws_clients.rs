//! The AWS SDK clients of the local stack, built once against the local endpoint (moto) with
//! dummy credentials.

use aws_config::{Region, SdkConfig};
use aws_sdk_sqs::config::Credentials;

/// The dummy credentials moto accepts (it checks no signature).
pub const ACCESS_KEY_ID: &str = "test";
pub const SECRET_ACCESS_KEY: &str = "test";
pub const SESSION_TOKEN: &str = "test";

/// Shared SDK configuration for `endpoint` in `region`.
pub async fn sdk_config(endpoint: &str, region: &str) -> SdkConfig {
    cfp_sdk_config::loader()
        .region(Region::new(region.to_owned()))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new(
            ACCESS_KEY_ID,
            SECRET_ACCESS_KEY,
            None,
            None,
            "cfp-local",
        ))
        .load()
        .await
}

/// Every client the runner itself uses.
#[derive(Debug, Clone)]
pub struct AwsClients {
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub dynamodb_streams: aws_sdk_dynamodbstreams::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub sns: aws_sdk_sns::Client,
    pub s3: aws_sdk_s3::Client,
    pub ses: aws_sdk_sesv2::Client,
    pub cognito: aws_sdk_cognitoidentityprovider::Client,
}

impl AwsClients {
    pub async fn new(endpoint: &str, region: &str) -> Self {
        let config = sdk_config(endpoint, region).await;
        // moto serves buckets by path, not as virtual hosts under the endpoint's name.
        let s3_config = aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build();
        AwsClients {
            dynamodb: aws_sdk_dynamodb::Client::new(&config),
            dynamodb_streams: aws_sdk_dynamodbstreams::Client::new(&config),
            sqs: aws_sdk_sqs::Client::new(&config),
            sns: aws_sdk_sns::Client::new(&config),
            s3: aws_sdk_s3::Client::from_conf(s3_config),
            ses: aws_sdk_sesv2::Client::new(&config),
            cognito: aws_sdk_cognitoidentityprovider::Client::new(&config),
        }
    }
}
