//! The shared DNS suite on exchanges recorded from Cloud DNS on the Google
//! reference emulator (`fixtures/google/dns/`), always, offline.

mod cloud_dns {
    cloud_testkit::dns_suite!(|case: &'static str| async move {
        let google = crate::support::reference::replay(&crate::support::reference::DNS, case);
        Some(crate::support::reference::dns_fixture(&google))
    });
}

/// The refused stale write of `dns_live`, replayed.
#[test]
fn a_stale_write_is_refused() {
    cloud_testkit::run(crate::dns_live::stale_write(
        crate::support::reference::replay(&crate::support::reference::DNS, "stale_write"),
    ));
}
