//! Downloads that survive a dropped connection.
//!
//! A download body that fails part-way with a transport error or a read
//! timeout is picked up where it stopped, with a ranged request pinned to
//! the object's etag (`If-Match`): the bytes spliced together are always one
//! version of the object, and an object replaced in between fails with
//! `PreconditionFailed` instead of mixing two versions. A body that cannot
//! be resumed fails; it never ends early as if it were complete.

use std::ops::Range;
use std::sync::Arc;

use futures::StreamExt;

use super::driver::StorageDriver;
use super::types::{ByteRange, DownloadOptions};
use crate::byte_stream::{ByteStream, LengthSource, checked_length};
use crate::error::{Error, ErrorKind, Result};

/// How many times one download may be resumed.
pub const MAX_DOWNLOAD_RESUMES: u32 = 3;

/// Where a download stands, and how to ask for the rest.
pub(crate) struct Resume {
    pub(crate) driver: Arc<dyn StorageDriver>,
    pub(crate) container: String,
    pub(crate) name: String,
    pub(crate) etag: String,
    /// The bytes still owed: `next..end` of the object.
    pub(crate) remaining: Range<u64>,
    pub(crate) resumes_left: u32,
}

impl Resume {
    fn can_resume(&self, error: &Error) -> bool {
        matches!(error.kind(), ErrorKind::Transport | ErrorKind::Timeout)
            && self.resumes_left > 0
            && !self.remaining.is_empty()
    }

    async fn reopen(&mut self) -> Result<ByteStream> {
        self.resumes_left -= 1;
        let Range { start, end } = self.remaining.clone();
        let options = DownloadOptions::new()
            .range(ByteRange::bounded(start, end)?)
            .if_match(self.etag.clone());
        tracing::debug!(
            container = %self.container,
            object = %self.name,
            offset = start,
            "resuming the download"
        );
        let download = self
            .driver
            .download(&self.container, &self.name, &options)
            .await?;
        if download.range != self.remaining {
            return Err(Error::malformed(
                self.driver.provider(),
                format!(
                    "asked for bytes {start}..{end} to resume a download, got {:?}",
                    download.range
                ),
            ));
        }
        Ok(checked_length(
            download.body,
            end - start,
            LengthSource::Provider,
        ))
    }
}

/// `body`, resumed from `resume` when it fails part-way.
pub(crate) fn resuming(body: ByteStream, resume: Resume) -> ByteStream {
    let expected = resume.remaining.end - resume.remaining.start;
    let body = checked_length(body, expected, LengthSource::Provider);
    futures::stream::unfold(Some((body, resume)), |state| async move {
        let (mut body, mut resume) = state?;
        loop {
            match body.next().await {
                Some(Ok(chunk)) => {
                    resume.remaining.start += chunk.len() as u64;
                    return Some((Ok(chunk), Some((body, resume))));
                }
                None => return None,
                Some(Err(e)) if resume.can_resume(&e) => {
                    tracing::debug!(error = %e, "download interrupted");
                    match resume.reopen().await {
                        Ok(rest) => body = rest,
                        Err(e) => return Some((Err(e), None)),
                    }
                }
                Some(Err(e)) => return Some((Err(e), None)),
            }
        }
    })
    .boxed()
}
