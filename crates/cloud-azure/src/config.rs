//! Building an Azure client: which storage account, whose credentials,
//! which endpoint, and how uploads are cut into blocks.
//!
//! Credentials are the builder's, else a connection string's, else what
//! Azure's tools read from the environment (`credential`); the endpoint is
//! the builder's, else the connection string's, else the account's public
//! one (`https://<account>.blob.core.windows.net`).

use std::sync::Arc;

use cloud_core::http::{ClientOptions, HttpClient};
use cloud_core::secret::Redactor;
use cloud_core::unique::TokenSource;
use cloud_core::{Environment, Error, ProviderConfig, Result, Secret, Url};

use crate::PROVIDER;
use crate::blob::BlobStorage;
use crate::credential::{AccountKey, ConnectionString, StorageCredentials};

/// The Blob service's most blocks in one blob.
pub const MAX_BLOCKS: u32 = 50_000;

/// The Blob service's largest block (4000 MiB).
pub const MAX_BLOCK_SIZE: u64 = 4000 * 1024 * 1024;

cloud_core::provider_options! {
    /// The options of [`CONFIG_OPTIONS`], typed.
    struct Options;
    /// Options `AzureBuilder::from_config` reads, besides `key` (the
    /// storage account), `secret` (its access key) and `endpoint` (the
    /// blob endpoint).
    pub const CONFIG_OPTIONS;

    /// Storage connection string (default: AZURE_STORAGE_CONNECTION_STRING; `UseDevelopmentStorage=true` is Azurite)
    connection_string: Option<Secret> = Text, secret;
    /// SAS token sent with every request instead of the account key
    sas_token: Option<Secret> = Text, secret;
    /// Send no credentials (public containers)
    anonymous: bool = Bool;
    /// Bodies up to this many bytes go in one Put Blob; larger ones in blocks
    single_put_limit: u64 = Number("8388608");
    /// Bytes per staged block (grown for a body of known length that needs more than 50,000)
    block_size: u64 = Number("4194304");
    /// Blocks in flight at once
    concurrency: u64 = Number("4");
}

/// How Blob uploads are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct BlockUploadConfig {
    /// Bodies of known length up to this go in one Put Blob, with their
    /// MD5 for the service to check; longer or unsized ones as blocks.
    pub single_put_limit: u64,
    /// Bytes per block. A stream's blocks are held in memory until sent
    /// (about `(concurrency + 1) * block_size` at most); a file's blocks
    /// are ranges read when sent.
    pub block_size: u64,
    /// Blocks in flight at once.
    pub concurrency: usize,
}

impl Default for BlockUploadConfig {
    fn default() -> Self {
        let defaults = Options::defaults();
        BlockUploadConfig {
            single_put_limit: defaults.single_put_limit,
            block_size: defaults.block_size,
            concurrency: usize::try_from(defaults.concurrency).unwrap_or(4),
        }
    }
}

impl BlockUploadConfig {
    /// A configuration with these limits (checked when the client is built).
    pub fn new(single_put_limit: u64, block_size: u64, concurrency: usize) -> Self {
        BlockUploadConfig {
            single_put_limit,
            block_size,
            concurrency,
        }
    }

    /// This configuration with the block size and threshold one upload asks for.
    pub(crate) fn for_upload(mut self, options: &cloud_core::UploadOptions) -> Result<Self> {
        if let Some(size) = options.part_size_value() {
            self.block_size = size;
        }
        if let Some(limit) = options.multipart_threshold_value() {
            self.single_put_limit = limit;
        }
        self.check()?;
        Ok(self)
    }

    pub(crate) fn check(&self) -> Result<()> {
        if self.block_size == 0 || self.concurrency == 0 {
            return Err(Error::invalid_input(
                "block size and concurrency must be positive",
            ));
        }
        if self.block_size > MAX_BLOCK_SIZE {
            return Err(Error::invalid_input(format!(
                "Azure blocks are at most {MAX_BLOCK_SIZE} bytes"
            )));
        }
        Ok(())
    }
}

/// Which credentials a client uses.
#[derive(Debug, Clone)]
enum Credentials {
    /// The connection string's, else the environment's, resolved when built.
    Chain,
    Given(StorageCredentials),
}

/// Options for an Azure client.
///
/// ```
/// use cloud_azure::{AzureBuilder, StorageCredentials};
/// use cloud_core::Storage;
///
/// let azure = AzureBuilder::new()
///     .credentials(StorageCredentials::shared_key("acme", "a2V5"))
///     .build()?;
/// assert_eq!(azure.blob_endpoint().as_str(), "https://acme.blob.core.windows.net/");
/// let storage = Storage::new(azure.blob_storage());
/// # Ok::<(), cloud_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct AzureBuilder {
    credentials: Credentials,
    connection_string: Option<ConnectionString>,
    endpoint: Option<String>,
    upload: BlockUploadConfig,
    env: Environment,
    options: ClientOptions,
    sequential_tokens: Option<String>,
}

impl Default for AzureBuilder {
    fn default() -> Self {
        AzureBuilder {
            credentials: Credentials::Chain,
            connection_string: None,
            endpoint: None,
            upload: BlockUploadConfig::default(),
            env: Environment::process(),
            options: ClientOptions::new(),
            sequential_tokens: None,
        }
    }
}

impl AzureBuilder {
    /// Credentials and endpoint from Azure's environment variables.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads a `ProviderConfig`: `key` and `secret` are the storage
    /// account and its access key, `endpoint` the blob endpoint, and
    /// [`CONFIG_OPTIONS`]; any other option is refused, by name.
    pub fn from_config(config: &ProviderConfig) -> Result<Self> {
        let options = Options::read(config, PROVIDER)?;
        let mut builder = AzureBuilder::new();
        let given = [
            config.secret_value().is_some(),
            options.sas_token.is_some(),
            options.anonymous,
        ];
        if given.iter().filter(|g| **g).count() > 1 {
            return Err(Error::invalid_input(
                "give one of an account key (secret), sas_token and anonymous",
            ));
        }
        if let Some(text) = &options.connection_string {
            builder = builder.connection_string(text.expose())?;
        }
        let account = config.key_value().map(|k| k.expose().to_owned());
        match (
            account,
            config.secret_value(),
            options.sas_token,
            options.anonymous,
        ) {
            (Some(account), Some(key), _, _) => {
                builder = builder.credentials(StorageCredentials::SharedKey {
                    account,
                    key: key.clone(),
                });
            }
            (None, Some(_), _, _) => {
                return Err(Error::invalid_input(
                    "an Azure account key (secret) needs the account name (key)",
                ));
            }
            (_, None, Some(token), _) => {
                builder = builder.credentials(StorageCredentials::Sas(token));
            }
            (_, None, None, true) => builder = builder.credentials(StorageCredentials::Anonymous),
            (Some(account), None, None, false) => builder = builder.account(account),
            (None, None, None, false) => {}
        }
        if let Some(endpoint) = config.endpoint_str() {
            builder = builder.blob_endpoint(endpoint);
        }
        builder.upload = BlockUploadConfig {
            single_put_limit: options.single_put_limit,
            block_size: options.block_size,
            concurrency: usize::try_from(options.concurrency).unwrap_or(usize::MAX),
        };
        builder.options = builder.options.overridden_by(config);
        Ok(builder)
    }

    /// Uses these credentials instead of the connection string's or the
    /// environment's.
    #[must_use]
    pub fn credentials(mut self, credentials: StorageCredentials) -> Self {
        self.credentials = Credentials::Given(credentials);
        self
    }

    /// Takes the credentials and blob endpoint of a connection string
    /// (`UseDevelopmentStorage=true` is Azurite on its default port).
    pub fn connection_string(mut self, text: &str) -> Result<Self> {
        self.connection_string = Some(ConnectionString::parse(text)?);
        Ok(self)
    }

    /// The storage account, for its public endpoint when no other is
    /// given (credentials from the environment).
    #[must_use]
    pub fn account(mut self, account: impl Into<String>) -> Self {
        let account = account.into();
        if self.endpoint.is_none() {
            self.endpoint = Some(format!("https://{account}.blob.core.windows.net"));
        }
        self
    }

    /// The blob endpoint: `https://<account>.blob.core.windows.net`, a
    /// sovereign cloud's, or an emulator's with the account in its path
    /// (`http://127.0.0.1:10000/devstoreaccount1`); `http://` only here.
    #[must_use]
    pub fn blob_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// How uploads are cut (checked when the client is built).
    #[must_use]
    pub fn upload_config(mut self, config: BlockUploadConfig) -> Self {
        self.upload = config;
        self
    }

    /// Where Azure's variables are read from (the process environment by default).
    #[must_use]
    pub fn environment(mut self, env: Environment) -> Self {
        self.env = env;
        self
    }

    cloud_core::client_option_setters!(options);

    /// Makes block ids `prefix-0`, `prefix-1`... so recorded exchanges
    /// replay byte for byte. For tests only: two uploads of one blob at
    /// once would mix their blocks.
    #[doc(hidden)]
    #[must_use]
    pub fn sequential_tokens(mut self, prefix: impl Into<String>) -> Self {
        self.sequential_tokens = Some(prefix.into());
        self
    }

    /// The credentials: the builder's, the connection string's, the environment's.
    fn resolve(&self) -> Result<(StorageCredentials, Option<ConnectionString>)> {
        if let Credentials::Given(c) = &self.credentials {
            return Ok((c.clone(), self.connection_string.clone()));
        }
        if let Some(connection) = &self.connection_string {
            let credentials = StorageCredentials::from_connection_string(connection)?;
            return Ok((credentials, Some(connection.clone())));
        }
        match StorageCredentials::from_env(&self.env)? {
            Some(found) => Ok(found),
            None => Err(Error::new(
                cloud_core::ErrorKind::InvalidCredentials,
                "no Azure storage credentials: give an account and key, a SAS token or a \
                 connection string (AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT \
                 with AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN)",
            )
            .with_provider(PROVIDER)),
        }
    }

    /// Resolves the credentials and endpoint and builds the client.
    pub fn build(self) -> Result<Azure> {
        self.upload.check()?;
        let (credentials, connection) = self.resolve()?;
        let env_account = self
            .env
            .var("AZURE_STORAGE_ACCOUNT")
            .filter(|a| !a.trim().is_empty());
        let account = credentials
            .account()
            .map(str::to_owned)
            .or_else(|| connection.as_ref().and_then(|c| c.account.clone()))
            .or(env_account);
        let (text, explicit) = match (
            &self.endpoint,
            connection.as_ref().and_then(|c| c.blob_endpoint.clone()),
            &account,
        ) {
            (Some(e), _, _) => (e.clone(), true),
            (None, Some(e), _) => (e, true),
            (None, None, Some(a)) => (format!("https://{a}.blob.core.windows.net"), false),
            (None, None, None) => {
                return Err(Error::invalid_input(
                    "no Azure blob endpoint: give the account or the endpoint",
                ));
            }
        };
        let endpoint = parse_endpoint(&text, explicit)?;
        let redactor = Redactor::new();
        let crate::credential::Authorization { signer, key } =
            credentials.authorization(&redactor)?;
        let mut http = HttpClient::builder(PROVIDER)
            .options(self.options.proxy_from(&self.env))
            .classifier(Arc::new(crate::error::AzureRetryClassifier))
            .allow_http(endpoint.scheme() == "http");
        if let Some(signer) = signer {
            for secret in signer.secrets() {
                redactor.add(&secret);
            }
            http = http.signer(signer);
        }
        let http = http.redactor(redactor).build()?;
        let tokens = match self.sequential_tokens {
            Some(prefix) => TokenSource::sequential(prefix),
            None => TokenSource::Unique,
        };
        Ok(Azure {
            shared: Arc::new(Shared {
                http,
                endpoint,
                key,
                sas: match &credentials {
                    StorageCredentials::Sas(token) => {
                        Some(Secret::new(token.expose().trim().trim_start_matches('?')))
                    }
                    _ => None,
                },
                upload: self.upload,
                tokens,
            }),
        })
    }
}

/// Checks an endpoint: http(s), a host, no query; `http` only when given.
fn parse_endpoint(text: &str, explicit: bool) -> Result<Url> {
    let url = Url::parse(text.trim_end_matches('/'))
        .map_err(|e| Error::invalid_input(format!("invalid Azure blob endpoint `{text}`: {e}")))?;
    if !matches!(url.scheme(), "https" | "http")
        || url.host_str().is_none()
        || url.query().is_some()
    {
        return Err(Error::invalid_input(format!(
            "invalid Azure blob endpoint `{text}`: not an http(s) URL without a query"
        )));
    }
    if url.scheme() == "http" && !explicit {
        return Err(Error::invalid_input("Azure's public endpoints are https"));
    }
    Ok(url)
}

/// What every service of one client shares.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) http: HttpClient,
    /// The blob endpoint, without a trailing slash in its path.
    pub(crate) endpoint: Url,
    /// The account key, when the client has one (signs URLs).
    pub(crate) key: Option<AccountKey>,
    /// The SAS token, when the client sends one (copy sources need it too).
    pub(crate) sas: Option<Secret>,
    pub(crate) upload: BlockUploadConfig,
    /// Where block-id prefixes come from.
    pub(crate) tokens: TokenSource,
}

/// An Azure client: one storage account's credentials and endpoint, from
/// which each service's driver is taken.
#[derive(Debug, Clone)]
pub struct Azure {
    shared: Arc<Shared>,
}

impl Azure {
    /// Blob Storage as a storage driver.
    pub fn blob_storage(&self) -> BlobStorage {
        BlobStorage::new(self.shared.clone())
    }

    /// The blob endpoint requests go to.
    pub fn blob_endpoint(&self) -> &Url {
        &self.shared.endpoint
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credential::{DEVELOPMENT_ACCOUNT, DEVELOPMENT_KEY};

    fn no_env() -> Environment {
        Environment::from_vars(Vec::<(String, String)>::new())
    }

    #[test]
    fn endpoints_come_from_the_builder_the_connection_string_or_the_account() {
        let azurite = AzureBuilder::new()
            .environment(no_env())
            .connection_string("UseDevelopmentStorage=true")
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(
            azurite.blob_endpoint().as_str(),
            "http://127.0.0.1:10000/devstoreaccount1"
        );
        let env = Environment::from_vars([
            ("AZURE_STORAGE_ACCOUNT", "acme"),
            ("AZURE_STORAGE_KEY", "a2V5"),
        ]);
        let public = AzureBuilder::new().environment(env).build().unwrap();
        assert_eq!(
            public.blob_endpoint().as_str(),
            "https://acme.blob.core.windows.net/"
        );
        let err = AzureBuilder::new()
            .environment(no_env())
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), &cloud_core::ErrorKind::InvalidCredentials);
        let plain = AzureBuilder::new()
            .environment(no_env())
            .credentials(StorageCredentials::Anonymous)
            .blob_endpoint("ftp://x")
            .build();
        assert!(plain.is_err());
    }

    #[test]
    fn config_options_are_checked() {
        let config = ProviderConfig::new()
            .key(DEVELOPMENT_ACCOUNT)
            .secret(DEVELOPMENT_KEY)
            .endpoint("http://127.0.0.1:10000/devstoreaccount1")
            .option("block_size", "1048576");
        let b = AzureBuilder::from_config(&config).unwrap();
        assert_eq!(b.upload.block_size, 1_048_576);
        assert!(b.environment(no_env()).build().is_ok());
        let both = ProviderConfig::new()
            .key("a")
            .secret("a2V5")
            .option("sas_token", "sv=1&sig=x");
        assert!(AzureBuilder::from_config(&both).is_err());
        let typo = ProviderConfig::new().option("blocksize", "1");
        assert!(AzureBuilder::from_config(&typo).is_err());
        let zero = ProviderConfig::new()
            .option("anonymous", "true")
            .option("concurrency", "0");
        let err = AzureBuilder::from_config(&zero)
            .unwrap()
            .environment(no_env())
            .blob_endpoint("https://acme.blob.core.windows.net")
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("positive"), "{err}");
        let bad_key = ProviderConfig::new()
            .key("acme")
            .secret("not base64 at all!");
        let err = AzureBuilder::from_config(&bad_key)
            .unwrap()
            .environment(no_env())
            .build()
            .unwrap_err();
        assert!(!err.to_string().contains("not base64 at all!"), "{err}");
    }
}
