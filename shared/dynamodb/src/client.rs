//! The DynamoDB client every function builds once per instance, for any of its tables.

/// A DynamoDB client for `config` whose calls appear as X-Ray subsegments of the invocation's
/// trace (when Lambda traces it; otherwise the interceptor does nothing).
pub fn client(config: &aws_config::SdkConfig) -> aws_sdk_dynamodb::Client {
    let config = aws_sdk_dynamodb::config::Builder::from(config)
        .interceptor(cfp_observability::XraySubsegments::from_env())
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}
