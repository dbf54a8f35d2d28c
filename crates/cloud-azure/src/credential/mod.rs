//! Which credentials a Blob Storage client sends, and how they are found
//! when none are given: as Azure's SDKs and the Azure CLI find them, from
//! `AZURE_STORAGE_CONNECTION_STRING`, then `AZURE_STORAGE_ACCOUNT` with
//! `AZURE_STORAGE_KEY` or `AZURE_STORAGE_SAS_TOKEN`.

pub(crate) mod connection_string;
pub(crate) mod sas;
pub(crate) mod shared_key;

use std::sync::Arc;

use cloud_core::http::Signer;
use cloud_core::secret::Redactor;
use cloud_core::{Environment, Error, Result, Secret};

pub use connection_string::{ConnectionString, DEVELOPMENT_ACCOUNT, DEVELOPMENT_KEY};
pub(crate) use shared_key::AccountKey;

/// How a client's requests are authorized.
pub(crate) struct Authorization {
    /// What signs each request (`None`: anonymous).
    pub(crate) signer: Option<Arc<dyn Signer>>,
    /// The account key, when there is one (it signs URLs).
    pub(crate) key: Option<AccountKey>,
}

/// The credentials of a storage account.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum StorageCredentials {
    /// The account name and its (base64) access key: every request is
    /// signed with SharedKey, and signed URLs can be made.
    SharedKey {
        /// The storage account's name.
        account: String,
        /// One of its two access keys.
        key: Secret,
    },
    /// A SAS token (`sv=...&sig=...`) sent with every request; it cannot
    /// sign URLs.
    Sas(Secret),
    /// Nothing: public containers, or an emulator that checks nothing.
    Anonymous,
}

impl StorageCredentials {
    /// SharedKey credentials.
    pub fn shared_key(account: impl Into<String>, key: impl Into<String>) -> Self {
        StorageCredentials::SharedKey {
            account: account.into(),
            key: Secret::new(key),
        }
    }

    /// A SAS token.
    pub fn sas(token: impl Into<String>) -> Self {
        StorageCredentials::Sas(Secret::new(token))
    }

    /// The credentials of a connection string: its key when it has one,
    /// else its SAS.
    pub fn from_connection_string(connection: &ConnectionString) -> Result<Self> {
        match (&connection.account, &connection.key, &connection.sas) {
            (Some(account), Some(key), _) => Ok(StorageCredentials::SharedKey {
                account: account.clone(),
                key: key.clone(),
            }),
            (_, _, Some(sas)) => Ok(StorageCredentials::Sas(sas.clone())),
            (None, Some(_), None) => Err(Error::invalid_input(
                "the Azure connection string has an AccountKey but no AccountName",
            )),
            _ => Ok(StorageCredentials::Anonymous),
        }
    }

    /// What the environment gives, as Azure's tools read it; `None` when
    /// it gives nothing. Returns the connection string too, for its endpoint.
    pub(crate) fn from_env(env: &Environment) -> Result<Option<(Self, Option<ConnectionString>)>> {
        let var = |name: &str| env.var(name).filter(|v| !v.trim().is_empty());
        if let Some(text) = var("AZURE_STORAGE_CONNECTION_STRING") {
            let connection = ConnectionString::parse(&text).map_err(|e| {
                e.with_message("AZURE_STORAGE_CONNECTION_STRING is not a connection string")
            })?;
            let credentials = Self::from_connection_string(&connection)?;
            return Ok(Some((credentials, Some(connection))));
        }
        let Some(account) = var("AZURE_STORAGE_ACCOUNT") else {
            return Ok(None);
        };
        if let Some(key) = var("AZURE_STORAGE_KEY") {
            return Ok(Some((Self::shared_key(account, key), None)));
        }
        if let Some(token) = var("AZURE_STORAGE_SAS_TOKEN") {
            return Ok(Some((Self::sas(token), None)));
        }
        Ok(None)
    }

    /// How requests are authorized with these credentials; signatures
    /// made per request go to `redactor`.
    pub(crate) fn authorization(&self, redactor: &Redactor) -> Result<Authorization> {
        Ok(match self {
            StorageCredentials::SharedKey { account, key } => {
                let key = AccountKey::new(account, key)?;
                Authorization {
                    signer: Some(Arc::new(shared_key::SharedKeySigner::new(
                        key.clone(),
                        redactor.clone(),
                    ))),
                    key: Some(key),
                }
            }
            StorageCredentials::Sas(token) => Authorization {
                signer: Some(Arc::new(sas::SasSigner::new(token)?)),
                key: None,
            },
            StorageCredentials::Anonymous => Authorization {
                signer: None,
                key: None,
            },
        })
    }

    /// The account these credentials name, if they name one.
    pub(crate) fn account(&self) -> Option<&str> {
        match self {
            StorageCredentials::SharedKey { account, .. } => Some(account),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_is_read_in_order() {
        let env = Environment::from_vars([
            (
                "AZURE_STORAGE_CONNECTION_STRING",
                "UseDevelopmentStorage=true",
            ),
            ("AZURE_STORAGE_ACCOUNT", "other"),
            ("AZURE_STORAGE_KEY", "a2V5"),
        ]);
        let (credentials, connection) = StorageCredentials::from_env(&env).unwrap().unwrap();
        assert_eq!(credentials.account(), Some(DEVELOPMENT_ACCOUNT));
        assert!(connection.is_some());
        let env = Environment::from_vars([
            ("AZURE_STORAGE_ACCOUNT", "acme"),
            ("AZURE_STORAGE_KEY", "a2V5"),
        ]);
        let (credentials, _) = StorageCredentials::from_env(&env).unwrap().unwrap();
        assert_eq!(credentials.account(), Some("acme"));
        let env = Environment::from_vars([
            ("AZURE_STORAGE_ACCOUNT", "acme"),
            ("AZURE_STORAGE_SAS_TOKEN", "sv=1&sig=x"),
        ]);
        let (credentials, _) = StorageCredentials::from_env(&env).unwrap().unwrap();
        assert!(matches!(credentials, StorageCredentials::Sas(_)));
        let none = Environment::from_vars(Vec::<(String, String)>::new());
        assert!(StorageCredentials::from_env(&none).unwrap().is_none());
        let broken =
            Environment::from_vars([("AZURE_STORAGE_CONNECTION_STRING", "AccountKey=zzzsecret;x")]);
        let err = StorageCredentials::from_env(&broken).unwrap_err();
        assert!(!err.to_string().contains("zzzsecret"), "{err}");
    }
}
