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
    secrets: std::sync::Arc<std::sync::RwLock<Vec<Secret>>>,
}

impl Redactor {
    /// Shorter values are not redacted: they would match ordinary words.
    pub const MIN_LEN: usize = 4;
    /// How many credentials are kept; the oldest are dropped first (tokens
    /// of a long-lived client are renewed many times).
    pub const CAPACITY: usize = 64;

    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a credential.
    pub fn add(&self, secret: &Secret) {
        if secret.expose().len() < Self::MIN_LEN {
            return;
        }
        let mut secrets = self
            .secrets
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if secrets.contains(secret) {
            return;
        }
        if secrets.len() == Self::CAPACITY {
            secrets.remove(0);
        }
        secrets.push(secret.clone());
    }

    /// `text` with every credential replaced by `[redacted]`, or `None` if
    /// it holds none.
    pub fn scrub_text(&self, text: &str) -> Option<String> {
        let secrets = self
            .secrets
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut out: Option<String> = None;
        for secret in secrets.iter() {
            let current = out.as_deref().unwrap_or(text);
            if current.contains(secret.expose()) {
                out = Some(current.replace(secret.expose(), "[redacted]"));
            }
        }
        out
    }

    /// `error` with every credential cut out of its message, code, request
    /// id and source.
    pub fn scrub(&self, error: crate::Error) -> crate::Error {
        error.map_text(|t| self.scrub_text(t))
    }
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.secrets.read().map(|s| s.len()).unwrap_or_default();
        write!(f, "Redactor({n} secrets)")
    }
}
