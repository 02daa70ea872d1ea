//! What a test needs around [`MotoServer`]: where moto is, one call that starts it or says
//! clearly why not, and an SDK configuration that talks to it.

use std::path::PathBuf;

use crate::moto_server::MotoServer;

/// Overrides where moto is (default: the workspace's `.venv/moto/bin/moto_server`, which
/// `make setup` creates).
pub const MOTO_SERVER_VAR: &str = "CFP_MOTO_SERVER";
/// The region the tests' clients sign for (moto accepts any).
pub const REGION: &str = "eu-central-1";

/// The `moto_server` program tests start.
pub fn moto_program() -> PathBuf {
    std::env::var_os(MOTO_SERVER_VAR)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/moto/bin/moto_server")
        })
}

impl MotoServer {
    /// A moto of the test's own, killed when dropped. Panics (the test fails) with the reason
    /// when moto cannot start: test support only.
    pub async fn for_tests() -> MotoServer {
        let program = moto_program();
        MotoServer::start(&program).await.unwrap_or_else(|error| {
            panic!("{error} (create the venv with `make setup` or set {MOTO_SERVER_VAR})")
        })
    }

    /// SDK configuration for this moto: see [`sdk_config`].
    pub async fn sdk_config(&self) -> aws_config::SdkConfig {
        sdk_config(self.endpoint()).await
    }
}

/// SDK configuration for a moto at `endpoint`: [`REGION`], test credentials.
pub async fn sdk_config(endpoint: &str) -> aws_config::SdkConfig {
    cfp_sdk_config::loader()
        .endpoint_url(endpoint)
        .region(aws_config::Region::new(REGION))
        .test_credentials()
        .load()
        .await
}
