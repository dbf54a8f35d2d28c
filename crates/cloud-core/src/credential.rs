//! Credentials that expire, and the cache that renews them.
//!
//! Tokens from AWS STS, instance metadata, Keystone or an OAuth server last
//! minutes to hours. A long-lived client must renew them before they run
//! out, without a thundering herd of renewals when many requests notice at
//! once, and once more when a service refuses a token it still thought
//! valid. Every provider gets that from here rather than writing its own:
//! a source implements [`TokenProvider`] (fetch one token and say when it
//! expires), and [`CachedCredential`] turns it into a [`CredentialProvider`]
//! that signers ask before each attempt.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;

use crate::Result;

/// A credential and the time it stops working, if it ever does.
#[derive(Debug, Clone)]
pub struct Temporary<T> {
    /// The credential.
    pub value: T,
    /// When it expires; `None` for credentials that do not.
    pub expires: Option<SystemTime>,
}

impl<T> Temporary<T> {
    /// A credential valid until `expires`.
    pub fn until(value: T, expires: SystemTime) -> Self {
        Temporary {
            value,
            expires: Some(expires),
        }
    }

    /// A credential that does not expire.
    pub fn forever(value: T) -> Self {
        Temporary {
            value,
            expires: None,
        }
    }
}

/// Where a signer gets the credential for the next attempt.
///
/// Called before every attempt of every request, so implementations
/// answer from a cache; [`CachedCredential`] is the usual one.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> cloud_core::Result<()> {
/// use cloud_core::credential::{CredentialProvider, StaticCredential};
///
/// let provider = StaticCredential::new("api-key".to_owned());
/// assert_eq!(*provider.credential().await?, "api-key");
/// # Ok(()) }
/// ```
#[async_trait]
pub trait CredentialProvider: fmt::Debug + Send + Sync {
    /// What a signer needs: a token, a key pair...
    type Credential: Send + Sync;

    /// The credential to sign the next attempt with.
    async fn credential(&self) -> Result<Arc<Self::Credential>>;

    /// A service refused the current credential: forget it. Returns whether
    /// asking again may give a different one (worth one more attempt).
    async fn invalidate(&self) -> bool {
        false
    }
}

/// Fetches one fresh credential from its source (a token endpoint, a file,
/// a process). Wrap it in [`CachedCredential`] to use it.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> cloud_core::Result<()> {
/// use std::time::{Duration, SystemTime};
/// use cloud_core::credential::{CachedCredential, CredentialProvider, Temporary, TokenProvider};
///
/// #[derive(Debug)]
/// struct Clock;
///
/// #[cloud_core::async_trait]
/// impl TokenProvider for Clock {
///     type Credential = String;
///     async fn fetch(&self) -> cloud_core::Result<Temporary<String>> {
///         let now = SystemTime::now();
///         Ok(Temporary::until(format!("{now:?}"), now + Duration::from_secs(3600)))
///     }
/// }
///
/// let cached = CachedCredential::new(Clock);
/// let first = cached.credential().await?;
/// assert_eq!(first, cached.credential().await?); // served from the cache
/// assert_eq!(cached.fetches(), 1);
/// # Ok(()) }
/// ```
#[async_trait]
pub trait TokenProvider: fmt::Debug + Send + Sync {
    /// What the source issues.
    type Credential: Send + Sync;

    /// Asks the source for a new credential.
    async fn fetch(&self) -> Result<Temporary<Self::Credential>>;
}

/// A credential that never changes (keys given in configuration).
pub struct StaticCredential<T> {
    value: Arc<T>,
}

impl<T> StaticCredential<T> {
    /// Always answers `value`.
    pub fn new(value: T) -> Self {
        StaticCredential {
            value: Arc::new(value),
        }
    }
}

impl<T> fmt::Debug for StaticCredential<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StaticCredential")
    }
}

#[async_trait]
impl<T: Send + Sync> CredentialProvider for StaticCredential<T> {
    type Credential = T;

    async fn credential(&self) -> Result<Arc<T>> {
        Ok(self.value.clone())
    }
}

/// How long before expiry a credential is renewed: the AWS SDKs' five
/// minutes, which also covers clock skew between client and issuer.
pub const DEFAULT_MARGIN: Duration = Duration::from_secs(300);

struct Held<T> {
    value: Arc<T>,
    expires: Option<SystemTime>,
    fetched: SystemTime,
}

impl<T> Held<T> {
    /// When renewal is due: `margin` before expiry, or half-way through
    /// the lifetime for tokens that live no longer than the margin (else
    /// every request would fetch a new one).
    fn renew_at(&self, margin: Duration) -> Option<SystemTime> {
        let expires = self.expires?;
        let lifetime = expires.duration_since(self.fetched).unwrap_or_default();
        let early = if margin < lifetime {
            margin
        } else {
            lifetime / 2
        };
        Some(expires - early)
    }
}

/// One credential, fetched on first use, renewed ahead of expiry and after
/// a refusal. Renewal is single-flight: callers that find the credential
/// due wait for the one fetch in progress instead of starting their own.
pub struct TokenCache<T> {
    held: tokio::sync::Mutex<Option<Held<T>>>,
    margin: Duration,
    fetches: AtomicU64,
}

impl<T> fmt::Debug for TokenCache<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCache")
            .field("margin", &self.margin)
            .field("fetches", &self.fetches())
            .finish_non_exhaustive()
    }
}

impl<T> Default for TokenCache<T> {
    fn default() -> Self {
        Self::new(DEFAULT_MARGIN)
    }
}

impl<T> TokenCache<T> {
    /// An empty cache renewing `margin` before expiry.
    pub fn new(margin: Duration) -> Self {
        TokenCache {
            held: tokio::sync::Mutex::new(None),
            margin,
            fetches: AtomicU64::new(0),
        }
    }

    /// The held credential, or the one `fetch` gives when none is held or
    /// renewal is due. If a renewal fails while the held credential has not
    /// yet expired, the held one is kept and the renewal retried next call.
    pub async fn get_or_fetch<F, Fut>(&self, fetch: F) -> Result<Arc<T>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Temporary<T>>>,
    {
        let mut held = self.held.lock().await;
        let now = SystemTime::now();
        if let Some(current) = held.as_ref() {
            match current.renew_at(self.margin) {
                Some(due) if due <= now => {
                    tracing::debug!("credential due for renewal");
                }
                _ => return Ok(current.value.clone()),
            }
        }
        self.fetches.fetch_add(1, Ordering::Relaxed);
        match fetch().await {
            Ok(fresh) => {
                let value = Arc::new(fresh.value);
                *held = Some(Held {
                    value: value.clone(),
                    expires: fresh.expires,
                    fetched: SystemTime::now(),
                });
                Ok(value)
            }
            Err(e) => match held.as_ref() {
                Some(current) if current.expires.is_some_and(|t| t > SystemTime::now()) => {
                    tracing::warn!(error = %e, "renewing a credential failed; using the current one until it expires");
                    Ok(current.value.clone())
                }
                _ => Err(e),
            },
        }
    }

    /// Forgets the held credential, so the next call fetches.
    pub async fn invalidate(&self) {
        *self.held.lock().await = None;
    }

    /// How many fetches were started (for tests and metrics).
    pub fn fetches(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }
}

/// A [`TokenProvider`] behind a [`TokenCache`]: the credential provider a
/// signer holds.
pub struct CachedCredential<P: TokenProvider> {
    source: P,
    cache: TokenCache<P::Credential>,
}

impl<P: TokenProvider> fmt::Debug for CachedCredential<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedCredential")
            .field("source", &self.source)
            .field("cache", &self.cache)
            .finish()
    }
}

impl<P: TokenProvider> CachedCredential<P> {
    /// Caches `source`'s credentials, renewing them [`DEFAULT_MARGIN`] early.
    pub fn new(source: P) -> Self {
        Self::with_margin(source, DEFAULT_MARGIN)
    }

    /// Caches `source`'s credentials, renewing them `margin` early.
    pub fn with_margin(source: P, margin: Duration) -> Self {
        CachedCredential {
            source,
            cache: TokenCache::new(margin),
        }
    }

    /// How many times the source was asked (for tests and metrics).
    pub fn fetches(&self) -> u64 {
        self.cache.fetches()
    }

    /// The source.
    pub fn source(&self) -> &P {
        &self.source
    }
}

#[async_trait]
impl<P: TokenProvider> CredentialProvider for CachedCredential<P> {
    type Credential = P::Credential;

    async fn credential(&self) -> Result<Arc<P::Credential>> {
        self.cache.get_or_fetch(|| self.source.fetch()).await
    }

    async fn invalidate(&self) -> bool {
        self.cache.invalidate().await;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Error, ErrorKind};
    use std::sync::atomic::AtomicBool;

    /// Issues `n-<count>` tokens living `lifetime`, slowly, so concurrent
    /// callers overlap with a fetch in progress.
    #[derive(Debug)]
    struct Counter {
        issued: AtomicU64,
        lifetime: Duration,
        fail: AtomicBool,
    }

    impl Counter {
        fn new(lifetime: Duration) -> Self {
            Counter {
                issued: AtomicU64::new(0),
                lifetime,
                fail: AtomicBool::new(false),
            }
        }
    }

    #[async_trait]
    impl TokenProvider for Counter {
        type Credential = String;
        async fn fetch(&self) -> Result<Temporary<String>> {
            tokio::time::sleep(Duration::from_millis(50)).await;
            if self.fail.load(Ordering::SeqCst) {
                return Err(Error::new(ErrorKind::Transport, "issuer down"));
            }
            let n = self.issued.fetch_add(1, Ordering::SeqCst);
            Ok(Temporary::until(
                format!("n-{n}"),
                SystemTime::now() + self.lifetime,
            ))
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn fifty_concurrent_callers_share_one_fetch() {
        let cached = Arc::new(CachedCredential::new(Counter::new(Duration::from_secs(
            3600,
        ))));
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let cached = cached.clone();
                tokio::spawn(async move { cached.credential().await.unwrap() })
            })
            .collect();
        for task in tasks {
            assert_eq!(*task.await.unwrap(), "n-0");
        }
        assert_eq!(cached.fetches(), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_credential_near_expiry_is_renewed_once_for_all_callers() {
        // Lives 400 ms with a 300 ms margin: due for renewal after 100 ms.
        let cached = Arc::new(CachedCredential::with_margin(
            Counter::new(Duration::from_millis(400)),
            Duration::from_millis(300),
        ));
        assert_eq!(*cached.credential().await.unwrap(), "n-0");
        assert_eq!(*cached.credential().await.unwrap(), "n-0");
        tokio::time::sleep(Duration::from_millis(250)).await;
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let cached = cached.clone();
                tokio::spawn(async move { cached.credential().await.unwrap() })
            })
            .collect();
        for task in tasks {
            assert_eq!(*task.await.unwrap(), "n-1");
        }
        assert_eq!(cached.fetches(), 2);
    }

    #[tokio::test]
    async fn a_failed_renewal_keeps_the_unexpired_credential_but_not_an_expired_one() {
        let cached = CachedCredential::with_margin(
            Counter::new(Duration::from_millis(300)),
            Duration::from_millis(250),
        );
        assert_eq!(*cached.credential().await.unwrap(), "n-0");
        cached.source().fail.store(true, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(160)).await;
        // Due (margin reached) but not expired: the old one is still served.
        assert_eq!(*cached.credential().await.unwrap(), "n-0");
        tokio::time::sleep(Duration::from_millis(200)).await;
        let err = cached.credential().await.unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::Transport);
        cached.source().fail.store(false, Ordering::SeqCst);
        assert_eq!(*cached.credential().await.unwrap(), "n-1");
    }

    #[tokio::test]
    async fn invalidation_fetches_anew() {
        let cached = CachedCredential::new(Counter::new(Duration::from_secs(3600)));
        assert_eq!(*cached.credential().await.unwrap(), "n-0");
        assert!(cached.invalidate().await);
        assert_eq!(*cached.credential().await.unwrap(), "n-1");
        let fixed = StaticCredential::new(1u8);
        assert!(!fixed.invalidate().await);
        assert_eq!(*fixed.credential().await.unwrap(), 1);
    }

    #[tokio::test]
    async fn credentials_living_no_longer_than_the_margin_renew_half_way() {
        let cached = CachedCredential::with_margin(
            Counter::new(Duration::from_millis(400)),
            Duration::from_secs(300),
        );
        assert_eq!(*cached.credential().await.unwrap(), "n-0");
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(*cached.credential().await.unwrap(), "n-0");
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert_eq!(*cached.credential().await.unwrap(), "n-1");
    }

    #[tokio::test]
    async fn credentials_without_expiry_are_fetched_once() {
        #[derive(Debug)]
        struct Once;
        #[async_trait]
        impl TokenProvider for Once {
            type Credential = u32;
            async fn fetch(&self) -> Result<Temporary<u32>> {
                Ok(Temporary::forever(7))
            }
        }
        let cached = CachedCredential::new(Once);
        for _ in 0..3 {
            assert_eq!(*cached.credential().await.unwrap(), 7);
        }
        assert_eq!(cached.fetches(), 1);
    }
}
