//! A file's single PUT (larger than a part, up to the multipart threshold)
//! reads the file once: its CRC32 follows the body as an `aws-chunked`
//! trailer. Checked live on moto and s3s-fs (both decode the framing), and
//! against a small in-test S3 that either refuses the framing or stores it
//! undecoded, where the upload must still end with the file's exact bytes.
#![allow(clippy::unwrap_used)]

use crate::support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use bytes::Bytes;
use cloud_aws::{AwsBuilder, AwsCredentials, Environment, MultipartConfig};
use cloud_core::http::{self as http, Body, ResponseBody, Transport};
use cloud_core::{Storage, UploadOptions, WriteCondition};
use cloud_testkit::data;
use support::Server;

/// Passes requests on, keeping each one's method and headers.
#[derive(Debug)]
struct Watch {
    inner: Arc<dyn Transport>,
    seen: Mutex<Vec<(String, http::HeaderMap)>>,
}

impl Watch {
    fn puts(&self) -> Vec<http::HeaderMap> {
        let seen = self.seen.lock().unwrap();
        seen.iter()
            .filter(|(m, _)| m == "PUT")
            .map(|(_, h)| h.clone())
            .collect()
    }
}

#[async_trait]
impl Transport for Watch {
    async fn send(
        &self,
        request: http::Request<Body>,
    ) -> cloud_core::Result<http::Response<ResponseBody>> {
        self.seen
            .lock()
            .unwrap()
            .push((request.method().to_string(), request.headers().clone()));
        self.inner.send(request).await
    }
}

fn file_of(len: usize) -> (tempfile::TempDir, std::path::PathBuf, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("file.bin");
    let bytes = data::bytes(11, len);
    std::fs::write(&path, &bytes).unwrap();
    (dir, path, bytes.to_vec())
}

async fn live_single_put(server: Server) {
    let watch = Arc::new(Mutex::new(None::<Arc<Watch>>));
    let keep = watch.clone();
    let Some(setup) = support::live_through(
        server,
        move |real| {
            let w = Arc::new(Watch {
                inner: real,
                seen: Mutex::new(Vec::new()),
            });
            *keep.lock().unwrap() = Some(w.clone());
            w
        },
        |b| b,
    ) else {
        return;
    };
    let watch = watch.lock().unwrap().clone().unwrap();
    let storage = Storage::new(setup.aws.s3().unwrap());
    let parts = if server == Server::S3s {
        support::s3s_parts()
    } else {
        support::small_parts()
    };
    // Larger than a part, no larger than the threshold: one PUT of the file.
    let len = (parts.part_size + 4321) as usize;
    let bucket = format!("ct-single-{}", server.name());
    cloud_testkit::conformance::storage::remove_container(&storage, &bucket).await;
    storage.create_container(&bucket).await.unwrap();
    let (_dir, path, bytes) = file_of(len);
    for key in ["first.bin", "second.bin"] {
        let object = storage
            .upload_file(&bucket, key, &path, &UploadOptions::new())
            .await
            .unwrap();
        assert_eq!(object.size, len as u64);
        let back = storage.download_bytes(&bucket, key).await.unwrap();
        assert!(
            back == bytes,
            "{key}: the bytes differ after the round trip"
        );
    }
    let puts = watch.puts();
    let uploads: Vec<_> = puts
        .iter()
        .filter(|h| h.contains_key("x-amz-decoded-content-length"))
        .collect();
    assert_eq!(uploads.len(), 2, "both uploads framed: {puts:?}");
    for headers in uploads {
        assert_eq!(headers["content-encoding"], "aws-chunked");
        assert_eq!(
            headers["x-amz-content-sha256"],
            "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
        );
        assert_eq!(headers["x-amz-trailer"], "x-amz-checksum-crc32");
        assert_eq!(headers["x-amz-decoded-content-length"], len.to_string());
        assert!(!headers.contains_key("x-amz-checksum-crc32"));
    }
    storage.delete_object(&bucket, "first.bin").await.unwrap();
    storage.delete_object(&bucket, "second.bin").await.unwrap();
    storage.delete_container(&bucket).await.unwrap();
}

#[tokio::test]
async fn moto_takes_the_checksum_as_a_trailer() {
    live_single_put(Server::Moto).await;
}

#[tokio::test]
async fn s3s_takes_the_checksum_as_a_trailer() {
    live_single_put(Server::S3s).await;
}

/// How the in-test S3 treats an `aws-chunked` body.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Framing {
    /// Answers 501 NotImplemented.
    Refuse,
    /// Stores the framed bytes as the object (an S3 look-alike that does
    /// not know the encoding).
    StoreUndecoded,
}

/// A one-bucket S3 in memory: PUT stores the body as sent, HEAD and GET
/// answer from what is stored.
#[derive(Debug)]
struct NaiveS3 {
    framing: Framing,
    objects: Mutex<HashMap<String, Bytes>>,
    log: Mutex<Vec<String>>,
}

impl NaiveS3 {
    fn new(framing: Framing) -> Self {
        NaiveS3 {
            framing,
            objects: Mutex::new(HashMap::new()),
            log: Mutex::new(Vec::new()),
        }
    }
}

#[async_trait]
impl Transport for NaiveS3 {
    async fn send(
        &self,
        request: http::Request<Body>,
    ) -> cloud_core::Result<http::Response<ResponseBody>> {
        let path = request.uri().path().to_owned();
        let method = request.method().clone();
        let chunked = request
            .headers()
            .get("content-encoding")
            .is_some_and(|v| v == "aws-chunked");
        let conditional = request.headers().contains_key("if-none-match");
        self.log.lock().unwrap().push(format!(
            "{method} {path}{}{}",
            if chunked { " chunked" } else { "" },
            if conditional { " if-none-match" } else { "" }
        ));
        let body = request.into_body().collect().await?;
        let respond = |status: u16, headers: &[(&str, String)], body: Bytes| {
            let mut b = http::Response::builder().status(status);
            for (k, v) in headers {
                b = b.header(*k, v.as_str());
            }
            Ok(b.body(ResponseBody::from_bytes(body)).unwrap())
        };
        match method.as_str() {
            "PUT" if chunked && self.framing == Framing::Refuse => respond(
                501,
                &[],
                Bytes::from_static(
                    b"<Error><Code>NotImplemented</Code><Message>aws-chunked is not supported</Message></Error>",
                ),
            ),
            "PUT" => {
                self.objects.lock().unwrap().insert(path, body);
                respond(200, &[("etag", "\"x\"".into())], Bytes::new())
            }
            "HEAD" | "GET" => match self.objects.lock().unwrap().get(&path).cloned() {
                Some(data) => {
                    let len = data.len().to_string();
                    let body = if method == "GET" { data } else { Bytes::new() };
                    respond(200, &[("content-length", len), ("etag", "\"x\"".into())], body)
                }
                None => respond(404, &[], Bytes::from_static(b"<Error><Code>NoSuchKey</Code></Error>")),
            },
            _ => respond(400, &[], Bytes::new()),
        }
    }
}

fn naive_storage(s3: Arc<NaiveS3>) -> Storage {
    let aws = AwsBuilder::new()
        .environment(Environment::from_vars(Vec::<(String, String)>::new()))
        .credentials(AwsCredentials::new("AKIDEXAMPLE", "secret"))
        .region("us-east-1")
        .endpoint("http://naive.invalid")
        .multipart(MultipartConfig {
            threshold: 128 * 1024,
            part_size: 64 * 1024,
            concurrency: 1,
        })
        .unwrap()
        .transport(s3)
        .build()
        .unwrap();
    Storage::new(aws.s3().unwrap())
}

async fn upload_twice(framing: Framing) -> Vec<String> {
    let s3 = Arc::new(NaiveS3::new(framing));
    let storage = naive_storage(s3.clone());
    let (_dir, path, bytes) = file_of(100_000);
    for key in ["a.bin", "b.bin"] {
        storage
            .upload_file("bucket", key, &path, &UploadOptions::new())
            .await
            .unwrap();
        let stored = s3.objects.lock().unwrap()[&format!("/bucket/{key}")].clone();
        assert!(stored == bytes, "{key} holds the file's exact bytes");
    }
    s3.log.lock().unwrap().clone()
}

#[tokio::test]
async fn an_endpoint_that_refuses_the_framing_gets_the_checksum_first_from_then_on() {
    let log = upload_twice(Framing::Refuse).await;
    assert_eq!(
        log,
        [
            "PUT /bucket/a.bin chunked",
            "PUT /bucket/a.bin",
            "PUT /bucket/b.bin",
        ]
    );
}

#[tokio::test]
async fn an_endpoint_that_stores_the_framing_is_caught_and_the_file_sent_again() {
    let log = upload_twice(Framing::StoreUndecoded).await;
    assert_eq!(
        log,
        [
            "PUT /bucket/a.bin chunked",
            "HEAD /bucket/a.bin",
            "PUT /bucket/a.bin",
            "PUT /bucket/b.bin",
        ]
    );
}

#[tokio::test]
async fn a_conditional_write_is_not_framed_before_the_endpoint_is_known() {
    let s3 = Arc::new(NaiveS3::new(Framing::StoreUndecoded));
    let storage = naive_storage(s3.clone());
    let (_dir, path, _) = file_of(100_000);
    let create_only = UploadOptions::new().condition(WriteCondition::IfNotExists);
    storage
        .upload_file("bucket", "c.bin", &path, &create_only)
        .await
        .unwrap();
    assert_eq!(*s3.log.lock().unwrap(), ["PUT /bucket/c.bin if-none-match"]);
}
