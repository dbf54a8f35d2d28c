//! Azure Storage connection strings, as the portal, the Azure CLI and
//! Azurite hand them out: `Key=Value` pairs separated by `;`.
//!
//! Only what Blob Storage needs is read: the account, its key or a SAS, and
//! the blob endpoint (given, or made from the protocol and endpoint suffix).
//! `UseDevelopmentStorage=true` is Azurite's well-known account on its
//! default port.

use cloud_core::{Error, Result, Secret};

/// Azurite's well-known development account (public: Microsoft documents it).
pub const DEVELOPMENT_ACCOUNT: &str = "devstoreaccount1";

/// The key of [`DEVELOPMENT_ACCOUNT`] (public: Microsoft documents it).
pub const DEVELOPMENT_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/// Where Azurite's blob service listens by default.
const DEVELOPMENT_BLOB_ENDPOINT: &str = "http://127.0.0.1:10000/devstoreaccount1";

/// A parsed connection string. `Debug` shows neither the key nor the SAS.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnectionString {
    /// `AccountName`.
    pub account: Option<String>,
    /// `AccountKey`.
    pub key: Option<Secret>,
    /// `SharedAccessSignature`, without a leading `?`.
    pub sas: Option<Secret>,
    /// `BlobEndpoint`, or the one made from `DefaultEndpointsProtocol`,
    /// the account and `EndpointSuffix`.
    pub blob_endpoint: Option<String>,
}

impl ConnectionString {
    /// Parses `text`. Errors name the offending key, never a value.
    ///
    /// ```
    /// use cloud_azure::ConnectionString;
    ///
    /// let c = ConnectionString::parse(
    ///     "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=a2V5;EndpointSuffix=core.windows.net",
    /// )?;
    /// assert_eq!(c.blob_endpoint.as_deref(), Some("https://acme.blob.core.windows.net"));
    /// assert!(!format!("{c:?}").contains("a2V5"));
    /// # Ok::<(), cloud_core::Error>(())
    /// ```
    pub fn parse(text: &str) -> Result<Self> {
        let mut account = None;
        let mut key = None;
        let mut sas = None;
        let mut blob_endpoint = None;
        let mut protocol = None;
        let mut suffix = None;
        let mut development = false;
        for pair in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((name, value)) = pair.split_once('=') else {
                return Err(Error::invalid_input(
                    "the Azure connection string has a part without `=`",
                ));
            };
            let value = value.trim();
            match name.trim().to_ascii_lowercase().as_str() {
                "accountname" => account = Some(value.to_owned()),
                "accountkey" => key = Some(Secret::new(value)),
                "sharedaccesssignature" => {
                    sas = Some(Secret::new(value.trim_start_matches('?')));
                }
                "blobendpoint" => blob_endpoint = Some(value.trim_end_matches('/').to_owned()),
                "defaultendpointsprotocol" => protocol = Some(value.to_ascii_lowercase()),
                "endpointsuffix" => suffix = Some(value.to_owned()),
                "usedevelopmentstorage" => development = value.eq_ignore_ascii_case("true"),
                // Other services' endpoints and settings are not Blob's.
                _ => {}
            }
        }
        if development {
            return Ok(ConnectionString {
                account: Some(DEVELOPMENT_ACCOUNT.to_owned()),
                key: Some(Secret::new(DEVELOPMENT_KEY)),
                sas: None,
                blob_endpoint: Some(
                    blob_endpoint.unwrap_or_else(|| DEVELOPMENT_BLOB_ENDPOINT.into()),
                ),
            });
        }
        if blob_endpoint.is_none()
            && let Some(name) = &account
        {
            let protocol = protocol.as_deref().unwrap_or("https");
            if !matches!(protocol, "https" | "http") {
                return Err(Error::invalid_input(
                    "DefaultEndpointsProtocol must be https or http",
                ));
            }
            let suffix = suffix.as_deref().unwrap_or("core.windows.net");
            blob_endpoint = Some(format!("{protocol}://{name}.blob.{suffix}"));
        }
        if key.is_none() && sas.is_none() && blob_endpoint.is_none() {
            return Err(Error::invalid_input(
                "the Azure connection string names no account, key, SAS nor BlobEndpoint",
            ));
        }
        Ok(ConnectionString {
            account,
            key,
            sas,
            blob_endpoint,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn azurite_strings_parse() {
        let dev = ConnectionString::parse("UseDevelopmentStorage=true").unwrap();
        assert_eq!(dev.account.as_deref(), Some(DEVELOPMENT_ACCOUNT));
        assert_eq!(
            dev.blob_endpoint.as_deref(),
            Some("http://127.0.0.1:10000/devstoreaccount1")
        );
        let full = ConnectionString::parse(&format!(
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={DEVELOPMENT_KEY};\
             BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1/;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;"
        ))
        .unwrap();
        assert_eq!(
            full.blob_endpoint.as_deref(),
            Some("http://127.0.0.1:10000/devstoreaccount1")
        );
        assert_eq!(full.key.as_ref().map(Secret::expose), Some(DEVELOPMENT_KEY));
        assert!(!format!("{full:?}").contains(DEVELOPMENT_KEY));
    }

    #[test]
    fn sas_strings_and_errors() {
        let sas = ConnectionString::parse(
            "BlobEndpoint=https://acme.blob.core.windows.net;SharedAccessSignature=?sv=2021-08-06&sig=abc",
        )
        .unwrap();
        assert_eq!(
            sas.sas.as_ref().map(Secret::expose),
            Some("sv=2021-08-06&sig=abc")
        );
        assert!(!format!("{sas:?}").contains("sig=abc"));
        for bad in [
            "AccountName",
            "Foo=bar",
            "",
            "AccountName=a;DefaultEndpointsProtocol=ftp",
        ] {
            let err = ConnectionString::parse(bad).unwrap_err();
            assert!(!err.message().is_empty(), "{bad}");
        }
        let secret = ConnectionString::parse("AccountKey=s3cr3t;Broken").unwrap_err();
        assert!(!secret.to_string().contains("s3cr3t"));
    }
}
