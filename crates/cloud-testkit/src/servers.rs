//! Finding and starting the real local servers live suites run against.
//!
//! `cargo xtask test` (and CI) install and start the servers, then pass
//! their addresses to the tests in environment variables. A live test asks
//! for its server with [`live_server`]: locally a missing server skips the
//! suite with a message saying how to run it; in CI it fails the test, so a
//! suite can never pass by silently not running.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Set (to anything) to make a missing live server a failure, as in CI.
pub const REQUIRE_SERVERS_VAR: &str = "CLOUD_REQUIRE_SERVERS";

/// Whether missing servers must fail the tests: in CI, or when asked to.
pub fn servers_required() -> bool {
    std::env::var_os(REQUIRE_SERVERS_VAR).is_some() || std::env::var_os("CI").is_some()
}

/// The URL of a live server from `env_var`. When it is not set: `None` with a
/// note on stderr locally, a panic when servers are required.
pub fn live_server(name: &str, env_var: &str) -> Option<String> {
    match std::env::var(env_var) {
        Ok(url) if !url.trim().is_empty() => Some(url.trim().to_owned()),
        _ if servers_required() => panic!(
            "{name} is required here but {env_var} is not set: run the tests with `cargo xtask test`, \
             which installs and starts it"
        ),
        _ => {
            eprintln!(
                "skipping: {name} is not running (set {env_var}, or run `cargo xtask test` to start it)"
            );
            None
        }
    }
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Waits until something accepts connections on `port`, or `timeout` passes.
pub fn wait_for_port(port: u16, timeout: Duration) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// A server process that is stopped when dropped.
#[derive(Debug)]
pub struct ServerProcess {
    name: String,
    child: Child,
    /// The port it listens on.
    pub port: u16,
}

impl ServerProcess {
    /// Starts `command` (its output goes to `log`) and waits for `port`.
    pub fn start(
        name: &str,
        mut command: Command,
        port: u16,
        log: &Path,
        timeout: Duration,
    ) -> Result<Self, String> {
        let out = std::fs::File::create(log)
            .map_err(|e| format!("{name}: cannot create {}: {e}", log.display()))?;
        let err = out.try_clone().map_err(|e| format!("{name}: {e}"))?;
        let child = command
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("{name}: cannot start {command:?}: {e}"))?;
        let mut server = ServerProcess {
            name: name.to_owned(),
            child,
            port,
        };
        if !wait_for_port(port, timeout) {
            let status = server.child.try_wait().ok().flatten();
            let tail = std::fs::read_to_string(log).unwrap_or_default();
            let tail: String = tail
                .lines()
                .rev()
                .take(20)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<Vec<_>>()
                .join("\n");
            return Err(format!(
                "{name} did not listen on port {port} within {timeout:?} (exit: {status:?}); last log lines:\n{tail}"
            ));
        }
        Ok(server)
    }

    /// The server's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Stops the server.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.stop();
    }
}
