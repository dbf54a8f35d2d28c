//! The shared compute suite against Compute Engine on the Google reference
//! emulator (skipped when it is not running; `cargo xtask test` starts it),
//! signed in through the emulator's token endpoint, every operation waited
//! for. The cases the suite does not cover are here, each replayed by
//! `compute_replay`.

use cloud_core::{Compute, CreateNode, ErrorKind, NodeAuth, ResourceKind};

use crate::support::reference::{self, COMPUTE};

mod compute_engine {
    cloud_testkit::compute_suite!(|case: &'static str| async move {
        super::reference::live(&super::COMPUTE, case).map(|g| super::reference::compute_fixture(&g))
    });
}

const KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f me@laptop";

#[test]
fn operation_failures_are_typed() {
    cloud_testkit::run(async {
        if let Some(google) = reference::live(&COMPUTE, "operation_failure") {
            operation_failure(google).await;
        }
    });
}

/// An insert whose image does not exist is accepted, then its operation
/// fails: the error is the operation's, typed `NotFound` and naming it.
pub(crate) async fn operation_failure(google: cloud_google::Google) {
    let compute = Compute::new(google.compute());
    let request = CreateNode::new(
        "ct-no-image",
        "e2-micro",
        "projects/debian-cloud/global/images/no-such-image",
    );
    let err = compute.create_node(&request).await.unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::NotFound {
                resource: ResourceKind::Node,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("RESOURCE_NOT_FOUND"), "{err}");
    assert!(err.to_string().contains("no-such-image"), "{err}");
    assert_eq!(err.status(), Some(404));
}

#[test]
fn an_ssh_key_reaches_the_instance() {
    cloud_testkit::run(async {
        if let Some(google) = reference::live(&COMPUTE, "ssh_key") {
            ssh_key(google).await;
        }
    });
}

/// `NodeAuth::SshKey` goes into the instance's `ssh-keys` metadata for the
/// default user (`cloud`), which the node names; a password is refused
/// before anything is sent; an unknown option is refused by name.
pub(crate) async fn ssh_key(google: cloud_google::Google) {
    let compute = Compute::new(google.compute());
    let image = "projects/ubuntu-os-cloud/global/images/family/ubuntu-2404-lts-amd64";
    let request = CreateNode::new("ct-ssh", "e2-small", image)
        .auth(NodeAuth::SshKey(KEY.into()))
        .tag("role", "web")
        .security_group("http-server");
    let node = compute.create_node(&request).await.unwrap();
    assert_eq!(node.extra["ssh_user"], "cloud");
    assert_eq!(node.extra["labels"]["role"], "web");
    assert_eq!(node.extra["network_tags"][0], "http-server");
    assert_eq!(node.size.as_deref(), Some("e2-small"));
    compute.destroy_node(&node.id).await.unwrap();
    let password = CreateNode::new("ct-password", "e2-small", image)
        .auth(NodeAuth::Password("hunter2-hunter2".to_owned().into()));
    let err = compute.create_node(&password).await.unwrap_err();
    assert_eq!(*err.kind(), ErrorKind::InvalidInput, "{err}");
    assert!(!err.to_string().contains("hunter2"), "{err}");
}

#[test]
fn an_idempotency_token_makes_one_instance() {
    cloud_testkit::run(async {
        if let Some(google) = reference::live(&COMPUTE, "idempotent_insert") {
            // Compute Engine remembers a request id for an hour: a token of
            // its own for each run (the replay ignores it).
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos();
            idempotent_insert(google, &format!("ct-once-{nanos}")).await;
        }
    });
}

/// An insert sent twice with one idempotency token (its `requestId`)
/// makes one instance: the repeat is answered with the first insert's
/// operation, and both calls give the same node.
pub(crate) async fn idempotent_insert(google: cloud_google::Google, token: &str) {
    let compute = Compute::new(google.compute());
    let request = CreateNode::new(
        "ct-once",
        "e2-micro",
        "projects/debian-cloud/global/images/family/debian-12",
    )
    .idempotency_token(token);
    let first = compute.create_node(&request).await.unwrap();
    let again = compute.create_node(&request).await.unwrap();
    assert_eq!(first.id, again.id);
    let other = request.clone().idempotency_token("another-token");
    let err = compute.create_node(&other).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::AlreadyExists { .. }),
        "{err}"
    );
    compute.destroy_node(&first.id).await.unwrap();
}
