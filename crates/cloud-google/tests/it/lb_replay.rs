//! The shared load-balancer suite, and `lb_live`'s own cases, on exchanges
//! recorded from Compute Engine's network load balancing on the Google
//! reference emulator (`fixtures/google/lb/`), always, offline.

use crate::support::reference::{LOAD_BALANCING, lb_fixture, replay};

mod network_lb {
    cloud_testkit::loadbalancer_suite!(|case: &'static str| async move {
        let google = super::replay(&super::LOAD_BALANCING, case);
        Some(super::lb_fixture(&google).await)
    });
}

#[test]
fn an_http_balancer_is_a_checked_pool() {
    cloud_testkit::run(crate::lb_live::http_balancer(replay(
        &LOAD_BALANCING,
        "http_balancer",
    )));
}
