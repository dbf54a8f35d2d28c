//! How the Azure suites get a driver: replaying exchanges recorded from
//! Azurite offline, or talking to Azurite (`cargo xtask servers azurite`),
//! recording the exchanges when `CLOUD_FIXTURES=record`.
#![allow(dead_code, clippy::unwrap_used)]

use std::sync::Arc;

use cloud_azure::{
    AzureBuilder, BlockUploadConfig, DEVELOPMENT_ACCOUNT, DEVELOPMENT_KEY, StorageCredentials,
};
use cloud_core::Environment;
use cloud_core::http::{HttpClient, Transport};
use cloud_testkit::cassette::Scrubber;
use cloud_testkit::recordings::{Recordings, quick_retries};
use cloud_testkit::replay::ReplayTransport;

const SOURCE: &str = "Azurite 3 (blob service, SharedKey checked), recorded by \
    cargo xtask fixtures record azure";

pub const RECORDINGS: Recordings = Recordings {
    folder: "azure/azurite",
    provider: "azure",
    server: "azurite",
    url_var: "CLOUD_TEST_AZURITE_URL",
    source: SOURCE,
};

/// The development key signs; it is scrubbed from fixtures all the same.
pub fn scrubber() -> Scrubber {
    Scrubber::new().secret(DEVELOPMENT_KEY)
}

/// Small blocks, so that the suites' few hundred KiB are staged in several.
pub fn small_blocks() -> BlockUploadConfig {
    BlockUploadConfig::new(128 * 1024, 128 * 1024, 3)
}

/// A builder with test settings for `endpoint`: Azurite's account.
pub fn builder(endpoint: &str) -> AzureBuilder {
    AzureBuilder::new()
        .environment(Environment::from_vars(Vec::<(String, String)>::new()))
        .credentials(StorageCredentials::shared_key(
            DEVELOPMENT_ACCOUNT,
            DEVELOPMENT_KEY,
        ))
        .blob_endpoint(endpoint)
        .upload_config(small_blocks())
        .sequential_tokens("ct")
        .retry(quick_retries())
}

/// An Azure client and the plain HTTP client that fetches its signed URLs.
pub struct Setup {
    pub storage: cloud_core::Storage,
    pub http: HttpClient,
}

fn http_over(transport: Arc<dyn Transport>) -> HttpClient {
    HttpClient::builder("azure")
        .transport(transport)
        .allow_http(true)
        .build()
        .unwrap()
}

fn setup(endpoint: &str, transport: Arc<dyn Transport>) -> Setup {
    let azure = builder(endpoint)
        .transport(transport.clone())
        .build()
        .unwrap();
    Setup {
        storage: cloud_core::Storage::new(azure.blob_storage()),
        http: http_over(transport),
    }
}

/// Replays `fixtures/azure/azurite/<case>.json`.
pub fn replay(case: &str) -> Setup {
    // A signed URL's start, expiry and signature change with the clock.
    let transport = ReplayTransport::load(&RECORDINGS.path(case), scrubber())
        .unwrap_or_else(|e| panic!("{e}; record it with `cargo xtask fixtures record azure`"))
        .ignore_query_param("st")
        .ignore_query_param("se")
        .ignore_query_param("sig");
    let transport: Arc<dyn Transport> = Arc::new(transport);
    setup("http://127.0.0.1:10000/devstoreaccount1", transport)
}

/// A client on Azurite, recording `case` when asked.
pub fn live(case: &str) -> Option<Setup> {
    let (url, transport) = RECORDINGS.live(case, scrubber())?;
    Some(setup(&url, transport))
}

/// The storage conformance fixture.
pub fn storage_fixture(setup: Setup) -> cloud_testkit::StorageFixture {
    cloud_testkit::StorageFixture::new(setup.storage)
        .large_object_bytes(600 * 1024)
        .invalid_container_name("UPPER-case")
        .invalid_container_name("ab")
        .invalid_container_name("double--dash")
        .invalid_object_name("a/../b")
        .http(setup.http)
}
