//! Why a deployment failed, as a type a caller can match on.
//!
//! Every variant names what it was doing (the host, the step, the key file)
//! and none carries a password, passphrase or private key: the values of
//! [`SshAuth`](crate::SshAuth) are never formatted.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::step::StepResult;

/// A failed deployment step, connection or login.
#[derive(Debug)]
#[non_exhaustive]
pub enum DeployError {
    /// The compute provider failed (creating, waiting for or destroying the node).
    Compute(cloud_core::Error),
    /// The node has no address of the kind the options ask for.
    NoAddress {
        /// The node's id.
        node: String,
    },
    /// Nothing answered SSH at the address before the deadline.
    Unreachable {
        /// `host:port`.
        address: String,
        /// How long connecting was retried.
        waited: Duration,
        /// The last attempt's error.
        last_error: String,
    },
    /// The host's key is not the one recorded for it: a man-in-the-middle or a
    /// reinstalled host. Never accepted, whatever the policy.
    HostKeyChanged {
        /// `host:port`.
        address: String,
        /// The key the host offered (`SHA256:...`).
        offered: String,
        /// Where the recorded key is (file and line), or the pinned fingerprint.
        recorded: String,
    },
    /// The host's key is recorded nowhere and the policy does not accept new keys.
    HostKeyUnknown {
        /// `host:port`.
        address: String,
        /// The key the host offered (`SHA256:...`).
        offered: String,
        /// The `known_hosts` file that was searched.
        known_hosts: PathBuf,
    },
    /// The server accepted none of the credentials.
    Authentication {
        /// The login user.
        user: String,
        /// The methods tried, in order (`agent`, `key ~/.ssh/id_ed25519`, `password`).
        tried: Vec<String>,
    },
    /// A private key file could not be read or decrypted.
    Key {
        /// The file.
        path: PathBuf,
        /// Why (never the passphrase).
        reason: String,
    },
    /// The SSH agent could not be reached or used.
    Agent(String),
    /// The SSH session failed after it was established.
    Ssh(String),
    /// A step ran and failed (non-zero exit, signal or timeout); the steps
    /// after it did not run.
    StepFailed {
        /// Its position in the deployment (0-based).
        index: usize,
        /// What it ran, status and output tails.
        result: Box<StepResult>,
    },
    /// A local file a step needs could not be read.
    LocalFile {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The deployment or its options are invalid.
    InvalidInput(String),
}

impl fmt::Display for DeployError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeployError::Compute(e) => write!(f, "{e}"),
            DeployError::NoAddress { node } => {
                write!(f, "node `{node}` has no address to connect to")
            }
            DeployError::Unreachable {
                address,
                waited,
                last_error,
            } => write!(
                f,
                "no SSH server answered at {address} within {waited:?} (last error: {last_error})"
            ),
            DeployError::HostKeyChanged {
                address,
                offered,
                recorded,
            } => write!(
                f,
                "host key of {address} CHANGED: it offered {offered}, which differs from {recorded}; \
                 refusing to connect (remove the old entry only if you know why the key changed)"
            ),
            DeployError::HostKeyUnknown {
                address,
                offered,
                known_hosts,
            } => write!(
                f,
                "host key {offered} of {address} is not in {}; pin its fingerprint or allow accept-new",
                known_hosts.display()
            ),
            DeployError::Authentication { user, tried } => write!(
                f,
                "SSH login as `{user}` refused; tried: {}",
                if tried.is_empty() {
                    "no credentials (give a key file, an agent or a password)".to_owned()
                } else {
                    tried.join(", ")
                }
            ),
            DeployError::Key { path, reason } => {
                write!(f, "private key {}: {reason}", path.display())
            }
            DeployError::Agent(message) => write!(f, "SSH agent: {message}"),
            DeployError::Ssh(message) => write!(f, "SSH session: {message}"),
            DeployError::StepFailed { index, result } => {
                write!(
                    f,
                    "step {} ({}) failed: {}",
                    index + 1,
                    result.name,
                    result.outcome
                )?;
                let stderr = result.stderr_tail.trim_end();
                if !stderr.is_empty() {
                    let last = stderr.lines().last().unwrap_or_default();
                    write!(f, " (stderr: {last})")?;
                }
                Ok(())
            }
            DeployError::LocalFile { path, source } => {
                write!(f, "reading {}: {source}", path.display())
            }
            DeployError::InvalidInput(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for DeployError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DeployError::Compute(e) => Some(e),
            DeployError::LocalFile { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<cloud_core::Error> for DeployError {
    fn from(error: cloud_core::Error) -> Self {
        DeployError::Compute(error)
    }
}

impl From<DeployError> for cloud_core::Error {
    /// For callers (the CLI) that report every failure as a `cloud_core::Error`.
    fn from(error: DeployError) -> Self {
        use cloud_core::ErrorKind;
        let kind = match &error {
            DeployError::Compute(_) => {
                if let DeployError::Compute(inner) = error {
                    return inner;
                }
                ErrorKind::Provider
            }
            DeployError::Unreachable { .. } => ErrorKind::Timeout,
            DeployError::Authentication { .. } | DeployError::Key { .. } => {
                ErrorKind::InvalidCredentials
            }
            DeployError::HostKeyChanged { .. } | DeployError::HostKeyUnknown { .. } => {
                ErrorKind::PermissionDenied
            }
            DeployError::Agent(_) | DeployError::Ssh(_) => ErrorKind::Transport,
            DeployError::LocalFile { .. } => ErrorKind::Io,
            DeployError::InvalidInput(_) | DeployError::NoAddress { .. } => ErrorKind::InvalidInput,
            DeployError::StepFailed { .. } => ErrorKind::Provider,
        };
        cloud_core::Error::new(kind, error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::step::StepOutcome;

    fn failed(stderr: &str) -> DeployError {
        DeployError::StepFailed {
            index: 2,
            result: Box::new(StepResult {
                name: "run `make`".into(),
                outcome: StepOutcome::Exited { status: 2 },
                stdout_tail: String::new(),
                stderr_tail: stderr.into(),
                stdout_bytes: 0,
                stderr_bytes: stderr.len() as u64,
                duration: Duration::from_millis(5),
            }),
        }
    }

    #[test]
    fn a_failed_step_names_itself_its_status_and_last_error_line() {
        assert_eq!(
            failed("warning\nmake: *** [all] Error 2\n").to_string(),
            "step 3 (run `make`) failed: exit status 2 (stderr: make: *** [all] Error 2)"
        );
        assert_eq!(
            failed("").to_string(),
            "step 3 (run `make`) failed: exit status 2"
        );
    }

    #[test]
    fn maps_to_core_kinds() {
        use cloud_core::ErrorKind;
        let kind = |e: DeployError| cloud_core::Error::from(e).kind().clone();
        assert_eq!(
            kind(DeployError::Authentication {
                user: "root".into(),
                tried: vec![]
            }),
            ErrorKind::InvalidCredentials
        );
        assert_eq!(
            kind(DeployError::Unreachable {
                address: "192.0.2.1:22".into(),
                waited: Duration::from_secs(1),
                last_error: "refused".into()
            }),
            ErrorKind::Timeout
        );
        assert_eq!(
            kind(DeployError::HostKeyChanged {
                address: "a:22".into(),
                offered: "SHA256:x".into(),
                recorded: "y".into()
            }),
            ErrorKind::PermissionDenied
        );
        assert_eq!(kind(failed("")), ErrorKind::Provider);
        let inner = cloud_core::Error::not_found(cloud_core::ResourceKind::Node, "n-1");
        assert!(cloud_core::Error::from(DeployError::Compute(inner)).is_not_found());
    }
}
