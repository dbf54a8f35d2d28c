//! A transport that answers from a script instead of a network.
//!
//! Fuzz targets feed drivers arbitrary responses through it, and tests that
//! must prove a call was refused *before* any request left check that its
//! log stayed empty. Each scripted response answers one request, in order;
//! when the script runs out, requests fail with a transport error (marked
//! not sent), so a driver that loops on a page token cannot loop forever.

use std::collections::VecDeque;
use std::sync::Mutex;

use async_trait::async_trait;
use bytes::Bytes;
use cloud_core::http::{Body, ResponseBody, Transport, mark_not_sent};
use cloud_core::{Error, Result};

/// One scripted response.
#[derive(Debug, Clone)]
pub struct Canned {
    status: u16,
    headers: Vec<(String, String)>,
    body: Bytes,
}

impl Canned {
    /// A response with `status` and `body`; `Content-Length` is added.
    pub fn new(status: u16, body: impl Into<Bytes>) -> Self {
        Canned {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// Adds a header.
    #[must_use]
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

#[derive(Debug, Default)]
struct State {
    script: VecDeque<Canned>,
    log: Vec<String>,
}

/// Answers requests from a script; see the module documentation.
#[derive(Default)]
pub struct CannedTransport {
    state: Mutex<State>,
}

/// Counts only: a script may hold credentials a test checks never print.
impl std::fmt::Debug for CannedTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (scripted, received) = self.with(|s| (s.script.len(), s.log.len()));
        f.debug_struct("CannedTransport")
            .field("scripted", &scripted)
            .field("received", &received)
            .finish()
    }
}

impl CannedTransport {
    /// An empty script: every request fails.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a response to the script.
    pub fn push(&self, canned: Canned) {
        self.with(|s| s.script.push_back(canned));
    }

    /// Forgets the script and the log.
    pub fn reset(&self) {
        self.with(|s| {
            s.script.clear();
            s.log.clear();
        });
    }

    /// Every request received so far, as `METHOD uri`.
    pub fn requests(&self) -> Vec<String> {
        self.with(|s| s.log.clone())
    }

    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        let mut guard = match self.state.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }
}

#[async_trait]
impl Transport for CannedTransport {
    async fn send(&self, request: http::Request<Body>) -> Result<http::Response<ResponseBody>> {
        let line = format!("{} {}", request.method(), request.uri());
        let next = self.with(|s| {
            s.log.push(line.clone());
            s.script.pop_front()
        });
        // Drain a streamed body, as a server would, so uploads finish.
        let _ = request.into_body().collect().await;
        let Some(canned) = next else {
            return Err(mark_not_sent(Error::transport(format!(
                "canned transport: nothing scripted for {line}"
            ))));
        };
        let mut builder = http::Response::builder()
            .status(canned.status)
            .header("content-length", canned.body.len());
        for (name, value) in &canned.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        builder
            .body(ResponseBody::from_bytes(canned.body))
            .map_err(|e| Error::transport(format!("canned transport: bad response: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cloud_core::Url;
    use cloud_core::http::{HttpClient, HttpRequest, Method};
    use std::sync::Arc;

    #[test]
    fn answers_in_order_then_fails() {
        crate::run(async {
            let transport = Arc::new(CannedTransport::new());
            transport.push(Canned::new(200, "one").header("x-a", "b"));
            let client = HttpClient::builder("t")
                .transport(transport.clone())
                .retry(cloud_core::http::RetryPolicy::new().max_attempts(1))
                .build()
                .unwrap();
            let url = Url::parse("https://example.com/x").unwrap();
            let first = client
                .send(HttpRequest::new(Method::GET, url.clone()))
                .await
                .unwrap();
            assert_eq!(first.header_str("x-a"), Some("b"));
            assert_eq!(&first.bytes().await.unwrap()[..], b"one");
            assert!(
                client
                    .send(HttpRequest::new(Method::GET, url))
                    .await
                    .is_err()
            );
            assert_eq!(transport.requests().len(), 2);
        });
    }
}
