//! The one place every portable handle passes through before reaching a driver.
//!
//! It refuses operations the driver did not declare (so a driver's default
//! `Unsupported` body and its declaration can never disagree at run time),
//! opens a tracing span named after the operation, and logs failures at debug
//! level. Errors are logged through their `Display`, which never contains a
//! credential.

use std::future::Future;

use tracing::Instrument;

use crate::capability::Capability;
use crate::error::{Error, Result};

/// Runs `call` if the driver declares `capability`, inside a tracing span;
/// a failure has the driver's credentials scrubbed from it before it is
/// logged or returned.
pub(crate) async fn invoke<D, T, F, Fut>(driver: &D, capability: Capability, call: F) -> Result<T>
where
    D: ?Sized + crate::Driver,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let provider = driver.provider();
    if !driver.capabilities().contains(capability) {
        return Err(Error::unsupported(provider, capability));
    }
    let span = tracing::debug_span!("cloud", provider, op = capability.name());
    let result = call()
        .instrument(span)
        .await
        .map_err(|e| match driver.redactor() {
            Some(redactor) => redactor.scrub(e),
            None => e,
        });
    if let Err(err) = &result {
        tracing::debug!(provider, op = capability.name(), error = %err, "operation failed");
    }
    result
}

/// Refuses an empty or control-character-laden identifier before any request.
pub(crate) fn check_id(what: &str, id: &str) -> Result<()> {
    if id.is_empty() {
        return Err(Error::invalid_input(format!("{what} must not be empty")));
    }
    if id.len() > 1024 {
        return Err(Error::invalid_input(format!(
            "{what} is {} bytes long; the limit is 1024",
            id.len()
        )));
    }
    if id.chars().any(char::is_control) {
        return Err(Error::invalid_input(format!(
            "{what} must not contain control characters"
        )));
    }
    Ok(())
}

/// A lazy listing over `fetch`, each page passing through [`invoke`] (so
/// the capability check and tracing apply to every page request).
pub(crate) fn list_pages<D, T, F, Fut>(
    driver: std::sync::Arc<D>,
    capability: Capability,
    size: Option<u32>,
    fetch: F,
) -> crate::paging::ListStream<T>
where
    D: ?Sized + crate::Driver + Send + Sync + 'static,
    T: Send + 'static,
    F: Fn(std::sync::Arc<D>, crate::PageRequest) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<crate::Page<T>>> + Send + 'static,
{
    let provider = driver.provider().to_owned();
    let fetch = std::sync::Arc::new(fetch);
    crate::paging::paginate(size, &provider, move |request| {
        let driver = driver.clone();
        let fetch = fetch.clone();
        async move {
            let call = fetch(driver.clone(), request);
            invoke(&*driver, capability, || call).await
        }
    })
}
