//! The shared compute suite, and `compute_live`'s own cases, on exchanges
//! recorded from Compute Engine on the Google reference emulator
//! (`fixtures/google/compute/`), always, offline.

use crate::support::reference::{COMPUTE, compute_fixture, replay};

mod compute_engine {
    cloud_testkit::compute_suite!(|case: &'static str| async move {
        let google = super::replay(&super::COMPUTE, case);
        Some(super::compute_fixture(&google))
    });
}

#[test]
fn operation_failures_are_typed() {
    cloud_testkit::run(crate::compute_live::operation_failure(replay(
        &COMPUTE,
        "operation_failure",
    )));
}

#[test]
fn an_ssh_key_reaches_the_instance() {
    cloud_testkit::run(crate::compute_live::ssh_key(replay(&COMPUTE, "ssh_key")));
}

#[test]
fn an_idempotency_token_makes_one_instance() {
    let google =
        crate::support::reference::replay_ignoring(&COMPUTE, "idempotent_insert", "requestId");
    cloud_testkit::run(crate::compute_live::idempotent_insert(google, "replayed"));
}
