//! Swift answers every object PUT with the MD5 of what it stored as ETag.
//! A body that cannot carry its MD5 up front (a stream, or a file range we
//! would rather not read twice) is hashed on its way out and checked
//! against that answer here: one tap, one comparison, for every such PUT.

use std::sync::{Arc, Mutex, MutexGuard};

use cloud_core::http::HttpResponse;
use cloud_core::{ByteStream, Error, ErrorKind, Result};
use futures::StreamExt;
use md5::{Digest, Md5};

/// The MD5 of the bytes a body sent, computed as they are read.
#[derive(Clone, Default)]
pub(crate) struct SentMd5(Arc<Mutex<Md5>>);

impl SentMd5 {
    /// `stream`, hashed as it is read. The hash starts again with each
    /// tap, so a body reopened for a retry counts only the last attempt.
    pub(crate) fn tap(&self, stream: ByteStream) -> ByteStream {
        *self.lock() = Md5::new();
        let hasher = self.clone();
        stream
            .map(move |chunk| {
                if let Ok(c) = &chunk {
                    hasher.lock().update(c);
                }
                chunk
            })
            .boxed()
    }

    /// The hex MD5 of what the last tap read.
    pub(crate) fn hex(&self) -> String {
        hex::encode(std::mem::take(&mut *self.lock()).finalize())
    }

    /// The hasher, even if a task panicked while holding it.
    fn lock(&self) -> MutexGuard<'_, Md5> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The ETag Swift answered a PUT with (the MD5 of what it stored), when it
/// sent one; fails with `HashMismatch` if it differs from `sent`. `what`
/// names the object in the error.
pub(crate) fn check_stored(
    response: &HttpResponse,
    sent: &str,
    what: &str,
) -> Result<Option<String>> {
    let stored = response
        .header_str("etag")
        .map(|e| e.trim_matches('"').to_owned());
    match stored {
        Some(stored) if !stored.eq_ignore_ascii_case(sent) => Err(Error::new(
            ErrorKind::HashMismatch {
                expected: sent.to_owned(),
                actual: stored,
            },
            format!("Swift stored {what} with a different checksum"),
        )
        .with_provider(crate::PROVIDER_OPENSTACK)),
        stored => Ok(stored),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use cloud_core::http::{HeaderMap, ResponseBody, StatusCode};
    use futures::TryStreamExt;

    fn answered(etag: Option<&str>) -> HttpResponse {
        let mut headers = HeaderMap::new();
        if let Some(etag) = etag {
            headers.insert("etag", etag.parse().unwrap());
        }
        HttpResponse::new(StatusCode::CREATED, headers, ResponseBody::empty())
    }

    fn chunks(parts: &[&'static str]) -> ByteStream {
        let parts: Vec<_> = parts
            .iter()
            .map(|p| Ok(Bytes::from_static(p.as_bytes())))
            .collect();
        futures::stream::iter(parts).boxed()
    }

    #[tokio::test]
    async fn a_retried_body_is_hashed_from_its_last_attempt_only() {
        let sent = SentMd5::default();
        // A first attempt that died after one chunk, then a whole one.
        let _ = sent.tap(chunks(&["hello "])).try_collect::<Vec<_>>().await;
        let read: Vec<Bytes> = sent
            .tap(chunks(&["hello ", "world"]))
            .try_collect()
            .await
            .unwrap();
        assert_eq!(read.concat(), b"hello world");
        assert_eq!(sent.hex(), "5eb63bbbe01eeed093cb22bb8f5acdc3");
    }

    #[test]
    fn the_stored_etag_must_match_what_was_sent() {
        let md5 = "5eb63bbbe01eeed093cb22bb8f5acdc3";
        let quoted = format!("\"{}\"", md5.to_uppercase());
        assert_eq!(
            check_stored(&answered(Some(&quoted)), md5, "`c/o`").unwrap(),
            Some(md5.to_uppercase())
        );
        assert_eq!(check_stored(&answered(None), md5, "`c/o`").unwrap(), None);
        let err = check_stored(&answered(Some("0123")), md5, "`c/o`").unwrap_err();
        assert!(matches!(
            err.kind(),
            ErrorKind::HashMismatch { expected, actual } if expected == md5 && actual == "0123"
        ));
        assert!(
            err.to_string()
                .contains("Swift stored `c/o` with a different checksum")
        );
    }
}
