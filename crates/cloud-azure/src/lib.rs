//! Microsoft Azure for `cloud`: Blob Storage as a portable storage driver.
//!
//! Credentials are found as Azure's SDKs and the Azure CLI find them for
//! storage: a connection string (`AZURE_STORAGE_CONNECTION_STRING`;
//! `UseDevelopmentStorage=true` is Azurite), or `AZURE_STORAGE_ACCOUNT`
//! with `AZURE_STORAGE_KEY` or `AZURE_STORAGE_SAS_TOKEN`. An account key
//! signs every request with SharedKey (afresh for each attempt) and signs
//! URLs as service SAS; a SAS token rides in every request's query.
//!
//! - Uploads are block blobs: one Put Blob with its MD5 for small bodies;
//!   otherwise blocks staged concurrently (each with its MD5) and committed
//!   with one Put Block List, so the blob appears whole or not at all.
//! - Blob ETags are the portable etags: If-Match and create-only writes
//!   are the service's own conditions.
//! - Copies are Copy Blob, followed until the service reports them done.
//!
//! ```no_run
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> cloud_core::Result<()> {
//! use cloud_azure::AzureBuilder;
//! use cloud_core::{Storage, UploadOptions};
//!
//! let azure = AzureBuilder::new().connection_string("UseDevelopmentStorage=true")?.build()?;
//! let storage = Storage::new(azure.blob_storage());
//! storage.create_container("reports").await?;
//! storage
//!     .upload_bytes("reports", "hello.txt", "hello", &UploadOptions::new())
//!     .await?;
//! # Ok(()) }
//! ```

pub mod blob;
mod config;
mod credential;
mod error;

use cloud_core::{Api, ExtraOperation, ProviderDescription};

pub use blob::BlobStorage;
pub use config::{
    Azure, AzureBuilder, BlockUploadConfig, CONFIG_OPTIONS, MAX_BLOCK_SIZE, MAX_BLOCKS,
};
pub use credential::{ConnectionString, DEVELOPMENT_ACCOUNT, DEVELOPMENT_KEY, StorageCredentials};

/// The provider name in the registry.
pub const PROVIDER: &str = "azure";

/// The Blob service version every request asks for (`x-ms-version`), and
/// the version of the SAS this crate signs.
pub const API_VERSION: &str = "2021-08-06";

/// What this provider offers, for the registry and the provider matrix.
pub const DESCRIPTION: ProviderDescription = ProviderDescription {
    name: PROVIDER,
    title: "Microsoft Azure: Blob Storage (SharedKey or SAS, staged block uploads, service SAS URLs)",
    feature: "azure",
    compute: None,
    storage: Some(blob::CAPABILITIES),
    load_balancer: None,
    dns: None,
    extras: &[ExtraOperation {
        api: Api::Storage,
        name: "ex_uncommitted_blocks",
        description: "The blocks of a blob staged but not committed",
    }],
    options: CONFIG_OPTIONS,
};

/// The registry's entry.
pub const ENTRY: cloud_core::provider::Provider = cloud_core::provider::Provider::new(DESCRIPTION)
    .with_storage(|c| {
        Ok(cloud_core::Storage::new(
            AzureBuilder::from_config(c)?.build()?.blob_storage(),
        ))
    });
