//! How to reach and log in to a node: user, port, credentials, host-key
//! policy and the connection deadline.

use std::time::Duration;

use crate::auth::SshAuth;
use crate::host_key::HostKeyPolicy;

/// SSH connection settings shared by every step of a deployment.
///
/// ```
/// use std::time::Duration;
/// use cloud_deploy::{HostKeyPolicy, SshAuth, SshOptions};
///
/// let ssh = SshOptions::new("root")
///     .auth(SshAuth::key_file("~/.ssh/id_ed25519"))
///     .host_keys(HostKeyPolicy::known_hosts().accept_new())
///     .connect_timeout(Duration::from_secs(300));
/// assert_eq!(ssh.user_name(), "root");
/// ```
#[derive(Debug, Clone)]
pub struct SshOptions {
    pub(crate) user: String,
    pub(crate) port: Option<u16>,
    pub(crate) auths: Vec<SshAuth>,
    pub(crate) host_keys: HostKeyPolicy,
    pub(crate) connect_timeout: Duration,
    pub(crate) attempt_timeout: Duration,
    pub(crate) output_tail: usize,
}

impl Default for SshOptions {
    fn default() -> Self {
        SshOptions::new("root")
    }
}

impl SshOptions {
    /// Log in as `user`; credentials default to [`SshAuth::defaults`] and
    /// host keys to `~/.ssh/known_hosts`.
    pub fn new(user: impl Into<String>) -> Self {
        SshOptions {
            user: user.into(),
            port: None,
            auths: Vec::new(),
            host_keys: HostKeyPolicy::default(),
            connect_timeout: Duration::from_secs(300),
            attempt_timeout: Duration::from_secs(10),
            output_tail: 64 * 1024,
        }
    }

    /// The login user.
    pub fn user_name(&self) -> &str {
        &self.user
    }

    /// The SSH port. Default: the node's `ssh_port` extra when its provider
    /// sets one (see [`cloud_core::compute::EXTRA_SSH_PORT`]), else 22.
    #[must_use]
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// Adds a credential; they are tried in the order added.
    #[must_use]
    pub fn auth(mut self, auth: SshAuth) -> Self {
        self.auths.push(auth);
        self
    }

    /// Which host keys to trust.
    #[must_use]
    pub fn host_keys(mut self, policy: HostKeyPolicy) -> Self {
        self.host_keys = policy;
        self
    }

    /// How long to keep retrying until the SSH server answers (a new node
    /// takes a while to boot). Default: 5 minutes.
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long one connection attempt (TCP connect and SSH handshake) may
    /// take. Default: 10 s.
    #[must_use]
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = timeout;
        self
    }

    /// How many bytes of each step's stdout and stderr to keep. Default: 64 KiB.
    #[must_use]
    pub fn output_tail(mut self, bytes: usize) -> Self {
        self.output_tail = bytes;
        self
    }

    /// The credentials to try: the ones given, or the defaults.
    pub(crate) fn credentials(&self) -> Vec<SshAuth> {
        if self.auths.is_empty() {
            SshAuth::defaults()
        } else {
            self.auths.clone()
        }
    }
}
