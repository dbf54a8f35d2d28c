//! The shared DNS suite on exchanges recorded from a real PowerDNS server
//! (`fixtures/powerdns/api/`), always, offline.
#![allow(clippy::unwrap_used)]

mod support;

mod powerdns {
    cloud_testkit::dns_suite!(|case: &'static str| async move {
        Some(super::support::dns_fixture(super::support::replay(case)))
    });
}
