//! SharedKey authorization: every request is signed with the account key
//! (HMAC-SHA256 over the request's method, standard headers, `x-ms-*`
//! headers and resource), afresh for each attempt since `x-ms-date` is
//! part of what is signed.

use std::time::SystemTime;

use async_trait::async_trait;
use base64::Engine as _;
use cloud_core::http::{Body, HeaderValue, Request, Signer, format_http_date};
use cloud_core::secret::Redactor;
use cloud_core::{Error, Result, Secret};
use percent_encoding::percent_decode_str;

use crate::API_VERSION;

/// An account name and its decoded key.
#[derive(Clone)]
pub(crate) struct AccountKey {
    pub(crate) account: String,
    /// The key as given (base64), for the redactor.
    encoded: Secret,
    /// The decoded key bytes, which sign.
    bytes: Vec<u8>,
}

impl std::fmt::Debug for AccountKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountKey")
            .field("account", &self.account)
            .field("key", &"[redacted]")
            .finish()
    }
}

impl AccountKey {
    /// `key` is the base64 account key the portal shows.
    pub(crate) fn new(account: &str, key: &Secret) -> Result<Self> {
        if account.is_empty() {
            return Err(Error::invalid_input(
                "the Azure storage account name is empty",
            ));
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(key.expose().trim())
            .map_err(|_| {
                Error::invalid_input(format!(
                    "the key of Azure storage account `{account}` is not base64"
                ))
            })?;
        Ok(AccountKey {
            account: account.to_owned(),
            encoded: key.clone(),
            bytes,
        })
    }

    /// Base64 HMAC-SHA256 of `text` under the key.
    pub(crate) fn sign(&self, text: &str) -> String {
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &self.bytes);
        let tag = ring::hmac::sign(&key, text.as_bytes());
        base64::engine::general_purpose::STANDARD.encode(tag.as_ref())
    }

    pub(crate) fn secret(&self) -> &Secret {
        &self.encoded
    }
}

/// Signs each request with `Authorization: SharedKey account:signature`.
/// Each signature goes to the client's redactor as an issued credential:
/// within its validity it would authorize that request again.
pub(crate) struct SharedKeySigner {
    key: AccountKey,
    redactor: Redactor,
}

impl std::fmt::Debug for SharedKeySigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedKeySigner")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl SharedKeySigner {
    pub(crate) fn new(key: AccountKey, redactor: Redactor) -> Self {
        SharedKeySigner { key, redactor }
    }
}

#[async_trait]
impl Signer for SharedKeySigner {
    async fn sign(&self, request: &mut Request<Body>) -> Result<()> {
        let date = format_http_date(SystemTime::now());
        let headers = request.headers_mut();
        headers.insert("x-ms-date", header_value(&date)?);
        if !headers.contains_key("x-ms-version") {
            headers.insert("x-ms-version", HeaderValue::from_static(API_VERSION));
        }
        let text = string_to_sign(request, &self.key.account);
        let signature = self.key.sign(&text);
        self.redactor.add_issued(&Secret::new(signature.as_str()));
        let mut value = header_value(&format!("SharedKey {}:{signature}", self.key.account))?;
        value.set_sensitive(true);
        request.headers_mut().insert("authorization", value);
        Ok(())
    }

    fn secrets(&self) -> Vec<Secret> {
        vec![self.key.secret().clone()]
    }
}

fn header_value(text: &str) -> Result<HeaderValue> {
    HeaderValue::from_str(text)
        .map_err(|_| Error::invalid_input("the Azure account name makes an invalid header"))
}

/// What SharedKey signs (Blob service, version 2015-02-21 and later).
pub(crate) fn string_to_sign(request: &Request<Body>, account: &str) -> String {
    let headers = request.headers();
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .trim()
    };
    // A zero length is signed as empty (2015-02-21 and later).
    let length = match header("content-length") {
        "0" => "",
        other => other,
    };
    let mut text = format!(
        "{}\n{}\n{}\n{}\n{}\n{}\n\n{}\n{}\n{}\n{}\n{}\n",
        request.method().as_str(),
        header("content-encoding"),
        header("content-language"),
        length,
        header("content-md5"),
        header("content-type"),
        header("if-modified-since"),
        header("if-match"),
        header("if-none-match"),
        header("if-unmodified-since"),
        header("range"),
    );
    let mut ms: Vec<(String, String)> = headers
        .iter()
        .filter(|(name, _)| name.as_str().starts_with("x-ms-"))
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes()).trim().to_owned();
            (name.as_str().to_owned(), value)
        })
        .collect();
    ms.sort();
    for (name, value) in ms {
        text.push_str(&name);
        text.push(':');
        text.push_str(&value);
        text.push('\n');
    }
    text.push_str(&canonical_resource(request, account));
    text
}

/// `/account/path` and each query parameter, decoded, sorted, one per line.
fn canonical_resource(request: &Request<Body>, account: &str) -> String {
    let uri = request.uri();
    let mut text = format!("/{account}{}", uri.path());
    let mut params: Vec<(String, String)> = uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(name).to_lowercase(), decode(value))
        })
        .collect();
    params.sort();
    let mut i = 0;
    while i < params.len() {
        let name = params[i].0.clone();
        let mut values = Vec::new();
        while i < params.len() && params[i].0 == name {
            values.push(params[i].1.clone());
            i += 1;
        }
        text.push('\n');
        text.push_str(&name);
        text.push(':');
        text.push_str(&values.join(","));
    }
    text
}

fn decode(text: &str) -> String {
    percent_decode_str(&text.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credential::connection_string::{DEVELOPMENT_ACCOUNT, DEVELOPMENT_KEY};

    fn request(method: &str, uri: &str, headers: &[(&str, &str)]) -> Request<Body> {
        let mut builder = Request::builder().method(method).uri(uri);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(Body::empty()).unwrap()
    }

    #[test]
    fn the_string_to_sign_follows_the_documented_layout() {
        let r = request(
            "PUT",
            "http://127.0.0.1:10000/devstoreaccount1/box/a%20b.txt?comp=block&blockid=QUJD%3D",
            &[
                ("content-length", "11"),
                ("content-type", "text/plain"),
                ("x-ms-version", "2021-08-06"),
                ("x-ms-date", "Tue, 08 Dec 2026 02:30:00 GMT"),
                ("x-ms-meta-Owner", " ada "),
                ("if-match", "\"0x8D\""),
            ],
        );
        let text = string_to_sign(&r, DEVELOPMENT_ACCOUNT);
        assert_eq!(
            text,
            "PUT\n\n\n11\n\ntext/plain\n\n\n\"0x8D\"\n\n\n\n\
             x-ms-date:Tue, 08 Dec 2026 02:30:00 GMT\nx-ms-meta-owner:ada\nx-ms-version:2021-08-06\n\
             /devstoreaccount1/devstoreaccount1/box/a%20b.txt\nblockid:QUJD=\ncomp:block"
        );
        let empty = request(
            "GET",
            "http://h/devstoreaccount1?comp=list",
            &[("content-length", "0")],
        );
        assert!(string_to_sign(&empty, "a").starts_with("GET\n\n\n\n"));
    }

    #[test]
    fn keys_must_be_base64_and_never_print() {
        let key = AccountKey::new(DEVELOPMENT_ACCOUNT, &Secret::new(DEVELOPMENT_KEY)).unwrap();
        assert!(!format!("{key:?}").contains(DEVELOPMENT_KEY));
        // HMAC-SHA256 of "GET\n" under the development key, as Python's hmac computes it.
        assert_eq!(
            key.sign("GET\n"),
            "/ZZsmidvu/o1IWuAI6fRY2fmdvnXEMtMILD8Y+sZWjA="
        );
        let err = AccountKey::new("acme", &Secret::new("not base64!")).unwrap_err();
        assert!(!err.to_string().contains("not base64!"), "{err}");
    }
}
