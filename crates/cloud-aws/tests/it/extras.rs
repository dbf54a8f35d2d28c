//! The AWS-specific extras (inherent `ex_*` methods) and presigned PUT URLs,
//! against moto.
#![allow(clippy::unwrap_used)]

use crate::support;

use std::time::Duration;

use cloud_core::http::{Body, HttpRequest, Method};
use cloud_core::{Compute, CreateNode, Storage, UploadOptions, UrlMethod};
use support::{MOTO_IMAGE, Server};

#[tokio::test]
async fn security_groups_elastic_ips_and_tags() {
    let Some(setup) = support::live_with(Server::Moto, |b| b) else {
        return;
    };
    let ec2 = setup.aws.ec2().unwrap();
    let compute = Compute::new(ec2.clone());

    let group = ec2
        .ex_create_security_group("ct-extras-web", "web servers", None)
        .await
        .unwrap();
    assert!(group.starts_with("sg-"), "{group}");
    ec2.ex_authorize_security_group_ingress(&group, "tcp", 443, 443, "0.0.0.0/0")
        .await
        .unwrap();
    let groups = ec2.ex_list_security_groups().await.unwrap();
    assert!(
        groups
            .iter()
            .any(|g| g.id == group && g.name == "ct-extras-web")
    );

    let node = compute
        .create_node(
            &CreateNode::new("ct-extras", "t2.micro", MOTO_IMAGE).security_group(group.clone()),
        )
        .await
        .unwrap();
    compute
        .wait_until_running(
            &[&node.id],
            Duration::from_secs(60),
            Duration::from_millis(100),
        )
        .await
        .unwrap();

    let ip = ec2.ex_allocate_elastic_ip().await.unwrap();
    let allocation = ip.allocation_id.clone().unwrap();
    let association = ec2
        .ex_associate_elastic_ip(&allocation, &node.id)
        .await
        .unwrap();
    let listed = ec2.ex_list_elastic_ips().await.unwrap();
    let found = listed
        .iter()
        .find(|a| a.allocation_id.as_deref() == Some(allocation.as_str()))
        .unwrap();
    assert_eq!(found.instance_id.as_deref(), Some(node.id.as_str()));
    ec2.ex_disassociate_elastic_ip(&association).await.unwrap();
    ec2.ex_release_elastic_ip(&allocation).await.unwrap();

    ec2.ex_create_tags(&node.id, &[("team", "storage"), ("tier", "gold")])
        .await
        .unwrap();
    let tagged = compute.get_node(&node.id).await.unwrap();
    assert_eq!(
        tagged.extra.get("tag:team").and_then(|v| v.as_str()),
        Some("storage")
    );
    ec2.ex_delete_tags(&node.id, &["tier"]).await.unwrap();
    let untagged = compute.get_node(&node.id).await.unwrap();
    assert!(!untagged.extra.contains_key("tag:tier"));

    let running = ec2
        .ex_list_nodes_filtered(&[("tag:team", &["storage"])], Default::default())
        .await
        .unwrap();
    assert!(running.items.iter().any(|n| n.id == node.id));

    compute.destroy_node(&node.id).await.unwrap();
}

#[tokio::test]
async fn batch_delete_and_presigned_put() {
    let Some(setup) = support::live_with(Server::Moto, |b| b) else {
        return;
    };
    let s3 = setup.aws.s3().unwrap();
    let storage = Storage::new(s3.clone());
    cloud_testkit::conformance::storage::remove_container(&storage, "ct-extras").await;
    storage.create_container("ct-extras").await.unwrap();
    for name in ["a", "b", "c"] {
        storage
            .upload_bytes("ct-extras", name, name.to_owned(), &UploadOptions::new())
            .await
            .unwrap();
    }
    let failed = s3
        .ex_delete_objects("ct-extras", &["a", "b"])
        .await
        .unwrap();
    assert!(failed.is_empty(), "{failed:?}");
    let left = storage.list_objects_vec("ct-extras", None).await.unwrap();
    assert_eq!(
        left.iter().map(|o| o.name.as_str()).collect::<Vec<_>>(),
        ["c"]
    );

    let url = storage
        .signed_url(
            "ct-extras",
            "uploaded by url.txt",
            UrlMethod::Put,
            Duration::from_secs(300),
        )
        .await
        .unwrap();
    let response = setup
        .http
        .send(HttpRequest::new(Method::PUT, url).body(Body::from_bytes("no credentials needed")))
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    assert_eq!(
        storage
            .download_bytes("ct-extras", "uploaded by url.txt")
            .await
            .unwrap(),
        "no credentials needed"
    );
    assert_eq!(s3.ex_bucket_region("ct-extras").await.unwrap(), "us-east-1");
    cloud_testkit::conformance::storage::remove_container(&storage, "ct-extras").await;
}

#[tokio::test]
async fn classic_elb_listeners_and_health() {
    let Some(setup) = support::live_with(Server::Moto, |b| b) else {
        return;
    };
    let compute = Compute::new(setup.aws.ec2().unwrap());
    let elb = setup.aws.elb().unwrap();
    let lbs = cloud_core::LoadBalancers::new(elb.clone());
    let node = compute
        .create_node(&CreateNode::new("ct-elb-extra", "t2.micro", MOTO_IMAGE))
        .await
        .unwrap();
    let request = cloud_core::CreateBalancer::new("ct-elb-extras", 80)
        .member(cloud_core::Member::node(node.id.clone(), Some(8080)));
    let lb = lbs.create_balancer(&request).await.unwrap();
    elb.ex_create_listener(&lb.id, &cloud_core::Protocol::TCP, 2222, 22)
        .await
        .unwrap();
    let described = lbs.get_balancer(&lb.id).await.unwrap();
    let listeners = described
        .extra
        .get("listeners")
        .and_then(|l| l.as_array())
        .unwrap();
    assert_eq!(listeners.len(), 2, "{listeners:?}");
    elb.ex_delete_listener(&lb.id, 2222).await.unwrap();
    let health = elb.ex_member_health(&lb.id).await.unwrap();
    assert!(health.iter().any(|(id, _)| *id == node.id), "{health:?}");
    lbs.destroy_balancer(&lb.id).await.unwrap();
    compute.destroy_node(&node.id).await.unwrap();
}
