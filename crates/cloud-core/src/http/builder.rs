//! Putting an [`HttpClient`] together from its options, signer and
//! retry classifier.

use std::sync::Arc;

use http::header::HeaderValue;

use super::classify::{DefaultClassifier, RetryClassifier};
use super::client::{HttpClient, Inner, USER_AGENT_VALUE};
use super::options::ClientOptions;
use super::retry::RetryPolicy;
use super::signer::Signer;
use super::timeouts::Timeouts;
use super::transport::Transport;
use crate::error::{Error, Result};
use crate::secret::Redactor;

/// Configures an [`HttpClient`].
///
/// ```
/// use std::time::Duration;
/// use cloud_core::http::{HttpClient, RetryPolicy, Timeouts};
///
/// let client = HttpClient::builder("example")
///     .retry(RetryPolicy::new().max_attempts(3))
///     .timeouts(Timeouts::new().request(Duration::from_secs(5)))
///     .allow_http(true)
///     .build()
///     .unwrap();
/// # let _ = client;
/// ```
#[derive(Debug)]
pub struct HttpClientBuilder {
    provider: String,
    options: ClientOptions,
    signer: Option<Arc<dyn Signer>>,
    classifier: Arc<dyn RetryClassifier>,
    allow_http: bool,
    user_agent: Option<String>,
    redactor: Redactor,
}

impl HttpClientBuilder {
    pub(super) fn new(provider: String) -> Self {
        HttpClientBuilder {
            provider,
            options: ClientOptions::default(),
            signer: None,
            classifier: Arc::new(DefaultClassifier),
            allow_http: false,
            user_agent: None,
            redactor: Redactor::new(),
        }
    }

    /// Retries, timeouts, TLS, proxy and transport in one value.
    #[must_use]
    pub fn options(mut self, options: ClientOptions) -> Self {
        self.options = options;
        self
    }

    /// Sends through `transport` instead of hyper (record, replay, faults).
    #[must_use]
    pub fn transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.options = self.options.transport(transport);
        self
    }

    /// Sets the retry policy.
    #[must_use]
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.options = self.options.retry(retry);
        self
    }

    /// Sets the timeouts.
    #[must_use]
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.options = self.options.timeouts(timeouts);
        self
    }

    /// Sets the TLS options of the default transport.
    #[must_use]
    pub fn tls(mut self, tls: super::TlsOptions) -> Self {
        self.options = self.options.tls(tls);
        self
    }

    /// Signs every attempt with `signer`.
    #[must_use]
    pub fn signer(mut self, signer: Arc<dyn Signer>) -> Self {
        self.signer = Some(signer);
        self
    }

    /// Decides which error responses are retried.
    #[must_use]
    pub fn classifier(mut self, classifier: Arc<dyn RetryClassifier>) -> Self {
        self.classifier = classifier;
        self
    }

    /// Permits plain `http://` URLs. Off by default: only an endpoint the
    /// user configured explicitly should turn it on.
    #[must_use]
    pub fn allow_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// The credentials to cut out of everything the client hands back: the
    /// body of every error answer (before the driver parses it, logs it or
    /// quotes it in an error) and every error it returns. Give the driver's
    /// own redactor (clones share one set), so a credential learnt later (a
    /// token as it is issued) is cut out too.
    #[must_use]
    pub fn redactor(mut self, redactor: Redactor) -> Self {
        self.redactor = redactor;
        self
    }

    /// Appends `suffix` to the `User-Agent`.
    #[must_use]
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent = Some(suffix.into());
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<HttpClient> {
        let transport = self.options.build_transport()?;
        let ua = match &self.user_agent {
            Some(s) => format!("{USER_AGENT_VALUE} {s}"),
            None => USER_AGENT_VALUE.to_owned(),
        };
        let user_agent = HeaderValue::from_str(&ua)
            .map_err(|_| Error::invalid_input("invalid user agent suffix"))?;
        // A signer's credentials are cut out of what the client hands back.
        if let Some(signer) = &self.signer {
            for secret in signer.secrets() {
                self.redactor.add(&secret);
            }
        }
        Ok(HttpClient {
            inner: Arc::new(Inner {
                provider: self.provider,
                transport,
                retry: self.options.retry_policy().clone(),
                timeouts: self.options.timeouts_value(),
                signer: self.signer,
                classifier: self.classifier,
                allow_http: self.allow_http,
                user_agent,
                redactor: self.redactor,
            }),
        })
    }
}
