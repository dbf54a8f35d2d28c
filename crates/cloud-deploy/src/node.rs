//! `deploy_node`: create a node, wait for it, log in and run a deployment;
//! and the same steps against a node that already exists.
//!
//! An extension trait on [`Compute`] rather than a core method, so the SSH
//! stack is compiled only by programs that enable deployment.

use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use cloud_core::compute::EXTRA_SSH_PORT;
use cloud_core::{Compute, CreateNode, Node};

use crate::auth::SshAuth;
use crate::error::DeployError;
use crate::options::SshOptions;
use crate::session::SshSession;
use crate::step::{Deployment, StepResult};

/// What happens to a node created by [`DeployNode::deploy_node`] whose
/// deployment failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum OnFailure {
    /// Keep it, to look at what went wrong (the default).
    #[default]
    Keep,
    /// Destroy it.
    Destroy,
}

/// Which of the node's addresses to connect to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AddressKind {
    /// A public address, or a private one when it has none (the default).
    #[default]
    PublicFirst,
    /// Only a public address.
    Public,
    /// Only a private address (from inside the provider's network).
    Private,
}

/// A progress event, for callers that show progress.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Progress {
    /// The node was created.
    Created(Node),
    /// The node is running.
    Running(Node),
    /// Connecting to this `host:port`.
    Connecting(String),
    /// Logged in.
    Connected(String),
    /// Step `index` is starting.
    StepStarted {
        /// Its position (0-based).
        index: usize,
        /// Its name.
        name: String,
    },
    /// Step `index` ended.
    StepFinished {
        /// Its position (0-based).
        index: usize,
        /// What it did.
        result: StepResult,
    },
}

type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// How to reach the node and what to do when things fail.
///
/// ```
/// use std::time::Duration;
/// use cloud_deploy::{DeployOptions, HostKeyPolicy, OnFailure, SshAuth, SshOptions};
///
/// let options = DeployOptions::new(
///     SshOptions::new("root")
///         .auth(SshAuth::key_file("~/.ssh/id_ed25519"))
///         .host_keys(HostKeyPolicy::known_hosts().accept_new()),
/// )
/// .wait_timeout(Duration::from_secs(600))
/// .on_failure(OnFailure::Destroy)
/// .on_progress(|event| eprintln!("{event:?}"));
/// # let _ = options;
/// ```
#[derive(Clone)]
pub struct DeployOptions {
    ssh: SshOptions,
    wait_timeout: Duration,
    poll_interval: Duration,
    on_failure: OnFailure,
    address: AddressKind,
    progress: Option<ProgressFn>,
}

impl std::fmt::Debug for DeployOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeployOptions")
            .field("ssh", &self.ssh)
            .field("wait_timeout", &self.wait_timeout)
            .field("poll_interval", &self.poll_interval)
            .field("on_failure", &self.on_failure)
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl Default for DeployOptions {
    fn default() -> Self {
        DeployOptions::new(SshOptions::default())
    }
}

impl DeployOptions {
    /// Deploy over SSH with `ssh`; wait up to 10 minutes for the node to run.
    pub fn new(ssh: SshOptions) -> Self {
        DeployOptions {
            ssh,
            wait_timeout: Duration::from_secs(600),
            poll_interval: Duration::from_secs(3),
            on_failure: OnFailure::Keep,
            address: AddressKind::PublicFirst,
            progress: None,
        }
    }

    /// How long to wait for the node to be running. Default: 10 minutes.
    #[must_use]
    pub fn wait_timeout(mut self, timeout: Duration) -> Self {
        self.wait_timeout = timeout;
        self
    }

    /// How often to poll the node's state while waiting. Default: 3 s.
    #[must_use]
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// What to do with a created node whose deployment failed. Default: keep it.
    #[must_use]
    pub fn on_failure(mut self, on_failure: OnFailure) -> Self {
        self.on_failure = on_failure;
        self
    }

    /// Which address to connect to. Default: public, else private.
    #[must_use]
    pub fn address(mut self, kind: AddressKind) -> Self {
        self.address = kind;
        self
    }

    /// Calls `report` at each stage and step.
    #[must_use]
    pub fn on_progress(mut self, report: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(report));
        self
    }

    fn report(&self, event: Progress) {
        if let Some(report) = &self.progress {
            report(&event);
        }
    }
}

/// A node and what each step of its deployment did.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Deployed {
    /// The node, as last seen running.
    pub node: Node,
    /// One result per step, in order.
    pub results: Vec<StepResult>,
}

/// A failed deployment, with what is known of the node.
#[derive(Debug)]
#[non_exhaustive]
pub struct DeployFailed {
    /// The node, if it was created (or given).
    pub node: Option<Node>,
    /// Whether the node was destroyed because of [`OnFailure::Destroy`].
    pub destroyed: bool,
    /// The results of the steps that ran, the failed one last.
    pub results: Vec<StepResult>,
    /// Why it failed.
    pub error: DeployError,
    /// Whether this call created the node (`deploy_node`), so its fate is news.
    created: bool,
}

impl std::fmt::Display for DeployFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.error)?;
        match (&self.node, self.created) {
            (Some(node), true) => {
                let fate = if self.destroyed { "destroyed" } else { "kept" };
                write!(f, " (new node `{}` {fate})", node.id)?;
            }
            (Some(node), false) => write!(f, " (node `{}`)", node.id)?,
            (None, _) => {}
        }
        Ok(())
    }
}

impl std::error::Error for DeployFailed {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// Deployment over SSH for any compute provider.
///
/// ```no_run
/// use cloud_core::{Compute, CreateNode};
/// use cloud_deploy::{DeployNode, DeployOptions, Deployment, HostKeyPolicy, SshAuth, SshOptions, Step};
///
/// # async fn example(compute: Compute) -> Result<(), Box<dyn std::error::Error>> {
/// let deployment = Deployment::new()
///     .step(Step::install_key(std::fs::read_to_string("/home/me/.ssh/id_ed25519.pub")?))
///     .step(Step::script("#!/bin/sh\necho ready > /tmp/ready\n"));
/// let options = DeployOptions::new(
///     SshOptions::new("root")
///         .auth(SshAuth::key_file("~/.ssh/id_ed25519"))
///         .host_keys(HostKeyPolicy::known_hosts().accept_new()),
/// );
/// let deployed = compute
///     .deploy_node(&CreateNode::new("web-1", "small", "debian-12"), &deployment, &options)
///     .await?;
/// for result in &deployed.results {
///     println!("{}: {}", result.name, result.outcome);
/// }
/// # Ok(())
/// # }
/// ```
pub trait DeployNode {
    /// Creates a node, waits until it runs and answers SSH, and runs
    /// `deployment` on it. On failure the node is kept or destroyed as
    /// `options` say, and [`DeployFailed`] tells which.
    fn deploy_node(
        &self,
        request: &CreateNode,
        deployment: &Deployment,
        options: &DeployOptions,
    ) -> impl Future<Output = Result<Deployed, DeployFailed>> + Send;

    /// Runs `deployment` on the existing node `id` (waiting for it to run
    /// first). The node is never destroyed.
    fn deploy_to(
        &self,
        id: &str,
        deployment: &Deployment,
        options: &DeployOptions,
    ) -> impl Future<Output = Result<Deployed, DeployFailed>> + Send;
}

impl DeployNode for Compute {
    async fn deploy_node(
        &self,
        request: &CreateNode,
        deployment: &Deployment,
        options: &DeployOptions,
    ) -> Result<Deployed, DeployFailed> {
        let failed = |node: Option<Node>, error: DeployError| DeployFailed {
            node,
            destroyed: false,
            results: Vec::new(),
            error,
            created: false,
        };
        deployment.validate().map_err(|e| failed(None, e))?;
        let created = self
            .create_node(request)
            .await
            .map_err(|e| failed(None, e.into()))?;
        options.report(Progress::Created(created.clone()));
        // The password a provider generated is the last credential tried.
        let fallback: Vec<SshAuth> = created
            .password
            .clone()
            .map(SshAuth::password)
            .into_iter()
            .collect();
        match deploy_running(self, &created.id, deployment, options, &fallback).await {
            Ok(deployed) => Ok(deployed),
            Err(mut failure) => {
                failure.node.get_or_insert(created);
                failure.created = true;
                if options.on_failure == OnFailure::Destroy
                    && let Some(node) = &failure.node
                {
                    match self.destroy_node(&node.id).await {
                        Ok(()) => failure.destroyed = true,
                        Err(e) => {
                            tracing::warn!(node = %node.id, error = %e, "could not destroy the node after a failed deployment")
                        }
                    }
                }
                Err(failure)
            }
        }
    }

    async fn deploy_to(
        &self,
        id: &str,
        deployment: &Deployment,
        options: &DeployOptions,
    ) -> Result<Deployed, DeployFailed> {
        if let Err(error) = deployment.validate() {
            return Err(DeployFailed {
                node: None,
                destroyed: false,
                results: Vec::new(),
                error,
                created: false,
            });
        }
        deploy_running(self, id, deployment, options, &[]).await
    }
}

async fn deploy_running(
    compute: &Compute,
    id: &str,
    deployment: &Deployment,
    options: &DeployOptions,
    fallback: &[SshAuth],
) -> Result<Deployed, DeployFailed> {
    let fail = |node: Option<&Node>, results: Vec<StepResult>, error: DeployError| DeployFailed {
        node: node.cloned(),
        destroyed: false,
        results,
        error,
        created: false,
    };
    let started = tokio::time::Instant::now();
    let node = wait_running(compute, id, options)
        .await
        .map_err(|e| fail(None, Vec::new(), e))?;
    options.report(Progress::Running(node.clone()));
    // Some providers give a running node its address a little later.
    let remaining = options.wait_timeout.saturating_sub(started.elapsed());
    let (node, host) = wait_address(compute, node, options, remaining)
        .await
        .map_err(|(node, e)| fail(Some(&node), Vec::new(), e))?;
    let port = options
        .ssh
        .port
        .or_else(|| ssh_port_of(&node))
        .unwrap_or(22);
    let address = format!("{host}:{port}");
    options.report(Progress::Connecting(address.clone()));
    let session = SshSession::connect(&host.to_string(), port, &options.ssh, fallback)
        .await
        .map_err(|e| fail(Some(&node), Vec::new(), e))?;
    options.report(Progress::Connected(address));
    let mut results = Vec::new();
    let outcome = run_steps(&session, deployment, options, &mut results).await;
    session.close().await;
    match outcome {
        Ok(()) => Ok(Deployed { node, results }),
        Err(e) => Err(fail(Some(&node), results, e)),
    }
}

async fn wait_running(
    compute: &Compute,
    id: &str,
    options: &DeployOptions,
) -> Result<Node, DeployError> {
    let mut nodes = compute
        .wait_until_running(&[id], options.wait_timeout, options.poll_interval)
        .await?;
    if nodes.is_empty() {
        return Err(cloud_core::Error::not_found(cloud_core::ResourceKind::Node, id).into());
    }
    Ok(nodes.swap_remove(0))
}

/// Polls the node until it has an address of the kind asked for, or
/// `timeout` passes.
async fn wait_address(
    compute: &Compute,
    mut node: Node,
    options: &DeployOptions,
    timeout: Duration,
) -> Result<(Node, IpAddr), (Node, DeployError)> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(host) = pick_address(&node, options.address) {
            return Ok((node, host));
        }
        if tokio::time::Instant::now() >= deadline {
            let error = DeployError::NoAddress {
                node: node.id.clone(),
            };
            return Err((node, error));
        }
        tokio::time::sleep(options.poll_interval).await;
        node = match compute.get_node(&node.id).await {
            Ok(fresh) => fresh,
            Err(e) => return Err((node, e.into())),
        };
    }
}

/// Runs every step in order on `session`, stopping at the first failure.
pub(crate) async fn run_steps(
    session: &SshSession,
    deployment: &Deployment,
    options: &DeployOptions,
    results: &mut Vec<StepResult>,
) -> Result<(), DeployError> {
    for (index, step) in deployment.steps().iter().enumerate() {
        options.report(Progress::StepStarted {
            index,
            name: step.name(),
        });
        let result = session.run(step).await?;
        results.push(result.clone());
        options.report(Progress::StepFinished {
            index,
            result: result.clone(),
        });
        if !result.outcome.is_success() {
            return Err(DeployError::StepFailed {
                index,
                result: Box::new(result),
            });
        }
    }
    Ok(())
}

fn pick_address(node: &Node, kind: AddressKind) -> Option<IpAddr> {
    match kind {
        AddressKind::Public => node.public_ips.first().copied(),
        AddressKind::Private => node.private_ips.first().copied(),
        AddressKind::PublicFirst => node
            .public_ips
            .first()
            .or_else(|| node.private_ips.first())
            .copied(),
    }
}

fn ssh_port_of(node: &Node) -> Option<u16> {
    node.extra
        .get(EXTRA_SSH_PORT)
        .and_then(serde_json::Value::as_u64)
        .and_then(|p| u16::try_from(p).ok())
}
