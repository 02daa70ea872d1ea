//! The S3 client a function builds once per instance.

/// An S3 client for `config` whose calls appear as X-Ray subsegments of the invocation's trace
/// (when Lambda traces it; otherwise the interceptor does nothing). Under a custom endpoint
/// (`AWS_ENDPOINT_URL`, e.g. moto on loopback) it addresses buckets path-style: a bucket
/// subdomain of a local host does not resolve. On AWS it keeps the SDK's virtual-hosted default.
pub fn client(config: &aws_config::SdkConfig) -> aws_sdk_s3::Client {
    let s3 = aws_sdk_s3::config::Builder::from(config)
        .force_path_style(config.endpoint_url().is_some())
        .interceptor(cfp_observability::XraySubsegments::from_env())
        .build();
    aws_sdk_s3::Client::from_conf(s3)
}
