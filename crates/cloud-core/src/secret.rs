//! A credential that never prints.
//!
//! Every password, secret key, API key and token in this project is held in a
//! [`Secret`], so no `Debug`, `Display`, log line or error message can show it
//! by accident. Reading the value is an explicit, greppable call to
//! [`Secret::expose`].

use std::fmt;

/// A credential whose `Debug` and `Display` print `[redacted]`.
///
/// ```
/// use cloud_core::Secret;
///
/// let secret = Secret::new("wJalrXUtnFEMI/K7MDENG");
/// assert_eq!(format!("{secret}"), "[redacted]");
/// assert_eq!(format!("{secret:?}"), "Secret([redacted])");
/// assert_eq!(secret.expose(), "wJalrXUtnFEMI/K7MDENG");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Box<str>);

impl Secret {
    /// Wraps a credential.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into().into_boxed_str())
    }

    /// The credential itself. Only signing and authentication code should call this.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the credential is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret::new(value)
    }
}

/// Read from text like any string (provider options declare secret ones
/// as `Secret` fields); never serialized back.
impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret::new)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret::new(value)
    }
}

/// Every credential one client holds, to be cut out of error text before
/// an error leaves the library.
///
/// A server may echo a token or key in its error body (`invalid token
/// gAAAA...`). A driver registers each credential here when it gets it (keys
/// at construction, tokens as they are issued) and returns the redactor
/// from its `redactor()` method; the portable handles then pass every error
/// through [`scrub`](Self::scrub). Cheap to clone: clones share one set.
///
/// ```
/// use cloud_core::{Error, ErrorKind, Secret};
/// use cloud_core::secret::Redactor;
///
/// let redactor = Redactor::new();
/// redactor.add(&Secret::new("tok-0123456789"));
/// let err = Error::new(ErrorKind::InvalidCredentials, "token tok-0123456789 expired");
/// assert_eq!(redactor.scrub(err).message(), "token [redacted] expired");
/// ```
#[derive(Clone, Default)]
pub struct Redactor {
    secrets: std::sync::Arc<std::sync::RwLock<Secrets>>,
}

/// The long-lived credentials (kept for the client's life) and the issued
/// ones (a bounded window: a long-lived client renews tokens many times).
#[derive(Default)]
struct Secrets {
    lasting: Vec<Secret>,
    issued: std::collections::VecDeque<Secret>,
}

impl Secrets {
    fn all(&self) -> impl Iterator<Item = &Secret> {
        self.lasting.iter().chain(self.issued.iter())
    }

    fn contains(&self, secret: &Secret) -> bool {
        self.all().any(|s| s == secret)
    }
}

impl Redactor {
    /// Shorter values are not redacted: they would match ordinary words.
    pub const MIN_LEN: usize = 4;
    /// How many issued credentials ([`add_issued`](Self::add_issued)) are
    /// kept; the oldest are dropped first.
    pub const CAPACITY: usize = 64;

    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a long-lived credential (a password, a key, a refresh token),
    /// kept as long as the redactor.
    pub fn add(&self, secret: &Secret) {
        self.insert(secret, false);
    }

    /// Adds an issued credential (a token, a signed assertion); only the
    /// last [`CAPACITY`](Self::CAPACITY) of them are kept.
    pub fn add_issued(&self, secret: &Secret) {
        self.insert(secret, true);
    }

    fn insert(&self, secret: &Secret, issued: bool) {
        if secret.expose().len() < Self::MIN_LEN {
            return;
        }
        let mut secrets = self
            .secrets
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for form in echoed_forms(secret.expose()) {
            let form = Secret::new(form);
            if secrets.contains(&form) {
                continue;
            }
            if !issued {
                secrets.lasting.push(form);
                continue;
            }
            if secrets.issued.len() == Self::CAPACITY {
                secrets.issued.pop_front();
            }
            secrets.issued.push_back(form);
        }
    }

    /// `text` with every credential replaced by `[redacted]`, or `None` if
    /// it holds none.
    pub fn scrub_text(&self, text: &str) -> Option<String> {
        let secrets = self
            .secrets
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut out: Option<String> = None;
        for secret in secrets.all() {
            let current = out.as_deref().unwrap_or(text);
            if current.contains(secret.expose()) {
                out = Some(current.replace(secret.expose(), "[redacted]"));
            }
        }
        out
    }

    /// `bytes` with every credential replaced by `[redacted]` (an error
    /// answer's body, which need not be UTF-8).
    pub fn scrub_bytes(&self, bytes: bytes::Bytes) -> bytes::Bytes {
        let secrets = self
            .secrets
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut out: Option<Vec<u8>> = None;
        for secret in secrets.all() {
            let needle = secret.expose().as_bytes();
            let current = out.as_deref().unwrap_or(&bytes);
            if let Some(replaced) = replace_bytes(current, needle, b"[redacted]") {
                out = Some(replaced);
            }
        }
        out.map_or(bytes, bytes::Bytes::from)
    }

    /// `error` with every credential cut out of its message, code, request
    /// id and source.
    pub fn scrub(&self, error: crate::Error) -> crate::Error {
        error.map_text(|t| self.scrub_text(t))
    }
}

/// `secret` as it is sent, and as a server echoing a request shows it
/// when that differs: escaped in a JSON body, encoded in a form or query.
fn echoed_forms(secret: &str) -> Vec<String> {
    let mut forms = vec![secret.to_owned()];
    if let Ok(quoted) = serde_json::to_string(secret) {
        forms.push(quoted[1..quoted.len() - 1].to_owned());
    }
    let mut encoded = String::with_capacity(secret.len());
    for b in secret.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    forms.push(encoded);
    forms.dedup();
    forms.sort();
    forms.dedup();
    forms
}

/// `haystack` with each `needle` replaced, or `None` if it holds none.
fn replace_bytes(haystack: &[u8], needle: &[u8], with: &[u8]) -> Option<Vec<u8>> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    let mut out: Option<Vec<u8>> = None;
    let mut copied = 0;
    let mut at = 0;
    while at + needle.len() <= haystack.len() {
        if haystack[at..].starts_with(needle) {
            let buf = out.get_or_insert_with(|| Vec::with_capacity(haystack.len()));
            buf.extend_from_slice(&haystack[copied..at]);
            buf.extend_from_slice(with);
            at += needle.len();
            copied = at;
        } else {
            at += 1;
        }
    }
    let mut buf = out?;
    buf.extend_from_slice(&haystack[copied..]);
    Some(buf)
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self
            .secrets
            .read()
            .map(|s| s.all().count())
            .unwrap_or_default();
        write!(f, "Redactor({n} secrets)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_lose_every_occurrence_even_when_not_utf8() {
        let redactor = Redactor::new();
        redactor.add(&Secret::new("pa55word"));
        let body = bytes::Bytes::from_static(b"\xff pa55word, pa55wordpa55word!");
        assert_eq!(
            &redactor.scrub_bytes(body)[..],
            b"\xff [redacted], [redacted][redacted]!"
        );
        let clean = bytes::Bytes::from_static(b"nothing here");
        assert_eq!(redactor.scrub_bytes(clean.clone()), clean);
    }

    #[test]
    fn json_escaped_forms_are_cut_out_too() {
        let redactor = Redactor::new();
        redactor.add(&Secret::new(r#"p"w\d/x"#));
        let echoed = r#"{"password": "p\"w\\d/x"}"#;
        assert_eq!(
            redactor.scrub_text(echoed).as_deref(),
            Some(r#"{"password": "[redacted]"}"#)
        );
        // As a form or query string carries it.
        assert_eq!(
            redactor.scrub_text("password=p%22w%5Cd%2Fx&x=1").as_deref(),
            Some("password=[redacted]&x=1")
        );
    }
}
