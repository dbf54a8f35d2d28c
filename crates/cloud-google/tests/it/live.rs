//! The storage conformance suite against real Cloud Storage servers:
//! fake-gcs-server, and gcp-storage-emulator as a second implementation
//! (both skipped when not running; `cargo xtask test` starts them).
#![allow(clippy::unwrap_used)]

use crate::support;

mod fake_gcs_server {
    cloud_testkit::storage_suite!(|case: &'static str| async move {
        super::support::live(super::support::Server::FakeGcs, case)
            .map(super::support::storage_fixture)
    });
}

mod gcp_storage_emulator {
    cloud_testkit::storage_suite!(|case: &'static str| async move {
        super::support::live(super::support::Server::GcsEmulator, case)
            .map(super::support::storage_fixture)
    });
}
