//! The local sshd the deployment suite logs in to (started by `cargo xtask
//! test`; see xtask/src/servers/ssh.rs for the keys it hands out).

#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;
use std::time::Duration;

use cloud_deploy::{HostKeyPolicy, SshAuth, SshOptions};

pub const PASSPHRASE: &str = "cloud-test-passphrase";

pub struct Sshd {
    pub host: String,
    pub port: u16,
    pub dir: PathBuf,
    pub user: String,
    pub password: String,
}

impl Sshd {
    /// The running server, or `None` (skip) when it is not running locally.
    pub fn get() -> Option<Sshd> {
        let address = cloud_testkit::servers::live_server("sshd", "CLOUD_TEST_SSHD")?;
        let (host, port) = address
            .rsplit_once(':')
            .expect("CLOUD_TEST_SSHD is host:port");
        let var = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set"));
        Some(Sshd {
            host: host.to_owned(),
            port: port.parse().expect("a port"),
            dir: PathBuf::from(var("CLOUD_TEST_SSHD_DIR")),
            user: var("CLOUD_TEST_SSHD_USER"),
            password: var("CLOUD_TEST_SSHD_PASSWORD"),
        })
    }

    pub fn key(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Strict host-key checking against the server's own known_hosts.
    pub fn options(&self, auth: SshAuth) -> SshOptions {
        SshOptions::new(&self.user)
            .port(self.port)
            .auth(auth)
            .host_keys(HostKeyPolicy::known_hosts_file(
                self.dir.join("known_hosts"),
            ))
            .connect_timeout(Duration::from_secs(20))
    }
}
