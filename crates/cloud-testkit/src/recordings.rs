//! Where a provider's suites get their transport: replaying its recorded
//! exchanges offline, or its live server (recording the exchanges when
//! `CLOUD_FIXTURES=record`). What each provider's `tests/it/support` would
//! otherwise write again: the fixture path, the hint to re-record, the
//! server lookup, and quick retries for tests.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use cloud_core::http::{RetryPolicy, Transport};

use crate::cassette::Scrubber;
use crate::replay::ReplayTransport;

/// A provider's recordings and live server, declared once in its
/// `tests/it/support`.
#[derive(Debug, Clone, Copy)]
pub struct Recordings {
    /// The folder under `fixtures/` (`gandi/livedns`).
    pub folder: &'static str,
    /// The provider `cargo xtask fixtures record` takes (`gandi`).
    pub provider: &'static str,
    /// The live server's name in messages (`gandi-livedns`).
    pub server: &'static str,
    /// The variable holding its URL (`CLOUD_TEST_GANDI_URL`).
    pub url_var: &'static str,
    /// What the recordings come from, written into each one.
    pub source: &'static str,
}

impl Recordings {
    /// `fixtures/<folder>/<case>.json`.
    pub fn path(&self, case: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures")
            .join(self.folder)
            .join(format!("{case}.json"))
    }

    /// A transport replaying `case`.
    ///
    /// # Panics
    ///
    /// When the recording is missing or unreadable, naming the command
    /// that records it.
    pub fn replay(&self, case: &str, scrubber: Scrubber) -> Arc<ReplayTransport> {
        let transport = ReplayTransport::load(&self.path(case), scrubber).unwrap_or_else(|e| {
            panic!(
                "{e}; record it with `cargo xtask fixtures record {}`",
                self.provider
            )
        });
        Arc::new(transport)
    }

    /// The live server's URL, or `None` (skip) when it is not running
    /// (a panic when servers are required: see [`crate::servers`]).
    pub fn live_url(&self) -> Option<String> {
        crate::servers::live_server(self.server, self.url_var)
    }

    /// The live server's URL and a transport to it that records `case`
    /// when `CLOUD_FIXTURES=record`; `None` when it is not running.
    pub fn live(&self, case: &str, scrubber: Scrubber) -> Option<(String, Arc<dyn Transport>)> {
        let url = self.live_url()?;
        let transport = crate::record::live_transport(self.path(case), self.source, scrubber);
        Some((url, transport))
    }
}

/// Three attempts, 20 ms apart at first: retries that tests can wait for.
pub fn quick_retries() -> RetryPolicy {
    RetryPolicy::new()
        .max_attempts(3)
        .initial_backoff(Duration::from_millis(20))
}
