//! What every driver is, whatever its API: a named provider that declares
//! the operations it implements and the credentials it holds.
//!
//! One supertrait under the four API traits, so the handles' shared
//! plumbing (the capability gate, tracing span and error scrubbing in
//! `invoke`) is written once for any driver.

use std::fmt::Debug;

use crate::capability::Capabilities;
use crate::secret::Redactor;

/// The part of every driver the handles and the registry need.
///
/// ```
/// use cloud_core::{Capabilities, Driver};
///
/// #[derive(Debug)]
/// struct Example;
///
/// impl Driver for Example {
///     fn provider(&self) -> &str { "example" }
///     fn capabilities(&self) -> Capabilities { Capabilities::NONE }
/// }
///
/// assert_eq!(Example.provider(), "example");
/// assert!(Example.redactor().is_none());
/// ```
pub trait Driver: Debug + Send + Sync {
    /// The provider name, as in the registry (`memory`, `aws`, ...).
    fn provider(&self) -> &str;

    /// The operations this driver implements.
    fn capabilities(&self) -> Capabilities;

    /// The credentials this driver holds (keys, tokens, passwords), which
    /// the handle cuts out of every error before returning it, in case a
    /// server echoed one. Drivers without credentials keep the default.
    fn redactor(&self) -> Option<&Redactor> {
        None
    }
}
