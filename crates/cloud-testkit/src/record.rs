//! A transport that records real exchanges into a cassette.
//!
//! It sits under the `HttpClient` (so it sees signed requests and scrubs
//! them) and over a real transport. Bodies are buffered to be written down,
//! which is fine for test-sized exchanges.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use cloud_core::Result;
use cloud_core::http::{Body, ResponseBody, Transport};

use crate::cassette::{
    Cassette, Interaction, RecordedBody, RecordedRequest, RecordedResponse, Scrubber,
};

/// Whether this run records fixtures (`CLOUD_FIXTURES=record`).
pub fn recording() -> bool {
    std::env::var("CLOUD_FIXTURES").is_ok_and(|m| m == "record")
}

/// The transport a live suite talks to its server through: a real one
/// (5 s connect timeout), recording into `path` when [`recording`].
pub fn live_transport(
    path: impl Into<PathBuf>,
    source: &str,
    scrubber: Scrubber,
) -> Arc<dyn Transport> {
    let real: Arc<dyn Transport> = Arc::new(
        cloud_core::http::HyperTransport::new(
            std::time::Duration::from_secs(5),
            &cloud_core::http::TlsOptions::new(),
        )
        .expect("a plain HTTP transport builds"),
    );
    if recording() {
        Arc::new(RecordingTransport::new(real, path, source, scrubber))
    } else {
        real
    }
}

/// Records every exchange through `inner`, and writes the cassette when
/// [`save`](Self::save) is called or the recorder is dropped.
#[derive(Debug)]
pub struct RecordingTransport {
    inner: Arc<dyn Transport>,
    path: PathBuf,
    scrubber: Scrubber,
    cassette: Mutex<Cassette>,
}

impl RecordingTransport {
    /// Records through `inner` into `path`, noting `source` (e.g. `moto 5.2.5`).
    pub fn new(
        inner: Arc<dyn Transport>,
        path: impl Into<PathBuf>,
        source: &str,
        scrubber: Scrubber,
    ) -> Self {
        RecordingTransport {
            inner,
            path: path.into(),
            scrubber,
            cassette: Mutex::new(Cassette {
                source: source.to_owned(),
                interactions: Vec::new(),
            }),
        }
    }

    /// Writes the cassette now.
    pub fn save(&self) -> std::result::Result<(), String> {
        let cassette = self
            .cassette
            .lock()
            .map_err(|_| "recorder lock poisoned".to_string())?;
        cassette.save(&self.path)
    }

    fn push(&self, interaction: Interaction) {
        if let Ok(mut c) = self.cassette.lock() {
            c.interactions.push(interaction);
        }
    }
}

impl Drop for RecordingTransport {
    fn drop(&mut self) {
        if let Err(e) = self.save() {
            eprintln!("recording fixture: {e}");
        }
    }
}

#[async_trait]
impl Transport for RecordingTransport {
    async fn send(&self, request: http::Request<Body>) -> Result<http::Response<ResponseBody>> {
        let (parts, body) = request.into_parts();
        let body_bytes = body.collect().await?;
        let recorded_request = RecordedRequest {
            method: parts.method.to_string(),
            uri: self.scrubber.scrub_uri(parts.uri.path(), parts.uri.query()),
            headers: self.scrubber.scrub_headers(&parts.headers),
            body: self.scrubber.scrub_body(&body_bytes),
        };
        let request = http::Request::from_parts(parts, Body::from_bytes(body_bytes));
        let response = self.inner.send(request).await?;
        let (parts, body) = response.into_parts();
        let bytes = body.bytes().await?;
        let recorded_response = RecordedResponse {
            status: parts.status.as_u16(),
            headers: self.scrubber.scrub_headers(&parts.headers),
            body: match self.scrubber.scrub_body(&bytes) {
                RecordedBody::Empty => RecordedBody::Empty,
                other => other,
            },
        };
        self.push(Interaction {
            request: recorded_request,
            response: recorded_response,
        });
        Ok(http::Response::from_parts(
            parts,
            ResponseBody::from_bytes(bytes),
        ))
    }
}
