//! Request and response bodies.
//!
//! A request body is empty, an in-memory buffer (which can be sent again, so
//! the request can be retried), a stream that can be opened again (a range
//! of a file: retried the same way, without holding it in memory), or a
//! one-shot stream (which cannot be retried). A response body is a stream
//! guarded against stalls and early ends.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use http_body::{Frame, SizeHint};

use crate::byte_stream::{ByteStream, LengthSource, checked_length};
use crate::error::{Error, ErrorKind, Result};

/// A request body.
pub struct Body {
    inner: Inner,
    progress: Option<Arc<Progress>>,
}

enum Inner {
    Empty,
    Bytes(Bytes),
    Stream {
        stream: ByteStream,
        len: Option<u64>,
    },
    Reopenable {
        open: Reopen,
        len: u64,
        stream: Option<ByteStream>,
    },
}

/// Opens a fresh stream of the same bytes each time it is called.
type Reopen = Arc<dyn Fn() -> ByteStream + Send + Sync>;

impl Body {
    /// No body.
    pub fn empty() -> Self {
        Body {
            inner: Inner::Empty,
            progress: None,
        }
    }

    /// An in-memory body; requests carrying one can be retried.
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Self {
        Body {
            inner: Inner::Bytes(bytes.into()),
            progress: None,
        }
    }

    /// A streamed body of `len` bytes if known; requests carrying one are
    /// sent at most once.
    pub fn from_stream(stream: ByteStream, len: Option<u64>) -> Self {
        Body {
            inner: Inner::Stream { stream, len },
            progress: None,
        }
    }

    /// A streamed body of `len` bytes that `open` can produce again (a range
    /// of a file, say), so requests carrying one can be retried without the
    /// body being held in memory. `open` is called when the body is first
    /// polled, once per attempt.
    pub fn from_reopenable(
        open: impl Fn() -> ByteStream + Send + Sync + 'static,
        len: u64,
    ) -> Self {
        Body {
            inner: Inner::Reopenable {
                open: Arc::new(open),
                len,
                stream: None,
            },
            progress: None,
        }
    }

    /// The body's length, when known.
    pub fn len(&self) -> Option<u64> {
        match &self.inner {
            Inner::Empty => Some(0),
            Inner::Bytes(b) => Some(b.len() as u64),
            Inner::Stream { len, .. } => *len,
            Inner::Reopenable { len, .. } => Some(*len),
        }
    }

    /// Whether the body is known to be empty.
    pub fn is_empty(&self) -> bool {
        self.len() == Some(0)
    }

    /// The bytes of an in-memory body (signers hash them).
    pub fn as_bytes(&self) -> Option<&Bytes> {
        match &self.inner {
            Inner::Bytes(b) => Some(b),
            Inner::Empty | Inner::Stream { .. } | Inner::Reopenable { .. } => None,
        }
    }

    /// Whether the body can be sent again, so the request can be retried.
    pub fn is_replayable(&self) -> bool {
        !matches!(self.inner, Inner::Stream { .. })
    }

    /// A copy of a replayable body; `None` for a stream.
    pub fn try_clone(&self) -> Option<Body> {
        let inner = match &self.inner {
            Inner::Empty => Inner::Empty,
            Inner::Bytes(b) => Inner::Bytes(b.clone()),
            Inner::Reopenable { open, len, .. } => Inner::Reopenable {
                open: open.clone(),
                len: *len,
                stream: None,
            },
            Inner::Stream { .. } => return None,
        };
        Some(Body {
            inner,
            progress: None,
        })
    }

    pub(crate) fn with_progress(mut self, progress: Arc<Progress>) -> Self {
        self.progress = Some(progress);
        self
    }

    /// Collects the body into memory (used by test transports).
    pub async fn collect(self) -> Result<Bytes> {
        match self.inner {
            Inner::Empty => Ok(Bytes::new()),
            Inner::Bytes(b) => Ok(b),
            Inner::Reopenable { open, stream, .. } => {
                let mut stream = stream.unwrap_or_else(|| open());
                let mut out = BytesMut::new();
                while let Some(chunk) = stream.next().await {
                    out.extend_from_slice(&chunk?);
                }
                Ok(out.freeze())
            }
            Inner::Stream { mut stream, .. } => {
                let mut out = BytesMut::new();
                while let Some(chunk) = stream.next().await {
                    out.extend_from_slice(&chunk?);
                }
                Ok(out.freeze())
            }
        }
    }
}

impl Default for Body {
    fn default() -> Self {
        Body::empty()
    }
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.inner {
            Inner::Empty => f.write_str("Body::Empty"),
            Inner::Bytes(b) => write!(f, "Body::Bytes({} bytes)", b.len()),
            Inner::Stream { len, .. } => write!(f, "Body::Stream({len:?} bytes)"),
            Inner::Reopenable { len, .. } => write!(f, "Body::Reopenable({len} bytes)"),
        }
    }
}

impl From<Bytes> for Body {
    fn from(bytes: Bytes) -> Self {
        Body::from_bytes(bytes)
    }
}

impl From<String> for Body {
    fn from(text: String) -> Self {
        Body::from_bytes(text)
    }
}

impl From<Vec<u8>> for Body {
    fn from(bytes: Vec<u8>) -> Self {
        Body::from_bytes(bytes)
    }
}

impl http_body::Body for Body {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>>>> {
        let this = self.get_mut();
        let polled = match &mut this.inner {
            Inner::Empty => return Poll::Ready(None),
            Inner::Bytes(b) if b.is_empty() => return Poll::Ready(None),
            Inner::Bytes(b) => Poll::Ready(Some(Ok(std::mem::take(b)))),
            Inner::Stream { stream, .. } => stream.poll_next_unpin(cx),
            Inner::Reopenable { open, stream, .. } => {
                stream.get_or_insert_with(|| open()).poll_next_unpin(cx)
            }
        };
        if let (Poll::Ready(Some(Ok(_))), Some(p)) = (&polled, &this.progress) {
            p.touch();
        }
        polled.map(|item| item.map(|chunk| chunk.map(Frame::data)))
    }

    fn is_end_stream(&self) -> bool {
        match &self.inner {
            Inner::Empty => true,
            Inner::Bytes(b) => b.is_empty(),
            Inner::Stream { len, .. } => *len == Some(0),
            Inner::Reopenable { len, .. } => *len == 0,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self.len() {
            Some(n) => SizeHint::with_exact(n),
            None => SizeHint::default(),
        }
    }
}

/// When the request last made progress (a body chunk went out), so the
/// request timeout measures inactivity rather than the length of an upload.
#[derive(Debug)]
pub(crate) struct Progress {
    origin: tokio::time::Instant,
    last_millis: AtomicU64,
}

impl Progress {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Progress {
            origin: tokio::time::Instant::now(),
            last_millis: AtomicU64::new(0),
        })
    }

    pub(crate) fn touch(&self) {
        let millis = self.origin.elapsed().as_millis() as u64;
        self.last_millis.fetch_max(millis, Ordering::Relaxed);
    }

    pub(crate) fn last(&self) -> tokio::time::Instant {
        self.origin + Duration::from_millis(self.last_millis.load(Ordering::Relaxed))
    }
}

/// A response body: a stream that fails if the server stalls longer than the
/// read timeout, or ends before the length it announced.
pub struct ResponseBody {
    stream: ByteStream,
}

/// Largest body [`ResponseBody::bytes`] gathers in memory.
pub const MAX_BUFFERED_BODY: usize = 256 * 1024 * 1024;

/// Largest error body the client reads, for the retry classifier and then
/// the driver's error parser.
pub const MAX_ERROR_BODY: usize = 64 * 1024;

impl ResponseBody {
    /// Wraps a raw stream as a transport produced it.
    pub fn new(stream: ByteStream) -> Self {
        ResponseBody { stream }
    }

    /// An empty body.
    pub fn empty() -> Self {
        ResponseBody::new(futures::stream::empty().boxed())
    }

    /// An in-memory body.
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Self {
        ResponseBody::new(crate::byte_stream::once(bytes))
    }

    pub(crate) fn guarded(self, expected_len: Option<u64>, read_timeout: Duration) -> Self {
        let stream = idle_timeout(self.stream, read_timeout);
        let stream = match expected_len {
            Some(len) => checked_length(stream, len, LengthSource::Provider),
            None => stream,
        };
        ResponseBody { stream }
    }

    /// The body as a stream of chunks.
    pub fn into_stream(self) -> ByteStream {
        self.stream
    }

    /// The whole body in memory, up to [`MAX_BUFFERED_BODY`] bytes.
    pub async fn bytes(self) -> Result<Bytes> {
        self.bytes_limited(MAX_BUFFERED_BODY).await
    }

    /// The body of an error answer, as much as a provider's error parser
    /// needs ([`MAX_ERROR_BODY`]); empty if it cannot be read. The client
    /// has already buffered it, so this costs no network read.
    pub async fn error_bytes(self) -> Bytes {
        self.bytes_limited(MAX_ERROR_BODY).await.unwrap_or_default()
    }

    /// The whole body in memory; fails with `MalformedResponse` past `limit` bytes.
    pub async fn bytes_limited(self, limit: usize) -> Result<Bytes> {
        let mut stream = self.stream;
        let mut out = BytesMut::new();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            if out.len() + chunk.len() > limit {
                return Err(Error::new(
                    ErrorKind::MalformedResponse,
                    format!("response body is larger than {limit} bytes"),
                ));
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out.freeze())
    }
}

impl std::fmt::Debug for ResponseBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ResponseBody")
    }
}

fn idle_timeout(stream: ByteStream, timeout: Duration) -> ByteStream {
    futures::stream::unfold(Some(stream), move |state| async move {
        let mut stream = state?;
        match tokio::time::timeout(timeout, stream.next()).await {
            Ok(Some(Ok(chunk))) => Some((Ok(chunk), Some(stream))),
            Ok(Some(Err(e))) => Some((Err(e), None)),
            Ok(None) => None,
            Err(_) => Some((
                Err(Error::timeout(format!(
                    "no response data for {timeout:?} while reading the body"
                ))),
                None,
            )),
        }
    })
    .boxed()
}
