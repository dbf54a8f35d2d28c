//! The real local servers the live suites run against: how to install each
//! one when it is missing and how to start it on loopback.
//!
//! Each server is started on a free port under `target/xtask/servers/`, its
//! address handed to the tests in an environment variable, and stopped when
//! the run ends. Provider crates add their servers here as they land (moto and
//! s3s-fs for AWS, Swift and Keystone for OpenStack, ...); see
//! `../shared/local-servers.md` for the commands verified on these machines.

use std::path::Path;

use cloud_testkit::servers::ServerProcess;

/// One kind of local server.
pub(crate) trait LocalServer {
    /// Its name in messages.
    fn name(&self) -> &'static str;
    /// The environment variable that tells the tests where it listens.
    fn env_var(&self) -> &'static str;
    /// Installs it if it is missing (pip, apt, cargo install into `cache`).
    fn ensure_installed(&self, cache: &Path) -> Result<(), String>;
    /// Starts it on a free port, keeping its files and log in `work`;
    /// returns the process and the URL to hand to the tests.
    fn start(&self, cache: &Path, work: &Path) -> Result<(ServerProcess, String), String>;
}

/// Every server some live suite needs. None yet: the embedded providers
/// (`memory`, `local`) need no server, and HTTP providers bring theirs.
pub(crate) fn all() -> Vec<Box<dyn LocalServer>> {
    Vec::new()
}
