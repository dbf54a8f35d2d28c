//! Swift temporary URLs: an HMAC-SHA256 of method, expiry and object path
//! with the account's key, in the query string.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cloud_core::Url;
use cloud_core::{Error, Result};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Signs `url` (an object URL) for `method` until `expires_in` from now.
pub(crate) fn sign(url: &Url, method: &str, expires_in: Duration, key: &[u8]) -> Result<Url> {
    let expires = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|e| Error::invalid_input(format!("the clock is before 1970: {e}")))?
        + expires_in;
    sign_at(url, method, expires.as_secs(), key)
}

fn sign_at(url: &Url, method: &str, expires: u64, key: &[u8]) -> Result<Url> {
    // Swift signs the path it sees, which is the decoded one.
    let path = percent_encoding::percent_decode_str(url.path()).decode_utf8_lossy();
    let mut mac = Hmac::<Sha256>::new_from_slice(key)
        .map_err(|e| Error::invalid_input(format!("invalid temp URL key: {e}")))?;
    mac.update(format!("{method}\n{expires}\n{path}").as_bytes());
    let signature = hex::encode(mac.finalize().into_bytes());
    let mut signed = url.clone();
    signed.set_query(Some(&format!(
        "temp_url_sig={signature}&temp_url_expires={expires}"
    )));
    Ok(signed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_over_method_expiry_and_decoded_path() {
        let url = Url::parse("http://127.0.0.1:8080/v1/AUTH_test/c/a%20b.txt").unwrap();
        let signed = sign_at(&url, "GET", 1_700_000_000, b"secret").unwrap();
        let mut mac = Hmac::<Sha256>::new_from_slice(b"secret").unwrap();
        mac.update(b"GET\n1700000000\n/v1/AUTH_test/c/a b.txt");
        let expected = hex::encode(mac.finalize().into_bytes());
        assert_eq!(
            signed.query(),
            Some(format!("temp_url_sig={expected}&temp_url_expires=1700000000").as_str())
        );
    }
}
