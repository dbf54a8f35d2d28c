//! The conformance suites against real local servers: Swift for storage,
//! mimic for compute and load balancers, and the reference emulator (from
//! the API references) for Designate and Rackspace Cloud DNS. Run them with `cargo xtask test`;
//! set `CLOUD_FIXTURES=record` to re-record the fixtures the offline replay
//! uses (`cargo xtask fixtures record openstack` does both).

use crate::support;

use support::{Server, live};

mod swift_storage {
    use super::*;
    cloud_testkit::storage_suite!(|case: &'static str| async move {
        let setup = live(Server::Swift, "storage", case)?;
        Some(support::swift_storage_fixture(setup, case).await)
    });
}

mod mimic_compute {
    use super::*;
    cloud_testkit::compute_suite!(|case: &'static str| async move {
        live(Server::Mimic, "compute", case).map(support::mimic_compute_fixture)
    });
}

mod mimic_loadbalancer {
    use super::*;
    cloud_testkit::loadbalancer_suite!(|case: &'static str| async move {
        live(Server::Mimic, "loadbalancer", case).map(support::mimic_loadbalancer_fixture)
    });
}

mod designate_dns {
    use super::*;
    cloud_testkit::dns_suite!(|case: &'static str| async move {
        live(Server::ReferenceOpenStack, "designate", case).map(support::designate_dns_fixture)
    });
}

mod cloud_dns {
    use super::*;
    cloud_testkit::dns_suite!(|case: &'static str| async move {
        live(Server::ReferenceRackspace, "cloud-dns", case).map(support::cloud_dns_fixture)
    });
}

mod octavia_loadbalancer {
    use super::*;
    cloud_testkit::loadbalancer_suite!(|case: &'static str| async move {
        live(Server::ReferenceOpenStack, "octavia", case).map(support::octavia_loadbalancer_fixture)
    });
}
