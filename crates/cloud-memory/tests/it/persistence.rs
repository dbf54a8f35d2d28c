//! State kept in a file survives the process that wrote it.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use cloud_core::{
    Compute, CreateNode, CreateZone, Dns, LoadBalancers, NodeState, RecordSpec, RecordType,
};
use cloud_memory::{MemoryCompute, MemoryDns, MemoryLoadBalancers};

#[tokio::test]
async fn compute_dns_and_balancers_reload_from_their_files() {
    let dir = tempfile::tempdir().unwrap();
    let delay = Duration::from_millis(20);
    let node = {
        let compute =
            Compute::new(MemoryCompute::open(dir.path().join("compute.json"), delay).unwrap());
        compute
            .create_node(&CreateNode::new("saved", "small", "debian-12"))
            .await
            .unwrap()
    };
    let zone = {
        let dns = Dns::new(MemoryDns::open(dir.path().join("dns.json")).unwrap());
        let zone = dns
            .create_zone(&CreateZone::new("saved.example"))
            .await
            .unwrap();
        dns.create_record(
            &zone.id,
            &RecordSpec::new("www", RecordType::A, "192.0.2.1"),
        )
        .await
        .unwrap();
        zone
    };
    {
        let lb = LoadBalancers::new(
            MemoryLoadBalancers::open(dir.path().join("lb.json"), delay).unwrap(),
        );
        lb.create_balancer(&cloud_core::CreateBalancer::new("saved", 80))
            .await
            .unwrap();
    }

    tokio::time::sleep(Duration::from_millis(50)).await;
    let compute =
        Compute::new(MemoryCompute::open(dir.path().join("compute.json"), delay).unwrap());
    let again = compute.get_node(&node.id).await.unwrap();
    assert_eq!(again.name, "saved");
    assert_eq!(
        again.state,
        NodeState::Running,
        "its clock kept running while nobody looked"
    );
    compute.destroy_node(&node.id).await.unwrap();
    let reopened =
        Compute::new(MemoryCompute::open(dir.path().join("compute.json"), delay).unwrap());
    assert!(reopened.list_nodes_vec().await.unwrap().is_empty());

    let dns = Dns::new(MemoryDns::open(dir.path().join("dns.json")).unwrap());
    assert_eq!(dns.list_records_vec(&zone.id).await.unwrap().len(), 1);
    let lb =
        LoadBalancers::new(MemoryLoadBalancers::open(dir.path().join("lb.json"), delay).unwrap());
    assert_eq!(lb.list_balancers_vec().await.unwrap()[0].name, "saved");

    std::fs::write(dir.path().join("dns.json"), "{ not json").unwrap();
    let err = MemoryDns::open(dir.path().join("dns.json")).unwrap_err();
    assert!(err.to_string().contains("unreadable"), "{err}");
}
