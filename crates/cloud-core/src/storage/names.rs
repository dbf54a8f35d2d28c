//! The portable naming rules every storage provider accepts.
//!
//! Checked by the [`Storage`](super::Storage) handle before any request, so a
//! bad name fails the same way everywhere. Providers add their own stricter
//! rules (S3 bucket names, the local driver's path rules) in their drivers.

use crate::error::{Error, Result};

/// Longest object name, in bytes (S3's and Swift's limit).
pub const MAX_OBJECT_NAME_BYTES: usize = 1024;
/// Longest container name, in bytes.
pub const MAX_CONTAINER_NAME_BYTES: usize = 255;
/// Largest total of user metadata keys and values, in bytes (S3's limit).
pub const MAX_METADATA_BYTES: usize = 2048;

/// Checks a container name against the portable rules.
pub fn check_container_name(name: &str) -> Result<()> {
    if name.is_empty() {
        return Err(Error::invalid_input("container name must not be empty"));
    }
    if name.len() > MAX_CONTAINER_NAME_BYTES {
        return Err(Error::invalid_input(format!(
            "container name is {} bytes; the limit is {MAX_CONTAINER_NAME_BYTES}",
            name.len()
        )));
    }
    if name == "." || name == ".." {
        return Err(Error::invalid_input(format!(
            "container name `{name}` is reserved"
        )));
    }
    if let Some(c) = name
        .chars()
        .find(|c| *c == '/' || *c == '\\' || c.is_control())
    {
        return Err(Error::invalid_input(format!(
            "container name must not contain {c:?}"
        )));
    }
    Ok(())
}

/// Checks an object name against the portable rules.
pub fn check_object_name(name: &str) -> Result<()> {
    if name.is_empty() {
        return Err(Error::invalid_input("object name must not be empty"));
    }
    if name.len() > MAX_OBJECT_NAME_BYTES {
        return Err(Error::invalid_input(format!(
            "object name is {} bytes; the limit is {MAX_OBJECT_NAME_BYTES}",
            name.len()
        )));
    }
    if let Some(c) = name.chars().find(|c| c.is_control()) {
        return Err(Error::invalid_input(format!(
            "object name must not contain the control character {c:?}"
        )));
    }
    Ok(())
}

/// Checks user metadata: keys of `a-z 0-9 - _`, values of printable ASCII,
/// at most [`MAX_METADATA_BYTES`] in all. Those survive every provider's
/// header encoding unchanged.
pub fn check_metadata<'a>(items: impl IntoIterator<Item = (&'a String, &'a String)>) -> Result<()> {
    let mut total = 0;
    for (key, value) in items {
        if key.is_empty()
            || !key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        {
            return Err(Error::invalid_input(format!(
                "metadata key `{key}` must use only a-z, 0-9, `-` and `_`"
            )));
        }
        if !value.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            return Err(Error::invalid_input(format!(
                "metadata value of `{key}` must be printable ASCII"
            )));
        }
        total += key.len() + value.len();
    }
    if total > MAX_METADATA_BYTES {
        return Err(Error::invalid_input(format!(
            "user metadata is {total} bytes; the limit is {MAX_METADATA_BYTES}"
        )));
    }
    Ok(())
}

/// A content type for a file name, from its extension; `None` if unknown.
///
/// ```
/// use cloud_core::storage::guess_content_type;
///
/// assert_eq!(guess_content_type("site/index.HTML"), Some("text/html"));
/// assert_eq!(guess_content_type("backup.tar.gz"), Some("application/gzip"));
/// assert_eq!(guess_content_type("README"), None);
/// ```
pub fn guess_content_type(name: &str) -> Option<&'static str> {
    let file = name.rsplit('/').next().unwrap_or(name);
    let (_, ext) = file.rsplit_once('.')?;
    let ext = ext.to_ascii_lowercase();
    Some(match ext.as_str() {
        "html" | "htm" => "text/html",
        "css" => "text/css",
        "js" | "mjs" => "text/javascript",
        "txt" | "log" => "text/plain",
        "csv" => "text/csv",
        "md" => "text/markdown",
        "rs" => "text/x-rust",
        "toml" => "application/toml",
        "xml" => "application/xml",
        "json" => "application/json",
        "yaml" | "yml" => "application/yaml",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "gz" | "tgz" => "application/gzip",
        "tar" => "application/x-tar",
        "bz2" => "application/x-bzip2",
        "xz" => "application/x-xz",
        "zst" => "application/zstd",
        "wasm" => "application/wasm",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "mp3" => "audio/mpeg",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "woff2" => "font/woff2",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn portable_names() {
        assert!(check_container_name("photos-2024").is_ok());
        for bad in ["", ".", "..", "a/b", "a\\b", "a\0b", "a\nb"] {
            assert!(check_container_name(bad).is_err(), "{bad:?}");
        }
        assert!(check_container_name(&"x".repeat(256)).is_err());
        assert!(check_object_name("dir/sub dir/ünï €+%#?&=.txt").is_ok());
        for bad in ["", "a\0b", "tab\there", "\u{7f}"] {
            assert!(check_object_name(bad).is_err(), "{bad:?}");
        }
        assert!(check_object_name(&"é".repeat(512)).is_ok());
        assert!(check_object_name(&"é".repeat(513)).is_err());
    }

    #[test]
    fn metadata_rules() {
        let ok: BTreeMap<String, String> = [("owner".into(), "Ada Lovelace".into())].into();
        assert!(check_metadata(&ok).is_ok());
        let bad_key: BTreeMap<String, String> = [("Owner".into(), "x".into())].into();
        assert!(check_metadata(&bad_key).is_err());
        let bad_value: BTreeMap<String, String> = [("k".into(), "line\nbreak".into())].into();
        assert!(check_metadata(&bad_value).is_err());
        let big: BTreeMap<String, String> = [("k".into(), "v".repeat(2048))].into();
        assert!(check_metadata(&big).is_err());
    }
}
