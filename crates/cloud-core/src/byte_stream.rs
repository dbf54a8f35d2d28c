//! Streams of bytes: the only way object bodies move through this library.
//!
//! Bodies are never gathered whole unless a caller asks; these helpers read
//! files in fixed-size chunks and guard a stream's length, so a body that ends
//! early is an error, never a short object.

use std::path::Path;

use bytes::{Bytes, BytesMut};
use futures::stream::{BoxStream, Stream, StreamExt};
use tokio::io::AsyncReadExt;

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
    let chunk = chunk.max(4096);
    futures::stream::try_unfold(file, move |mut file| async move {
        let mut buf = BytesMut::with_capacity(chunk);
        while buf.len() < chunk {
            let n = file
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
            Ok(Some((buf.freeze(), file)))
        }
    })
    .boxed()
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
