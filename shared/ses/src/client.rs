//! The SESv2 client a mail-sending function builds once per instance.

/// An SESv2 client for `config` whose calls appear as X-Ray subsegments of the invocation's
/// trace (when Lambda traces it; otherwise the interceptor does nothing).
pub fn client(config: &aws_config::SdkConfig) -> aws_sdk_sesv2::Client {
    let config = aws_sdk_sesv2::config::Builder::from(config)
        .interceptor(cfp_observability::XraySubsegments::from_env())
        .build();
    aws_sdk_sesv2::Client::from_conf(config)
}
