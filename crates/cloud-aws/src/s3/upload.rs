//! S3 uploads in bounded memory.
//!
//! - A body known to fit in one part is buffered and sent with `Content-MD5`
//!   (so S3 checks it, and the PUT can be retried).
//! - A stream of known length up to the multipart threshold goes in one PUT;
//!   its MD5 is computed on the way and compared with the ETag S3 returns.
//!   A file that size is read once per attempt: its CRC32 is computed on
//!   the way and follows the body as an `aws-chunked` trailer, so S3
//!   refuses a body that differs, the PUT can be retried from the file, and
//!   no MD5 is spent. Endpoints that do not take `aws-chunked` get the CRC32
//!   up front instead, the file read twice (see `put_file`).
//! - Anything larger, or of unknown length beyond one part, is a multipart
//!   upload declared with the CRC32 algorithm: parts of `part_size` bytes,
//!   up to `concurrency` in flight on their own tasks, each with its CRC32
//!   (which S3 checks) and an unsigned payload, as the AWS SDKs send them. A
//!   stream's parts are buffered, so peak memory is about
//!   `(concurrency + 1) * part_size`; a file's parts are ranges read when
//!   sent, so memory stays flat. Any failure, and a cancelled upload too,
//!   aborts the multipart upload so no orphaned parts remain.

use std::path::Path;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use bytes::Bytes;
use cloud_core::Url;
use cloud_core::byte_stream::{FileRange, PartReader};
use cloud_core::http::{Body, HttpClient, HttpRequest, Method};
use cloud_core::storage::{PartBody, PartPlan, PartSource, upload_parts};
use cloud_core::{
    ByteStream, Error, ErrorKind, Object, ResourceKind, Result, UploadOptions, WriteCondition,
};
use futures::StreamExt;
use md5::{Digest, Md5};

use super::{S3Storage, Target, TrailerSupport, chunked, encode, parse, text};
use crate::error::{Service, failed_response};

/// S3's limit on parts per upload.
const MAX_PARTS: u32 = 10_000;

/// Base64 MD5, for `Content-MD5`.
pub(crate) fn content_md5(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Md5::digest(data))
}

/// Base64 of a part's or file's big-endian CRC32, for `x-amz-checksum-crc32`.
async fn crc32(part: &PartBody) -> Result<String> {
    let mut hasher = crc32fast::Hasher::new();
    part.digest(|chunk| hasher.update(chunk)).await?;
    Ok(chunked::crc32_base64(hasher.finalize()))
}

fn is_plain_md5(etag: &str) -> bool {
    etag.len() == 32 && etag.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Headers every kind of upload carries: content type and user metadata.
fn object_headers(mut request: HttpRequest, options: &UploadOptions) -> Result<HttpRequest> {
    if let Some(ct) = options.content_type_str() {
        request = request.header("content-type", ct)?;
    }
    for (k, v) in options.metadata_map() {
        request = request.header(format!("x-amz-meta-{k}").as_str(), v)?;
    }
    Ok(request)
}

/// The headers that make a write conditional.
fn condition_headers(mut request: HttpRequest, options: &UploadOptions) -> Result<HttpRequest> {
    match options.condition_value() {
        Some(WriteCondition::IfNotExists) => request = request.header("if-none-match", "*")?,
        Some(WriteCondition::IfMatch(etag)) => {
            request = request.header("if-match", &format!("\"{}\"", etag.trim_matches('"')))?;
        }
        _ => {}
    }
    Ok(request)
}

/// A failed conditional write reads "already exists" when it was create-only.
fn condition_error(error: Error, options: &UploadOptions, bucket: &str, key: &str) -> Error {
    if *error.kind() == ErrorKind::PreconditionFailed
        && matches!(options.condition_value(), Some(WriteCondition::IfNotExists))
    {
        let mut e = Error::already_exists(ResourceKind::Object, format!("{bucket}/{key}"))
            .with_provider(crate::PROVIDER);
        if let Some(id) = error.request_id() {
            e = e.with_request_id(id);
        }
        return e.with_status(412);
    }
    error
}

fn result_object(
    bucket: &str,
    key: &str,
    size: u64,
    etag: Option<String>,
    options: &UploadOptions,
) -> Object {
    let mut object = Object::new(bucket, key, size);
    object.etag = etag;
    object.content_type = options.content_type_str().map(str::to_owned);
    object.metadata = options.metadata_map().clone();
    object
}

pub(crate) async fn upload(
    s3: &S3Storage,
    bucket: &str,
    key: &str,
    body: ByteStream,
    options: &UploadOptions,
) -> Result<Object> {
    let config = s3.shared().multipart.for_upload(options)?;
    let part_size = usize::try_from(config.part_size).unwrap_or(usize::MAX);
    let mut reader = PartReader::new(body);
    match options.content_length_value() {
        Some(len) if len <= config.part_size => {
            let data = reader.next_part(part_size).await?.freeze();
            if !reader.at_end().await? {
                return Err(Error::invalid_input(
                    "the body is longer than its announced length",
                ));
            }
            put_buffered(s3, bucket, key, data, options).await
        }
        Some(len) if len <= config.threshold => {
            put_streamed(s3, bucket, key, reader.into_stream(), len, options).await
        }
        _ => {
            let first = reader.next_part(part_size).await?;
            if reader.at_end().await? {
                put_buffered(s3, bucket, key, first.freeze(), options).await
            } else {
                let source = PartSource::Stream {
                    first,
                    reader: &mut reader,
                };
                multipart(s3, bucket, key, source, options).await
            }
        }
    }
}

/// Uploads `len` bytes of the file at `path`.
pub(crate) async fn upload_file(
    s3: &S3Storage,
    bucket: &str,
    key: &str,
    path: &Path,
    len: u64,
    options: &UploadOptions,
) -> Result<Object> {
    let config = s3.shared().multipart.for_upload(options)?;
    if len <= config.part_size {
        let body = FileRange::new(path, 0, len).stream();
        return upload(s3, bucket, key, body, options).await;
    }
    if len <= config.threshold {
        return put_file(s3, bucket, key, FileRange::new(path, 0, len), options).await;
    }
    let source = PartSource::File {
        path: path.into(),
        len,
    };
    multipart(s3, bucket, key, source, options).await
}

/// One PUT of an in-memory body, with `Content-MD5`; retried on transient errors.
async fn put_buffered(
    s3: &S3Storage,
    bucket: &str,
    key: &str,
    data: Bytes,
    options: &UploadOptions,
) -> Result<Object> {
    let digest = Md5::digest(&data);
    let md5 = base64::engine::general_purpose::STANDARD.encode(digest);
    let md5_hex = hex::encode(digest);
    let target = Target::object(bucket, key);
    let response = s3
        .send(target, |s, region| {
            let request = HttpRequest::new(Method::PUT, s.url(region, target, &[])?)
                .header("content-md5", &md5)?;
            let request = condition_headers(object_headers(request, options)?, options)?;
            Ok(request.body(Body::from_bytes(data.clone())))
        })
        .await
        .map_err(|e| condition_error(e, options, bucket, key))?;
    let etag = response
        .header_str("etag")
        .map(|e| e.trim_matches('"').to_owned());
    if let Some(etag) = &etag
        && is_plain_md5(etag)
        && !etag.eq_ignore_ascii_case(&md5_hex)
    {
        return Err(Error::new(
            ErrorKind::HashMismatch {
                expected: md5_hex,
                actual: etag.clone(),
            },
            format!("S3 stored `{bucket}/{key}` with a different checksum"),
        )
        .with_provider(crate::PROVIDER));
    }
    Ok(result_object(bucket, key, data.len() as u64, etag, options))
}

/// One PUT of a whole file, with its CRC32 so S3 refuses a body that
/// differs; the file is read again for each attempt, so it is retried like
/// a buffered PUT.
///
/// Where the endpoint accepts `aws-chunked` bodies, the CRC32 is computed
/// on the way and sent as a trailer, so the file is read once. Until an
/// endpoint has shown it decodes them (it echoes the checksum, or the
/// stored object has the file's length), the first such PUT is checked
/// with a HEAD; an endpoint that refuses the framing, or stored it as data,
/// gets the CRC32 up front from then on (the file read twice), and the
/// upload is done again that way. A conditional write is not repeated
/// blind, so it uses the trailer only where it is known to work.
async fn put_file(
    s3: &S3Storage,
    bucket: &str,
    key: &str,
    file: FileRange,
    options: &UploadOptions,
) -> Result<Object> {
    let support = s3.trailer_support();
    let conditional = options.condition_value().is_some();
    if support == TrailerSupport::No || (conditional && support == TrailerSupport::Unknown) {
        return put_file_checksum_first(s3, bucket, key, file, options).await;
    }
    match send_file(s3, bucket, key, &file, &Checksum::Trailer, options).await {
        Ok(object) => {
            s3.set_trailer_support(TrailerSupport::Yes);
            Ok(object)
        }
        Err(e) if support == TrailerSupport::Unknown && refuses_framing(&e) => {
            // Refused, or stored undecoded (then overwritten now): never
            // leave the framing under the name.
            tracing::debug!(error = %e, "the S3 endpoint does not decode aws-chunked bodies; sending the CRC32 first");
            s3.set_trailer_support(TrailerSupport::No);
            put_file_checksum_first(s3, bucket, key, file, options).await
        }
        Err(e) => Err(e),
    }
}

/// Whether an error is an endpoint's refusal of the `aws-chunked` framing
/// itself (an unknown encoding or payload kind), not of the upload.
fn refuses_framing(error: &Error) -> bool {
    error.kind() == &ErrorKind::MalformedResponse
        || matches!(
            error.kind(),
            ErrorKind::Unsupported { .. } | ErrorKind::InvalidInput | ErrorKind::Provider
        ) && error.status().is_some_and(|s| matches!(s, 400 | 411 | 501))
}

/// How a file's single PUT carries its CRC32.
enum Checksum {
    /// Computed on the way, sent as an `aws-chunked` trailer.
    Trailer,
    /// Computed before, sent as a header (base64).
    First(String),
}

/// One PUT of the whole file, retried from the file.
async fn send_file(
    s3: &S3Storage,
    bucket: &str,
    key: &str,
    file: &FileRange,
    checksum: &Checksum,
    options: &UploadOptions,
) -> Result<Object> {
    let len = file.len();
    let target = Target::object(bucket, key);
    let response = s3
        .send(target, |s, region| {
            let request = HttpRequest::new(Method::PUT, s.url(region, target, &[])?);
            let (request, body) = match checksum {
                Checksum::Trailer => {
                    let request = request
                        .header("content-encoding", "aws-chunked")?
                        .header("x-amz-content-sha256", crate::signer::UNSIGNED_TRAILER)?
                        .header("x-amz-decoded-content-length", &len.to_string())?
                        .header("x-amz-trailer", chunked::TRAILER)?
                        .header("x-amz-sdk-checksum-algorithm", "CRC32")?;
                    let range = file.clone();
                    let body = Body::from_reopenable(
                        move || chunked::encode(range.stream()),
                        chunked::encoded_len(len),
                    );
                    (request, body)
                }
                Checksum::First(crc) => (
                    request.header("x-amz-checksum-crc32", crc)?,
                    PartBody::File(file.clone()).into_body(),
                ),
            };
            let request = condition_headers(object_headers(request, options)?, options)?;
            Ok(request.body(body))
        })
        .await
        .map_err(|e| condition_error(e, options, bucket, key))?;
    if matches!(checksum, Checksum::Trailer)
        && s3.trailer_support() == TrailerSupport::Unknown
        && response.header_str(chunked::TRAILER).is_none()
        && stored_len(s3, bucket, key).await? != Some(len)
    {
        return Err(Error::new(
            ErrorKind::MalformedResponse,
            format!("S3 stored `{bucket}/{key}` without decoding its aws-chunked body"),
        )
        .with_provider(crate::PROVIDER));
    }
    let etag = response
        .header_str("etag")
        .map(|e| e.trim_matches('"').to_owned());
    Ok(result_object(bucket, key, len, etag, options))
}

/// The stored length of an object, from a HEAD.
async fn stored_len(s3: &S3Storage, bucket: &str, key: &str) -> Result<Option<u64>> {
    let target = Target::object(bucket, key);
    let response = s3
        .send(target, |s, region| {
            Ok(HttpRequest::new(Method::HEAD, s.url(region, target, &[])?))
        })
        .await?;
    Ok(response
        .header_str("content-length")
        .and_then(|v| v.parse().ok()))
}

/// The single PUT with the file's CRC32 computed first: the file is read
/// twice, for endpoints that do not take `aws-chunked` bodies.
async fn put_file_checksum_first(
    s3: &S3Storage,
    bucket: &str,
    key: &str,
    file: FileRange,
    options: &UploadOptions,
) -> Result<Object> {
    let checksum = crc32(&PartBody::File(file.clone())).await?;
    send_file(s3, bucket, key, &file, &Checksum::First(checksum), options).await
}

/// One streamed PUT of a body of known length, hashed on the way.
async fn put_streamed(
    s3: &S3Storage,
    bucket: &str,
    key: &str,
    body: ByteStream,
    len: u64,
    options: &UploadOptions,
) -> Result<Object> {
    let region = s3.locate(bucket).await?;
    let hasher = Arc::new(Mutex::new(Md5::new()));
    let tap = hasher.clone();
    let body = body
        .map(move |chunk| {
            if let Ok(c) = &chunk {
                tap.lock().unwrap_or_else(|p| p.into_inner()).update(c);
            }
            chunk
        })
        .boxed();
    let target = Target::object(bucket, key);
    let url = s3.url(&region, target, &[])?;
    let request = condition_headers(
        object_headers(HttpRequest::new(Method::PUT, url), options)?,
        options,
    )?
    .body(Body::from_stream(body, Some(len)));
    let response = s3.client(&region)?.send(request).await?;
    let (status, headers, response_body) = response.into_parts();
    if !status.is_success() {
        let id = format!("{bucket}/{key}");
        let resource = Some((ResourceKind::Object, id.as_str()));
        let error = failed_response(Service::S3, status, &headers, response_body, resource).await;
        return Err(condition_error(error, options, bucket, key));
    }
    let etag = headers
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .map(|e| e.trim_matches('"').to_owned());
    let md5_hex = hex::encode(
        std::mem::take(&mut *hasher.lock().unwrap_or_else(|p| p.into_inner())).finalize(),
    );
    if let Some(etag) = &etag
        && is_plain_md5(etag)
        && !etag.eq_ignore_ascii_case(&md5_hex)
    {
        // The stored object is not what was sent: remove it rather than
        // leave corrupt data under the name.
        let _ = cloud_core::StorageDriver::delete_object(s3, bucket, key).await;
        return Err(Error::new(
            ErrorKind::HashMismatch {
                expected: md5_hex,
                actual: etag.clone(),
            },
            format!("S3 stored `{bucket}/{key}` with a different checksum; the object was removed"),
        )
        .with_provider(crate::PROVIDER));
    }
    Ok(result_object(bucket, key, len, etag, options))
}

/// Aborts the upload if dropped before [`disarm`](Self::disarm): a cancelled
/// upload must not leave parts behind either.
struct AbortOnDrop {
    s3: S3Storage,
    bucket: String,
    key: String,
    upload_id: String,
    armed: bool,
}

impl AbortOnDrop {
    fn disarm(&mut self) {
        self.armed = false;
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let (s3, bucket, key, id) = (
            self.s3.clone(),
            self.bucket.clone(),
            self.key.clone(),
            self.upload_id.clone(),
        );
        cloud_core::cleanup::spawn("aborting a cancelled multipart upload", async move {
            if let Err(e) = abort(&s3, &bucket, &key, &id).await {
                tracing::warn!(bucket, key, upload_id = id, error = %e, "could not abort a cancelled multipart upload");
            }
        });
    }
}

async fn multipart(
    s3: &S3Storage,
    bucket: &str,
    key: &str,
    source: PartSource<'_>,
    options: &UploadOptions,
) -> Result<Object> {
    let region = s3.locate(bucket).await?;
    let client = s3.client(&region)?;
    let target = Target::object(bucket, key);
    let response = s3
        .send(target, |s, r| {
            let request = HttpRequest::new(
                Method::POST,
                s.url(r, target, &[("uploads", String::new())])?,
            )
            .header("x-amz-checksum-algorithm", "CRC32")?;
            object_headers(request, options)
        })
        .await?;
    let upload_id = parse::upload_id(&text(response).await?)?;
    let mut guard = AbortOnDrop {
        s3: s3.clone(),
        bucket: bucket.to_owned(),
        key: key.to_owned(),
        upload_id: upload_id.clone(),
        armed: true,
    };
    let result = send_parts(
        s3, &client, &region, bucket, key, &upload_id, source, options,
    )
    .await;
    guard.disarm();
    match result {
        Ok(object) => Ok(object),
        Err(error) => {
            if let Err(abort_error) = abort(s3, bucket, key, &upload_id).await {
                tracing::warn!(bucket, key, upload_id, error = %abort_error, "could not abort a failed multipart upload");
                let message = format!(
                    "{} (and the multipart upload {upload_id} could not be aborted: {abort_error})",
                    error.message()
                );
                return Err(error.with_message(message));
            }
            Err(error)
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn send_parts(
    s3: &S3Storage,
    client: &HttpClient,
    region: &str,
    bucket: &str,
    key: &str,
    upload_id: &str,
    source: PartSource<'_>,
    options: &UploadOptions,
) -> Result<Object> {
    let config = s3.shared().multipart.for_upload(options)?;
    let part_size = usize::try_from(config.part_size).unwrap_or(usize::MAX);
    let plan = PartPlan::new(part_size, MAX_PARTS, config.concurrency, "part");
    let target = Target::object(bucket, key);
    let parts = upload_parts(source, &plan, |number, part| {
        let url = s3.url(
            region,
            target,
            &[
                ("partNumber", number.to_string()),
                ("uploadId", encode(upload_id)),
            ],
        );
        upload_part(
            client.clone(),
            url,
            number,
            part,
            bucket.to_owned(),
            key.to_owned(),
        )
    })
    .await?;
    let total = parts.iter().map(|p| p.size).sum();
    let done: Vec<(u32, SentChecks)> = parts.into_iter().map(|p| (p.number, p.value)).collect();
    complete(s3, bucket, key, upload_id, &done, total, options).await
}

/// What S3 returned for a part, and the checksum it was sent with: both go
/// into the completion request.
struct SentChecks {
    etag: String,
    crc32: String,
}

/// Sends one part with its CRC32. The payload is unsigned (`UNSIGNED-PAYLOAD`,
/// as the AWS SDKs send parts): the CRC32 is what S3 checks the bytes
/// against, and hashing each part again for the signature would double the
/// CPU an upload costs.
async fn upload_part(
    client: HttpClient,
    url: Result<Url>,
    number: u32,
    part: PartBody,
    bucket: String,
    key: String,
) -> Result<SentChecks> {
    let crc32 = crc32(&part).await?;
    let len = part.len();
    let body = Body::from_reopenable(move || part.stream(), len);
    let request = HttpRequest::new(Method::PUT, url?)
        .header("x-amz-checksum-crc32", &crc32)?
        .body(body);
    let response = client.send(request).await?;
    let (status, headers, body) = response.into_parts();
    if !status.is_success() {
        let id = format!("{bucket}/{key}");
        let resource = Some((ResourceKind::Upload, id.as_str()));
        return Err(failed_response(Service::S3, status, &headers, body, resource).await);
    }
    let etag = headers
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            Error::malformed(crate::PROVIDER, format!("S3 gave part {number} no ETag"))
        })?;
    Ok(SentChecks {
        etag: etag.to_owned(),
        crc32,
    })
}

async fn complete(
    s3: &S3Storage,
    bucket: &str,
    key: &str,
    upload_id: &str,
    parts: &[(u32, SentChecks)],
    total: u64,
    options: &UploadOptions,
) -> Result<Object> {
    let mut xml =
        String::from("<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">");
    for (number, sent) in parts {
        xml.push_str(&format!(
            "<Part><PartNumber>{number}</PartNumber><ETag>{}</ETag>\
             <ChecksumCRC32>{}</ChecksumCRC32></Part>",
            crate::xml::escape(&sent.etag),
            sent.crc32
        ));
    }
    xml.push_str("</CompleteMultipartUpload>");
    let target = Target::object(bucket, key);
    let response = s3
        .send(target, |s, region| {
            let url = s.url(region, target, &[("uploadId", encode(upload_id))])?;
            let request =
                HttpRequest::new(Method::POST, url).header("content-type", "application/xml")?;
            Ok(condition_headers(request, options)?
                .body(Body::from_bytes(xml.clone()))
                .idempotent(true))
        })
        .await
        .map_err(|e| condition_error(e, options, bucket, key))?;
    let body = text(response).await?;
    if let Some((code, message)) = parse::embedded_error(&body) {
        return Err(Error::new(
            ErrorKind::Provider,
            format!("S3: completing the upload failed: {message}"),
        )
        .with_provider(crate::PROVIDER)
        .with_code(code));
    }
    let etag = parse::result_etag(&body)?;
    Ok(result_object(bucket, key, total, Some(etag), options))
}

/// Aborts a multipart upload; one already gone counts as aborted.
pub(crate) async fn abort(s3: &S3Storage, bucket: &str, key: &str, upload_id: &str) -> Result<()> {
    let target = Target::object(bucket, key);
    let result = s3
        .send(target, |s, region| {
            Ok(HttpRequest::new(
                Method::DELETE,
                s.url(region, target, &[("uploadId", encode(upload_id))])?,
            ))
        })
        .await;
    match result {
        Ok(_) => Ok(()),
        Err(e) if e.code() == Some("NoSuchUpload") => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_headers() {
        assert_eq!(content_md5(b""), "1B2M2Y8AsgTpgAmY7PhCfg==");
        assert!(is_plain_md5("d41d8cd98f00b204e9800998ecf8427e"));
        assert!(!is_plain_md5("d41d8cd98f00b204e9800998ecf8427e-2"));
    }
}
