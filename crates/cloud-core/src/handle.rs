//! The one generic handle under the four portable ones.
//!
//! [`Storage`](crate::Storage), [`Compute`](crate::Compute),
//! [`LoadBalancers`](crate::LoadBalancers) and [`Dns`](crate::Dns) are this
//! type over their driver trait. What every API shares lives here once (the
//! driver behind an `Arc`, the paging size, the provider's name and
//! capabilities, and the `call!` gate every operation passes through); each
//! API's own file holds only its methods.

use std::sync::Arc;

use crate::Driver;
use crate::capability::Capabilities;

/// A portable handle over a driver of one API: cheap to clone (it holds an
/// `Arc`), `Send + Sync`, safe to share between tasks.
///
/// Use it through its names, [`Storage`](crate::Storage),
/// [`Compute`](crate::Compute), [`LoadBalancers`](crate::LoadBalancers) and
/// [`Dns`](crate::Dns), whose methods are the API.
///
/// ```
/// # #[cfg(feature = "storage")] {
/// use std::sync::Arc;
/// use cloud_core::{Storage, StorageDriver};
///
/// fn share(storage: &Storage) -> (Arc<dyn StorageDriver>, &str) {
///     (storage.driver().clone(), storage.provider())
/// }
/// # }
/// ```
#[derive(Debug)]
pub struct Handle<D: ?Sized> {
    pub(crate) driver: Arc<D>,
    pub(crate) page_size: Option<u32>,
}

impl<D: ?Sized> Clone for Handle<D> {
    fn clone(&self) -> Self {
        Handle {
            driver: self.driver.clone(),
            page_size: self.page_size,
        }
    }
}

impl<D: ?Sized + Driver> Handle<D> {
    /// Wraps a shared driver.
    pub fn from_arc(driver: Arc<D>) -> Self {
        Handle {
            driver,
            page_size: None,
        }
    }

    /// Asks for `size` items per page in listings (providers may cap it).
    #[must_use]
    pub fn with_page_size(mut self, size: u32) -> Self {
        self.page_size = Some(size.max(1));
        self
    }

    /// The driver underneath, for provider-specific calls.
    pub fn driver(&self) -> &Arc<D> {
        &self.driver
    }

    /// The provider name.
    pub fn provider(&self) -> &str {
        self.driver.provider()
    }

    /// What the driver supports.
    pub fn capabilities(&self) -> Capabilities {
        self.driver.capabilities()
    }
}

/// Runs one driver operation through [`invoke`](crate::invoke::invoke): the
/// capability gate, the tracing span and the scrubbing of credentials from
/// its error. `call!(self, GetNode, self.driver.get_node(id))`.
macro_rules! call {
    ($self:ident, $cap:ident, $body:expr) => {
        $crate::invoke::invoke(&*$self.driver, $crate::capability::Capability::$cap, || {
            $body
        })
        .await
    };
}
pub(crate) use call;
