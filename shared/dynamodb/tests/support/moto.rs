//! A moto server of the test's own on a free loopback port, killed when dropped.
//! Where moto is: `CFP_MOTO_SERVER`, else the workspace's `.venv/moto/bin/moto_server`
//! (`make setup` creates it).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

pub struct Moto {
    child: Child,
    pub endpoint: String,
}

impl Moto {
    pub fn start() -> Moto {
        let program = std::env::var_os("CFP_MOTO_SERVER")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/moto/bin/moto_server")
            });
        let mut child = Command::new(&program)
            .args(["-H", "127.0.0.1", "-p", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|error| panic!("starting {program:?} (set CFP_MOTO_SERVER): {error}"));
        let stderr = child.stderr.take().expect("moto's stderr is piped");
        let mut moto = Moto {
            child,
            endpoint: String::new(),
        };
        // Port 0: the server picks a free port and names it in its banner.
        let mut lines = BufReader::new(stderr).lines();
        for line in lines.by_ref() {
            let line = line.expect("reading moto's stderr");
            if let Some(address) = line.split("Running on http://").nth(1) {
                moto.endpoint = format!("http://{}", address.trim());
                break;
            }
        }
        assert!(!moto.endpoint.is_empty(), "moto exited before it was up");
        // Keep draining so moto never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        moto
    }

    pub async fn sdk_config(&self) -> aws_config::SdkConfig {
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(&self.endpoint)
            .region(aws_config::Region::new("eu-central-1"))
            .test_credentials()
            .load()
            .await
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
