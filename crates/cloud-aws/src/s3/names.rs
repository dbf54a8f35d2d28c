//! S3's naming rules, checked before any request.

use cloud_core::error::quote;
use cloud_core::{Error, Result};

/// The name of a bucket that may exist: anything S3 has ever accepted.
/// Buckets created in us-east-1 before March 2018 may hold capitals and
/// `_` and be up to 255 characters long, and S3 still serves them, so only
/// [`check_new_bucket`] applies today's rules.
pub(crate) fn check_bucket(name: &str) -> Result<()> {
    if !(3..=255).contains(&name.len()) {
        return Err(Error::invalid_input(format!(
            "S3 bucket name `{}` must be 3 to 255 characters long",
            quote(name)
        )));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
    {
        return Err(Error::invalid_input(format!(
            "S3 bucket name `{}` may only use letters, digits, `.`, `-` and `_`",
            quote(name)
        )));
    }
    Ok(())
}

/// Whether `bucket` can be the first label of a host name, which
/// virtual-hosted addressing needs: today's rules, and no `.` (a dotted
/// name would not match the wildcard certificate).
pub(crate) fn fits_host_name(bucket: &str) -> bool {
    !bucket.contains('.') && check_new_bucket(bucket).is_ok()
}

/// Bucket names S3 accepts for a new bucket: 3 to 63 characters of
/// lowercase letters, digits, `.` and `-`, starting and ending with a
/// letter or digit, not shaped like an IP address, without `..` or the
/// reserved prefixes and suffixes.
pub(crate) fn check_new_bucket(name: &str) -> Result<()> {
    let bad = |why: &str| {
        Err(Error::invalid_input(format!(
            "S3 bucket name `{}` {why}",
            quote(name)
        )))
    };
    if !(3..=63).contains(&name.len()) {
        return bad("must be 3 to 63 characters long");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
    {
        return bad("may only use lowercase letters, digits, `.` and `-`");
    }
    let first_last_ok = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if !first_last_ok(name.as_bytes()[0]) || !first_last_ok(name.as_bytes()[name.len() - 1]) {
        return bad("must start and end with a letter or digit");
    }
    if name.contains("..") || name.contains(".-") || name.contains("-.") {
        return bad("must not contain `..`, `.-` or `-.`");
    }
    if name.parse::<std::net::Ipv4Addr>().is_ok() {
        return bad("must not be an IP address");
    }
    for prefix in ["xn--", "sthree-", "amzn-s3-demo-"] {
        if name.starts_with(prefix) {
            return bad(&format!("must not start with `{prefix}`"));
        }
    }
    for suffix in ["-s3alias", "--ol-s3", ".mrap", "--x-s3"] {
        if name.ends_with(suffix) {
            return bad(&format!("must not end with `{suffix}`"));
        }
    }
    Ok(())
}

/// Keys: the portable rules, plus no `.` or `..` path segment, which URL
/// normalisation would silently resolve into a different key.
pub(crate) fn check_key(key: &str) -> Result<()> {
    if key.split('/').any(|s| s == "." || s == "..") {
        return Err(Error::invalid_input(format!(
            "S3 key `{key}` has a `.` or `..` segment, which cannot be addressed safely"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names() {
        for good in ["abc", "my-bucket.logs", "a1b2c3", &"x".repeat(63)] {
            assert!(check_new_bucket(good).is_ok(), "{good}");
        }
        for bad in [
            "ab",
            "Upper",
            "-start",
            "end-",
            "a..b",
            "192.168.0.1",
            "xn--abc",
            "b-s3alias",
            "under_score",
            &"x".repeat(64),
        ] {
            assert!(check_new_bucket(bad).is_err(), "{bad}");
        }
        // Legacy us-east-1 names are still served: usable, not creatable.
        for legacy in ["test_container", "Legacy.Bucket", &"x".repeat(200)] {
            assert!(check_bucket(legacy).is_ok(), "{legacy}");
            assert!(!fits_host_name(legacy), "{legacy}");
        }
        for bad in ["ab", "a/b", "a b", "a\nb", &"x".repeat(256)] {
            assert!(check_bucket(bad).is_err(), "{bad}");
        }
        assert!(fits_host_name("my-bucket") && !fits_host_name("my.bucket"));
        assert!(check_key("a/../b").is_err());
        assert!(check_key("a/..b/c.").is_ok());
    }
}
