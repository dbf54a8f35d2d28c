//! The steps of a deployment and what each one reports.
//!
//! A [`Step`] says what to do (install a key, upload a file, run a script or
//! a command) and how (sudo, environment, timeout); [`session`](crate::session)
//! turns it into one SSH exec. Steps hold paths, not file contents, so a
//! [`Deployment`] is cheap to build and to reuse across nodes.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use crate::error::DeployError;

/// What a step installs, uploads or runs.
#[derive(Debug, Clone)]
pub(crate) enum Action {
    InstallKey {
        public_key: String,
    },
    Upload {
        source: Source,
        destination: String,
        mode: u32,
        owner: Option<String>,
    },
    Script {
        source: Source,
        args: Vec<String>,
    },
    Command {
        command: String,
    },
}

/// Where a file or script comes from.
#[derive(Debug, Clone)]
pub(crate) enum Source {
    /// A local file, streamed as it is read.
    File(PathBuf),
    /// Bytes given by the caller.
    Inline(Vec<u8>),
}

/// One thing to do on a node.
///
/// ```
/// use std::time::Duration;
/// use cloud_deploy::Step;
///
/// let steps = [
///     Step::install_key("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDuQ2bJmZ6ohhv3ntR4gyy4LrBJW6cjFfYHmTx9k7S1M me@laptop"),
///     Step::upload_file("site/index.html", "/var/www/index.html").mode(0o644).owner("www-data"),
///     Step::script("#!/bin/sh\nset -e\napt-get install -y nginx\n").sudo().timeout(Duration::from_secs(600)),
///     Step::command("systemctl restart nginx").sudo(),
/// ];
/// assert_eq!(steps[3].name(), "run `systemctl restart nginx`");
/// ```
#[derive(Debug, Clone)]
pub struct Step {
    pub(crate) action: Action,
    pub(crate) name: Option<String>,
    pub(crate) sudo: bool,
    pub(crate) env: Vec<(String, String)>,
    pub(crate) timeout: Option<Duration>,
}

impl Step {
    fn of(action: Action) -> Self {
        Step {
            action,
            name: None,
            sudo: false,
            env: Vec::new(),
            timeout: None,
        }
    }

    /// Appends an OpenSSH public key to the login user's
    /// `~/.ssh/authorized_keys`, unless that exact line is already there.
    pub fn install_key(public_key: impl Into<String>) -> Self {
        Step::of(Action::InstallKey {
            public_key: public_key.into().trim().to_owned(),
        })
    }

    /// Uploads a local file to `destination` (mode 0644 unless
    /// [`mode`](Self::mode) says otherwise). The file is streamed, written to
    /// a temporary file beside the destination and renamed over it, so a
    /// failed upload never leaves a partial file in its place.
    pub fn upload_file(source: impl Into<PathBuf>, destination: impl Into<String>) -> Self {
        Step::of(Action::Upload {
            source: Source::File(source.into()),
            destination: destination.into(),
            mode: 0o644,
            owner: None,
        })
    }

    /// Uploads `contents` to `destination`, as [`upload_file`](Self::upload_file) does.
    pub fn upload_bytes(contents: impl Into<Vec<u8>>, destination: impl Into<String>) -> Self {
        Step::of(Action::Upload {
            source: Source::Inline(contents.into()),
            destination: destination.into(),
            mode: 0o644,
            owner: None,
        })
    }

    /// Runs `script` (its `#!` line picks the interpreter; `sh` without one).
    /// It is copied to a private temporary file on the node, run, and removed.
    pub fn script(script: impl Into<String>) -> Self {
        Step::of(Action::Script {
            source: Source::Inline(script.into().into_bytes()),
            args: Vec::new(),
        })
    }

    /// Runs the local script file `path`, as [`script`](Self::script) does.
    pub fn script_file(path: impl Into<PathBuf>) -> Self {
        Step::of(Action::Script {
            source: Source::File(path.into()),
            args: Vec::new(),
        })
    }

    /// Runs `command` through the login user's shell.
    pub fn command(command: impl Into<String>) -> Self {
        Step::of(Action::Command {
            command: command.into(),
        })
    }

    /// Names the step in progress reports, results and errors (default: a
    /// description of what it does).
    #[must_use]
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Runs the step as root through `sudo -n` (which must not ask for a password).
    #[must_use]
    pub fn sudo(mut self) -> Self {
        self.sudo = true;
        self
    }

    /// Sets an environment variable for a script or command. Values are
    /// passed on the command line, so they are visible to other users of
    /// the node in its process list while the step runs.
    #[must_use]
    pub fn env(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((name.into(), value.into()));
        self
    }

    /// Adds an argument for a script.
    #[must_use]
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        if let Action::Script { args, .. } = &mut self.action {
            args.push(arg.into());
        }
        self
    }

    /// The uploaded file's permission bits (for uploads).
    #[must_use]
    pub fn mode(mut self, bits: u32) -> Self {
        if let Action::Upload { mode, .. } = &mut self.action {
            *mode = bits;
        }
        self
    }

    /// The uploaded file's owner, `user` or `user:group` (for uploads; needs
    /// the right to `chown`, usually [`sudo`](Self::sudo)).
    #[must_use]
    pub fn owner(mut self, owner: impl Into<String>) -> Self {
        if let Action::Upload { owner: o, .. } = &mut self.action {
            *o = Some(owner.into());
        }
        self
    }

    /// Fails the step if it has not finished after `timeout`.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// What progress reports and errors call it.
    pub fn name(&self) -> String {
        if let Some(name) = &self.name {
            return name.clone();
        }
        match &self.action {
            Action::InstallKey { public_key } => {
                let comment = public_key.split_whitespace().nth(2).unwrap_or("key");
                format!("install key {comment}")
            }
            Action::Upload {
                source,
                destination,
                ..
            } => format!("upload {source} to {destination}"),
            Action::Script { source, .. } => format!("script {source}"),
            Action::Command { command } => format!("run `{command}`"),
        }
    }

    /// Checks what can be checked before connecting.
    pub(crate) fn validate(&self) -> Result<(), DeployError> {
        match &self.action {
            Action::InstallKey { public_key } => {
                if public_key.contains('\n') {
                    return Err(DeployError::InvalidInput(
                        "install_key takes one public key line".into(),
                    ));
                }
                russh::keys::PublicKey::from_openssh(public_key).map_err(|e| {
                    DeployError::InvalidInput(format!(
                        "install_key: not an OpenSSH public key: {e}"
                    ))
                })?;
            }
            Action::Upload {
                destination, mode, ..
            } => {
                if destination.is_empty() || destination.ends_with('/') {
                    return Err(DeployError::InvalidInput(format!(
                        "upload destination `{destination}` must name a file"
                    )));
                }
                if *mode > 0o7777 {
                    return Err(DeployError::InvalidInput(format!(
                        "upload mode {mode:o} is not a permission mode"
                    )));
                }
            }
            Action::Script { .. } => {}
            Action::Command { command } => {
                if command.trim().is_empty() {
                    return Err(DeployError::InvalidInput("empty command".into()));
                }
            }
        }
        for (name, value) in &self.env {
            if !crate::shell::is_env_name(name) || value.contains('\0') {
                return Err(DeployError::InvalidInput(format!(
                    "step `{}`: `{name}` is not a valid environment variable (or its value holds a NUL byte)",
                    self.name()
                )));
            }
        }
        if self.timeout == Some(Duration::ZERO) {
            return Err(DeployError::InvalidInput(format!(
                "step `{}`: a zero timeout",
                self.name()
            )));
        }
        Ok(())
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::File(path) => write!(f, "{}", path.display()),
            Source::Inline(bytes) => write!(f, "({} bytes)", bytes.len()),
        }
    }
}

/// An ordered list of steps, run one after another on one SSH connection;
/// the first failure stops it.
///
/// ```
/// use cloud_deploy::{Deployment, Step};
///
/// let deployment = Deployment::new()
///     .step(Step::command("uname -a"))
///     .step(Step::script("echo hello from $(hostname)"));
/// assert_eq!(deployment.steps().len(), 2);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Deployment {
    steps: Vec<Step>,
}

impl Deployment {
    /// No steps yet.
    pub fn new() -> Self {
        Deployment::default()
    }

    /// Appends a step.
    #[must_use]
    pub fn step(mut self, step: Step) -> Self {
        self.steps.push(step);
        self
    }

    /// The steps in order.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    pub(crate) fn validate(&self) -> Result<(), DeployError> {
        self.steps.iter().try_for_each(Step::validate)
    }
}

impl FromIterator<Step> for Deployment {
    fn from_iter<I: IntoIterator<Item = Step>>(steps: I) -> Self {
        Deployment {
            steps: steps.into_iter().collect(),
        }
    }
}

/// How a step ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum StepOutcome {
    /// The remote process exited with this status (0 is success).
    Exited {
        /// The exit status.
        status: u32,
    },
    /// The remote process was killed by a signal.
    Signalled {
        /// The signal's name (`KILL`, `SEGV`...).
        signal: String,
    },
    /// The step's timeout passed; the channel was closed.
    TimedOut,
    /// The server closed the channel without reporting how the process ended.
    NoStatus,
}

impl StepOutcome {
    /// Whether the step succeeded.
    pub fn is_success(&self) -> bool {
        matches!(self, StepOutcome::Exited { status: 0 })
    }
}

impl fmt::Display for StepOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StepOutcome::Exited { status } => write!(f, "exit status {status}"),
            StepOutcome::Signalled { signal } => write!(f, "killed by signal {signal}"),
            StepOutcome::TimedOut => f.write_str("timed out"),
            StepOutcome::NoStatus => f.write_str("ended without an exit status"),
        }
    }
}

/// What one step did.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct StepResult {
    /// The step's name.
    pub name: String,
    /// How it ended.
    pub outcome: StepOutcome,
    /// The last bytes of its standard output (at most the configured tail size).
    pub stdout_tail: String,
    /// The last bytes of its standard error.
    pub stderr_tail: String,
    /// How many bytes it wrote to standard output in all.
    pub stdout_bytes: u64,
    /// How many bytes it wrote to standard error in all.
    pub stderr_bytes: u64,
    /// How long it ran.
    #[serde(serialize_with = "seconds")]
    pub duration: Duration,
}

fn seconds<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}
