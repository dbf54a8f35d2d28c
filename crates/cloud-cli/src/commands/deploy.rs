//! `cloud compute deploy` and `cloud compute run`: deployment steps over SSH,
//! with one progress line per step on stderr and the results as a table or
//! JSON on stdout.

use std::time::Duration;

use cloud::deploy::{
    DeployFailed, DeployNode, DeployOptions, Deployed, Deployment, HostKeyPolicy, OnFailure,
    Progress, SshAuth, SshOptions, Step, StepResult,
};
use cloud::{Compute, CreateNode, Error, Result, Secret};

use super::Context;
use crate::cli::DeployArgs;
use crate::output;

/// Creates a node and deploys to it.
pub async fn deploy(
    ctx: &Context,
    compute: &Compute,
    request: &CreateNode,
    destroy_on_failure: bool,
    wait_timeout: Duration,
    args: DeployArgs,
) -> Result<()> {
    let (deployment, options) = plan(ctx, &args, wait_timeout)?;
    let options = options.on_failure(if destroy_on_failure {
        OnFailure::Destroy
    } else {
        OnFailure::Keep
    });
    let outcome = compute.deploy_node(request, &deployment, &options).await;
    report(ctx, outcome)
}

/// Runs the steps on an existing node.
pub async fn run_on(
    ctx: &Context,
    compute: &Compute,
    id: &str,
    wait_timeout: Duration,
    args: DeployArgs,
) -> Result<()> {
    let (deployment, options) = plan(ctx, &args, wait_timeout)?;
    let outcome = compute.deploy_to(id, &deployment, &options).await;
    report(ctx, outcome)
}

fn plan(
    ctx: &Context,
    args: &DeployArgs,
    wait_timeout: Duration,
) -> Result<(Deployment, DeployOptions)> {
    let mut steps = Vec::new();
    for key in &args.install_keys {
        let text = std::fs::read_to_string(key)
            .map_err(|e| Error::io(format!("reading {}", key.display()), e))?;
        steps.push(Step::install_key(text));
    }
    for (source, destination) in &args.files {
        steps.push(Step::upload_file(source, destination));
    }
    for script in &args.scripts {
        steps.push(Step::script_file(script));
    }
    for command in &args.commands {
        steps.push(Step::command(command));
    }
    if steps.is_empty() {
        return Err(Error::invalid_input(
            "nothing to do: give --install-key, --file, --script or --run",
        ));
    }
    let steps = steps.into_iter().map(|step| {
        let step = if args.sudo { step.sudo() } else { step };
        match args.step_timeout {
            Some(timeout) => step.timeout(timeout),
            None => step,
        }
    });
    let deployment: Deployment = steps.collect();

    let mut ssh = SshOptions::new(&args.user).connect_timeout(args.ssh_timeout);
    if let Some(port) = args.ssh_port {
        ssh = ssh.port(port);
    }
    if args.agent {
        ssh = ssh.auth(SshAuth::agent());
    }
    let passphrase = std::env::var("CLOUD_SSH_KEY_PASSPHRASE")
        .ok()
        .map(Secret::new);
    for key in &args.ssh_keys {
        let auth = SshAuth::key_file(key);
        ssh = ssh.auth(match &passphrase {
            Some(p) => auth.passphrase(p.clone()),
            None => auth,
        });
    }
    if let Some(var) = &args.password_env {
        let password = std::env::var(var).map_err(|_| {
            Error::invalid_input(format!("--password-env: the variable `{var}` is not set"))
        })?;
        ssh = ssh.auth(SshAuth::password(password));
    }
    let policy = match (&args.host_key_fingerprint, &args.known_hosts) {
        (Some(fingerprint), _) => HostKeyPolicy::fingerprint(fingerprint),
        (None, Some(file)) => HostKeyPolicy::known_hosts_file(file),
        (None, None) => HostKeyPolicy::known_hosts(),
    };
    let policy = if args.accept_new_host_key {
        policy.accept_new()
    } else {
        policy
    };
    let total = deployment.steps().len();
    let quiet = ctx.json && !ctx.progress;
    let options = DeployOptions::new(ssh.host_keys(policy))
        .wait_timeout(wait_timeout)
        .poll_interval(Duration::from_millis(500))
        .on_progress(move |event| {
            if !quiet {
                progress_line(event, total);
            }
        });
    Ok((deployment, options))
}

fn progress_line(event: &Progress, total: usize) {
    match event {
        Progress::Created(node) => eprintln!("created node {} ({})", node.id, node.name),
        Progress::Running(node) => eprintln!("node {} is running", node.id),
        Progress::Connecting(address) => eprintln!("connecting to {address}"),
        Progress::Connected(address) => eprintln!("logged in to {address}"),
        Progress::StepStarted { index, name } => eprintln!("[{}/{total}] {name}", index + 1),
        Progress::StepFinished { index, result } => eprintln!(
            "[{}/{total}] {} ({:.1} s)",
            index + 1,
            result.outcome,
            result.duration.as_secs_f64()
        ),
        _ => {}
    }
}

fn results_json(results: &[StepResult]) -> serde_json::Value {
    serde_json::to_value(results).unwrap_or(serde_json::Value::Null)
}

fn report(ctx: &Context, outcome: std::result::Result<Deployed, DeployFailed>) -> Result<()> {
    match outcome {
        Ok(deployed) => {
            if ctx.json {
                return output::json(&serde_json::json!({
                    "node": deployed.node,
                    "results": results_json(&deployed.results),
                }));
            }
            print_results(&deployed.results)?;
            super::compute::print_one(ctx, &deployed.node)
        }
        Err(failed) => {
            if ctx.json {
                output::json(&serde_json::json!({
                    "node": failed.node,
                    "destroyed": failed.destroyed,
                    "results": results_json(&failed.results),
                    "error": failed.error.to_string(),
                }))?;
            } else if let Some(last) = failed.results.last() {
                // stdout stays empty on failure; the progress lines on
                // stderr already named each step.
                let tail = last.stderr_tail.trim_end();
                if !tail.is_empty() {
                    eprintln!("stderr of {} (last lines):\n{tail}", last.name);
                }
            }
            let message = failed.to_string();
            Err(Error::from(failed.error).with_message(message))
        }
    }
}

fn print_results(results: &[StepResult]) -> Result<()> {
    let rows: Vec<Vec<String>> = results
        .iter()
        .map(|r| {
            vec![
                r.name.clone(),
                r.outcome.to_string(),
                format!("{:.1} s", r.duration.as_secs_f64()),
                r.stdout_tail.lines().last().unwrap_or_default().to_owned(),
            ]
        })
        .collect();
    output::table(&["step", "outcome", "took", "last output line"], &rows)
}
