//! Sending a body in parts, several at once: the engine behind S3
//! multipart uploads and Swift's segmented (SLO) uploads, so that both hold
//! at most `concurrency + 1` parts in memory and both stop the same way.
//! Parts of a file are not held at all: each is a range read when sent (and
//! read again if its request is retried).
//!
//! When anything fails (the source stream, a part, the part limit), the
//! parts still in flight are allowed to finish before the error is
//! returned: a driver that cleans up afterwards (aborting the multipart
//! upload, deleting segments) then never races a part that lands after its
//! cleanup.

use std::future::Future;
use std::path::Path;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use tokio::task::JoinSet;

use crate::byte_stream::{ByteStream, FileRange, PartReader};
use crate::{Error, ErrorKind, Result};

/// How a body is split and sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PartPlan {
    /// Bytes per part (the last may be shorter).
    pub part_size: usize,
    /// The most parts the provider accepts.
    pub max_parts: u32,
    /// Parts in flight at once.
    pub concurrency: usize,
    /// What the provider calls a part, for messages ("part", "segment").
    pub noun: &'static str,
}

impl PartPlan {
    /// A plan of `part_size`-byte parts, `concurrency` at once, at most `max_parts`.
    pub fn new(part_size: usize, max_parts: u32, concurrency: usize, noun: &'static str) -> Self {
        PartPlan {
            part_size,
            max_parts,
            concurrency: concurrency.max(1),
            noun,
        }
    }
}

/// Where the parts of an upload come from.
#[derive(Debug)]
#[non_exhaustive]
pub enum PartSource<'a> {
    /// A stream read one part at a time into memory; `first` is the part
    /// already read (the driver reads it to choose between one request and
    /// a multipart upload).
    Stream {
        /// The first part.
        first: BytesMut,
        /// The rest of the stream.
        reader: &'a mut PartReader,
    },
    /// A file of `len` bytes; each part is a range of it, read when sent.
    File {
        /// The file.
        path: Arc<Path>,
        /// Its length when the upload began.
        len: u64,
    },
}

/// The content of one part.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum PartBody {
    /// Bytes read from a stream.
    Bytes(Bytes),
    /// A range of a file, read when streamed.
    File(FileRange),
}

impl PartBody {
    /// The part's length in bytes.
    pub fn len(&self) -> u64 {
        match self {
            PartBody::Bytes(b) => b.len() as u64,
            PartBody::File(range) => range.len(),
        }
    }

    /// Whether the part is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The part's bytes as a stream (a file range is opened and read).
    pub fn stream(&self) -> ByteStream {
        match self {
            PartBody::Bytes(b) => crate::byte_stream::once(b.clone()),
            PartBody::File(range) => range.stream(),
        }
    }

    /// Feeds every byte of the part to `update`, in order: how a driver
    /// computes a checksum to send with the part. A file range is read once
    /// for this, and again when sent.
    pub async fn digest(&self, mut update: impl FnMut(&[u8])) -> Result<()> {
        match self {
            PartBody::Bytes(b) => update(b),
            PartBody::File(range) => {
                let mut stream = range.stream();
                while let Some(chunk) = stream.next().await {
                    update(&chunk?);
                }
            }
        }
        Ok(())
    }

    /// The part as a request body that can be sent again on a retry.
    #[cfg(feature = "http")]
    pub fn into_body(self) -> crate::http::Body {
        match self {
            PartBody::Bytes(b) => crate::http::Body::from_bytes(b),
            PartBody::File(range) => {
                let len = range.len();
                crate::http::Body::from_reopenable(move || range.stream(), len)
            }
        }
    }
}

/// One part that was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SentPart<T> {
    /// Its number, from 1.
    pub number: u32,
    /// Its length in bytes.
    pub size: u64,
    /// What sending it returned (an ETag, a checksum...).
    pub value: T,
}

/// Sends every part of `source` with `send(number, part)`, each on its own
/// task, at most `plan.concurrency` at once, and returns the parts in order.
/// `send` is called in part order before its future is spawned, so it may
/// record what it is about to write.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> cloud_core::Result<()> {
/// use bytes::Bytes;
/// use cloud_core::byte_stream::PartReader;
/// use cloud_core::storage::{PartPlan, PartSource, upload_parts};
/// use futures::StreamExt;
///
/// let body = futures::stream::iter([Ok(Bytes::from(vec![7u8; 10]))]).boxed();
/// let mut reader = PartReader::new(body);
/// let first = reader.next_part(4).await?;
/// let plan = PartPlan::new(4, 100, 2, "part");
/// let source = PartSource::Stream { first, reader: &mut reader };
/// let parts = upload_parts(source, &plan, |number, part| async move {
///     Ok(format!("part {number}: {} bytes", part.len()))
/// })
/// .await?;
/// let sizes: Vec<u64> = parts.iter().map(|p| p.size).collect();
/// assert_eq!(sizes, [4, 4, 2]);
/// # Ok(()) }
/// ```
pub async fn upload_parts<T, F, Fut>(
    source: PartSource<'_>,
    plan: &PartPlan,
    mut send: F,
) -> Result<Vec<SentPart<T>>>
where
    F: FnMut(u32, PartBody) -> Fut,
    Fut: Future<Output = Result<T>> + Send + 'static,
    T: Send + 'static,
{
    let mut parts = Parts::new(source, plan.part_size);
    let mut tasks: JoinSet<Result<SentPart<T>>> = JoinSet::new();
    let mut done: Vec<SentPart<T>> = Vec::new();
    let outcome = async {
        let mut number = 0u32;
        while let Some(part) = parts.next().await? {
            if part.is_empty() && number > 0 {
                break;
            }
            number += 1;
            if number > plan.max_parts {
                return Err(Error::invalid_input(format!(
                    "the body needs more than {} {}s of {} bytes; raise the {} size",
                    plan.max_parts, plan.noun, plan.part_size, plan.noun
                )));
            }
            while tasks.len() >= plan.concurrency {
                done.push(join(&mut tasks).await?);
            }
            let size = part.len();
            let sending = send(number, part);
            tasks.spawn(async move {
                let value = sending.await?;
                Ok(SentPart {
                    number,
                    size,
                    value,
                })
            });
        }
        while !tasks.is_empty() {
            done.push(join(&mut tasks).await?);
        }
        Ok(())
    }
    .await;
    if let Err(error) = outcome {
        while tasks.join_next().await.is_some() {}
        return Err(error);
    }
    done.sort_by_key(|p| p.number);
    Ok(done)
}

/// Cuts a [`PartSource`] into parts, one at a time.
enum Parts<'a> {
    Stream {
        first: Option<BytesMut>,
        reader: &'a mut PartReader,
        part_size: usize,
    },
    File {
        path: Arc<Path>,
        offset: u64,
        len: u64,
        part_size: u64,
        started: bool,
    },
}

impl<'a> Parts<'a> {
    fn new(source: PartSource<'a>, part_size: usize) -> Self {
        match source {
            PartSource::Stream { first, reader } => Parts::Stream {
                first: Some(first),
                reader,
                part_size,
            },
            PartSource::File { path, len } => Parts::File {
                path,
                offset: 0,
                len,
                part_size: (part_size as u64).max(1),
                started: false,
            },
        }
    }

    /// The next part, or `None` after the last. An empty source yields one
    /// empty part, so that it is uploaded as an empty object. A stream's
    /// part is read only when asked for, after the previous one was handed
    /// off, so at most `concurrency + 1` parts are in memory.
    async fn next(&mut self) -> Result<Option<PartBody>> {
        match self {
            Parts::Stream {
                first,
                reader,
                part_size,
            } => {
                if let Some(part) = first.take() {
                    return Ok(Some(PartBody::Bytes(part.freeze())));
                }
                if reader.at_end().await? {
                    return Ok(None);
                }
                let part = reader.next_part(*part_size).await?;
                Ok(Some(PartBody::Bytes(part.freeze())))
            }
            Parts::File {
                path,
                offset,
                len,
                part_size,
                started,
            } => {
                if *offset >= *len && *started {
                    return Ok(None);
                }
                *started = true;
                let size = (*len - *offset).min(*part_size);
                let range = FileRange::new(path.clone(), *offset, size);
                *offset += size;
                Ok(Some(PartBody::File(range)))
            }
        }
    }
}

async fn join<T: 'static>(tasks: &mut JoinSet<Result<SentPart<T>>>) -> Result<SentPart<T>> {
    match tasks.join_next().await {
        Some(Ok(result)) => result,
        Some(Err(e)) => Err(Error::new(
            ErrorKind::Transport,
            format!("a part upload task failed: {e}"),
        )),
        None => Err(Error::new(ErrorKind::Transport, "no part upload in flight")),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use futures::StreamExt;

    use super::*;

    fn reader(len: usize) -> PartReader {
        PartReader::new(futures::stream::iter([Ok(Bytes::from(vec![1u8; len]))]).boxed())
    }

    #[tokio::test]
    async fn a_failing_part_waits_for_the_others_before_returning() {
        let mut r = reader(40);
        let first = r.next_part(4).await.unwrap();
        let finished = Arc::new(AtomicUsize::new(0));
        let plan = PartPlan::new(4, 100, 3, "part");
        let counter = finished.clone();
        let err = upload_parts(
            PartSource::Stream {
                first,
                reader: &mut r,
            },
            &plan,
            move |n, _| {
                let counter = counter.clone();
                async move {
                    if n == 2 {
                        return Err(Error::invalid_input("part 2 refused"));
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    counter.fetch_add(1, Ordering::SeqCst);
                    Ok(())
                }
            },
        )
        .await
        .unwrap_err();
        assert!(err.to_string().contains("part 2 refused"));
        let at_return = finished.load(Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert_eq!(
            finished.load(Ordering::SeqCst),
            at_return,
            "no part finished after the error was returned"
        );
    }

    #[tokio::test]
    async fn too_many_parts_is_invalid_input() {
        let mut r = reader(10);
        let first = r.next_part(2).await.unwrap();
        let plan = PartPlan::new(2, 3, 2, "segment");
        let err = upload_parts(
            PartSource::Stream {
                first,
                reader: &mut r,
            },
            &plan,
            |_, _| async { Ok(()) },
        )
        .await
        .unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::InvalidInput);
        assert!(err.to_string().contains("segment"), "{err}");
    }

    #[tokio::test]
    async fn a_file_is_sent_as_ranges_read_when_sent() {
        let dir = tempfile::tempdir().unwrap();
        let path: Arc<Path> = dir.path().join("ten").into();
        std::fs::write(&path, b"0123456789").unwrap();
        let plan = PartPlan::new(4, 100, 2, "part");
        let source = PartSource::File {
            path: path.clone(),
            len: 10,
        };
        let parts = upload_parts(source, &plan, |_, part| async move {
            let mut seen = Vec::new();
            part.digest(|chunk| seen.extend_from_slice(chunk)).await?;
            Ok(String::from_utf8(seen).unwrap())
        })
        .await
        .unwrap();
        let texts: Vec<&str> = parts.iter().map(|p| p.value.as_str()).collect();
        assert_eq!(texts, ["0123", "4567", "89"]);

        // An empty file is one empty part (an empty object).
        std::fs::write(&path, b"").unwrap();
        let source = PartSource::File { path, len: 0 };
        let parts = upload_parts(source, &plan, |_, part| async move { Ok(part.len()) })
            .await
            .unwrap();
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].value, 0);
    }

    #[tokio::test]
    async fn a_file_that_shrank_fails_its_part() {
        let dir = tempfile::tempdir().unwrap();
        let path: Arc<Path> = dir.path().join("short").into();
        std::fs::write(&path, b"0123").unwrap();
        let range = FileRange::new(path, 2, 8);
        let err = PartBody::File(range).digest(|_| {}).await.unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::InvalidInput, "{err}");
    }
}
