//! How a request is authenticated: a hook called for every attempt, so
//! time-based signatures are made afresh and a refused token renewed once.

use std::fmt::Debug;

use async_trait::async_trait;

use super::body::Body;
use crate::error::Result;

/// Adds authentication to each attempt of a request (SigV4, tokens...).
///
/// Called again for every retry, so time-based signatures stay fresh.
///
/// ```
/// use std::sync::Arc;
/// use cloud_core::http::{Body, HttpClient, Request, Signer};
/// use cloud_core::{Result, Secret};
///
/// /// Sends a bearer token; the token is a `Secret`, so `Debug` hides it.
/// #[derive(Debug)]
/// struct Bearer(Secret);
///
/// #[async_trait::async_trait]
/// impl Signer for Bearer {
///     async fn sign(&self, request: &mut Request<Body>) -> Result<()> {
///         let value = format!("Bearer {}", self.0.expose());
///         let value = value.parse().map_err(|_| cloud_core::Error::invalid_input("bad token"))?;
///         request.headers_mut().insert("authorization", value);
///         Ok(())
///     }
/// }
///
/// let client = HttpClient::builder("example").signer(Arc::new(Bearer(Secret::new("t0k3n")))).build()?;
/// assert!(!format!("{client:?}").contains("t0k3n"));
/// # Ok::<(), cloud_core::Error>(())
/// ```
#[async_trait]
pub trait Signer: Debug + Send + Sync {
    /// Adds headers or query parameters that authenticate `request`.
    async fn sign(&self, request: &mut http::Request<Body>) -> Result<()>;

    /// Called once when the server answers 401: drop cached credentials and
    /// return `true` if fresh ones may succeed, which retries the request once.
    async fn refresh(&self) -> Result<bool> {
        Ok(false)
    }

    /// The long-lived credentials this signer sends (a password, a key, the
    /// header value made from them). The client registers them with its
    /// redactor when it is built, so no signer can be used without them
    /// being cut out of what the client hands back.
    fn secrets(&self) -> Vec<crate::Secret> {
        Vec::new()
    }
}
