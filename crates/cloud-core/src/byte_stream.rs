//! Streams of bytes: the only way object bodies move through this library.
//!
//! Bodies are never gathered whole unless a caller asks; these helpers read
//! files in fixed-size chunks and guard a stream's length, so a body that ends
//! early is an error, never a short object.

use std::path::Path;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use futures::stream::{BoxStream, Stream, StreamExt, TryStreamExt};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncSeekExt};

use crate::error::{BoxError, Error, ErrorKind, Result};

/// A body: a `Send` stream of byte chunks.
pub type ByteStream = BoxStream<'static, Result<Bytes>>;

/// Chunk size used when reading files.
pub const FILE_CHUNK_BYTES: usize = 256 * 1024;

/// A stream over one in-memory buffer.
pub fn once(bytes: impl Into<Bytes>) -> ByteStream {
    let bytes = bytes.into();
    if bytes.is_empty() {
        return futures::stream::empty().boxed();
    }
    futures::stream::once(async move { Ok(bytes) }).boxed()
}

/// Adapts any stream of byte chunks whose error converts to a boxed error
/// (an `io::Error`, say) into a [`ByteStream`]. Its failures become
/// [`ErrorKind::Io`] errors.
pub fn from_stream<S, B, E>(stream: S) -> ByteStream
where
    S: Stream<Item = std::result::Result<B, E>> + Send + 'static,
    B: Into<Bytes>,
    E: Into<BoxError>,
{
    stream
        .map(|item| {
            item.map(Into::into).map_err(|e| {
                let source: BoxError = e.into();
                match source.downcast::<Error>() {
                    Ok(err) => *err,
                    Err(source) => {
                        Error::new(ErrorKind::Io, format!("the input stream failed: {source}"))
                            .with_source(source)
                    }
                }
            })
        })
        .boxed()
}

/// Streams an open file from its current position in chunks of `chunk` bytes.
pub fn file_stream(file: tokio::fs::File, chunk: usize) -> ByteStream {
    reader_stream(file, chunk)
}

/// Streams any reader in chunks of `chunk` bytes.
fn reader_stream<R>(reader: R, chunk: usize) -> ByteStream
where
    R: AsyncRead + Unpin + Send + 'static,
{
    let chunk = chunk.max(4096);
    futures::stream::try_unfold(reader, move |mut reader| async move {
        let mut buf = BytesMut::with_capacity(chunk);
        while buf.len() < chunk {
            let n = reader
                .read_buf(&mut buf)
                .await
                .map_err(|e| Error::io("reading file", e))?;
            if n == 0 {
                break;
            }
        }
        if buf.is_empty() {
            Ok(None)
        } else {
            Ok(Some((buf.freeze(), reader)))
        }
    })
    .boxed()
}

/// A byte range of a file, opened and read each time it is streamed: a part
/// that can be sent again when its upload is retried, without being held in
/// memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRange {
    path: Arc<Path>,
    offset: u64,
    len: u64,
}

impl FileRange {
    /// `len` bytes of the file at `path` from `offset`.
    pub fn new(path: impl Into<Arc<Path>>, offset: u64, len: u64) -> Self {
        FileRange {
            path: path.into(),
            offset,
            len,
        }
    }

    /// The range's length in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the range is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Opens the file and streams the range. A file that no longer holds
    /// the whole range (it shrank since it was measured) fails the stream
    /// with [`ErrorKind::InvalidInput`].
    pub fn stream(&self) -> ByteStream {
        let range = self.clone();
        let opened = async move {
            let path = &range.path;
            let mut file = tokio::fs::File::open(path)
                .await
                .map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
            file.seek(std::io::SeekFrom::Start(range.offset))
                .await
                .map_err(|e| Error::io(format!("seeking in {}", path.display()), e))?;
            let body = reader_stream(file.take(range.len), FILE_CHUNK_BYTES);
            Ok::<_, Error>(checked_length(body, range.len, LengthSource::Caller))
        };
        futures::stream::once(opened).try_flatten().boxed()
    }
}

/// Opens `path` and streams it; returns the stream and the file's length.
pub async fn open_file(path: &Path) -> Result<(ByteStream, u64)> {
    let file = tokio::fs::File::open(path)
        .await
        .map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
    let len = file
        .metadata()
        .await
        .map_err(|e| Error::io(format!("reading metadata of {}", path.display()), e))?
        .len();
    Ok((file_stream(file, FILE_CHUNK_BYTES), len))
}

/// Who is to blame when a stream's length is wrong, which decides the error kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LengthSource {
    /// The provider sent the body: a short one is a [`ErrorKind::Transport`] error.
    Provider,
    /// The caller supplied the body: a wrong one is [`ErrorKind::InvalidInput`].
    Caller,
}

/// Passes `stream` through, failing it if it yields more or fewer than
/// `expected` bytes in all.
pub fn checked_length(stream: ByteStream, expected: u64, source: LengthSource) -> ByteStream {
    let kind = match source {
        LengthSource::Provider => ErrorKind::Transport,
        LengthSource::Caller => ErrorKind::InvalidInput,
    };
    let state = (stream, 0u64, false);
    futures::stream::unfold(state, move |(mut stream, seen, done)| {
        let kind = kind.clone();
        async move {
            if done {
                return None;
            }
            match stream.next().await {
                Some(Ok(chunk)) => {
                    let seen = seen + chunk.len() as u64;
                    if seen > expected {
                        let err = Error::new(
                            kind,
                            format!("body is longer than the expected {expected} bytes"),
                        );
                        return Some((Err(err), (stream, seen, true)));
                    }
                    Some((Ok(chunk), (stream, seen, false)))
                }
                Some(Err(e)) => Some((Err(e), (stream, seen, true))),
                None if seen < expected => {
                    let err =
                        Error::new(kind, format!("body ended after {seen} of {expected} bytes"));
                    Some((Err(err), (stream, seen, true)))
                }
                None => None,
            }
        }
    })
    .boxed()
}

/// A running checksum of a stream's bytes (MD5, CRC32C...), as text in
/// the form the provider announces it, for [`checked_digest`].
pub trait StreamDigest: Send + 'static {
    /// Adds the next bytes.
    fn update(&mut self, data: &[u8]);
    /// The checksum of every byte added.
    fn finish(self: Box<Self>) -> String;
}

/// Passes `stream` through, and fails it at its end with
/// [`ErrorKind::HashMismatch`] when the bytes' checksum (by `digest`) is
/// not `expected`: a download the provider announced a checksum for is
/// never handed over corrupt. A stream that fails on its own fails as it
/// did, unchecked.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use cloud_core::byte_stream::{StreamDigest, checked_digest, once};
/// use futures::TryStreamExt;
///
/// /// The byte count as the "checksum", for the example.
/// struct Count(usize);
/// impl StreamDigest for Count {
///     fn update(&mut self, data: &[u8]) { self.0 += data.len(); }
///     fn finish(self: Box<Self>) -> String { self.0.to_string() }
/// }
///
/// let good = checked_digest(once("hello"), "5".into(), Box::new(Count(0)));
/// let chunks: Vec<_> = good.try_collect().await.unwrap();
/// assert_eq!(chunks, ["hello"]);
/// let bad = checked_digest(once("hello"), "4".into(), Box::new(Count(0)));
/// let err = bad.try_collect::<Vec<_>>().await.unwrap_err();
/// assert!(matches!(err.kind(), cloud_core::ErrorKind::HashMismatch { .. }));
/// # }
/// ```
pub fn checked_digest(
    stream: ByteStream,
    expected: String,
    digest: Box<dyn StreamDigest>,
) -> ByteStream {
    let state = (stream, Some(digest), expected);
    futures::stream::unfold(state, |(mut stream, digest, expected)| async move {
        let mut digest = digest?;
        match stream.next().await {
            Some(Ok(chunk)) => {
                digest.update(&chunk);
                Some((Ok(chunk), (stream, Some(digest), expected)))
            }
            Some(Err(e)) => Some((Err(e), (stream, None, expected))),
            None => {
                let actual = digest.finish();
                if actual == expected {
                    return None;
                }
                let err = Error::new(
                    ErrorKind::HashMismatch {
                        expected: expected.clone(),
                        actual: actual.clone(),
                    },
                    format!("the body's checksum is {actual}, not the announced {expected}"),
                );
                Some((Err(err), (stream, None, expected)))
            }
        }
    })
    .boxed()
}

/// Reads a stream in parts of a chosen size: the building block of
/// multipart and segmented uploads, which must hold at most one part.
pub struct PartReader {
    stream: ByteStream,
    leftover: Option<Bytes>,
    done: bool,
}

impl std::fmt::Debug for PartReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PartReader")
            .field("leftover", &self.leftover.as_ref().map(Bytes::len))
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl PartReader {
    /// Reads `stream`.
    pub fn new(stream: ByteStream) -> Self {
        PartReader {
            stream,
            leftover: None,
            done: false,
        }
    }

    /// Up to `size` bytes; fewer only at the end of the stream.
    pub async fn next_part(&mut self, size: usize) -> Result<BytesMut> {
        let mut part = BytesMut::with_capacity(size.min(64 * 1024 * 1024));
        while part.len() < size {
            let chunk = match self.leftover.take() {
                Some(c) => c,
                None if self.done => break,
                None => match self.stream.next().await {
                    Some(chunk) => chunk?,
                    None => {
                        self.done = true;
                        break;
                    }
                },
            };
            let room = size - part.len();
            if chunk.len() > room {
                part.extend_from_slice(&chunk[..room]);
                self.leftover = Some(chunk.slice(room..));
            } else {
                part.extend_from_slice(&chunk);
            }
        }
        Ok(part)
    }

    /// Whether the stream has nothing more, reading ahead if needed.
    pub async fn at_end(&mut self) -> Result<bool> {
        if self.leftover.as_ref().is_some_and(|l| !l.is_empty()) {
            return Ok(false);
        }
        while !self.done {
            match self.stream.next().await {
                Some(chunk) => {
                    let chunk = chunk?;
                    if !chunk.is_empty() {
                        self.leftover = Some(chunk);
                        return Ok(false);
                    }
                }
                None => self.done = true,
            }
        }
        Ok(true)
    }

    /// The rest of the stream, whatever has been read ahead included.
    pub fn into_stream(self) -> ByteStream {
        match self.leftover {
            Some(first) => futures::stream::once(async move { Ok(first) })
                .chain(self.stream)
                .boxed(),
            None => self.stream,
        }
    }
}

#[cfg(test)]
mod tests {
    use futures::TryStreamExt;

    use super::*;

    fn chunks(parts: &[&'static [u8]]) -> ByteStream {
        let parts: Vec<_> = parts.iter().map(|p| Ok(Bytes::from_static(p))).collect();
        futures::stream::iter(parts).boxed()
    }

    #[tokio::test]
    async fn exact_length_passes() {
        let s = checked_length(chunks(&[b"abc", b"de"]), 5, LengthSource::Provider);
        let all: Vec<Bytes> = s.try_collect().await.unwrap();
        assert_eq!(all.concat(), b"abcde");
    }

    #[tokio::test]
    async fn short_body_is_a_transport_error() {
        let s = checked_length(chunks(&[b"abc"]), 5, LengthSource::Provider);
        let err = s.try_collect::<Vec<Bytes>>().await.unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::Transport);
        assert!(err.to_string().contains("3 of 5"));
    }

    #[tokio::test]
    async fn long_caller_body_is_invalid_input() {
        let s = checked_length(chunks(&[b"abcdef"]), 5, LengthSource::Caller);
        let err = s.try_collect::<Vec<Bytes>>().await.unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::InvalidInput);
    }

    #[tokio::test]
    async fn files_stream_in_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        let (stream, len) = open_file(&path).await.unwrap();
        assert_eq!(len, data.len() as u64);
        let parts: Vec<Bytes> = stream.try_collect().await.unwrap();
        assert_eq!(parts.concat(), data);
    }

    #[tokio::test]
    async fn parts_are_cut_at_the_part_size() {
        let chunks: Vec<Result<Bytes>> = vec![
            Ok(Bytes::from(vec![1u8; 7])),
            Ok(Bytes::from(vec![2u8; 5])),
            Ok(Bytes::new()),
        ];
        let mut reader = PartReader::new(futures::stream::iter(chunks).boxed());
        assert_eq!(reader.next_part(4).await.unwrap().len(), 4);
        assert!(!reader.at_end().await.unwrap());
        assert_eq!(&reader.next_part(4).await.unwrap()[..], &[1, 1, 1, 2]);
        assert!(!reader.at_end().await.unwrap());
        let rest: Vec<Bytes> = reader.into_stream().try_collect().await.unwrap();
        assert_eq!(rest.concat(), vec![2u8; 4]);
    }

    #[tokio::test]
    async fn foreign_errors_become_io_errors() {
        let s = futures::stream::iter(vec![
            Ok::<_, std::io::Error>(Bytes::from_static(b"x")),
            Err(std::io::Error::other("pipe closed")),
        ]);
        let err = from_stream(s)
            .try_collect::<Vec<Bytes>>()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::Io);
        assert!(err.to_string().contains("pipe closed"));
    }
}
