//! The conformance suites replayed offline from `fixtures/openstack/`,
//! recorded from Swift, mimic and the reference emulator. No server is needed; any request that
//! differs from the recording fails.

use crate::support;

use support::{Server, replay};

mod swift_storage {
    use super::*;
    cloud_testkit::storage_suite!(|case: &'static str| async move {
        Some(support::swift_storage_fixture(replay(Server::Swift, "storage", case), case).await)
    });
}

mod mimic_compute {
    use super::*;
    cloud_testkit::compute_suite!(|case: &'static str| async move {
        Some(support::mimic_compute_fixture(replay(
            Server::Mimic,
            "compute",
            case,
        )))
    });
}

mod mimic_loadbalancer {
    use super::*;
    cloud_testkit::loadbalancer_suite!(|case: &'static str| async move {
        Some(support::mimic_loadbalancer_fixture(replay(
            Server::Mimic,
            "loadbalancer",
            case,
        )))
    });
}

mod designate_dns {
    use super::*;
    cloud_testkit::dns_suite!(|case: &'static str| async move {
        Some(support::designate_dns_fixture(replay(
            Server::ReferenceOpenStack,
            "designate",
            case,
        )))
    });
}

mod cloud_dns {
    use super::*;
    cloud_testkit::dns_suite!(|case: &'static str| async move {
        Some(support::cloud_dns_fixture(replay(
            Server::ReferenceRackspace,
            "cloud-dns",
            case,
        )))
    });
}

mod octavia_loadbalancer {
    use super::*;
    cloud_testkit::loadbalancer_suite!(|case: &'static str| async move {
        Some(support::octavia_loadbalancer_fixture(replay(
            Server::ReferenceOpenStack,
            "octavia",
            case,
        )))
    });
}
