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
