//! How the Gandi suites get a driver: replaying recorded exchanges offline,
//! or talking to the LiveDNS reference emulator (`cargo xtask servers
//! gandi-livedns`), recording the exchanges when `CLOUD_FIXTURES=record`.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use cloud_core::Environment;
use cloud_core::http::RetryPolicy;
use cloud_gandi::{GandiBuilder, GandiDns};
use cloud_testkit::cassette::Scrubber;
use cloud_testkit::record::live_transport;
use cloud_testkit::replay::ReplayTransport;
use cloud_testkit::servers::live_server;

/// The personal access token the emulator accepts (scrubbed from fixtures).
pub const TOKEN: &str = "pat_cloudtest-livedns";
/// The API key it accepts.
pub const API_KEY: &str = "cloudtest-livedns-apikey";

const SOURCE: &str = "the LiveDNS reference emulator xtask/emulators/gandi_livedns.py, \
    written from Gandi's public API reference; not a real Gandi account \
    (recorded by cargo xtask fixtures record gandi)";

fn fixture_path(case: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/gandi/livedns")
        .join(format!("{case}.json"))
}

fn scrubber() -> Scrubber {
    Scrubber::new().secret(TOKEN).secret(API_KEY)
}

/// A builder with test settings for `endpoint`.
pub fn builder(endpoint: &str) -> GandiBuilder {
    GandiBuilder::new()
        .environment(Environment::from_vars(Vec::<(String, String)>::new()))
        .personal_access_token(TOKEN)
        .endpoint(endpoint)
        .retry(
            RetryPolicy::new()
                .max_attempts(3)
                .initial_backoff(Duration::from_millis(20)),
        )
}

/// A driver replaying `fixtures/gandi/livedns/<case>.json`.
pub fn replay(case: &str) -> GandiDns {
    let transport = ReplayTransport::load(&fixture_path(case), scrubber())
        .unwrap_or_else(|e| panic!("{e}; record it with `cargo xtask fixtures record gandi`"));
    builder("http://replay.invalid/v5/livedns")
        .transport(Arc::new(transport))
        .build()
        .unwrap()
}

/// The emulator's URL, or `None` (skip) when it is not running.
pub fn live_url() -> Option<String> {
    live_server("gandi-livedns", "CLOUD_TEST_GANDI_URL")
}

/// A driver on the emulator, recording `case` when `CLOUD_FIXTURES=record`.
pub fn live(case: &str) -> Option<GandiDns> {
    let url = live_url()?;
    let transport = live_transport(fixture_path(case), SOURCE, scrubber());
    Some(builder(&url).transport(transport).build().unwrap())
}

/// The DNS conformance fixture. LiveDNS cannot delete a domain, so the suite
/// reuses (and empties) the zones of earlier runs.
pub fn dns_fixture(dns: GandiDns) -> cloud_testkit::DnsFixture {
    cloud_testkit::DnsFixture::new(cloud_core::Dns::new(dns))
        .missing_zone_id("zone-does-not-exist.example")
}
