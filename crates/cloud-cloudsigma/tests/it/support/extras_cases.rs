// The CloudSigma extras and specifics, shared by the live and replay
// suites (each defines `driver(case)`, and `turn()` to wait while other
// cases on the same account run).

use cloud_core::{Compute, CreateNode, CreateVolume, ErrorKind, NodeAuth};

const DEBIAN: &str = "6f1e2d3c-0000-4000-9000-000000000001";
const INSTALL_CD: &str = "6f1e2d3c-0000-4000-9000-000000000003";

#[test]
fn account_extras() {
    let _turn = turn();
    cloud_testkit::run(async {
        let Some(cs) = driver("account") else { return };
        let balance = cs.ex_balance().await.unwrap();
        assert!(!balance.amount.is_empty() && balance.currency.len() == 3, "{balance:?}");
        let subscriptions = cs.ex_list_subscriptions().await.unwrap();
        assert!(subscriptions.iter().all(|s| !s.resource.is_empty()), "{subscriptions:?}");
        let policies = cs.ex_list_firewall_policies().await.unwrap();
        assert!(policies.iter().all(|p| !p.id.is_empty()));
        let compute = Compute::new(cs.clone());
        let sizes = compute.list_sizes().await.unwrap();
        assert!(sizes.iter().all(|s| s.price_per_hour.is_some()), "priced: {sizes:?}");
        let locations = compute.list_locations().await.unwrap();
        assert_eq!(locations[0].extra["current"], true, "{locations:?}");
        assert!(locations.len() > 1 && locations[1..].iter().all(|l| l.extra["current"] == false));
        // A static address and a firewall policy on the public interface.
        let node = compute
            .create_node(
                &CreateNode::new("ct-static", "small", DEBIAN)
                    .option("ip", "203.0.113.7")
                    .option("firewall_policy", &policies[0].id),
            )
            .await
            .unwrap();
        let running = compute
            .wait_until_running(&[&node.id], std::time::Duration::from_secs(30), std::time::Duration::from_millis(5))
            .await
            .unwrap();
        assert_eq!(running[0].public_ips, ["203.0.113.7".parse::<std::net::IpAddr>().unwrap()]);
        compute.destroy_node(&node.id).await.unwrap();
        let err = compute
            .create_node(&CreateNode::new("x", "small", DEBIAN).option("ip", "not-an-ip"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::InvalidInput, "{err}");
    });
}

#[test]
fn sizes_drives_and_tags() {
    let _turn = turn();
    cloud_testkit::run(async {
        let Some(cs) = driver("drives") else { return };
        let compute = Compute::new(cs.clone());
        // A custom size with a bigger boot drive: the clone is grown.
        let node = compute
            .create_node(
                &CreateNode::new("ct-custom", "3000mhz-1536mib-15gb", DEBIAN)
                    .auth(NodeAuth::SshKey(cloud_testkit::conformance::compute::TEST_PUBLIC_KEY.into()))
                    .user_data("#cloud-config\n")
                    .option("vnc_password", "vnc-secret-1"),
            )
            .await
            .unwrap();
        assert_eq!(node.size.as_deref(), Some("3000mhz-1536mib"));
        // The key and the user data travel where CloudSigma's images read them.
        let meta = &node.extra["meta"];
        assert_eq!(meta["ssh_public_key"], cloud_testkit::conformance::compute::TEST_PUBLIC_KEY);
        assert_eq!(meta["cloudinit-user-data"], "I2Nsb3VkLWNvbmZpZwo=");
        assert_eq!(meta["base64_fields"], "cloudinit-user-data");
        assert_eq!(node.image.as_deref(), Some(DEBIAN));
        let volumes = compute.list_volumes_vec().await.unwrap();
        let boot = volumes
            .iter()
            .find(|v| v.attached_to.as_deref() == Some(node.id.as_str()))
            .expect("the boot drive is listed, mounted on the node");
        assert_eq!(boot.size_gb, 15);
        // Clone and grow a data drive, tag both.
        let data = compute
            .create_volume(&CreateVolume::new("ct-data", 1))
            .await
            .unwrap();
        let copy = cs.ex_clone_drive(&data.id, "ct-data-copy").await.unwrap();
        let grown = cs.ex_resize_drive(&copy.id, 3).await.unwrap();
        assert_eq!(grown.size_gb, 3);
        let tag = cs.ex_create_tag("ct-tag", &[&node.id, &data.id]).await.unwrap();
        assert_eq!(tag.resources.len(), 2);
        assert!(cs.ex_list_tags().await.unwrap().iter().any(|t| t.id == tag.id));
        cs.ex_delete_tag(&tag.id).await.unwrap();
        // A mounted drive cannot be destroyed; destroying the node takes
        // its boot drive, not the others.
        let err = compute.destroy_volume(&boot.id).await.unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::Conflict, "{err}");
        compute.destroy_node(&node.id).await.unwrap();
        let left = compute.list_volumes_vec().await.unwrap();
        assert!(left.iter().all(|v| v.id != boot.id), "the boot drive went with the node");
        assert!(left.iter().any(|v| v.id == data.id), "the data drive stayed");
        for id in [&data.id, &copy.id] {
            compute.destroy_volume(id).await.unwrap();
        }
    });
}

#[test]
fn install_cds_and_refusals() {
    let _turn = turn();
    cloud_testkit::run(async {
        let Some(cs) = driver("install_cd") else { return };
        let compute = Compute::new(cs);
        // An installation CD is attached as it is, nothing cloned.
        let node = compute
            .create_node(&CreateNode::new("ct-installer", "small", INSTALL_CD))
            .await
            .unwrap();
        let volumes = compute.list_volumes_vec().await.unwrap();
        assert!(
            volumes.iter().all(|v| v.name != "ct-installer-boot"),
            "{volumes:?}"
        );
        compute.destroy_node(&node.id).await.unwrap();
        for (request, what) in [
            (CreateNode::new("x", "huge", DEBIAN), "size"),
            (CreateNode::new("x", "small", DEBIAN).location("tyo"), "region"),
            (
                CreateNode::new("x", "small", DEBIAN)
                    .auth(NodeAuth::Password(cloud_core::Secret::new("pw"))),
                "password",
            ),
        ] {
            let err = compute.create_node(&request).await.unwrap_err();
            assert_eq!(err.kind(), &ErrorKind::InvalidInput, "{what}: {err}");
        }
        // A server CloudSigma refuses after the boot drive was cloned: the
        // clone is deleted, nothing is left behind.
        let err = compute
            .create_node(
                &CreateNode::new("ct-refused", "small", DEBIAN)
                    .option("drives", "00000000-0000-4000-8000-0000000000fe"),
            )
            .await
            .unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::InvalidInput, "{err}");
        let volumes = compute.list_volumes_vec().await.unwrap();
        assert!(volumes.iter().all(|v| v.name != "ct-refused-boot"), "{volumes:?}");
        let err = compute
            .create_node(&CreateNode::new("x", "small", "00000000-0000-4000-8000-0000000000ff"))
            .await
            .unwrap_err();
        assert!(err.is_not_found(), "{err}");
        // Starting a running server succeeds and changes nothing (the
        // portable contract), though CloudSigma itself refuses it.
        let node = compute
            .create_node(&CreateNode::new("ct-stopper", "small", DEBIAN))
            .await
            .unwrap();
        compute
            .wait_until_running(&[&node.id], std::time::Duration::from_secs(30), std::time::Duration::from_millis(5))
            .await
            .unwrap();
        compute.start_node(&node.id).await.unwrap();
        let still = compute.get_node(&node.id).await.unwrap();
        assert_eq!(still.state, cloud_core::NodeState::Running);
        compute.destroy_node(&node.id).await.unwrap();
    });
}
