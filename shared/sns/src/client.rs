//! The SNS client a publishing function builds once per instance.

/// An SNS client for `config` whose calls appear as X-Ray subsegments of the invocation's trace
/// (when Lambda traces it; otherwise the interceptor does nothing).
pub fn client(config: &aws_config::SdkConfig) -> aws_sdk_sns::Client {
    let config = aws_sdk_sns::config::Builder::from(config)
        .interceptor(cfp_observability::XraySubsegments::from_env())
        .build();
    aws_sdk_sns::Client::from_conf(config)
}
