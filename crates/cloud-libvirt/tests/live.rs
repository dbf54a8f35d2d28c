//! The compute conformance suite against libvirt's built-in test driver
//! (`test:///default`, no daemon). Connections opened by one process share
//! the driver's state, so each case adds an image volume of its own to
//! `default-pool` and names its nodes after itself.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use cloud_core::Compute;
use cloud_libvirt::LibvirtBuilder;
use cloud_testkit::ComputeFixture;

fn compute(image: &str) -> Compute {
    let driver = LibvirtBuilder::new()
        .uri("test:///default")
        .image_pool("default-pool")
        .connect()
        .unwrap();
    driver.ex_create_image_volume(image, 1 << 30).unwrap();
    Compute::new(driver)
}

cloud_testkit::compute_suite!(|case: &'static str| async move {
    let image = format!("{case}.img");
    let fixture = ComputeFixture::new(compute(&image))
        .node_template("small", &image)
        .missing_node_id("00000000-0000-0000-0000-000000000000")
        .timing(Duration::from_secs(10), Duration::from_millis(20));
    Some(fixture)
});

/// A volume a domain boots from reads as attached to it, and is never
/// deleted from under it.
#[tokio::test]
async fn a_volume_in_use_is_attached_and_kept() {
    let compute = compute("in-use.img");
    let node = compute
        .create_node(&cloud_core::CreateNode::new(
            "in-use-node",
            "small",
            "in-use.img",
        ))
        .await
        .unwrap();
    let volumes = compute.list_volumes_vec().await.unwrap();
    let disk = volumes.iter().find(|v| v.id == "in-use.img").unwrap();
    assert_eq!(disk.attached_to.as_deref(), Some(node.id.as_str()));
    assert_eq!(disk.state, cloud_core::VolumeState::InUse);
    assert_eq!(disk.size_gb, 1);
    let refused = compute.destroy_volume("in-use.img").await.unwrap_err();
    assert_eq!(
        refused.kind(),
        &cloud_core::ErrorKind::Conflict,
        "{refused}"
    );
    assert!(refused.to_string().contains(&node.id), "{refused}");
    compute.destroy_node(&node.id).await.unwrap();
    compute.destroy_volume("in-use.img").await.unwrap();
    let missing = compute.destroy_volume("in-use.img").await.unwrap_err();
    assert!(missing.is_not_found(), "{missing}");
    let again = compute
        .create_volume(&cloud_core::CreateVolume::new("twice.img", 1))
        .await
        .unwrap();
    assert_eq!(again.size_gb, 1);
    let twice = compute
        .create_volume(&cloud_core::CreateVolume::new("twice.img", 1))
        .await
        .unwrap_err();
    assert!(
        matches!(twice.kind(), cloud_core::ErrorKind::AlreadyExists { .. }),
        "{twice}"
    );
    compute.destroy_volume("twice.img").await.unwrap();
}

/// A volume attached to a node reads as attached to it, cannot be attached
/// twice nor destroyed while attached, and detaches; the test driver cannot
/// hot-plug, so this is the persistent-definition path (docs/libvirt.md).
#[tokio::test]
async fn volumes_attach_and_detach() {
    use cloud_core::{CreateNode, CreateVolume, ErrorKind};
    let compute = compute("attach-boot.img");
    let node = compute
        .create_node(&CreateNode::new("attach-node", "small", "attach-boot.img"))
        .await
        .unwrap();
    let data = compute
        .create_volume(&CreateVolume::new("attach-data.img", 1))
        .await
        .unwrap();
    compute
        .attach_volume(&data.id, &node.id, Some("/dev/vdc"))
        .await
        .unwrap();
    let listed = compute.list_volumes_vec().await.unwrap();
    let attached = listed.iter().find(|v| v.id == data.id).unwrap();
    assert_eq!(attached.attached_to.as_deref(), Some(node.id.as_str()));
    let twice = compute
        .attach_volume(&data.id, &node.id, None)
        .await
        .unwrap_err();
    assert_eq!(twice.kind(), &ErrorKind::Conflict, "{twice}");
    assert!(
        twice.to_string().contains(&node.id),
        "names the node: {twice}"
    );
    let busy = compute.destroy_volume(&data.id).await.unwrap_err();
    assert_eq!(busy.kind(), &ErrorKind::Conflict, "{busy}");
    let missing = compute
        .attach_volume(&data.id, "no-such-node", None)
        .await
        .unwrap_err();
    assert!(missing.is_not_found(), "{missing}");
    compute.detach_volume(&data.id).await.unwrap();
    let listed = compute.list_volumes_vec().await.unwrap();
    assert_eq!(
        listed.iter().find(|v| v.id == data.id).unwrap().attached_to,
        None
    );
    let loose = compute.detach_volume(&data.id).await.unwrap_err();
    assert_eq!(loose.kind(), &ErrorKind::Conflict, "{loose}");
    // The boot disk is in the running guest: no hot-unplug on this driver.
    let boot = compute.detach_volume("attach-boot.img").await.unwrap_err();
    assert!(!boot.is_not_found(), "{boot}");
    compute.destroy_node(&node.id).await.unwrap();
    compute.destroy_volume(&data.id).await.unwrap();
}

/// libvirt's own error printer is off: a lookup that fails inside the
/// driver (an id that is not a UUID) prints nothing; the failure is the
/// driver's typed error. Checked in a child process, whose stderr the
/// test reads.
#[test]
fn libvirt_prints_nothing_of_its_own() {
    if std::env::var_os("CLOUD_LIBVIRT_CHILD").is_some() {
        cloud_testkit::run(async {
            let compute = Compute::new(
                LibvirtBuilder::new()
                    .uri("test:///default")
                    .connect()
                    .unwrap(),
            );
            let err = compute.get_node("not-a-uuid").await.unwrap_err();
            assert!(
                matches!(err.kind(), cloud_core::ErrorKind::NotFound { .. }),
                "{err}"
            );
        });
        return;
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "libvirt_prints_nothing_of_its_own",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("CLOUD_LIBVIRT_CHILD", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("libvirt:"), "{stderr}");
}
