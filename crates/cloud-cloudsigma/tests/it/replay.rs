//! The shared compute suite and the extras on exchanges recorded from the
//! CloudSigma reference emulator (`fixtures/cloudsigma/api/`), always, offline.
#![allow(clippy::unwrap_used)]

use crate::support;

mod compute {
    cloud_testkit::compute_suite!(|case: &'static str| async move {
        Some(super::support::compute_fixture(
            super::support::replay(case),
            case,
        ))
    });
}

mod extras {
    include!("support/extras_cases.rs");

    fn driver(case: &str) -> Option<cloud_cloudsigma::CloudSigmaCompute> {
        Some(super::support::replay(case))
    }

    /// Replays share nothing: no need to wait for a turn.
    fn turn() -> Option<cloud_testkit::Turn> {
        None
    }
}
