//! Deployment over SSH for `cloud`: Libcloud's `deploy_node`, in Rust.
//!
//! Create a node on any provider, wait until it runs and answers SSH, log in
//! and run the steps that make it useful (install a key, upload files, run
//! scripts and commands), with each step's exit status and output tail:
//!
//! ```no_run
//! use cloud_core::{Compute, CreateNode};
//! use cloud_deploy::{DeployNode, DeployOptions, Deployment, HostKeyPolicy, OnFailure, SshAuth, SshOptions, Step};
//!
//! # async fn example(compute: Compute) -> Result<(), Box<dyn std::error::Error>> {
//! let deployment = Deployment::new()
//!     .step(Step::upload_file("site/index.html", "/var/www/html/index.html"))
//!     .step(Step::script("#!/bin/sh\nset -e\napt-get install -y nginx\n").sudo());
//! let options = DeployOptions::new(
//!     SshOptions::new("admin")
//!         .auth(SshAuth::agent())
//!         .host_keys(HostKeyPolicy::known_hosts().accept_new()),
//! )
//! .on_failure(OnFailure::Destroy);
//! let deployed = compute
//!     .deploy_node(&CreateNode::new("web-1", "small", "debian-12"), &deployment, &options)
//!     .await?;
//! println!("{} is serving", deployed.node.id);
//! # Ok(())
//! # }
//! ```
//!
//! The SSH client is `russh` on its `ring` backend (no C toolchain, no
//! second crypto library). Files travel over the exec channel into `cat`
//! rather than SFTP: the same path then works under `sudo` (for uploads
//! owned by root) and needs no SFTP subsystem on the node, and the upload
//! is written beside its destination, size-checked and renamed into place.
//! Host keys are checked against `known_hosts` by default; see
//! [`HostKeyPolicy`] and `docs/deploy.md`.

mod auth;
mod error;
mod host_key;
mod node;
mod options;
mod session;
mod shell;
mod step;
mod tail;

pub use auth::SshAuth;
pub use error::DeployError;
pub use host_key::HostKeyPolicy;
pub use node::{
    AddressKind, DeployFailed, DeployNode, DeployOptions, Deployed, OnFailure, Progress,
};
pub use options::SshOptions;
pub use session::SshSession;
pub use step::{Deployment, Step, StepOutcome, StepResult};
