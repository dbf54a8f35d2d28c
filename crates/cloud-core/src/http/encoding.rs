//! Percent-encoding of URL parts, in one place: S3's SigV4 and Swift's
//! paths both want RFC 3986's unreserved characters kept and every other
//! byte encoded, and two copies of that set would drift.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`) stay.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes one path segment or query value, keeping only RFC 3986's
/// unreserved characters (what SigV4 signs, and safe in any URL part).
///
/// ```
/// assert_eq!(cloud_core::http::encode_component("a b/ü~"), "a%20b%2F%C3%BC~");
/// ```
pub fn encode_component(text: &str) -> String {
    utf8_percent_encode(text, UNRESERVED).to_string()
}
