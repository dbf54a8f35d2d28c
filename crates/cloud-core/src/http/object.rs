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

/// The start of a `Content-Range` whose end precedes its start.
fn empty_span_start(header: &str) -> Option<u64> {
    let span = header.trim().strip_prefix("bytes ")?.split('/').next()?;
    let (start, end) = span.split_once('-')?;
    let (start, end): (u64, u64) = (start.trim().parse().ok()?, end.trim().parse().ok()?);
    (end < start).then_some(start)
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
    if let Some(start) = empty_span_start(header) {
        // `bytes 1000-999/1000`: a server (Azurite) saying the range holds
        // nothing instead of answering 416.
        return Err(Error::new(
            crate::ErrorKind::RangeNotSatisfiable,
            format!("{service} has no bytes from offset {start}"),
        )
        .with_provider(provider));
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::ResponseBody;
    use http::HeaderMap;

    #[test]
    fn an_empty_content_range_is_an_unsatisfiable_range() {
        let mut headers = HeaderMap::new();
        headers.insert("content-length", "0".parse().unwrap());
        headers.insert("content-range", "bytes 1000-999/1000".parse().unwrap());
        let response =
            HttpResponse::new(StatusCode::PARTIAL_CONTENT, headers, ResponseBody::empty());
        let err = download_span(&response, "p", "S").unwrap_err();
        assert_eq!(err.kind(), &crate::ErrorKind::RangeNotSatisfiable);
        assert_eq!(empty_span_start("bytes 0-9/10"), None);
    }
}
