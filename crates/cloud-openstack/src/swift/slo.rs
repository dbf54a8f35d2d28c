//! Static Large Objects: a large body goes up as segments (each checked
//! against its MD5, several in flight on their own tasks), then a manifest that
//! names them — last, so the object appears only when it is whole.
//!
//! Segments live in `<container>_segments` (the convention of the Swift
//! command-line client) under `<name>/slo/<unique>/<n>`. If anything fails,
//! or the upload is cancelled, the segments already written are deleted.
//! (The caller deletes a replaced manifest's segments, whatever replaced it.)
//! Peak memory is about `(concurrency + 1) * segment_size` for a stream; a
//! file's segments are ranges read when sent, hashed on the way.

use cloud_core::http::rest::About;
use cloud_core::http::{Body, HttpRequest, Method};
use cloud_core::storage::{PartBody, PartPlan, PartSource, upload_parts};
use cloud_core::{Object, ResourceKind, Result, UploadOptions};
use md5::{Digest, Md5};
use serde_json::json;

use super::SwiftStorage;
use super::checksum::{SentMd5, check_stored};

/// Swift refuses manifests of more segments than this by default.
const MAX_SEGMENTS: u32 = 1000;

/// The container that holds `container`'s segments.
pub(crate) fn segment_container(container: &str) -> String {
    format!("{container}_segments")
}

/// Deletes uploaded segments if dropped before [`disarm`](Self::disarm).
struct CleanupOnDrop {
    swift: SwiftStorage,
    paths: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    armed: bool,
}

impl Drop for CleanupOnDrop {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let paths = std::mem::take(&mut *self.paths.lock().unwrap_or_else(|p| p.into_inner()));
        if paths.is_empty() {
            return;
        }
        let swift = self.swift.clone();
        cloud_core::cleanup::spawn("deleting a cancelled upload's segments", async move {
            if let Err(e) = swift.delete_paths(&paths).await {
                tracing::warn!(error = %e, "could not delete the segments of a cancelled upload");
            }
        });
    }
}

pub(crate) async fn upload(
    swift: &SwiftStorage,
    container: &str,
    name: &str,
    source: PartSource<'_>,
    options: &UploadOptions,
) -> Result<Object> {
    let seg_container = segment_container(container);
    // The segment container may exist already: 201 and 202 both do.
    let url = swift.url(Some(&seg_container), None, &[]).await?;
    swift
        .send(
            HttpRequest::new(Method::PUT, url),
            Some(About::reading(ResourceKind::Container, &seg_container)),
        )
        .await?;
    let written = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut guard = CleanupOnDrop {
        swift: swift.clone(),
        paths: written.clone(),
        armed: true,
    };
    let result = upload_segments(
        swift,
        container,
        name,
        &seg_container,
        source,
        options,
        &written,
    )
    .await;
    guard.armed = false;
    match result {
        Ok(object) => Ok(object),
        Err(error) => {
            let paths = std::mem::take(&mut *written.lock().unwrap_or_else(|p| p.into_inner()));
            if let Err(cleanup) = swift.delete_paths(&paths).await {
                let message = format!(
                    "{} (and {} segments could not be deleted: {cleanup})",
                    error.message(),
                    paths.len()
                );
                return Err(error.with_message(message));
            }
            Err(error)
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn upload_segments(
    swift: &SwiftStorage,
    container: &str,
    name: &str,
    seg_container: &str,
    source: PartSource<'_>,
    options: &UploadOptions,
    written: &std::sync::Arc<std::sync::Mutex<Vec<String>>>,
) -> Result<Object> {
    let config = swift.shared.slo.for_upload(options)?;
    let segment_size = usize::try_from(config.segment_size).unwrap_or(usize::MAX);
    let plan = PartPlan::new(segment_size, MAX_SEGMENTS, config.concurrency, "segment");
    let prefix = format!("{name}/slo/{}", swift.shared.tokens.next_token());
    let segments = upload_parts(source, &plan, |number, part| {
        let seg_name = format!("{prefix}/{number:08}");
        written
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(format!("/{seg_container}/{seg_name}"));
        put_segment(swift.clone(), seg_container.to_owned(), seg_name, part)
    })
    .await?;
    let total: u64 = segments.iter().map(|s| s.size).sum();
    let manifest: Vec<serde_json::Value> = segments
        .iter()
        .map(|s| {
            json!({
                "path": format!("/{seg_container}/{prefix}/{:08}", s.number),
                "etag": s.value,
                "size_bytes": s.size,
            })
        })
        .collect();
    let url = swift
        .url(
            Some(container),
            Some(name),
            &[("multipart-manifest", "put")],
        )
        .await?;
    let request = SwiftStorage::object_headers(HttpRequest::new(Method::PUT, url), options)?.body(
        Body::from_bytes(serde_json::Value::Array(manifest).to_string()),
    );
    let response = swift
        .send(
            request,
            Some(About::reading(ResourceKind::Container, container)),
        )
        .await
        .map_err(|e| SwiftStorage::condition_error(e, options, container, name))?;
    let mut object = Object::new(container, name, total);
    object.etag = response
        .header_str("etag")
        .map(|e| e.trim_matches('"').to_owned());
    object.content_type = options.content_type_str().map(str::to_owned);
    object.metadata = options.metadata_map().clone();
    object
        .extra
        .insert("static_large_object".into(), true.into());
    object
        .extra
        .insert("segments".into(), segments.len().into());
    Ok(object)
}

/// Sends one segment and returns its MD5, checked by Swift either way: a
/// segment in memory carries its MD5 as ETag, which Swift verifies before
/// storing; a range of a file is hashed as it is sent (one read, not two)
/// and the ETag Swift answers with, the MD5 of what it stored, must match.
async fn put_segment(
    swift: SwiftStorage,
    seg_container: String,
    seg_name: String,
    part: PartBody,
) -> Result<String> {
    let url = swift
        .url(Some(&seg_container), Some(&seg_name), &[])
        .await?;
    let range = match part {
        PartBody::File(range) => range,
        part => {
            let mut hasher = Md5::new();
            part.digest(|chunk| hasher.update(chunk)).await?;
            let md5 = hex::encode(hasher.finalize());
            let request = HttpRequest::new(Method::PUT, url)
                .header("etag", &md5)?
                .body(part.into_body());
            swift.send(request, None).await?;
            return Ok(md5);
        }
    };
    let sent = SentMd5::default();
    let tap = sent.clone();
    let len = range.len();
    // Each attempt reads the range afresh, and the tap hashes it afresh.
    let body = Body::from_reopenable(move || tap.tap(range.stream()), len);
    let request = HttpRequest::new(Method::PUT, url).body(body);
    let response = swift.send(request, None).await?;
    let md5 = sent.hex();
    check_stored(
        &response,
        &md5,
        &format!("segment `{seg_container}/{seg_name}`"),
    )?;
    Ok(md5)
}
