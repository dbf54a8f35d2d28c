//! The on-disk form of recorded HTTP exchanges, and how secrets are scrubbed
//! from them.
//!
//! One JSON file per test case under `fixtures/<provider>/<api>/<case>.json`.
//! Requests keep method, path, query and the headers that change behaviour;
//! credentials, signatures and volatile headers never reach the file: known
//! header and query names are replaced, and every literal secret the
//! recorder was given is replaced wherever it appears.

use std::collections::BTreeMap;
use std::path::Path;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

/// What replaces a scrubbed value.
pub const REDACTED: &str = "[redacted]";

/// A recorded file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Cassette {
    /// Where the exchanges came from (server name and version, or a note
    /// that they were written by hand from the API reference).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
    /// The exchanges, in the order they happened.
    pub interactions: Vec<Interaction>,
}

/// One request and its response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interaction {
    /// The request.
    pub request: RecordedRequest,
    /// The response.
    pub response: RecordedResponse,
}

/// A request as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedRequest {
    /// `GET`, `PUT`...
    pub method: String,
    /// Path and query, without scheme and host (ports differ between runs).
    pub uri: String,
    /// Headers that matter for matching, lowercase names.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// The body.
    #[serde(default, skip_serializing_if = "RecordedBody::is_empty")]
    pub body: RecordedBody,
}

/// A response as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedResponse {
    /// The status code.
    pub status: u16,
    /// Headers, lowercase names.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// The body.
    #[serde(default, skip_serializing_if = "RecordedBody::is_empty")]
    pub body: RecordedBody,
}

/// A body: text when it is UTF-8, base64 otherwise.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordedBody {
    /// No body.
    #[default]
    Empty,
    /// A UTF-8 body.
    Text(String),
    /// A binary body.
    Base64(String),
}

impl RecordedBody {
    /// Encodes `bytes`.
    pub fn from_bytes(bytes: &[u8]) -> Self {
        if bytes.is_empty() {
            RecordedBody::Empty
        } else {
            match std::str::from_utf8(bytes) {
                Ok(text) => RecordedBody::Text(text.to_owned()),
                Err(_) => {
                    RecordedBody::Base64(base64::engine::general_purpose::STANDARD.encode(bytes))
                }
            }
        }
    }

    /// Decodes the body.
    pub fn to_bytes(&self) -> Result<Vec<u8>, String> {
        match self {
            RecordedBody::Empty => Ok(Vec::new()),
            RecordedBody::Text(t) => Ok(t.as_bytes().to_vec()),
            RecordedBody::Base64(b) => base64::engine::general_purpose::STANDARD
                .decode(b)
                .map_err(|e| format!("invalid base64 body: {e}")),
        }
    }

    /// Whether there is no body.
    pub fn is_empty(&self) -> bool {
        matches!(self, RecordedBody::Empty)
    }
}

/// Cassettes larger than this are stored gzip-compressed (`.json.gz`).
pub const COMPRESS_ABOVE: usize = 256 * 1024;

impl Cassette {
    /// Reads a cassette from `path`, or from `path` + `.gz` when only the
    /// compressed form exists.
    pub fn load(path: &Path) -> Result<Self, String> {
        let gz = gz_path(path);
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && gz.exists() => {
                let file = std::fs::File::open(&gz)
                    .map_err(|e| format!("cannot read fixture {}: {e}", gz.display()))?;
                let mut text = String::new();
                std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(file), &mut text)
                    .map_err(|e| format!("cannot decompress fixture {}: {e}", gz.display()))?;
                text
            }
            Err(e) => return Err(format!("cannot read fixture {}: {e}", path.display())),
        };
        serde_json::from_str(&text).map_err(|e| format!("invalid fixture {}: {e}", path.display()))
    }

    /// Writes the cassette, creating parent folders; large ones go to
    /// `path` + `.gz`, and whichever form is not written is removed.
    pub fn save(&self, path: &Path) -> Result<(), String> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        let mut text = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
        text.push('\n');
        let gz = gz_path(path);
        let (written, stale) = if text.len() > COMPRESS_ABOVE {
            let file = std::fs::File::create(&gz)
                .map_err(|e| format!("cannot write {}: {e}", gz.display()))?;
            let mut encoder = flate2::write::GzEncoder::new(file, flate2::Compression::best());
            std::io::Write::write_all(&mut encoder, text.as_bytes())
                .and_then(|()| encoder.finish().map(drop))
                .map_err(|e| format!("cannot write {}: {e}", gz.display()))?;
            (gz, path.to_path_buf())
        } else {
            std::fs::write(path, text)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            (path.to_path_buf(), gz)
        };
        let _ = std::fs::remove_file(stale);
        debug_assert!(written.exists());
        Ok(())
    }
}

fn gz_path(path: &Path) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".gz");
    std::path::PathBuf::from(name)
}

/// Decides what is kept, matched and hidden.
#[derive(Debug, Clone)]
pub struct Scrubber {
    secrets: Vec<String>,
    redact_headers: Vec<String>,
    drop_headers: Vec<String>,
    redact_query: Vec<String>,
    redact_json: Vec<String>,
    pin_json: Vec<(String, String)>,
    match_headers: Vec<String>,
}

impl Default for Scrubber {
    fn default() -> Self {
        let owned = |list: &[&str]| list.iter().map(|s| s.to_string()).collect();
        Scrubber {
            secrets: Vec::new(),
            redact_headers: owned(&[
                "authorization",
                "proxy-authorization",
                "x-amz-security-token",
                "x-auth-token",
                "x-subject-token",
                "x-storage-token",
                "x-auth-key",
                "x-auth-user",
                "cookie",
                "set-cookie",
            ]),
            drop_headers: owned(&[
                "date",
                "user-agent",
                "x-amz-date",
                "x-amz-content-sha256",
                "amz-sdk-invocation-id",
                "amz-sdk-request",
                "connection",
                "keep-alive",
                "host",
            ]),
            redact_query: owned(&[
                "x-amz-signature",
                "x-amz-credential",
                "x-amz-security-token",
                "x-amz-date",
                "signature",
                "awsaccesskeyid",
                "temp_url_sig",
                "temp_url_expires",
                "x-goog-signature",
                "x-goog-credential",
                "x-goog-date",
            ]),
            // Tokens that identity services return in a JSON body, and
            // every credential a login request carries in one.
            redact_json: owned(&[
                "/access/token/id",
                "/auth/identity/password/user/password",
                "/auth/identity/application_credential/secret",
                "/auth/identity/token/id",
                "/auth/passwordCredentials/password",
                "/auth/RAX-KSKEY:apiKeyCredentials/apiKey",
                "/auth/token/id",
            ]),
            // Token expiry times, pinned far ahead so a replay never finds
            // its recorded token expired and asks to log in again.
            pin_json: [
                ("/token/expires_at", "2999-12-31T00:00:00.000000Z"),
                ("/access/token/expires", "2999-12-31T00:00:00.000Z"),
            ]
            .iter()
            .map(|(p, v)| (p.to_string(), v.to_string()))
            .collect(),
            match_headers: owned(&[
                "content-type",
                "range",
                "if-match",
                "if-none-match",
                "x-amz-meta-",
                "x-amz-copy-source",
                "x-amz-metadata-directive",
                "x-object-meta-",
                "x-copy-from",
                "destination",
                "content-md5",
                "x-openstack-nova-api-version",
            ]),
        }
    }
}

impl Scrubber {
    /// The default rules.
    pub fn new() -> Self {
        Self::default()
    }

    /// Also replaces this literal value wherever it appears.
    #[must_use]
    pub fn secret(mut self, value: impl Into<String>) -> Self {
        let value = value.into();
        if !value.is_empty() {
            self.secrets.push(value);
        }
        self
    }

    /// Also matches requests on this header (or header-name prefix ending in `-`).
    #[must_use]
    pub fn match_header(mut self, name: impl Into<String>) -> Self {
        self.match_headers.push(name.into().to_ascii_lowercase());
        self
    }

    /// Replaces every literal secret in `text`.
    pub fn scrub_text(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in &self.secrets {
            out = out.replace(secret.as_str(), REDACTED);
        }
        out
    }

    /// The path and query of `uri` with signature parameters redacted.
    pub fn scrub_uri(&self, path: &str, query: Option<&str>) -> String {
        let Some(query) = query.filter(|q| !q.is_empty()) else {
            return self.scrub_text(path);
        };
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| {
                let (k, _) = pair.split_once('=').unwrap_or((pair, ""));
                if self.redact_query.iter().any(|r| r.eq_ignore_ascii_case(k)) {
                    format!("{k}={REDACTED}")
                } else {
                    pair.to_owned()
                }
            })
            .collect();
        self.scrub_text(&format!("{path}?{}", pairs.join("&")))
    }

    /// The headers to record: volatile ones dropped, credentials redacted.
    pub fn scrub_headers(&self, headers: &http::HeaderMap) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for (name, value) in headers {
            let name = name.as_str().to_ascii_lowercase();
            if self.drop_headers.contains(&name) {
                continue;
            }
            let value = if self.redact_headers.contains(&name) {
                REDACTED.to_owned()
            } else {
                self.scrub_text(&String::from_utf8_lossy(value.as_bytes()))
            };
            out.entry(name)
                .and_modify(|v: &mut String| {
                    v.push_str(", ");
                    v.push_str(&value);
                })
                .or_insert(value);
        }
        out
    }

    /// Only the headers requests are matched on.
    pub fn matching_headers(&self, headers: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        headers
            .iter()
            .filter(|(name, _)| {
                self.match_headers.iter().any(|m| {
                    if m.ends_with('-') {
                        name.starts_with(m.as_str())
                    } else {
                        *name == m
                    }
                })
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// Also replaces the JSON value at this pointer (e.g. `/access/token/id`)
    /// in every body.
    #[must_use]
    pub fn json_field(mut self, pointer: impl Into<String>) -> Self {
        self.redact_json.push(pointer.into());
        self
    }

    /// The JSON pointers whose values must be scrubbed.
    pub fn json_fields(&self) -> &[String] {
        &self.redact_json
    }

    /// A body with literal secrets and secret JSON fields replaced (text
    /// bodies only).
    pub fn scrub_body(&self, bytes: &[u8]) -> RecordedBody {
        match RecordedBody::from_bytes(bytes) {
            RecordedBody::Text(t) => {
                RecordedBody::Text(self.scrub_text(&scrub_xml(&self.scrub_json(t))))
            }
            other => other,
        }
    }

    /// `text` with the configured JSON fields redacted or pinned, when it is
    /// JSON that has any of them; otherwise unchanged.
    fn scrub_json(&self, text: String) -> String {
        if !text.trim_start().starts_with('{') {
            return text;
        }
        let Ok(mut value) = serde_json::from_str::<serde_json::Value>(&text) else {
            return text;
        };
        let mut changed = false;
        for pointer in &self.redact_json {
            if let Some(field) = value.pointer_mut(pointer)
                && field.as_str() != Some(REDACTED)
            {
                *field = serde_json::Value::String(REDACTED.to_owned());
                changed = true;
            }
        }
        for (pointer, pinned) in &self.pin_json {
            if let Some(field) = value.pointer_mut(pointer)
                && field.is_string()
                && field.as_str() != Some(pinned)
            {
                *field = serde_json::Value::String(pinned.clone());
                changed = true;
            }
        }
        if changed {
            serde_json::to_string(&value).unwrap_or(text)
        } else {
            text
        }
    }
}

/// XML elements in which AWS echoes a caller's credentials back in errors
/// (S3's `SignatureDoesNotMatch` names the access key id and the signature).
const XML_SECRETS: &[&str] = &["AWSAccessKeyId", "SignatureProvided", "StringToSignBytes"];

/// `text` with the contents of [`XML_SECRETS`] elements redacted.
fn scrub_xml(text: &str) -> String {
    let mut out = text.to_owned();
    for name in XML_SECRETS {
        let (open, close) = (format!("<{name}>"), format!("</{name}>"));
        let mut from = 0;
        while let Some(start) = out[from..].find(&open).map(|i| from + i + open.len()) {
            let Some(end) = out[start..].find(&close).map(|i| start + i) else {
                break;
            };
            out.replace_range(start..end, REDACTED);
            from = start + REDACTED.len() + close.len();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_and_signatures_are_scrubbed() {
        let scrubber = Scrubber::new().secret("SuperSecretKey");
        let uri = scrubber.scrub_uri(
            "/bucket/key",
            Some("X-Amz-Signature=abc123&X-Amz-Credential=AKID%2F2024&list-type=2&token=SuperSecretKey"),
        );
        assert_eq!(
            uri,
            "/bucket/key?X-Amz-Signature=[redacted]&X-Amz-Credential=[redacted]&list-type=2&token=[redacted]"
        );
        let mut headers = http::HeaderMap::new();
        headers.insert(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKID".parse().unwrap(),
        );
        headers.insert("x-amz-date", "20240101T000000Z".parse().unwrap());
        headers.insert("x-custom", "has SuperSecretKey inside".parse().unwrap());
        let kept = scrubber.scrub_headers(&headers);
        assert_eq!(kept.get("authorization").unwrap(), REDACTED);
        assert!(!kept.contains_key("x-amz-date"));
        assert_eq!(kept.get("x-custom").unwrap(), "has [redacted] inside");
        let body = scrubber.scrub_body(br#"{"password": "SuperSecretKey"}"#);
        assert_eq!(
            body,
            RecordedBody::Text(r#"{"password": "[redacted]"}"#.into())
        );
    }

    #[test]
    fn tokens_in_json_bodies_are_scrubbed() {
        let scrubber = Scrubber::new();
        let body =
            br#"{"access": {"token": {"id": "tok-123", "expires": "2026-01-01T00:00:00Z"}}}"#;
        let RecordedBody::Text(text) = scrubber.scrub_body(body) else {
            panic!("text expected");
        };
        assert!(!text.contains("tok-123"));
        assert!(text.contains(REDACTED) && text.contains("2999-12-31"));
        let plain = br#"{"other": 1}"#;
        assert_eq!(
            scrubber.scrub_body(plain),
            RecordedBody::Text(r#"{"other": 1}"#.into())
        );
    }

    #[test]
    fn large_cassettes_are_compressed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("case.json");
        let big = Cassette {
            source: "x".repeat(COMPRESS_ABOVE),
            interactions: Vec::new(),
        };
        big.save(&path).unwrap();
        assert!(!path.exists() && dir.path().join("case.json.gz").exists());
        assert_eq!(Cassette::load(&path).unwrap(), big);
        let small = Cassette::default();
        small.save(&path).unwrap();
        assert!(path.exists() && !dir.path().join("case.json.gz").exists());
        assert_eq!(Cassette::load(&path).unwrap(), small);
    }

    #[test]
    fn binary_bodies_round_trip() {
        let bytes = [0u8, 159, 146, 150];
        let body = RecordedBody::from_bytes(&bytes);
        assert!(matches!(body, RecordedBody::Base64(_)));
        assert_eq!(body.to_bytes().unwrap(), bytes);
    }
}
