//! The shared load-balancer suite against Compute Engine's network load
//! balancing on the Google reference emulator (skipped when it is not
//! running; `cargo xtask test` starts it). Cases the suite does not cover
//! are here, each replayed by `lb_replay`.

use cloud_core::{
    Algorithm, CreateBalancer, ErrorKind, LoadBalancers, Member, Protocol, ResourceKind,
};

use crate::support::reference::{self, LOAD_BALANCING};

mod network_lb {
    cloud_testkit::loadbalancer_suite!(|case: &'static str| async move {
        match super::reference::live(&super::LOAD_BALANCING, case) {
            Some(google) => Some(super::reference::lb_fixture(&google).await),
            None => None,
        }
    });
}

#[test]
fn an_http_balancer_is_a_checked_pool() {
    cloud_testkit::run(async {
        if let Some(google) = reference::live(&LOAD_BALANCING, "http_balancer") {
            http_balancer(google).await;
        }
    });
}

/// An `http` balancer is a TCP forwarding rule to a pool judged by an HTTP
/// health check of its name, on the path asked for; `source_ip` is the
/// pool's client-address affinity; destroying it removes the health check
/// too. Addresses as members are refused before anything is sent, and a
/// failed creation leaves nothing behind.
pub(crate) async fn http_balancer(google: cloud_google::Google) {
    let fixture = reference::lb_fixture(&google).await;
    let lb = LoadBalancers::new(google.load_balancer());
    let request = CreateBalancer::new("ct-http", 8080)
        .protocol(Protocol::HTTP)
        .algorithm(Algorithm::SourceIp)
        .option("health_check_path", "/healthz")
        .member(fixture.members[0].clone());
    let created = lb.create_balancer(&request).await.unwrap();
    assert_eq!(created.id, "us-central1/ct-http");
    assert_eq!(created.protocol, Some(Protocol::HTTP));
    assert_eq!(created.algorithm, Some(Algorithm::SourceIp));
    assert_eq!(created.extra["health_checks"][0], "ct-http");
    assert!(created.ip.is_some());
    let listed = lb.list_balancers_vec().await.unwrap();
    let same = listed.iter().find(|b| b.id == created.id).unwrap();
    assert_eq!(
        same.protocol,
        Some(Protocol::HTTP),
        "a listed balancer reads as a got one"
    );
    lb.destroy_balancer(&created.id).await.unwrap();
    // The health check went with it: a balancer of that name can be made again.
    let again = lb.create_balancer(&request).await.unwrap();
    lb.destroy_balancer(&again.id).await.unwrap();
    let by_address = CreateBalancer::new("ct-by-address", 80)
        .member(Member::ip(std::net::IpAddr::from([192, 0, 2, 7]), 80));
    let err = lb.create_balancer(&by_address).await.unwrap_err();
    assert_eq!(*err.kind(), ErrorKind::InvalidInput, "{err}");
    // A member that does not exist fails the pool; the health check made
    // before it is deleted again.
    let missing = CreateBalancer::new("ct-missing-member", 80)
        .member(Member::node("us-central1-a/no-such-instance", None));
    let err = lb.create_balancer(&missing).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::NotFound { .. }), "{err}");
    let err = lb
        .get_balancer("us-central1/ct-missing-member")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::NotFound {
                resource: ResourceKind::Balancer,
                ..
            }
        ),
        "{err}"
    );
    let retried = lb.create_balancer(&missing.clone()).await.unwrap_err();
    assert!(
        matches!(retried.kind(), ErrorKind::NotFound { .. }),
        "{retried}"
    );
}
