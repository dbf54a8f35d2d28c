//! The 2011 Libcloud talk's flow, in Rust: create a node, install a key,
//! run a script that starts a web server, and check that it answers.
//!
//! ```text
//! # On the embedded memory provider, with nodes answering SSH at a local sshd
//! # (`cargo xtask servers sshd` prints the variables used below):
//! SSH_USER=$CLOUD_TEST_SSHD_USER SSH_KEY=$CLOUD_TEST_SSHD_DIR/id_ed25519 \
//! SSH_KNOWN_HOSTS=$CLOUD_TEST_SSHD_DIR/known_hosts \
//!   cargo run -p cloud --features deploy --example deploy_web -- --option ssh_endpoint=$CLOUD_TEST_SSHD
//!
//! # On a real provider: its flags, a size and an image (positional).
//! SSH_USER=admin SSH_KEY=~/.ssh/id_ed25519 cargo run -p cloud --features deploy,aws \
//!   --example deploy_web -- --provider aws --region eu-west-1 t3.micro ami-0123456789abcdef0
//! ```
//!
//! Without `SSH_KNOWN_HOSTS` the node's host key is recorded in
//! `~/.ssh/known_hosts` on first contact (accept-new); a changed key is refused.

#[path = "support/mod.rs"]
mod support;

use std::time::Duration;

use cloud::deploy::{
    DeployNode, DeployOptions, Deployment, HostKeyPolicy, OnFailure, Progress, SshAuth, SshOptions,
    Step,
};
use cloud::{CreateNode, Error, Registry};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The port the node's web server listens on.
const WEB_PORT: u16 = 8089;

#[tokio::main]
async fn main() {
    support::exit_on_error(run().await);
}

async fn run() -> cloud::Result<()> {
    let args = support::parse()?;
    let provider = args.provider.as_deref().unwrap_or("memory");
    let compute = Registry::new().compute(provider, &args.config)?;
    let (size, image) = match args.positional.as_slice() {
        [size, image] => (size.clone(), image.clone()),
        _ => ("small".to_owned(), "debian-12".to_owned()),
    };

    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let user = env("SSH_USER").unwrap_or_else(|| "root".to_owned());
    let key = env("SSH_KEY")
        .ok_or_else(|| Error::invalid_input("set SSH_KEY to the private key to log in with"))?;
    let public_key = std::fs::read_to_string(format!("{key}.pub"))
        .map_err(|e| Error::io(format!("reading {key}.pub"), e))?;
    let host_keys = match env("SSH_KNOWN_HOSTS") {
        Some(file) => HostKeyPolicy::known_hosts_file(file),
        None => HostKeyPolicy::known_hosts().accept_new(),
    };

    let deployment = Deployment::new().step(Step::install_key(public_key)).step(
        Step::script(format!(
            "#!/bin/sh\n\
                 set -e\n\
                 mkdir -p \"$HOME/www\"\n\
                 echo \"hello from $(hostname)\" > \"$HOME/www/index.html\"\n\
                 cd \"$HOME/www\"\n\
                 nohup python3 -m http.server {WEB_PORT} > server.log 2>&1 &\n\
                 echo $! > server.pid\n\
                 sleep 1\n"
        ))
        .named("start a web server"),
    );
    let options = DeployOptions::new(
        SshOptions::new(user)
            .auth(SshAuth::key_file(&key))
            .host_keys(host_keys),
    )
    .on_failure(OnFailure::Destroy)
    .poll_interval(Duration::from_millis(500))
    .on_progress(|event| match event {
        Progress::Created(node) => println!("created {} ({})", node.name, node.id),
        Progress::Connected(address) => println!("logged in to {address}"),
        Progress::StepFinished { result, .. } => println!("{}: {}", result.name, result.outcome),
        _ => {}
    });
    let deployed = compute
        .deploy_node(
            &CreateNode::new("web-example", size, image),
            &deployment,
            &options,
        )
        .await
        .map_err(|failed| {
            let message = failed.to_string();
            Error::from(failed.error).with_message(message)
        })?;

    let address = deployed
        .node
        .public_ips
        .first()
        .copied()
        .ok_or_else(|| Error::invalid_input("the node has no public address"))?;
    let page = fetch(&format!("{address}:{WEB_PORT}")).await;
    let stop = Deployment::new().step(Step::command("kill \"$(cat \"$HOME/www/server.pid\")\""));
    compute
        .deploy_to(&deployed.node.id, &stop, &options)
        .await
        .map_err(|failed| Error::from(failed.error))?;
    compute.destroy_node(&deployed.node.id).await?;
    let page = page?;
    if !page.starts_with("HTTP/1.0 200") || !page.contains("hello from") {
        return Err(Error::invalid_input(format!(
            "the web server answered: {page}"
        )));
    }
    println!(
        "the web server answers: {}",
        page.lines().last().unwrap_or_default()
    );
    println!("destroyed {}", deployed.node.id);
    Ok(())
}

/// `GET /` over plain HTTP/1.0, the whole response as text.
async fn fetch(address: &str) -> cloud::Result<String> {
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .map_err(|e| Error::io(format!("connecting to {address}"), e))?;
    stream
        .write_all(b"GET / HTTP/1.0\r\n\r\n")
        .await
        .map_err(|e| Error::io("sending the request", e))?;
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .await
        .map_err(|e| Error::io("reading the response", e))?;
    Ok(response)
}
