//! The shared DNS suite and the extras against the LiveDNS reference
//! emulator (skipped when it is not running; `cargo xtask test` starts it).
#![allow(clippy::unwrap_used)]

use crate::support;

mod livedns {
    cloud_testkit::dns_suite!(|case: &'static str| async move {
        super::support::live(case).map(super::support::dns_fixture)
    });
}

mod extras {
    include!("support/extras_cases.rs");

    fn driver(case: &str) -> Option<cloud_gandi::GandiDns> {
        super::support::live(case)
    }
}

/// A wrong token is `InvalidCredentials`, and the token never shows in the
/// error; the deprecated API key is accepted (`Authorization: Apikey`).
#[test]
fn credentials() {
    cloud_testkit::run(async {
        let Some(url) = support::live_url() else {
            return;
        };
        let wrong = support::builder(&url)
            .personal_access_token("pat_wrong-token")
            .build()
            .unwrap();
        let err = cloud_core::Dns::new(wrong)
            .list_zones_vec()
            .await
            .unwrap_err();
        cloud_testkit::failure::assert_refused_without(&err, "pat_wrong-token");
        let by_key = support::builder(&url)
            .api_key(support::API_KEY)
            .build()
            .unwrap();
        cloud_core::Dns::new(by_key).list_zones_vec().await.unwrap();
    });
}
