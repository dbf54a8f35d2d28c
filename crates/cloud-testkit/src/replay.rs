//! A transport that answers from a cassette, offline, and fails on any
//! request the recording does not hold.
//!
//! Requests are matched on method, path, query, the headers the scrubber
//! names, and body (JSON bodies compare as JSON). Each recorded exchange
//! answers once; the first unused match wins, so concurrent requests (parts
//! of a multipart upload) may arrive in any order.

use std::path::Path;
use std::sync::Mutex;

use async_trait::async_trait;
use cloud_core::http::{Body, ResponseBody, Transport};
use cloud_core::{Error, ErrorKind, Result};

use crate::cassette::{Cassette, RecordedBody, RecordedRequest, Scrubber};

/// Replays a cassette.
#[derive(Debug)]
pub struct ReplayTransport {
    cassette: Cassette,
    used: Mutex<Vec<bool>>,
    scrubber: Scrubber,
    ignore_query: Vec<String>,
}

impl ReplayTransport {
    /// Loads the cassette at `path`.
    pub fn load(path: &Path, scrubber: Scrubber) -> std::result::Result<Self, String> {
        Ok(Self::new(Cassette::load(path)?, scrubber))
    }

    /// Replays `cassette`.
    pub fn new(cassette: Cassette, scrubber: Scrubber) -> Self {
        let used = vec![false; cassette.interactions.len()];
        ReplayTransport {
            cassette,
            used: Mutex::new(used),
            scrubber,
            ignore_query: Vec::new(),
        }
    }

    /// Ignores a query parameter's value when matching (a client-generated
    /// token that differs between runs).
    #[must_use]
    pub fn ignore_query_param(mut self, name: impl Into<String>) -> Self {
        self.ignore_query.push(name.into());
        self
    }

    /// How many recorded exchanges were never requested.
    pub fn unused(&self) -> usize {
        self.used
            .lock()
            .map(|u| u.iter().filter(|x| !**x).count())
            .unwrap_or(0)
    }

    fn normalise_uri(&self, uri: &str) -> String {
        let Some((path, query)) = uri.split_once('?') else {
            return uri.to_owned();
        };
        let mut pairs: Vec<String> = query
            .split('&')
            .map(|pair| {
                let key = pair.split_once('=').map_or(pair, |(k, _)| k);
                if self
                    .ignore_query
                    .iter()
                    .any(|i| i.eq_ignore_ascii_case(key))
                {
                    format!("{key}=*")
                } else {
                    pair.to_owned()
                }
            })
            .collect();
        pairs.sort();
        format!("{path}?{}", pairs.join("&"))
    }

    fn matches(&self, recorded: &RecordedRequest, actual: &RecordedRequest) -> Result<(), String> {
        if recorded.method != actual.method {
            return Err(format!("method {} != {}", recorded.method, actual.method));
        }
        let (a, b) = (
            self.normalise_uri(&recorded.uri),
            self.normalise_uri(&actual.uri),
        );
        if a != b {
            return Err(format!("uri {a} != {b}"));
        }
        let (a, b) = (
            self.scrubber.matching_headers(&recorded.headers),
            self.scrubber.matching_headers(&actual.headers),
        );
        if a != b {
            return Err(format!("headers {a:?} != {b:?}"));
        }
        if !bodies_equal(&recorded.body, &actual.body) {
            return Err("body differs".into());
        }
        Ok(())
    }
}

impl Drop for ReplayTransport {
    fn drop(&mut self) {
        let unused = self.unused();
        // A recording with exchanges nobody asked for means the code under
        // test stopped doing something it used to do: fail, unless a test is
        // already failing for its own reason.
        if unused > 0 && !std::thread::panicking() {
            panic!(
                "replay: {unused} recorded exchange(s) were never requested; re-record with `cargo xtask fixtures record`"
            );
        }
    }
}

fn bodies_equal(a: &RecordedBody, b: &RecordedBody) -> bool {
    if a == b {
        return true;
    }
    let (Ok(a), Ok(b)) = (a.to_bytes(), b.to_bytes()) else {
        return false;
    };
    match (
        serde_json::from_slice::<serde_json::Value>(&a),
        serde_json::from_slice::<serde_json::Value>(&b),
    ) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

#[async_trait]
impl Transport for ReplayTransport {
    async fn send(&self, request: http::Request<Body>) -> Result<http::Response<ResponseBody>> {
        let (parts, body) = request.into_parts();
        let bytes = body.collect().await?;
        let actual = RecordedRequest {
            method: parts.method.to_string(),
            uri: self.scrubber.scrub_uri(parts.uri.path(), parts.uri.query()),
            headers: self.scrubber.scrub_headers(&parts.headers),
            body: self.scrubber.scrub_body(&bytes),
        };
        let mut nearest = None;
        let index = {
            let mut used = self
                .used
                .lock()
                .map_err(|_| Error::new(ErrorKind::Transport, "replay lock poisoned"))?;
            let mut found = None;
            for (i, interaction) in self.cassette.interactions.iter().enumerate() {
                if used[i] {
                    continue;
                }
                match self.matches(&interaction.request, &actual) {
                    Ok(()) => {
                        found = Some(i);
                        break;
                    }
                    Err(why)
                        if nearest.is_none() && interaction.request.method == actual.method =>
                    {
                        nearest = Some(format!(
                            "{} {}: {why}",
                            interaction.request.method, interaction.request.uri
                        ));
                    }
                    Err(_) => {}
                }
            }
            if let Some(i) = found {
                used[i] = true;
            }
            found
        };
        let Some(index) = index else {
            return Err(Error::new(
                ErrorKind::Transport,
                format!(
                    "replay: no unused recorded exchange matches {} {} (nearest: {}); re-record with `cargo xtask fixtures record`",
                    actual.method,
                    actual.uri,
                    nearest.unwrap_or_else(|| "none".into())
                ),
            ));
        };
        let recorded = &self.cassette.interactions[index].response;
        let body = recorded
            .body
            .to_bytes()
            .map_err(|e| Error::new(ErrorKind::MalformedResponse, format!("replay: {e}")))?;
        let mut builder = http::Response::builder().status(recorded.status);
        // Scrubbing can change a body's length; a HEAD response's length
        // describes the object, not the (empty) body, so it is kept.
        let is_head = actual.method == "HEAD";
        for (name, value) in &recorded.headers {
            if name == "content-length" && !is_head {
                continue;
            }
            builder = builder.header(name.as_str(), value.as_str());
        }
        if !is_head && recorded.headers.contains_key("content-length") {
            builder = builder.header("content-length", body.len().to_string());
        }
        builder.body(ResponseBody::from_bytes(body)).map_err(|e| {
            Error::new(
                ErrorKind::MalformedResponse,
                format!("replay: invalid recorded response: {e}"),
            )
        })
    }
}
