//! How the Gandi suites get a driver: replaying recorded exchanges offline,
//! or talking to the LiveDNS reference emulator (`cargo xtask servers
//! gandi-livedns`), recording the exchanges when `CLOUD_FIXTURES=record`.
#![allow(dead_code, clippy::unwrap_used)]

use cloud_core::Environment;
use cloud_gandi::{GandiBuilder, GandiDns};
use cloud_testkit::cassette::Scrubber;
use cloud_testkit::recordings::{Recordings, quick_retries};

/// The personal access token the emulator accepts (scrubbed from fixtures).
pub const TOKEN: &str = "pat_cloudtest-livedns";
/// The API key it accepts.
pub const API_KEY: &str = "cloudtest-livedns-apikey";

const SOURCE: &str = "the LiveDNS reference emulator xtask/emulators/gandi_livedns.py, \
    written from Gandi's public API reference; not a real Gandi account \
    (recorded by cargo xtask fixtures record gandi)";

const RECORDINGS: Recordings = Recordings {
    folder: "gandi/livedns",
    provider: "gandi",
    server: "gandi-livedns",
    url_var: "CLOUD_TEST_GANDI_URL",
    source: SOURCE,
};

fn scrubber() -> Scrubber {
    Scrubber::new().secret(TOKEN).secret(API_KEY)
}

/// A builder with test settings for `endpoint`.
pub fn builder(endpoint: &str) -> GandiBuilder {
    GandiBuilder::new()
        .environment(Environment::from_vars(Vec::<(String, String)>::new()))
        .personal_access_token(TOKEN)
        .endpoint(endpoint)
        .retry(quick_retries())
}

/// A driver replaying `fixtures/gandi/livedns/<case>.json`.
pub fn replay(case: &str) -> GandiDns {
    builder("http://replay.invalid/v5/livedns")
        .transport(RECORDINGS.replay(case, scrubber()))
        .build()
        .unwrap()
}

/// The emulator's URL, or `None` (skip) when it is not running.
pub fn live_url() -> Option<String> {
    RECORDINGS.live_url()
}

/// A driver on the emulator, recording `case` when `CLOUD_FIXTURES=record`.
pub fn live(case: &str) -> Option<GandiDns> {
    let (url, transport) = RECORDINGS.live(case, scrubber())?;
    Some(builder(&url).transport(transport).build().unwrap())
}

/// The DNS conformance fixture. LiveDNS cannot delete a domain, so the suite
/// reuses (and empties) the zones of earlier runs.
pub fn dns_fixture(dns: GandiDns) -> cloud_testkit::DnsFixture {
    cloud_testkit::DnsFixture::new(cloud_core::Dns::new(dns))
        .missing_zone_id("zone-does-not-exist.example")
}
