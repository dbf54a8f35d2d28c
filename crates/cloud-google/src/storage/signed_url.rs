//! V4 signed URLs (`GOOG4-RSA-SHA256`), signed locally with a service
//! account's key: anyone holding the URL may GET or PUT the one object
//! until it expires (at most seven days, Google's limit).
//!
//! The canonical request signs the method, the path, the `X-Goog-*` query
//! and the `host` header only, with an unsigned payload, as Google's
//! client libraries do.

use std::time::{Duration, SystemTime};

use cloud_core::{Error, Result, Url};

use crate::credential::ServiceAccountKey;

/// The longest a V4 signed URL may live.
pub const MAX_EXPIRY: Duration = Duration::from_secs(7 * 24 * 3600);

/// RFC 3986 unreserved characters stay; everything else is escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `YYYYMMDDTHHMMSSZ` of `at`.
fn timestamp(at: SystemTime) -> String {
    let text = cloud_core::time::format_rfc3339(at);
    // 2026-12-03T22:59:02Z (perhaps with fractions) → 20261203T225902Z
    let digits: String = text
        .chars()
        .take(19)
        .filter(char::is_ascii_alphanumeric)
        .collect();
    format!("{digits}Z")
}

/// The signed URL for `method` on `bucket/name` under `base` (Cloud
/// Storage's endpoint, path style), valid for `expires_in` from `now`.
pub(crate) fn sign(
    key: &ServiceAccountKey,
    base: &Url,
    bucket: &str,
    name: &str,
    method: &str,
    expires_in: Duration,
    now: SystemTime,
) -> Result<Url> {
    if expires_in.is_zero() || expires_in > MAX_EXPIRY {
        return Err(Error::invalid_input(format!(
            "a V4 signed URL lives between 1 second and 7 days; {} s asked",
            expires_in.as_secs()
        )));
    }
    let host = match (base.host_str(), base.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_owned(),
        (None, _) => return Err(Error::invalid_input("a storage endpoint without a host")),
    };
    let prefix = base.path().trim_end_matches('/');
    let object_path: Vec<String> = name.split('/').map(escape).collect();
    let path = format!("{prefix}/{}/{}", escape(bucket), object_path.join("/"));
    let datetime = timestamp(now);
    let date = &datetime[..8];
    let scope = format!("{date}/auto/storage/goog4_request");
    let credential = format!("{}/{scope}", key.client_email);
    let mut query = [
        ("X-Goog-Algorithm", "GOOG4-RSA-SHA256".to_owned()),
        ("X-Goog-Credential", credential),
        ("X-Goog-Date", datetime.clone()),
        ("X-Goog-Expires", expires_in.as_secs().max(1).to_string()),
        ("X-Goog-SignedHeaders", "host".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| format!("{}={}", escape(k), escape(&v)))
    .collect::<Vec<_>>();
    query.sort();
    let query = query.join("&");
    let canonical = format!("{method}\n{path}\n{query}\nhost:{host}\n\nhost\nUNSIGNED-PAYLOAD");
    let digest = ring::digest::digest(&ring::digest::SHA256, canonical.as_bytes());
    let to_sign = format!(
        "GOOG4-RSA-SHA256\n{datetime}\n{scope}\n{}",
        hex(digest.as_ref())
    );
    let signature = hex(&key.sign_rs256(to_sign.as_bytes())?);
    let text = format!(
        "{}://{host}{path}?{query}&X-Goog-Signature={signature}",
        base.scheme()
    );
    Url::parse(&text).map_err(|e| Error::invalid_input(format!("signed URL: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::signature::{KeyPair, RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
    use std::time::UNIX_EPOCH;

    fn epoch(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn key() -> ServiceAccountKey {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/service-account.json"
        ))
        .unwrap();
        ServiceAccountKey::from_json(&serde_json::from_str(&text).unwrap()).unwrap()
    }

    #[test]
    fn urls_carry_the_v4_query_and_a_signature_the_public_key_verifies() {
        let base = Url::parse("https://storage.googleapis.com").unwrap();
        let at = epoch(1_764_802_742); // 2025-12-03T22:59:02Z
        let url = sign(
            &key(),
            &base,
            "bucket-1",
            "dir/a b+c.txt",
            "GET",
            Duration::from_secs(900),
            at,
        )
        .unwrap();
        assert_eq!(url.path(), "/bucket-1/dir/a%20b%2Bc.txt");
        let q: std::collections::BTreeMap<String, String> = url.query_pairs().into_iter().collect();
        assert_eq!(q["X-Goog-Algorithm"], "GOOG4-RSA-SHA256");
        assert_eq!(q["X-Goog-Date"], "20251203T225902Z");
        assert_eq!(q["X-Goog-Expires"], "900");
        assert_eq!(q["X-Goog-SignedHeaders"], "host");
        assert!(q["X-Goog-Credential"].ends_with("/20251203/auto/storage/goog4_request"));
        // Rebuild the string to sign and check the signature with the public half.
        let query = url.query().unwrap();
        let unsigned = &query[..query.find("&X-Goog-Signature=").unwrap()];
        let canonical = format!(
            "GET\n/bucket-1/dir/a%20b%2Bc.txt\n{unsigned}\nhost:storage.googleapis.com\n\nhost\nUNSIGNED-PAYLOAD"
        );
        let digest = ring::digest::digest(&ring::digest::SHA256, canonical.as_bytes());
        let to_sign = format!(
            "GOOG4-RSA-SHA256\n20251203T225902Z\n20251203/auto/storage/goog4_request\n{}",
            hex(digest.as_ref())
        );
        let signature: Vec<u8> = (0..q["X-Goog-Signature"].len() / 2)
            .map(|i| u8::from_str_radix(&q["X-Goog-Signature"][2 * i..2 * i + 2], 16).unwrap())
            .collect();
        let pair = key().key_pair_for_tests();
        let public =
            UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, pair.public_key().as_ref());
        public.verify(to_sign.as_bytes(), &signature).unwrap();
    }

    #[test]
    fn expiry_is_bounded_by_seven_days() {
        let base = Url::parse("https://storage.googleapis.com").unwrap();
        for bad in [Duration::ZERO, MAX_EXPIRY + Duration::from_secs(1)] {
            assert!(sign(&key(), &base, "b", "o", "GET", bad, epoch(0)).is_err());
        }
        assert!(sign(&key(), &base, "b", "o", "PUT", MAX_EXPIRY, epoch(0)).is_ok());
    }
}
