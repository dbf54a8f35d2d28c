//! Everything about how a client talks HTTP, given to any provider's
//! builder in one value: retries, timeouts, TLS, proxy and transport.
//!
//! One type rather than the same five setters on every builder, so a new
//! setting reaches every provider at once.

use std::sync::Arc;

use super::proxy::ProxyOptions;
use super::{HyperTransport, RetryPolicy, Timeouts, TlsOptions, Transport};
use crate::config::ProviderConfig;
use crate::error::Result;

/// How a client's requests travel.
///
/// ```
/// use std::time::Duration;
/// use cloud_core::http::{ClientOptions, ProxyOptions, RetryPolicy, Timeouts};
///
/// let options = ClientOptions::new()
///     .retry(RetryPolicy::new().max_attempts(5))
///     .timeouts(Timeouts::new().connect(Duration::from_secs(3)))
///     .proxy(ProxyOptions::none().https("http://proxy.corp:3128"));
/// assert_eq!(options.retry_policy().max_attempts_value(), 5);
/// ```
#[derive(Debug, Clone, Default)]
pub struct ClientOptions {
    retry: RetryPolicy,
    timeouts: Timeouts,
    tls: TlsOptions,
    /// `None`: the environment's proxy variables, read when the transport is built.
    proxy: Option<ProxyOptions>,
    transport: Option<Arc<dyn Transport>>,
}

impl ClientOptions {
    /// Default retries and timeouts, Mozilla roots, the environment's proxy.
    pub fn new() -> Self {
        Self::default()
    }

    /// The retry policy of every request.
    #[must_use]
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The timeouts of every request.
    #[must_use]
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// TLS settings (extra CA bundle, client certificate).
    #[must_use]
    pub fn tls(mut self, tls: TlsOptions) -> Self {
        self.tls = tls;
        self
    }

    /// The proxy (default: `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`,
    /// `NO_PROXY`; [`ProxyOptions::none`] turns proxies off).
    #[must_use]
    pub fn proxy(mut self, proxy: ProxyOptions) -> Self {
        self.proxy = Some(proxy);
        self
    }

    /// Sends through `transport` instead of hyper (record, replay, fault
    /// injection); TLS and proxy settings then do not apply.
    #[must_use]
    pub fn transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// These options with `env`'s proxy variables, unless a proxy was set:
    /// for builders that read a given [`Environment`](crate::Environment)
    /// rather than the process's.
    #[must_use]
    pub fn proxy_from(mut self, env: &crate::Environment) -> Self {
        if self.proxy.is_none() {
            self.proxy = Some(ProxyOptions::from_environment(env));
        }
        self
    }

    /// These options with the timeouts and retry count a
    /// [`ProviderConfig`] sets.
    #[must_use]
    pub fn overridden_by(mut self, config: &ProviderConfig) -> Self {
        self.retry = self.retry.overridden_by(config);
        self.timeouts = self.timeouts.overridden_by(config);
        self
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// The timeouts.
    pub fn timeouts_value(&self) -> Timeouts {
        self.timeouts
    }

    /// The transport to send through: the one given, or hyper with these
    /// TLS and proxy settings. Build it once and share it (through
    /// [`transport`](Self::transport)) so clients share a connection pool.
    pub fn build_transport(&self) -> Result<Arc<dyn Transport>> {
        if let Some(transport) = &self.transport {
            return Ok(transport.clone());
        }
        let proxy = self.proxy.clone().unwrap_or_else(ProxyOptions::from_env);
        Ok(Arc::new(HyperTransport::with_proxy(
            self.timeouts.connect,
            &self.tls,
            &proxy,
        )?))
    }

    /// These options with the transport built, so every client made from
    /// them shares one connection pool.
    pub fn with_built_transport(self) -> Result<Self> {
        let transport = self.build_transport()?;
        Ok(self.transport(transport))
    }
}

/// Writes a provider builder's `client_options`, `retry` and `transport`
/// setters over its [`ClientOptions`] field, so every builder offers the
/// same three, documented alike. Used inside the builder's `impl` block:
///
/// ```
/// use cloud_core::http::ClientOptions;
///
/// #[derive(Default)]
/// pub struct ExampleBuilder {
///     options: ClientOptions,
/// }
///
/// impl ExampleBuilder {
///     cloud_core::client_option_setters!(options);
/// }
///
/// let builder = ExampleBuilder::default().retry(cloud_core::http::RetryPolicy::none());
/// assert_eq!(builder.options.retry_policy().max_attempts_value(), 1);
/// ```
#[macro_export]
macro_rules! client_option_setters {
    ($field:ident) => {
        /// Retries, timeouts, TLS, proxy and transport of every request,
        /// those that fetch credentials or tokens included.
        #[must_use]
        pub fn client_options(mut self, options: $crate::http::ClientOptions) -> Self {
            self.$field = options;
            self
        }

        /// The retry policy of every request (shorthand for
        /// [`client_options`](Self::client_options)).
        #[must_use]
        pub fn retry(mut self, retry: $crate::http::RetryPolicy) -> Self {
            self.$field = self.$field.retry(retry);
            self
        }

        /// Sends through `transport` (record, replay, fault injection).
        #[must_use]
        pub fn transport(
            mut self,
            transport: ::std::sync::Arc<dyn $crate::http::Transport>,
        ) -> Self {
            self.$field = self.$field.transport(transport);
            self
        }
    };
}
