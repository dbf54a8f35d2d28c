//! Google Cloud for `cloud` (issue 16, in progress).
//!
//! This first step is Google's credential chain, as `gcloud` and Google's
//! client libraries find credentials: `GOOGLE_APPLICATION_CREDENTIALS`, then
//! gcloud's application-default credentials file, then the metadata server
//! of the machine (GCE, GKE, Cloud Run). Service-account keys sign an RS256
//! JWT exchanged at the token URI, authorized users exchange their refresh
//! token, and the metadata server hands out tokens itself; every token is
//! cached and renewed ahead of expiry, once for all callers. The Cloud
//! Storage, Compute Engine, Cloud DNS and load-balancing drivers build on it
//! and are not written yet, so the crate is not in the umbrella's providers.
//!
//! ```no_run
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> cloud_core::Result<()> {
//! use cloud_core::credential::CredentialProvider;
//! use cloud_google::GoogleCredentials;
//!
//! let credentials = GoogleCredentials::from_env(&cloud_core::Environment::process())?
//!     .build(&cloud_core::http::ClientOptions::new())?;
//! println!("{} for project {:?}", credentials.source(), credentials.project_id());
//! let token = credentials.provider().credential().await?;
//! # let _ = token;
//! # Ok(()) }
//! ```

mod credential;

pub use credential::{
    AccessToken, BearerToken, GoogleCredentialProvider, GoogleCredentials, ResolvedCredentials,
    SCOPE_CLOUD_PLATFORM,
};

/// The provider name in the registry.
pub const PROVIDER: &str = "google";
