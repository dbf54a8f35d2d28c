//! How the Google suites get a driver: replaying recorded exchanges
//! offline, or talking to fake-gcs-server (and gcp-storage-emulator, the
//! second implementation checked against), recording the exchanges with
//! fake-gcs-server when `CLOUD_FIXTURES=record`.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use cloud_core::Environment;
use cloud_core::http::{HttpClient, RetryPolicy, Transport};
use cloud_google::{GcsUploadConfig, Google, GoogleBuilder, GoogleCredentials};
use cloud_testkit::cassette::Scrubber;
use cloud_testkit::record::live_transport;
use cloud_testkit::replay::ReplayTransport;
use cloud_testkit::servers::live_server;

pub mod reference;

/// The Cloud Storage servers the suites run against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    FakeGcs,
    GcsEmulator,
}

impl Server {
    pub fn name(self) -> &'static str {
        match self {
            Server::FakeGcs => "fake-gcs-server",
            Server::GcsEmulator => "gcp-storage-emulator",
        }
    }

    fn env_var(self) -> &'static str {
        match self {
            Server::FakeGcs => "CLOUD_TEST_FAKE_GCS_URL",
            Server::GcsEmulator => "CLOUD_TEST_GCS_EMULATOR_URL",
        }
    }

    pub fn url(self) -> Option<String> {
        live_server(self.name(), self.env_var())
    }
}

const SOURCE: &str = "fake-gcs-server 1.54 (no authentication), recorded by \
    cargo xtask fixtures record google";

/// The project the suites list and create buckets in.
pub const PROJECT: &str = "cloud-test";

/// Small limits, so that the suites' few hundred KiB go through resumable
/// sessions of several chunks.
pub fn small_uploads() -> GcsUploadConfig {
    GcsUploadConfig::new(256 * 1024, 256 * 1024)
}

fn fixture_path(case: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/google/storage")
        .join(format!("{case}.json"))
}

/// The test service account, which signs URLs (its private key never
/// reaches a fixture: it is not sent).
pub fn test_key() -> GoogleCredentials {
    GoogleCredentials::from_file(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/service-account.json"),
        "test key",
    )
    .unwrap()
}

/// A builder with test settings for `endpoint`: anonymous, as the
/// emulators want, with the test key for signing.
pub fn builder(endpoint: &str) -> GoogleBuilder {
    GoogleBuilder::new()
        .environment(Environment::from_vars(Vec::<(String, String)>::new()))
        .anonymous()
        .signing_credentials(test_key())
        .project(PROJECT)
        .endpoint(endpoint)
        .upload_config(small_uploads())
        .retry(
            RetryPolicy::new()
                .max_attempts(3)
                .initial_backoff(Duration::from_millis(20)),
        )
}

/// A Google client and the plain HTTP client that fetches its signed URLs.
pub struct Setup {
    pub google: Google,
    pub http: HttpClient,
    pub server: Option<Server>,
}

fn http_over(transport: Arc<dyn Transport>) -> HttpClient {
    HttpClient::builder("google")
        .transport(transport)
        .allow_http(true)
        .build()
        .unwrap()
}

/// Replays `fixtures/google/storage/<case>.json`.
pub fn replay(case: &str) -> Setup {
    let transport = ReplayTransport::load(&fixture_path(case), Scrubber::new())
        .unwrap_or_else(|e| panic!("{e}; record it with `cargo xtask fixtures record google`"));
    let transport: Arc<dyn Transport> = Arc::new(transport);
    Setup {
        google: builder("http://replay.invalid")
            .transport(transport.clone())
            .build()
            .unwrap(),
        http: http_over(transport),
        server: None,
    }
}

/// A client on `server`, recording `case` on fake-gcs-server when asked.
pub fn live(server: Server, case: &str) -> Option<Setup> {
    let url = server.url()?;
    let transport = match server {
        Server::FakeGcs => live_transport(fixture_path(case), SOURCE, Scrubber::new()),
        Server::GcsEmulator => live_transport(
            std::env::temp_dir().join(format!("gcs-emulator-{case}.json")),
            "gcp-storage-emulator (not kept)",
            Scrubber::new(),
        ),
    };
    Some(Setup {
        google: builder(&url).transport(transport.clone()).build().unwrap(),
        http: http_over(transport),
        server: Some(server),
    })
}

/// The storage conformance fixture.
pub fn storage_fixture(setup: Setup) -> cloud_testkit::StorageFixture {
    let storage = cloud_core::Storage::new(setup.google.storage());
    let mut fixture = cloud_testkit::StorageFixture::new(storage)
        .large_object_bytes(600 * 1024)
        .invalid_container_name("UPPER-case")
        .invalid_container_name("ab")
        .invalid_container_name("goog-reserved")
        .invalid_object_name("..")
        .http(setup.http);
    if setup.server == Some(Server::GcsEmulator) {
        fixture = fixture
            .skip(
                "conditional",
                "gcp-storage-emulator ignores ifGenerationMatch on uploads",
            )
            .skip(
                "ranges",
                "gcp-storage-emulator answers a suffix range (`bytes=-5`) with the \
                 whole object and an unsatisfiable one with 206 `bytes 16-15/16`",
            );
    }
    fixture
}
