//! The load-balancer conformance suite.

use std::net::IpAddr;
use std::time::Duration;

use cloud_core::{
    Algorithm, Api, Capability, CreateBalancer, Error, ErrorKind, LoadBalancers, Member, Protocol,
    ResourceKind, UpdateBalancer,
};

use crate::assert_kind;

/// What the load-balancer suite runs against.
#[derive(Debug, Clone)]
pub struct LoadBalancerFixture {
    /// The handle under test.
    pub lb: LoadBalancers,
    /// Prefix of balancer names.
    pub namespace: String,
    /// Members to attach; two or more. Defaults to documentation addresses.
    pub members: Vec<Member>,
    /// A well-formed id that names no balancer.
    pub missing_balancer_id: String,
    /// How long a balancer may take to run.
    pub ready_timeout: Duration,
    /// How often to poll while waiting.
    pub poll_interval: Duration,
    skips: Vec<(&'static str, String)>,
    untested: Vec<(Capability, String)>,
}

impl LoadBalancerFixture {
    /// A fixture for `lb` with namespace `ct` and members on 192.0.2.0/24.
    pub fn new(lb: LoadBalancers) -> Self {
        let ip = |last: u8| IpAddr::from([192, 0, 2, last]);
        LoadBalancerFixture {
            lb,
            namespace: "ct".into(),
            members: vec![
                Member::ip(ip(10), 8080),
                Member::ip(ip(11), 8080),
                Member::ip(ip(12), 8080),
            ],
            missing_balancer_id: "balancer-does-not-exist".into(),
            ready_timeout: Duration::from_secs(60),
            poll_interval: Duration::from_millis(50),
            skips: Vec::new(),
            untested: Vec::new(),
        }
    }

    /// Uses these members (three are needed).
    #[must_use]
    pub fn members(mut self, members: Vec<Member>) -> Self {
        self.members = members;
        self
    }

    /// Sets the name prefix.
    #[must_use]
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = namespace.into();
        self
    }

    /// Sets the id that names no balancer.
    #[must_use]
    pub fn missing_balancer_id(mut self, id: impl Into<String>) -> Self {
        self.missing_balancer_id = id.into();
        self
    }

    /// Skips one case, saying why.
    #[must_use]
    pub fn skip(mut self, case: &'static str, reason: impl Into<String>) -> Self {
        self.skips.push((case, reason.into()));
        self
    }

    /// Leaves out the steps that use `capability`, which the driver has but
    /// the server under test lacks (they are then covered elsewhere).
    #[must_use]
    pub fn untested(mut self, capability: Capability, reason: impl Into<String>) -> Self {
        self.untested.push((capability, reason.into()));
        self
    }

    /// Sets how long to wait for a balancer and how often to look.
    #[must_use]
    pub fn timing(mut self, ready_timeout: Duration, poll_interval: Duration) -> Self {
        self.ready_timeout = ready_timeout;
        self.poll_interval = poll_interval;
        self
    }

    /// Why `case` is skipped, if it is.
    pub fn skip_reason(&self, case: &str) -> Option<&str> {
        self.skips
            .iter()
            .find(|(c, _)| *c == case)
            .map(|(_, r)| r.as_str())
    }

    fn supports(&self, cap: Capability) -> bool {
        if let Some((_, reason)) = self.untested.iter().find(|(c, _)| *c == cap) {
            eprintln!("not exercising {}: {reason}", cap.name());
            return false;
        }
        self.lb.capabilities().contains(cap)
    }

    fn member_key(m: &Member) -> (Option<IpAddr>, Option<String>) {
        (m.ip, m.node_id.clone())
    }
}

/// Protocols and algorithms are offered.
pub async fn catalogue(fx: &LoadBalancerFixture) {
    if fx.supports(Capability::ListProtocols) {
        let protocols = fx.lb.list_protocols().await.unwrap();
        assert!(!protocols.is_empty());
    }
    if fx.supports(Capability::ListAlgorithms) {
        let algorithms = fx.lb.list_supported_algorithms().await.unwrap();
        assert!(!algorithms.is_empty());
    }
}

/// A balancer is created with members, runs, changes members, and is destroyed.
pub async fn balancer_lifecycle(fx: &LoadBalancerFixture) {
    let lb = &fx.lb;
    let algorithm = match lb.list_supported_algorithms().await {
        Ok(a) if a.contains(&Algorithm::RoundRobin) => Algorithm::RoundRobin,
        Ok(a) if !a.is_empty() => a[0],
        _ => Algorithm::RoundRobin,
    };
    let name = format!("{}-lifecycle", fx.namespace);
    let request = CreateBalancer::new(&name, 80)
        .protocol(Protocol::HTTP)
        .algorithm(algorithm)
        .member(fx.members[0].clone())
        .member(fx.members[1].clone());
    let created = lb.create_balancer(&request).await.unwrap();
    assert_eq!(created.name, name);
    assert_eq!(created.port, 80);
    if fx.supports(Capability::ListBalancers) {
        let all = lb.list_balancers_vec().await.unwrap();
        assert!(all.iter().any(|b| b.id == created.id));
    }
    let running = lb
        .wait_until_running(&created.id, fx.ready_timeout, fx.poll_interval)
        .await
        .unwrap();
    assert_eq!(running.id, created.id);
    let members = lb.list_members(&created.id).await.unwrap();
    let keys: Vec<_> = members
        .iter()
        .map(LoadBalancerFixture::member_key)
        .collect();
    assert_eq!(members.len(), 2, "{members:?}");
    for wanted in &fx.members[..2] {
        assert!(
            keys.contains(&LoadBalancerFixture::member_key(wanted)),
            "{wanted:?} in {members:?}"
        );
    }
    if fx.supports(Capability::AttachMember) {
        let added = lb.attach_member(&created.id, &fx.members[2]).await.unwrap();
        assert!(!added.id.is_empty(), "an attached member has an id");
        assert_eq!(lb.list_members(&created.id).await.unwrap().len(), 3);
        if fx.supports(Capability::DetachMember) {
            lb.detach_member(&created.id, &added.id).await.unwrap();
            let left = lb.list_members(&created.id).await.unwrap();
            assert_eq!(left.len(), 2);
            assert!(left.iter().all(|m| m.id != added.id));
            assert_kind!(
                lb.detach_member(&created.id, &added.id).await,
                ErrorKind::NotFound { .. }
            );
        }
    }
    if fx.supports(Capability::UpdateBalancer) {
        let updated = lb
            .update_balancer(
                &created.id,
                &UpdateBalancer::new().name(format!("{name}-renamed")),
            )
            .await
            .unwrap();
        assert_eq!(updated.name, format!("{name}-renamed"));
        assert_eq!(
            lb.get_balancer(&created.id).await.unwrap().name,
            format!("{name}-renamed")
        );
    }
    lb.destroy_balancer(&created.id).await.unwrap();
    assert_kind!(
        lb.get_balancer(&created.id).await,
        ErrorKind::NotFound { .. }
    );
}

/// Missing balancers are `NotFound`; bad requests are refused before sending.
pub async fn errors(fx: &LoadBalancerFixture) {
    let lb = &fx.lb;
    let missing = &fx.missing_balancer_id;
    assert_kind!(
        lb.get_balancer(missing).await,
        ErrorKind::NotFound {
            resource: ResourceKind::Balancer,
            ..
        }
    );
    if fx.supports(Capability::DestroyBalancer) {
        assert_kind!(
            lb.destroy_balancer(missing).await,
            ErrorKind::NotFound { .. }
        );
    }
    if fx.supports(Capability::ListMembers) {
        assert_kind!(lb.list_members(missing).await, ErrorKind::NotFound { .. });
    }
    assert_kind!(
        lb.create_balancer(&CreateBalancer::new("x", 0)).await,
        ErrorKind::InvalidInput
    );
    assert_kind!(
        lb.create_balancer(&CreateBalancer::new("", 80)).await,
        ErrorKind::InvalidInput
    );
    let mut nowhere = Member::ip(IpAddr::from([192, 0, 2, 1]), 80);
    nowhere.ip = None;
    assert_kind!(
        lb.create_balancer(&CreateBalancer::new("x", 80).member(nowhere))
            .await,
        ErrorKind::InvalidInput
    );
    assert_kind!(
        lb.update_balancer("id", &UpdateBalancer::new()).await,
        ErrorKind::InvalidInput
    );
    let unknown = CreateBalancer::new(format!("{}-bad-option", fx.namespace), 80)
        .option("no_such_option", "1");
    assert_kind!(lb.create_balancer(&unknown).await, ErrorKind::InvalidInput);
}

/// Balancer listings span pages.
pub async fn balancer_pagination(fx: &LoadBalancerFixture) {
    if !fx.supports(Capability::ListBalancers) {
        return;
    }
    let mut ids = Vec::new();
    for i in 0..3 {
        let request = CreateBalancer::new(format!("{}-page-{i}", fx.namespace), 8000 + i)
            .member(fx.members[0].clone());
        ids.push(fx.lb.create_balancer(&request).await.unwrap().id);
    }
    let listed = fx
        .lb
        .clone()
        .with_page_size(2)
        .list_balancers_vec()
        .await
        .unwrap();
    for id in &ids {
        assert_eq!(listed.iter().filter(|b| &b.id == id).count(), 1);
    }
    for id in &ids {
        fx.lb.destroy_balancer(id).await.unwrap();
    }
}

/// Every load-balancer capability the driver does not declare answers `Unsupported`.
pub async fn undeclared_are_unsupported(fx: &LoadBalancerFixture) {
    let d = fx.lb.driver();
    let caps = fx.lb.capabilities();
    for cap in Capability::ALL
        .iter()
        .copied()
        .filter(|c| c.api() == Api::LoadBalancer)
    {
        if caps.contains(cap) {
            continue;
        }
        let result: Result<(), Error> = match cap {
            Capability::ListProtocols => d.list_protocols().await.map(drop),
            Capability::ListAlgorithms => d.list_supported_algorithms().await.map(drop),
            Capability::ListBalancers => d.list_balancers(Default::default()).await.map(drop),
            Capability::GetBalancer => d.get_balancer("x").await.map(drop),
            Capability::CreateBalancer => d
                .create_balancer(&CreateBalancer::new("x", 80))
                .await
                .map(drop),
            Capability::UpdateBalancer => d
                .update_balancer("x", &UpdateBalancer::new().port(81))
                .await
                .map(drop),
            Capability::DestroyBalancer => d.destroy_balancer("x").await,
            Capability::ListMembers => d.list_members("x").await.map(drop),
            Capability::AttachMember => d.attach_member("x", &fx.members[0]).await.map(drop),
            Capability::DetachMember => d.detach_member("x", "m").await,
            _ => continue,
        };
        assert_kind!(result, ErrorKind::Unsupported { .. });
    }
}

/// Every case of the load-balancer suite, in order.
pub const CASES: &[&str] = &[
    "catalogue",
    "balancer_lifecycle",
    "errors",
    "balancer_pagination",
    "undeclared_are_unsupported",
];

/// Generates one `#[test]` per load-balancer case. The argument is a closure
/// taking the case name and returning a future of `Option<LoadBalancerFixture>`.
#[macro_export]
macro_rules! loadbalancer_suite {
    ($factory:expr) => {
        $crate::__suite!(
            loadbalancer,
            $factory,
            [
                catalogue,
                balancer_lifecycle,
                errors,
                balancer_pagination,
                undeclared_are_unsupported,
            ]
        );
    };
}
