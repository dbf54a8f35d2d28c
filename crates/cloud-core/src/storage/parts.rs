//! Sending a body in parts, several at once: the engine behind S3
//! multipart uploads and Swift's segmented (SLO) uploads, so that both hold
//! at most `concurrency + 1` parts in memory and both stop the same way.
//!
//! When anything fails (the source stream, a part, the part limit), the
//! parts still in flight are allowed to finish before the error is
//! returned: a driver that cleans up afterwards (aborting the multipart
//! upload, deleting segments) then never races a part that lands after its
//! cleanup.

use std::future::Future;

use bytes::{Bytes, BytesMut};
use tokio::task::JoinSet;

use crate::byte_stream::PartReader;
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

/// Sends `first` and then every further part of `reader` with `send(number,
/// bytes)`, each on its own task, at most `plan.concurrency` at once, and
/// returns the parts in order. `send` is called in part order before its
/// future is spawned, so it may record what it is about to write.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> cloud_core::Result<()> {
/// use bytes::Bytes;
/// use cloud_core::byte_stream::PartReader;
/// use cloud_core::storage::{PartPlan, upload_parts};
/// use futures::StreamExt;
///
/// let body = futures::stream::iter([Ok(Bytes::from(vec![7u8; 10]))]).boxed();
/// let mut reader = PartReader::new(body);
/// let first = reader.next_part(4).await?;
/// let plan = PartPlan::new(4, 100, 2, "part");
/// let parts = upload_parts(first, &mut reader, &plan, |number, bytes| async move {
///     Ok(format!("part {number}: {} bytes", bytes.len()))
/// })
/// .await?;
/// let sizes: Vec<u64> = parts.iter().map(|p| p.size).collect();
/// assert_eq!(sizes, [4, 4, 2]);
/// # Ok(()) }
/// ```
pub async fn upload_parts<T, F, Fut>(
    first: BytesMut,
    reader: &mut PartReader,
    plan: &PartPlan,
    mut send: F,
) -> Result<Vec<SentPart<T>>>
where
    F: FnMut(u32, Bytes) -> Fut,
    Fut: Future<Output = Result<T>> + Send + 'static,
    T: Send + 'static,
{
    let mut tasks: JoinSet<Result<SentPart<T>>> = JoinSet::new();
    let mut done: Vec<SentPart<T>> = Vec::new();
    let outcome = async {
        let mut number = 0u32;
        let mut next = Some(first);
        while let Some(part) = next.take() {
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
            let size = part.len() as u64;
            let sending = send(number, part.freeze());
            tasks.spawn(async move {
                let value = sending.await?;
                Ok(SentPart {
                    number,
                    size,
                    value,
                })
            });
            if !reader.at_end().await? {
                next = Some(reader.next_part(plan.part_size).await?);
            }
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
        let err = upload_parts(first, &mut r, &plan, move |n, _| {
            let counter = counter.clone();
            async move {
                if n == 2 {
                    return Err(Error::invalid_input("part 2 refused"));
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
                counter.fetch_add(1, Ordering::SeqCst);
                Ok(())
            }
        })
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
        let err = upload_parts(first, &mut r, &plan, |_, _| async { Ok(()) })
            .await
            .unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::InvalidInput);
        assert!(err.to_string().contains("segment"), "{err}");
    }
}
