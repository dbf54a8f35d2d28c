//! The shared DNS suite and the extras on exchanges recorded from the
//! LiveDNS reference emulator (`fixtures/gandi/livedns/`), always, offline.
#![allow(clippy::unwrap_used)]

use crate::support;

mod livedns {
    cloud_testkit::dns_suite!(|case: &'static str| async move {
        Some(super::support::dns_fixture(super::support::replay(case)))
    });
}

mod extras {
    include!("support/extras_cases.rs");

    fn driver(case: &str) -> Option<cloud_gandi::GandiDns> {
        Some(super::support::replay(case))
    }
}
