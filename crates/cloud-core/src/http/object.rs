//! What every HTTP object store (S3, Swift, and the ones to come) does the
//! same way with a download: send the range and `If-Match` the caller asked
//! for, and read which bytes of how large an object came back.

use std::ops::Range;

use super::message::{HttpRequest, HttpResponse};
use crate::error::{Error, Result};
use crate::storage::DownloadOptions;
use http::StatusCode;

/// Adds `Range` and `If-Match` (quoted) for `options` to a GET.
pub fn with_download_options(
    mut request: HttpRequest,
    options: &DownloadOptions,
) -> Result<HttpRequest> {
    if let Some(range) = options.range_value() {
        request = request.header("range", &range.to_http_header())?;
    }
    if let Some(etag) = options.if_match_value() {
        request = request.header("if-match", &format!("\"{}\"", etag.trim_matches('"')))?;
    }
    Ok(request)
}

/// The response's `Content-Length`; `service` (`S3`, `Swift`) names who
/// left it out.
pub fn content_length(response: &HttpResponse, provider: &str, service: &str) -> Result<u64> {
    response
        .header_str("content-length")
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| {
            Error::malformed(
                provider,
                format!("{service} answered without a Content-Length"),
            )
        })
}

/// Which bytes a download response carries and the object's whole size:
/// the `Content-Range` of a 206, else everything. A range that disagrees
/// with the body's length is a malformed response, not a short read.
pub fn download_span(
    response: &HttpResponse,
    provider: &str,
    service: &str,
) -> Result<(Range<u64>, u64)> {
    let length = content_length(response, provider, service)?;
    if response.status() != StatusCode::PARTIAL_CONTENT {
        return Ok((0..length, length));
    }
    let header = response.header_str("content-range").unwrap_or_default();
    let (range, size) = super::content_range(header).ok_or_else(|| {
        Error::malformed(
            provider,
            format!("{service} sent an invalid Content-Range `{header}`"),
        )
    })?;
    if range.end - range.start != length {
        return Err(Error::malformed(
            provider,
            format!("{service}'s Content-Range and Content-Length disagree"),
        ));
    }
    Ok((range, size))
}
