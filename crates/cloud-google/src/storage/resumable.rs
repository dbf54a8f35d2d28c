//! Resumable uploads: for bodies too large for one request, or of unknown
//! length.
//!
//! A session is opened with the object resource; the bytes follow in
//! chunks of whole multiples of 256 KiB (Google's rule; only the last may
//! be shorter), each with its `Content-Range`. After a dropped connection,
//! a timeout or a 5xx, the session is asked how much it holds (an empty PUT
//! with `Content-Range: bytes */total`) and sending goes on from there: a
//! chunk of a stream is kept in memory until Cloud Storage has all of it, a
//! chunk of a file is read again. The last request carries the CRC32C of
//! the whole body (`x-goog-hash`), which Cloud Storage checks before the
//! object appears. A session that fails or is dropped is cancelled (DELETE
//! on its URI), so no half-written object ever shows.

use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use cloud_core::byte_stream::{FileRange, PartReader};
use cloud_core::http::{Body, HttpRequest, HttpResponse, Method, StatusCode, is_retryable_status};
use cloud_core::{Error, ErrorKind, Object, ResourceKind, Result, UploadOptions, Url};
use serde_json::Value;

use super::crc32c::Crc32c;
use super::upload::{check_crc, condition_error, precondition, resource};
use super::{GcsStorage, parse};
use crate::PROVIDER;
use crate::config::GcsUploadConfig;
use cloud_core::http::rest::About;

/// Where the bytes of a resumable upload come from.
pub(super) enum Source<'a> {
    /// A stream, read one chunk at a time; `first` was read already.
    Stream {
        first: Option<Bytes>,
        reader: &'a mut PartReader,
    },
    /// A file of `len` bytes, sent from the file as one range.
    File { path: Arc<Path>, len: u64 },
}

/// One chunk: bytes in memory, or a range of a file.
#[derive(Debug, Clone)]
enum Chunk {
    Bytes(Bytes),
    File {
        path: Arc<Path>,
        offset: u64,
        len: u64,
    },
}

impl Chunk {
    fn len(&self) -> u64 {
        match self {
            Chunk::Bytes(b) => b.len() as u64,
            Chunk::File { len, .. } => *len,
        }
    }

    /// The chunk from byte `skip` on, as a body that can be sent again.
    fn body_from(&self, skip: u64) -> Body {
        match self {
            Chunk::Bytes(b) => {
                let skip = usize::try_from(skip).unwrap_or(b.len()).min(b.len());
                Body::from_bytes(b.slice(skip..))
            }
            Chunk::File { path, offset, len } => {
                let range = FileRange::new(path.clone(), offset + skip, len.saturating_sub(skip));
                let size = range.len();
                Body::from_reopenable(move || range.stream(), size)
            }
        }
    }

    async fn digest(&self, crc: &mut Crc32c) -> Result<()> {
        use futures::StreamExt;
        match self {
            Chunk::Bytes(b) => crc.update(b),
            Chunk::File { path, offset, len } => {
                let mut stream = FileRange::new(path.clone(), *offset, *len).stream();
                while let Some(piece) = stream.next().await {
                    crc.update(&piece?);
                }
            }
        }
        Ok(())
    }
}

/// What the session said after a request.
enum Step {
    /// It holds this many bytes and waits for more.
    Holds(u64),
    /// The object is complete.
    Done(Box<Object>),
}

/// Cancels the session when dropped before it finished (a cancelled
/// future), on a task that outlives it.
struct CancelOnDrop {
    session: Option<(GcsStorage, Url)>,
}

impl CancelOnDrop {
    fn disarm(&mut self) -> Option<(GcsStorage, Url)> {
        self.session.take()
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some((storage, uri)) = self.session.take() {
            cloud_core::cleanup::spawn("cancelling a dropped resumable upload", async move {
                storage.cancel_session(&uri).await;
            });
        }
    }
}

impl GcsStorage {
    /// Uploads `source` through a resumable session.
    pub(super) async fn upload_resumable(
        &self,
        container: &str,
        name: &str,
        source: Source<'_>,
        options: &UploadOptions,
        config: GcsUploadConfig,
    ) -> Result<Object> {
        let known_len = match &source {
            Source::File { len, .. } => Some(*len),
            Source::Stream { .. } => None,
        };
        let uri = self
            .open_session(container, name, options, known_len)
            .await?;
        let mut guard = CancelOnDrop {
            session: Some((self.clone(), uri.clone())),
        };
        let outcome = self.send_chunks(&uri, source, config).await;
        guard.disarm();
        match outcome {
            Ok((object, crc)) => {
                if let Err(e) = check_crc(&object, &crc) {
                    self.remove_generation(&object).await;
                    let message = format!("{}; the object was removed", e.message());
                    return Err(e.with_message(message));
                }
                Ok(object)
            }
            Err(e) => {
                self.cancel_session(&uri).await;
                Err(condition_error(e, options, container, name))
            }
        }
    }

    /// Opens a session and returns its URI.
    async fn open_session(
        &self,
        container: &str,
        name: &str,
        options: &UploadOptions,
        known_len: Option<u64>,
    ) -> Result<Url> {
        let precondition = precondition(container, name, options)?;
        let mut query = vec![("uploadType", "resumable")];
        if let Some(g) = &precondition {
            query.push(("ifGenerationMatch", g));
        }
        let mut request = HttpRequest::new(Method::POST, self.upload_url(container, &query))
            .header("accept", "application/json")?
            .header("content-type", "application/json; charset=UTF-8")?
            .body(Body::from_bytes(resource(name, options, None).to_string()))
            .idempotent(true);
        if let Some(ct) = options.content_type_str() {
            request = request.header("x-upload-content-type", ct)?;
        }
        if let Some(len) = known_len {
            request = request.header("x-upload-content-length", &len.to_string())?;
        }
        let response = self
            .client()
            .stream(
                request,
                Some(About::reading(ResourceKind::Container, container)),
            )
            .await
            .map_err(|e| condition_error(e, options, container, name))?;
        let location = response.header_str("location").ok_or_else(|| {
            Error::malformed(
                PROVIDER,
                "Cloud Storage opened an upload session without a Location",
            )
        })?;
        self.client().base().join(location).map_err(|e| {
            Error::malformed(
                PROVIDER,
                format!("an upload session URI that is not a URL: {e}"),
            )
        })
    }

    /// Sends every chunk; returns the object and the CRC32C sent.
    async fn send_chunks(
        &self,
        uri: &Url,
        source: Source<'_>,
        config: GcsUploadConfig,
    ) -> Result<(Object, String)> {
        let chunk_size = usize::try_from(config.chunk_size).unwrap_or(usize::MAX);
        let mut crc = Crc32c::default();
        let mut offset = 0u64;
        match source {
            Source::File { path, len } => {
                let chunk = Chunk::File {
                    path,
                    offset: 0,
                    len,
                };
                chunk.digest(&mut crc).await?;
                match self.put_chunk(uri, 0, &chunk, Some(len), &crc).await? {
                    Step::Done(object) => Ok((*object, crc.to_base64())),
                    Step::Holds(n) => Err(incomplete(n, len)),
                }
            }
            Source::Stream { first, reader } => {
                let mut next = first;
                loop {
                    let bytes = match next.take() {
                        Some(b) => b,
                        None => reader.next_part(chunk_size).await?.freeze(),
                    };
                    let last = bytes.len() < chunk_size || reader.at_end().await?;
                    let chunk = Chunk::Bytes(bytes);
                    chunk.digest(&mut crc).await?;
                    let total = last.then(|| offset + chunk.len());
                    match self.put_chunk(uri, offset, &chunk, total, &crc).await? {
                        Step::Done(object) if last => return Ok((*object, crc.to_base64())),
                        Step::Done(_) => {
                            return Err(Error::malformed(
                                PROVIDER,
                                "Cloud Storage finished a resumable upload before its last chunk",
                            ));
                        }
                        Step::Holds(n) if last => return Err(incomplete(n, offset + chunk.len())),
                        Step::Holds(n) => offset = n,
                    }
                }
            }
        }
    }

    /// Sends `chunk`, which starts at `start` of the object, resuming from
    /// what the session holds after a failure; `total` on the last chunk.
    async fn put_chunk(
        &self,
        uri: &Url,
        start: u64,
        chunk: &Chunk,
        total: Option<u64>,
        crc: &Crc32c,
    ) -> Result<Step> {
        let end = start + chunk.len();
        let total_text = total.map_or_else(|| "*".to_owned(), |t| t.to_string());
        let mut held = start;
        let mut failures = 0u32;
        // A chunk is resumed without progress as often as the client's
        // retry policy retries a request (`--retries`; 3 by default).
        let policy = self.client().http().retry_policy().clone();
        let max_resumes = policy.max_attempts_value().saturating_sub(1);
        loop {
            let range = if held == end {
                format!("bytes */{total_text}")
            } else {
                format!("bytes {held}-{}/{total_text}", end - 1)
            };
            let mut request = HttpRequest::new(Method::PUT, uri.clone())
                .header("content-range", &range)?
                .body(chunk.body_from(held - start))
                .idempotent(false);
            if total.is_some() {
                request = request.header("x-goog-hash", &format!("crc32c={}", crc.to_base64()))?;
            }
            let failure = match self.client().http().send(request).await {
                Ok(response) => match self.session_step(response, start).await {
                    Ok(Step::Holds(n)) if n >= end || total.is_none() && n > held => {
                        if n >= end {
                            return Ok(Step::Holds(n));
                        }
                        held = n;
                        failures = 0;
                        continue;
                    }
                    Ok(Step::Holds(n)) => {
                        held = n;
                        Error::transport(format!(
                            "Cloud Storage holds {n} bytes of an upload after a request that sent up to {end}"
                        ))
                    }
                    Ok(done) => return Ok(done),
                    Err(e) if resumable(&e) => e,
                    Err(e) => return Err(e),
                },
                Err(e) if resumable(&e) => e,
                Err(e) => return Err(e),
            };
            failures += 1;
            if failures > max_resumes {
                return Err(failure);
            }
            tracing::debug!(error = %failure, offset = held, "resumable upload interrupted; asking the session where it stands");
            let delay = failure
                .retry_after()
                .and_then(|d| policy.honour_retry_after(d))
                .unwrap_or_else(|| policy.backoff(failures));
            tokio::time::sleep(delay).await;
            match self.query_session(uri, &total_text, start).await {
                Ok(Step::Holds(n)) => held = n.max(start).min(end),
                Ok(done) => return Ok(done),
                Err(e) if resumable(&e) => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Asks the session how many bytes it holds.
    async fn query_session(&self, uri: &Url, total: &str, start: u64) -> Result<Step> {
        let request = HttpRequest::new(Method::PUT, uri.clone())
            .header("content-range", &format!("bytes */{total}"))?
            .body(Body::empty())
            .idempotent(true);
        let response = self.client().http().send(request).await?;
        self.session_step(response, start).await
    }

    /// Reads a session's answer: 308 and how much it holds, or the object.
    async fn session_step(&self, response: HttpResponse, start: u64) -> Result<Step> {
        let status = response.status();
        if status == StatusCode::PERMANENT_REDIRECT {
            let held = match response.header_str("range") {
                None => 0,
                Some(range) => held_bytes(range).ok_or_else(|| {
                    Error::malformed(
                        PROVIDER,
                        format!("an upload session answered Range `{range}`"),
                    )
                })?,
            };
            if held < start {
                return Err(Error::new(
                    ErrorKind::Transport,
                    format!(
                        "Cloud Storage holds {held} bytes of an upload whose first {start} it had acknowledged"
                    ),
                )
                .with_provider(PROVIDER));
            }
            return Ok(Step::Holds(held));
        }
        let (status, headers, body) = response.into_parts();
        if status.is_success() {
            let value: Value = serde_json::from_slice(&body.bytes().await?).map_err(|e| {
                Error::malformed(
                    PROVIDER,
                    format!("Cloud Storage answered invalid JSON: {e}"),
                )
            })?;
            return Ok(Step::Done(Box::new(parse::object_in_its_bucket(&value)?)));
        }
        let bytes = body.error_bytes().await;
        Err(self.client().error(status, &headers, &bytes, None))
    }

    /// Cancels a session; one already gone is fine, and a failure only
    /// leaves a session Cloud Storage drops within a week: logged.
    pub(super) async fn cancel_session(&self, uri: &Url) {
        let request = HttpRequest::new(Method::DELETE, uri.clone()).idempotent(true);
        match self.client().http().send(request).await {
            Ok(r) if r.status().is_success() || matches!(r.status().as_u16(), 404 | 410 | 499) => {}
            Ok(r) => tracing::warn!(status = %r.status(), "cancelling a resumable upload"),
            Err(e) => tracing::warn!(error = %e, "cancelling a resumable upload"),
        }
    }

    /// Deletes exactly this generation of an object (never a newer one).
    async fn remove_generation(&self, object: &Object) {
        let Some(generation) = object.etag.as_deref() else {
            return;
        };
        let url = self.object_url(
            &object.container,
            &object.name,
            &[("ifGenerationMatch", generation)],
        );
        if let Err(e) = self
            .client()
            .stream(HttpRequest::new(Method::DELETE, url), None)
            .await
        {
            tracing::warn!(error = %e, "removing an object whose checksum did not match");
        }
    }
}

/// Whether a failed chunk is worth asking the session about.
fn resumable(error: &Error) -> bool {
    matches!(
        error.kind(),
        ErrorKind::Transport | ErrorKind::Timeout | ErrorKind::RateLimited { .. }
    ) || error
        .status()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .is_some_and(is_retryable_status)
}

fn incomplete(held: u64, total: u64) -> Error {
    Error::malformed(
        PROVIDER,
        format!("Cloud Storage holds {held} of {total} bytes after the last chunk of an upload"),
    )
}

/// The byte count a session's `Range: bytes=0-N` says it holds.
fn held_bytes(range: &str) -> Option<u64> {
    let last = range.trim().strip_prefix("bytes=0-")?;
    last.trim().parse::<u64>().ok()?.checked_add(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ranges_read_as_byte_counts() {
        assert_eq!(held_bytes("bytes=0-262143"), Some(262_144));
        assert_eq!(held_bytes("bytes=0-0"), Some(1));
        assert_eq!(held_bytes("bytes=5-9"), None);
        assert_eq!(held_bytes("garbage"), None);
    }
}
