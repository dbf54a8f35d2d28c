//! The conformance suites against real local servers: moto for all four
//! APIs, s3s-fs (which verifies SigV4) for storage. Run them with
//! `cargo xtask test`; set `CLOUD_FIXTURES=record` to re-record the fixtures
//! the offline replay uses (`cargo xtask fixtures record aws` does both).

use crate::support;

use support::{Server, live};

mod moto_storage {
    use super::*;
    cloud_testkit::storage_suite!(|case: &'static str| async move {
        live(Server::Moto, "storage", case).map(support::storage_fixture)
    });
}

mod moto_compute {
    use super::*;
    cloud_testkit::compute_suite!(|case: &'static str| async move {
        live(Server::Moto, "compute", case).map(support::compute_fixture)
    });
}

mod moto_loadbalancer {
    use super::*;
    cloud_testkit::loadbalancer_suite!(|case: &'static str| async move {
        let setup = live(Server::Moto, "loadbalancer", case)?;
        Some(support::loadbalancer_fixture(setup, case).await)
    });
}

mod moto_dns {
    use super::*;
    cloud_testkit::dns_suite!(|case: &'static str| async move {
        live(Server::Moto, "dns", case).map(support::dns_fixture)
    });
}

mod s3s_storage {
    use super::*;
    cloud_testkit::storage_suite!(|case: &'static str| async move {
        live(Server::S3s, "storage", case).map(support::storage_fixture)
    });
}
