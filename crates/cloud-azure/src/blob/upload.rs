//! Block blob uploads in bounded memory.
//!
//! - A body of known length up to `single_put_limit` (or a stream that
//!   turns out that short) goes in one Put Blob with its `Content-MD5`,
//!   which the service checks; it can be sent again on a retry.
//! - Anything larger, or of unknown length, is staged as blocks (Put
//!   Block, each with its MD5), `concurrency` at once, then committed with
//!   one Put Block List carrying the content type, metadata and write
//!   condition. A stream's blocks are held in memory until sent (about
//!   `(concurrency + 1) * block_size`); a file's are ranges read when sent.
//!
//! Until the commit the blob does not change: a failed or cancelled upload
//! leaves only uncommitted blocks, which no reader sees and the service
//! discards at the blob's next commit or after a week (it has no call to
//! remove them). Block ids carry a prefix unique to the upload, so two
//! uploads of one blob never commit each other's blocks.

use std::path::Path;

use base64::Engine as _;
use cloud_core::byte_stream::{FileRange, PartReader};
use cloud_core::http::{Body, HttpClient, HttpRequest, Method};
use cloud_core::storage::{PartBody, PartPlan, PartSource, upload_parts};
use cloud_core::{
    ByteStream, Error, ErrorKind, Object, ResourceKind, Result, UploadOptions, Url, WriteCondition,
};
use md5::{Digest, Md5};

use super::{BlobStorage, object_id, parse};
use crate::PROVIDER;
use crate::config::MAX_BLOCKS;
use crate::error::failed_response;

/// Base64 MD5 of a block or a whole small body, for `Content-MD5`.
async fn md5_of(part: &PartBody) -> Result<String> {
    let mut hasher = Md5::new();
    part.digest(|chunk| hasher.update(chunk)).await?;
    Ok(base64::engine::general_purpose::STANDARD.encode(hasher.finalize()))
}

/// The content type, metadata and write condition of the blob being
/// written, as Put Blob and Put Block List both take them.
fn blob_headers(mut request: HttpRequest, options: &UploadOptions) -> Result<HttpRequest> {
    if let Some(ct) = options.content_type_str() {
        request = request.header("x-ms-blob-content-type", ct)?;
    }
    for (k, v) in options.metadata_map() {
        request = request.header(format!("x-ms-meta-{k}").as_str(), v)?;
    }
    match options.condition_value() {
        Some(WriteCondition::IfNotExists) => request = request.header("if-none-match", "*")?,
        Some(WriteCondition::IfMatch(etag)) => {
            request = request.header("if-match", &format!("\"{}\"", etag.trim_matches('"')))?;
        }
        _ => {}
    }
    Ok(request)
}

/// A create-only write refused because the blob exists reads "already
/// exists", whichever status the service chose (409 or 412).
fn condition_error(error: Error, options: &UploadOptions, id: &str) -> Error {
    let refused = matches!(
        error.kind(),
        ErrorKind::PreconditionFailed | ErrorKind::AlreadyExists { .. }
    );
    if refused && matches!(options.condition_value(), Some(WriteCondition::IfNotExists)) {
        let mut e = Error::already_exists(ResourceKind::Object, id).with_provider(PROVIDER);
        if let Some(status) = error.status() {
            e = e.with_status(status);
        }
        if let Some(request) = error.request_id() {
            e = e.with_request_id(request);
        }
        return e;
    }
    error
}

fn written(
    container: &str,
    name: &str,
    size: u64,
    response_etag: Option<&str>,
    options: &UploadOptions,
) -> Object {
    let mut object = Object::new(container, name, size);
    object.etag = response_etag.map(|e| e.trim_matches('"').to_owned());
    object.content_type = options.content_type_str().map(str::to_owned);
    object.metadata = options.metadata_map().clone();
    object
}

pub(crate) async fn upload(
    blob: &BlobStorage,
    container: &str,
    name: &str,
    body: ByteStream,
    options: &UploadOptions,
) -> Result<Object> {
    let config = blob.shared().upload.for_upload(options)?;
    let block_size = usize::try_from(config.block_size).unwrap_or(usize::MAX);
    let mut reader = PartReader::new(body);
    if let Some(len) = options.content_length_value()
        && len <= config.single_put_limit
    {
        let data = reader
            .next_part(usize::try_from(len).unwrap_or(usize::MAX))
            .await?
            .freeze();
        if !reader.at_end().await? {
            return Err(Error::invalid_input(
                "the body is longer than its announced length",
            ));
        }
        return put_blob(blob, container, name, PartBody::Bytes(data), options).await;
    }
    let first = reader.next_part(block_size).await?;
    if reader.at_end().await? && first.len() as u64 <= config.single_put_limit {
        return put_blob(
            blob,
            container,
            name,
            PartBody::Bytes(first.freeze()),
            options,
        )
        .await;
    }
    let len = options.content_length_value();
    let source = PartSource::Stream {
        first,
        reader: &mut reader,
    };
    put_blocks(blob, container, name, source, len, options).await
}

pub(crate) async fn upload_file(
    blob: &BlobStorage,
    container: &str,
    name: &str,
    path: &Path,
    len: u64,
    options: &UploadOptions,
) -> Result<Object> {
    let config = blob.shared().upload.for_upload(options)?;
    if len <= config.single_put_limit {
        let part = PartBody::File(FileRange::new(path, 0, len));
        return put_blob(blob, container, name, part, options).await;
    }
    let source = PartSource::File {
        path: path.into(),
        len,
    };
    put_blocks(blob, container, name, source, Some(len), options).await
}

/// One Put Blob with the body's MD5; retried on transient errors.
async fn put_blob(
    blob: &BlobStorage,
    container: &str,
    name: &str,
    part: PartBody,
    options: &UploadOptions,
) -> Result<Object> {
    let md5 = md5_of(&part).await?;
    let size = part.len();
    let id = object_id(container, name);
    let url = blob.url(Some(container), Some(name), &[]);
    let request = HttpRequest::new(Method::PUT, url)
        .header("x-ms-blob-type", "BlockBlob")?
        .header("content-md5", &md5)?;
    let request = blob_headers(request, options)?.body(part.into_body());
    let response = blob
        .send(request, Some((ResourceKind::Object, &id)))
        .await
        .map_err(|e| condition_error(e, options, &id))?;
    Ok(written(
        container,
        name,
        size,
        response.header_str("etag"),
        options,
    ))
}

/// The id of block `number` of the upload whose token is `token`: unique
/// to the upload, and of one length for every upload (the service refuses
/// a block whose id differs in length from the blob's other uncommitted
/// blocks, such as those a failed upload left).
fn block_id(token: &str, number: u32) -> String {
    let upload: String = Md5::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    base64::engine::general_purpose::STANDARD.encode(format!("{upload}-{number:06}"))
}

/// Stages the blocks of `source`, then commits them.
async fn put_blocks(
    blob: &BlobStorage,
    container: &str,
    name: &str,
    source: PartSource<'_>,
    len: Option<u64>,
    options: &UploadOptions,
) -> Result<Object> {
    let config = blob.shared().upload.for_upload(options)?;
    let block_size = usize::try_from(block_size_for(config.block_size, len)).unwrap_or(usize::MAX);
    let plan = PartPlan::new(block_size, MAX_BLOCKS, config.concurrency, "block");
    let prefix = blob.shared().tokens.next_token();
    let id = object_id(container, name);
    // A stream's blocks pass through memory in order, so the whole blob's
    // MD5 comes free and is stored with it (later downloads are checked
    // against it); a file's blocks are read apart and concurrently.
    let mut whole = matches!(source, PartSource::Stream { .. }).then(Md5::new);
    let blocks = upload_parts(source, &plan, |number, part| {
        if let (Some(hasher), PartBody::Bytes(bytes)) = (whole.as_mut(), &part) {
            hasher.update(bytes);
        }
        let block = block_id(&prefix, number);
        let url = blob.url(
            Some(container),
            Some(name),
            &[("comp", "block"), ("blockid", &block)],
        );
        put_block(blob.shared().http.clone(), url, block, part, id.clone())
    })
    .await
    .inspect_err(|e| {
        tracing::debug!(blob = %id, error = %e, "staging blocks failed; nothing was committed");
    })?;
    let size = blocks.iter().map(|b| b.size).sum();
    let ids: Vec<String> = blocks.into_iter().map(|b| b.value).collect();
    let url = blob.url(Some(container), Some(name), &[("comp", "blocklist")]);
    let mut request =
        HttpRequest::new(Method::PUT, url).header("content-type", "application/xml")?;
    if let Some(hasher) = whole {
        let md5 = base64::engine::general_purpose::STANDARD.encode(hasher.finalize());
        request = request.header("x-ms-blob-content-md5", &md5)?;
    }
    // Committing the same list again stores the same blob: safe to retry.
    let request = blob_headers(request, options)?
        .body(Body::from_bytes(parse::block_list(&ids)))
        .idempotent(true);
    let response = blob
        .send(request, Some((ResourceKind::Object, &id)))
        .await
        .map_err(|e| condition_error(e, options, &id))?;
    Ok(written(
        container,
        name,
        size,
        response.header_str("etag"),
        options,
    ))
}

/// The block size for a body of `len` bytes: the configured one, grown
/// (to whole MiB) when the body would need more blocks than a blob takes.
fn block_size_for(configured: u64, len: Option<u64>) -> u64 {
    const MIB: u64 = 1024 * 1024;
    match len {
        Some(len) if len.div_ceil(configured) > u64::from(MAX_BLOCKS) => {
            len.div_ceil(u64::from(MAX_BLOCKS)).div_ceil(MIB) * MIB
        }
        _ => configured,
    }
}

/// Stages one block with its MD5 (which the service checks).
async fn put_block(
    client: HttpClient,
    url: Url,
    block: String,
    part: PartBody,
    id: String,
) -> Result<String> {
    let md5 = md5_of(&part).await?;
    let request = HttpRequest::new(Method::PUT, url)
        .header("content-md5", &md5)?
        .body(part.into_body());
    let response = client.send(request).await?;
    let (status, headers, body) = response.into_parts();
    if !status.is_success() {
        return Err(
            failed_response(status, &headers, body, Some((ResourceKind::Upload, &id))).await,
        );
    }
    Ok(block)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_grow_for_bodies_that_need_too_many() {
        let mib = 1024 * 1024;
        assert_eq!(block_size_for(4 * mib, Some(100 * mib)), 4 * mib);
        assert_eq!(block_size_for(4 * mib, None), 4 * mib);
        let huge = 500 * 1024 * mib;
        let grown = block_size_for(4 * mib, Some(huge));
        assert_eq!(grown, 11 * mib);
        assert!(huge.div_ceil(grown) <= u64::from(MAX_BLOCKS));
    }

    #[test]
    fn block_ids_have_one_length() {
        let a = block_id("cloud-1f-2a-3", 1);
        let b = block_id("cloud-1f-2a-3ffff", 50_000);
        assert_eq!(a.len(), b.len());
        assert_ne!(a, block_id("cloud-1f-2a-4", 1));
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(&a)
            .unwrap();
        assert!(decoded.ends_with(b"-000001"), "{decoded:?}");
    }
}
