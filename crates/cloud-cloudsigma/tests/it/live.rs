//! The shared compute suite and the extras against the CloudSigma reference
//! emulator (skipped when it is not running; `cargo xtask test` starts it).
#![allow(clippy::unwrap_used)]

use crate::support;

mod compute {
    // CloudSigma pages by offset, so the cases on the one emulator account
    // run one at a time: a node deleted by another case between two pages
    // would shift the pages and make `node_pagination` miss a node.
    cloud_testkit::compute_suite!(|case: &'static str| async move {
        let turn = cloud_testkit::one_at_a_time();
        super::support::live(case).map(|c| super::support::compute_fixture(c, case).exclusive(turn))
    });
}

mod extras {
    include!("support/extras_cases.rs");

    fn driver(case: &str) -> Option<cloud_cloudsigma::CloudSigmaCompute> {
        super::support::live(case)
    }

    /// These cases create and destroy servers too: one at a time with the
    /// compute cases (see there).
    fn turn() -> Option<cloud_testkit::Turn> {
        Some(cloud_testkit::one_at_a_time())
    }
}

/// A wrong password is `InvalidCredentials` and never shows in the error,
/// for sizes too: a refused `/pricing/` is not "prices unavailable".
#[test]
fn credentials() {
    cloud_testkit::run(async {
        let Some(url) = support::live_url() else {
            return;
        };
        let wrong = support::builder(&url)
            .credentials(support::USER, "not-the-password")
            .build()
            .unwrap();
        let compute = cloud_core::Compute::new(wrong);
        let nodes = compute.list_nodes_vec().await.unwrap_err();
        let sizes = compute.list_sizes().await.unwrap_err();
        for err in [nodes, sizes] {
            cloud_testkit::failure::assert_refused_without(&err, "not-the-password");
        }
    });
}
