//! Conditional reads and writes, judged the same way by every driver that
//! evaluates them itself (backends without native If-Match).

use super::types::Object;
use crate::error::{Error, ErrorKind, Result};

/// Whether `etag` names the same version as the object's etag (quotes and
/// weak-validator prefixes ignored).
pub fn etag_matches(object: &Object, etag: &str) -> bool {
    let normalise = |e: &str| {
        e.trim()
            .trim_start_matches("W/")
            .trim_matches('"')
            .to_owned()
    };
    object.etag.as_deref().map(normalise) == Some(normalise(etag))
}

/// Fails with [`ErrorKind::PreconditionFailed`] unless `object` has `etag`.
///
/// ```
/// use cloud_core::Object;
/// use cloud_core::storage::check_if_match;
///
/// let mut object = Object::new("c", "o", 3);
/// object.etag = Some("abc".into());
/// assert!(check_if_match("memory", &object, "\"abc\"").is_ok());
/// assert!(check_if_match("memory", &object, "def").is_err());
/// ```
pub fn check_if_match(provider: &str, object: &Object, etag: &str) -> Result<()> {
    if etag_matches(object, etag) {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::PreconditionFailed,
        format!(
            "`{}/{}` does not have etag {etag}",
            object.container, object.name
        ),
    )
    .with_provider(provider))
}
