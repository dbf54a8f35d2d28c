//! How long a request may wait, for each of its phases.

use std::time::Duration;

/// Timeouts. The request timeout measures *inactivity* before the response
/// headers arrive (it restarts whenever a chunk of the request body goes
/// out), so a large upload is not cut off, but a stalled server is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Timeouts {
    /// Establishing a TCP (and TLS) connection.
    pub connect: Duration,
    /// Waiting for the response headers with no upload progress.
    pub request: Duration,
    /// Waiting for the next chunk of a response body.
    pub read: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(10),
            request: Duration::from_secs(60),
            read: Duration::from_secs(60),
        }
    }
}

impl Timeouts {
    /// 10 s to connect, 60 s of silence before headers, 60 s between body chunks.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the connect timeout.
    #[must_use]
    pub fn connect(mut self, d: Duration) -> Self {
        self.connect = d;
        self
    }

    /// Sets the request (headers) timeout.
    #[must_use]
    pub fn request(mut self, d: Duration) -> Self {
        self.request = d;
        self
    }

    /// Sets the read (body) timeout.
    #[must_use]
    pub fn read(mut self, d: Duration) -> Self {
        self.read = d;
        self
    }

    /// These timeouts with the ones `config` sets: its
    /// [`timeout`](crate::ProviderConfig::timeout) bounds both the wait for
    /// headers and each wait for a body chunk.
    #[must_use]
    pub fn overridden_by(mut self, config: &crate::ProviderConfig) -> Self {
        if let Some(t) = config.timeout_value() {
            self.request = t;
            self.read = t;
        }
        if let Some(t) = config.connect_timeout_value() {
            self.connect = t;
        }
        self
    }
}
