//! How the CloudSigma suites get a driver: replaying recorded exchanges
//! offline, or talking to the CloudSigma reference emulator (`cargo xtask
//! servers cloudsigma`), recording the exchanges when `CLOUD_FIXTURES=record`.
#![allow(dead_code, clippy::unwrap_used)]

use std::time::Duration;

use cloud_cloudsigma::{ChangeWait, CloudSigmaBuilder, CloudSigmaCompute};
use cloud_core::Environment;
use cloud_testkit::cassette::Scrubber;
use cloud_testkit::recordings::{Recordings, quick_retries};

/// The account the emulator accepts (the password is scrubbed from fixtures).
pub const USER: &str = "cloudtest@example.com";
pub const PASSWORD: &str = "cloudtest-cloudsigma";

const SOURCE: &str = "the CloudSigma reference emulator xtask/emulators/cloudsigma.py, \
    written from CloudSigma's public API 2.0 documentation; not a real CloudSigma account \
    (recorded by cargo xtask fixtures record cloudsigma)";

const RECORDINGS: Recordings = Recordings {
    folder: "cloudsigma/api",
    provider: "cloudsigma",
    server: "cloudsigma",
    url_var: "CLOUD_TEST_CLOUDSIGMA_URL",
    source: SOURCE,
};

/// The VNC passwords are random: scrubbed, so replays match.
fn scrubber() -> Scrubber {
    Scrubber::new()
        .secret(PASSWORD)
        .json_field("/objects/0/vnc_password")
        .json_field("/vnc_password")
}

/// A builder with test settings for `endpoint`.
pub fn builder(endpoint: &str) -> CloudSigmaBuilder {
    CloudSigmaBuilder::new()
        .environment(Environment::from_vars(Vec::<(String, String)>::new()))
        .credentials(USER, PASSWORD)
        .endpoint(endpoint)
        .change_wait(ChangeWait::new(
            Duration::from_millis(5),
            Duration::from_secs(30),
        ))
        .retry(quick_retries())
}

/// A driver replaying `fixtures/cloudsigma/api/<case>.json`.
pub fn replay(case: &str) -> CloudSigmaCompute {
    builder("http://replay.invalid/api/2.0/")
        .transport(RECORDINGS.replay(case, scrubber()))
        .build()
        .unwrap()
}

/// The emulator's URL, or `None` (skip) when it is not running.
pub fn live_url() -> Option<String> {
    RECORDINGS.live_url()
}

/// A driver on the emulator, recording `case` when `CLOUD_FIXTURES=record`.
pub fn live(case: &str) -> Option<CloudSigmaCompute> {
    let (url, transport) = RECORDINGS.live(case, scrubber())?;
    Some(builder(&url).transport(transport).build().unwrap())
}

/// The compute conformance fixture: the first preinstalled library drive,
/// the smallest preset, a namespace per case (live runs share the emulator).
pub fn compute_fixture(compute: CloudSigmaCompute, case: &str) -> cloud_testkit::ComputeFixture {
    cloud_testkit::ComputeFixture::new(cloud_core::Compute::new(compute))
        .node_template("small", "6f1e2d3c-0000-4000-9000-000000000001")
        .namespace(format!("ct-{case}"))
        .missing_node_id("00000000-0000-4000-8000-000000000000")
        .timing(Duration::from_secs(30), Duration::from_millis(5))
}
