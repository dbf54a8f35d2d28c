//! Resumable sessions against Cloud Storage's documented semantics, which
//! neither local server keeps: fake-gcs-server appends whatever a chunk
//! carries and finalizes the object on a status query, so resuming after a
//! dropped connection cannot be shown against it. This in-process session
//! checks each chunk's offset and 256 KiB alignment, keeps only whole
//! 256 KiB units of a chunk whose connection dropped (Cloud Storage may
//! persist less than it received), answers status queries with 308 and
//! `Range`, checks the final `x-goog-hash`, and answers a cancel with 499.
#![allow(clippy::unwrap_used)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use cloud_core::http::{Body, Request, Response, ResponseBody, RetryPolicy, Transport};
use cloud_core::storage::StorageDriver;
use cloud_core::{Environment, Error, ErrorKind, Result, UploadOptions};

use super::GcsStorage;
use super::crc32c::Crc32c;
use crate::{GcsUploadConfig, GoogleBuilder};

const UNIT: usize = 256 * 1024;

/// What the session does to the next chunk that carries bytes.
#[derive(Debug, Clone, Copy)]
enum Fault {
    /// Receives `n` bytes, persists the whole 256 KiB units of them, and
    /// drops the connection without answering.
    DropAfter(usize),
    /// Answers 503 without persisting anything.
    Unavailable,
    /// Answers 400 (a permanent failure).
    BadRequest,
    /// Never answers.
    Hang,
}

#[derive(Debug, Default)]
struct State {
    held: Vec<u8>,
    done: bool,
    cancelled: bool,
    faults: VecDeque<Fault>,
    /// `METHOD content-range` of each request, in order.
    log: Vec<String>,
}

#[derive(Debug, Default)]
struct Session {
    state: Mutex<State>,
}

fn answer(
    status: u16,
    headers: &[(&str, String)],
    body: impl Into<Bytes>,
) -> Result<Response<ResponseBody>> {
    let mut builder = Response::builder().status(status);
    for (name, value) in headers {
        builder = builder.header(*name, value);
    }
    Ok(builder.body(ResponseBody::from_bytes(body)).unwrap())
}

impl Session {
    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.state.lock().unwrap())
    }

    fn holds(held: usize) -> Result<Response<ResponseBody>> {
        let headers: Vec<(&str, String)> = if held == 0 {
            Vec::new()
        } else {
            vec![("range", format!("bytes=0-{}", held - 1))]
        };
        answer(308, &headers, "")
    }

    fn object(data: &[u8]) -> Result<Response<ResponseBody>> {
        let mut crc = Crc32c::default();
        crc.update(data);
        let body = serde_json::json!({
            "bucket": "bucket-1", "name": "big.bin", "size": data.len().to_string(),
            "generation": "7", "metageneration": "1", "crc32c": crc.to_base64(),
            "contentType": "application/octet-stream",
        });
        answer(
            200,
            &[("content-type", "application/json".into())],
            body.to_string(),
        )
    }

    fn put(
        &self,
        range: &str,
        hash: Option<String>,
        body: Bytes,
        fault: Option<Fault>,
    ) -> Result<Response<ResponseBody>> {
        let (span, total) = range
            .strip_prefix("bytes ")
            .unwrap()
            .split_once('/')
            .unwrap();
        let total: Option<usize> = total.parse().ok();
        let mut state = self.state.lock().unwrap();
        if span == "*" {
            // A status query, or the final request of an upload already whole.
            if total == Some(state.held.len()) {
                return self.finish(&mut state, hash);
            }
            return Self::holds(state.held.len());
        }
        let (first, last) = span.split_once('-').unwrap();
        let (first, last): (usize, usize) = (first.parse().unwrap(), last.parse().unwrap());
        if first != state.held.len() || last + 1 - first != body.len() {
            return answer(
                400,
                &[],
                format!(
                    "chunk {span} does not follow the {} bytes held",
                    state.held.len()
                ),
            );
        }
        if total != Some(last + 1) && (last + 1) % UNIT != 0 {
            return answer(
                400,
                &[],
                format!("chunk {span} does not end on a 256 KiB boundary"),
            );
        }
        match fault {
            Some(Fault::DropAfter(n)) => {
                let kept = n.min(body.len());
                let end = (first + kept) / UNIT * UNIT;
                let keep = end.saturating_sub(first);
                state.held.extend_from_slice(&body[..keep]);
                return Err(Error::transport("connection reset by peer"));
            }
            Some(Fault::Unavailable) => return answer(503, &[], "backend unavailable"),
            Some(Fault::BadRequest) => {
                return answer(
                    400,
                    &[],
                    r#"{"error":{"code":400,"message":"Invalid request"}}"#,
                );
            }
            Some(Fault::Hang) | None => {}
        }
        state.held.extend_from_slice(&body);
        if total == Some(state.held.len()) {
            return self.finish(&mut state, hash);
        }
        Self::holds(state.held.len())
    }

    fn finish(&self, state: &mut State, hash: Option<String>) -> Result<Response<ResponseBody>> {
        let mut crc = Crc32c::default();
        crc.update(&state.held);
        if hash != Some(format!("crc32c={}", crc.to_base64())) {
            return answer(400, &[], "the declared CRC32C does not match the data");
        }
        state.done = true;
        Self::object(&state.held)
    }
}

#[async_trait]
impl Transport for Session {
    async fn send(&self, request: Request<Body>) -> Result<Response<ResponseBody>> {
        let method = request.method().clone();
        let range = header(&request, "content-range").unwrap_or_default();
        let hash = header(&request, "x-goog-hash");
        self.with(|s| {
            s.log
                .push(format!("{method} {range}").trim_end().to_owned())
        });
        match method.as_str() {
            "POST" => {
                let location = "http://gcs.test/upload/storage/v1/b/bucket-1/o?uploadType=resumable&upload_id=s1";
                answer(200, &[("location", location.into())], "")
            }
            "DELETE" => {
                self.with(|s| s.cancelled = true);
                answer(499, &[], "")
            }
            "PUT" => {
                let carries_bytes = !range.starts_with("bytes */");
                let fault = if carries_bytes {
                    self.with(|s| s.faults.pop_front())
                } else {
                    None
                };
                if let Some(Fault::Hang) = fault {
                    std::future::pending::<()>().await;
                }
                let body = request.into_body().collect().await?;
                self.put(&range, hash, body, fault)
            }
            other => answer(
                405,
                &[],
                format!("{other} is not part of a resumable session"),
            ),
        }
    }
}

fn header(request: &Request<Body>, name: &str) -> Option<String> {
    let value = request.headers().get(name)?;
    value.to_str().ok().map(str::to_owned)
}

fn data(len: usize) -> Bytes {
    (0..len)
        .map(|i| (i * 31 % 251) as u8)
        .collect::<Vec<u8>>()
        .into()
}

fn storage(session: &Arc<Session>) -> GcsStorage {
    GoogleBuilder::new()
        .environment(Environment::from_vars(Vec::<(String, String)>::new()))
        .anonymous()
        .project("p")
        .endpoint("http://gcs.test")
        .upload_config(GcsUploadConfig::new(UNIT as u64, UNIT as u64))
        .retry(
            RetryPolicy::new()
                .max_attempts(4)
                .initial_backoff(Duration::from_millis(1)),
        )
        .transport(session.clone())
        .build()
        .unwrap()
        .storage()
}

fn with_faults(faults: &[Fault]) -> Arc<Session> {
    let session = Arc::new(Session::default());
    session.with(|s| s.faults.extend(faults));
    session
}

async fn upload_stream(session: &Arc<Session>, body: Bytes) -> Result<cloud_core::Object> {
    storage(session)
        .upload(
            "bucket-1",
            "big.bin",
            cloud_core::byte_stream::once(body),
            &UploadOptions::new(),
        )
        .await
}

#[tokio::test]
async fn a_stream_resumes_from_what_the_session_holds_after_a_drop() {
    let body = data(4 * UNIT + 100);
    // Three failures in a row on the second chunk's bytes: a drop just short
    // of a whole unit (nothing persisted), a drop before any byte, a 503.
    let session = with_faults(&[]);
    let faults = [
        Fault::DropAfter(UNIT - 1),
        Fault::DropAfter(0),
        Fault::Unavailable,
    ];
    session.with(|s| s.faults.extend(faults));
    let object = upload_stream(&session, body.clone()).await.unwrap();
    assert_eq!(object.size, body.len() as u64);
    session.with(|s| {
        assert_eq!(s.held, body, "the session holds exactly the body");
        assert!(s.done && !s.cancelled);
        let queries = s.log.iter().filter(|l| *l == "PUT bytes */*").count();
        assert_eq!(queries, 3, "one status query per failure: {:?}", s.log);
    });
}

#[tokio::test]
async fn a_file_goes_on_from_the_offset_the_session_reports() {
    // A file goes as one request; the connection drops after 2 units and a
    // bit, of which the session keeps the 2 units: the file is read again
    // from there.
    let body = data(3 * UNIT + 10);
    let path = std::env::temp_dir().join(format!("gcs-resume-{}.bin", std::process::id()));
    std::fs::write(&path, &body).unwrap();
    let session = with_faults(&[Fault::DropAfter(2 * UNIT + 5)]);
    let object = storage(&session)
        .upload_file(
            "bucket-1",
            "big.bin",
            &path,
            body.len() as u64,
            &UploadOptions::new(),
        )
        .await;
    std::fs::remove_file(&path).ok();
    assert_eq!(object.unwrap().size, body.len() as u64);
    session.with(|s| {
        assert_eq!(s.held, body);
        let resent = format!("PUT bytes {}-{}/{}", 2 * UNIT, body.len() - 1, body.len());
        assert!(s.log.contains(&resent), "resent from 512 KiB: {:?}", s.log);
    });
}

#[tokio::test]
async fn a_permanent_failure_cancels_the_session() {
    let session = with_faults(&[Fault::DropAfter(0), Fault::BadRequest]);
    let err = upload_stream(&session, data(3 * UNIT)).await.unwrap_err();
    assert_eq!(err.status(), Some(400), "{err}");
    session.with(|s| {
        assert!(s.cancelled && !s.done, "{:?}", s.log);
        assert_eq!(s.log.last().unwrap(), "DELETE");
    });
}

#[tokio::test]
async fn endless_drops_give_up_and_cancel() {
    let session = with_faults(&[Fault::DropAfter(0); 20]);
    let err = upload_stream(&session, data(2 * UNIT)).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Transport), "{err}");
    session.with(|s| assert!(s.cancelled && !s.done));
}

#[tokio::test]
async fn a_dropped_upload_is_cancelled_in_the_background() {
    let session = with_faults(&[Fault::DropAfter(UNIT), Fault::Hang]);
    let upload = upload_stream(&session, data(3 * UNIT));
    assert!(
        tokio::time::timeout(Duration::from_millis(300), upload)
            .await
            .is_err()
    );
    for _ in 0..100 {
        if session.with(|s| s.cancelled) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!(
        "no DELETE after the upload was dropped: {:?}",
        session.with(|s| s.log.clone())
    );
}
