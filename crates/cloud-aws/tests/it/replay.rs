//! The conformance suites replayed offline from `fixtures/aws/`, recorded
//! from moto and s3s-fs. No server is needed; any request that differs from
//! the recording fails.

use crate::support;

use support::{Server, replay};

mod moto_storage {
    use super::*;
    cloud_testkit::storage_suite!(|case: &'static str| async move {
        Some(support::storage_fixture(replay(
            Server::Moto,
            "storage",
            case,
        )))
    });
}

mod moto_compute {
    use super::*;
    cloud_testkit::compute_suite!(|case: &'static str| async move {
        Some(support::compute_fixture(replay(
            Server::Moto,
            "compute",
            case,
        )))
    });
}

mod moto_loadbalancer {
    use super::*;
    cloud_testkit::loadbalancer_suite!(|case: &'static str| async move {
        Some(support::loadbalancer_fixture(replay(Server::Moto, "loadbalancer", case), case).await)
    });
}

mod moto_dns {
    use super::*;
    cloud_testkit::dns_suite!(|case: &'static str| async move {
        Some(support::dns_fixture(replay(Server::Moto, "dns", case)))
    });
}

mod s3s_storage {
    use super::*;
    cloud_testkit::storage_suite!(|case: &'static str| async move {
        Some(support::storage_fixture(replay(
            Server::S3s,
            "storage",
            case,
        )))
    });
}
