//! `deploy_node` end to end on the embedded memory provider, whose nodes
//! answer SSH at the local sshd.
#![allow(clippy::unwrap_used)]

use crate::common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cloud_core::{Compute, CreateNode, ErrorKind};
use cloud_deploy::{
    DeployError, DeployNode, DeployOptions, Deployment, OnFailure, Progress, SshAuth, Step,
};
use cloud_memory::MemoryCloud;
use common::Sshd;

fn compute(sshd: &Sshd) -> Compute {
    let cloud = MemoryCloud::builder()
        .transition_delay(Duration::from_millis(200))
        .ssh_endpoint(format!("{}:{}", sshd.host, sshd.port).parse().unwrap())
        .build();
    Compute::new(cloud.compute())
}

fn options(sshd: &Sshd) -> DeployOptions {
    // The node's port comes from the provider (the `ssh_port` extra), not
    // from the options.
    let ssh = cloud_deploy::SshOptions::new(&sshd.user)
        .auth(SshAuth::key_file(sshd.key("id_ed25519")))
        .host_keys(cloud_deploy::HostKeyPolicy::known_hosts_file(
            sshd.key("known_hosts"),
        ))
        .connect_timeout(Duration::from_secs(20));
    DeployOptions::new(ssh).poll_interval(Duration::from_millis(50))
}

#[tokio::test]
async fn creates_waits_and_deploys() {
    let Some(sshd) = Sshd::get() else { return };
    let compute = compute(&sshd);
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = events.clone();
    let options = options(&sshd).on_progress(move |event| {
        let label = match event {
            Progress::Created(_) => "created".to_owned(),
            Progress::Running(_) => "running".to_owned(),
            Progress::Connecting(_) => "connecting".to_owned(),
            Progress::Connected(_) => "connected".to_owned(),
            Progress::StepStarted { index, .. } => format!("start {index}"),
            Progress::StepFinished { index, .. } => format!("finish {index}"),
            _ => "other".to_owned(),
        };
        seen.lock().unwrap().push(label);
    });
    let marker = format!("/tmp/cloud-deploy-test-{}", std::process::id());
    let deployment = Deployment::new()
        .step(Step::upload_bytes("hello\n", &marker))
        .step(Step::command(format!("cat {marker} && rm {marker}")));
    let deployed = compute
        .deploy_node(
            &CreateNode::new("web-1", "small", "debian-12"),
            &deployment,
            &options,
        )
        .await
        .unwrap();
    assert_eq!(deployed.node.state, cloud_core::NodeState::Running);
    assert_eq!(deployed.results.len(), 2);
    assert_eq!(deployed.results[1].stdout_tail, "hello\n");
    assert_eq!(
        *events.lock().unwrap(),
        [
            "created",
            "running",
            "connecting",
            "connected",
            "start 0",
            "finish 0",
            "start 1",
            "finish 1"
        ]
    );

    // The same steps on the node that now exists.
    let again = compute
        .deploy_to(&deployed.node.id, &deployment, &options)
        .await
        .unwrap();
    assert_eq!(again.results[1].stdout_tail, "hello\n");
}

#[tokio::test]
async fn a_failing_step_stops_and_the_node_is_kept_or_destroyed() {
    let Some(sshd) = Sshd::get() else { return };
    let compute = compute(&sshd);
    let deployment = Deployment::new()
        .step(Step::script("#!/bin/sh\necho working\necho broken >&2\nexit 3\n").named("setup"))
        .step(Step::command("echo never"));

    let failed = compute
        .deploy_node(
            &CreateNode::new("kept", "small", "debian-12"),
            &deployment,
            &options(&sshd),
        )
        .await
        .unwrap_err();
    assert!(!failed.destroyed);
    assert_eq!(
        failed.results.len(),
        1,
        "the step after the failure did not run"
    );
    match &failed.error {
        DeployError::StepFailed { index, result } => {
            assert_eq!(*index, 0);
            assert_eq!(result.name, "setup");
            assert_eq!(
                result.outcome,
                cloud_deploy::StepOutcome::Exited { status: 3 }
            );
            assert_eq!(result.stdout_tail, "working\n");
        }
        other => panic!("{other}"),
    }
    assert_eq!(
        failed.error.to_string(),
        "step 1 (setup) failed: exit status 3 (stderr: broken)"
    );
    let kept = failed.node.clone().unwrap();
    assert!(
        failed
            .to_string()
            .ends_with(&format!("(new node `{}` kept)", kept.id)),
        "{failed}"
    );
    compute.get_node(&kept.id).await.unwrap();

    let failed = compute
        .deploy_node(
            &CreateNode::new("doomed", "small", "debian-12"),
            &deployment,
            &options(&sshd).on_failure(OnFailure::Destroy),
        )
        .await
        .unwrap_err();
    assert!(failed.destroyed);
    assert!(failed.to_string().ends_with("destroyed)"), "{failed}");
    let gone = compute
        .get_node(&failed.node.unwrap().id)
        .await
        .unwrap_err();
    assert!(matches!(gone.kind(), ErrorKind::NotFound { .. }), "{gone}");
}
