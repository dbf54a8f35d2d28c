//! Shared access signatures: a SAS token given to the client authorizes
//! each request by riding in its query; a service SAS made with the
//! account key is what signed URLs carry.

use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use cloud_core::http::{Body, Request, Signer};
use cloud_core::time::format_rfc3339;
use cloud_core::{Error, Result, Secret};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::shared_key::AccountKey;
use crate::API_VERSION;

/// What a query value may hold unencoded (RFC 3986 unreserved).
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Authorizes requests with a SAS token appended to their query.
#[derive(Debug)]
pub(crate) struct SasSigner {
    token: Secret,
}

impl SasSigner {
    /// `token` is the query string the portal or `az` gives (`sv=...&sig=...`).
    pub(crate) fn new(token: &Secret) -> Result<Self> {
        let trimmed = token.expose().trim().trim_start_matches('?');
        if !trimmed.split('&').any(|p| p.starts_with("sig=")) {
            return Err(Error::invalid_input(
                "the Azure SAS token has no `sig` parameter",
            ));
        }
        Ok(SasSigner {
            token: Secret::new(trimmed),
        })
    }
}

#[async_trait]
impl Signer for SasSigner {
    async fn sign(&self, request: &mut Request<Body>) -> Result<()> {
        let uri = request.uri().to_string();
        let joined = match uri.contains('?') {
            true => format!("{uri}&{}", self.token.expose()),
            false => format!("{uri}?{}", self.token.expose()),
        };
        *request.uri_mut() = joined
            .parse()
            .map_err(|_| Error::invalid_input("the Azure SAS token makes an invalid URL"))?;
        Ok(())
    }

    fn secrets(&self) -> Vec<Secret> {
        // The signature alone is the secret part; the whole token too.
        let sig = self
            .token
            .expose()
            .split('&')
            .find_map(|p| p.strip_prefix("sig="))
            .map(Secret::new);
        std::iter::once(self.token.clone()).chain(sig).collect()
    }
}

/// What a service SAS lets its holder do to one blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BlobPermission {
    Read,
    /// Create and write (a PUT of the blob).
    Write,
}

impl BlobPermission {
    fn letters(self) -> &'static str {
        match self {
            BlobPermission::Read => "r",
            BlobPermission::Write => "cw",
        }
    }
}

/// The query of a service SAS for one blob, signed with the account key,
/// valid from now (less a little clock skew) for `valid_for`.
/// `canonical_blob` is `container/blob` as the URL path holds it, decoded.
pub(crate) fn blob_service_sas(
    key: &AccountKey,
    canonical_blob: &str,
    permission: BlobPermission,
    now: SystemTime,
    valid_for: Duration,
) -> String {
    let stamp = |t: SystemTime| {
        let secs = t
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        format_rfc3339(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
    };
    let start = stamp(now.checked_sub(Duration::from_secs(300)).unwrap_or(now));
    let expiry = stamp(now + valid_for);
    let permissions = permission.letters();
    let resource = format!("/blob/{}/{canonical_blob}", key.account);
    // Version 2020-12-06 and later: permissions, start, expiry, resource,
    // identifier, IP, protocol, version, resource type, snapshot time,
    // encryption scope, then the five response-header overrides.
    let text = format!(
        "{permissions}\n{start}\n{expiry}\n{resource}\n\n\n\n{API_VERSION}\nb\n\n\n\n\n\n\n"
    );
    let signature = key.sign(&text);
    let encode = |v: &str| utf8_percent_encode(v, QUERY_VALUE).to_string();
    format!(
        "sv={API_VERSION}&st={}&se={}&sr=b&sp={permissions}&sig={}",
        encode(&start),
        encode(&expiry),
        encode(&signature)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credential::connection_string::{DEVELOPMENT_ACCOUNT, DEVELOPMENT_KEY};

    #[test]
    fn service_sas_fields() {
        let key = AccountKey::new(DEVELOPMENT_ACCOUNT, &Secret::new(DEVELOPMENT_KEY)).unwrap();
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let query = blob_service_sas(
            &key,
            "box/a b.txt",
            BlobPermission::Read,
            now,
            Duration::from_secs(3600),
        );
        assert!(query.starts_with(&format!("sv={API_VERSION}&st=2027-01-15T07%3A55%3A00Z&se=2027-01-15T09%3A00%3A00Z&sr=b&sp=r&sig=")), "{query}");
        let write = blob_service_sas(
            &key,
            "box/a",
            BlobPermission::Write,
            now,
            Duration::from_secs(60),
        );
        assert!(write.contains("&sp=cw&"));
    }

    #[test]
    fn tokens_need_a_signature_and_stay_secret() {
        assert!(SasSigner::new(&Secret::new("sv=2021-08-06&se=x")).is_err());
        let signer = SasSigner::new(&Secret::new("?sv=2021-08-06&sig=c2lnbmF0dXJl")).unwrap();
        assert!(!format!("{signer:?}").contains("c2lnbmF0dXJl"));
        assert!(
            signer
                .secrets()
                .iter()
                .any(|s| s.expose() == "c2lnbmF0dXJl")
        );
    }
}
