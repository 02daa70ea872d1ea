//! The AWS SDK configuration of the workspace: what every function loads once per container, and
//! the one HTTPS client every SDK client sends its requests through.
//!
//! The SDK crates are built without their `default-https-client` feature, which brings rustls
//! over aws-lc-rs. rustls over ring speaks the same TLS to AWS's endpoints in fewer bytes: every
//! function that calls AWS is 0.5-0.6 MB smaller on arm64 with it (createCfP 7.61 -> 7.05 MB,
//! README "Performance and cost"). A client built without an HTTP client fails on its first
//! request, so every configuration in the workspace starts from [`loader`].

use aws_config::{BehaviorVersion, ConfigLoader, SdkConfig};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};

/// The SDK's defaults (latest behaviour version) over rustls with ring; the caller may set the
/// region, endpoint or credentials before `load()`.
pub fn loader() -> ConfigLoader {
    let https = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https();
    aws_config::defaults(BehaviorVersion::latest()).http_client(https)
}

/// The configuration from the standard environment (region, credentials, `AWS_ENDPOINT_URL`
/// and the service-specific `AWS_ENDPOINT_URL_*`), as Lambda provides it.
pub async fn load() -> SdkConfig {
    loader().load().await
}

#[cfg(test)]
mod tests {
    use cfp_local_moto::MotoServer;

    /// A client on this configuration really talks: the HTTP client is there and works (a
    /// configuration without one fails on the first request).
    #[tokio::test]
    async fn clients_built_on_it_reach_the_service() {
        let moto = MotoServer::for_tests().await;
        let config = moto.sdk_config().await;
        let tables = aws_sdk_dynamodb::Client::new(&config)
            .list_tables()
            .send()
            .await
            .expect("moto answers over the configured HTTP client");
        assert!(tables.table_names().is_empty(), "{tables:?}");
    }
}
