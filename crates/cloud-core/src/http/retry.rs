//! When to try a request again, and how long to wait first.
//!
//! Exponential backoff with full jitter (so many clients hitting one
//! throttled service spread out), a bounded number of attempts and a bounded
//! total time, and the server's `Retry-After` honoured when it sends one.

use std::time::{Duration, SystemTime};

use http::{HeaderMap, StatusCode};

/// How a [`HttpClient`](super::HttpClient) retries.
///
/// ```
/// use std::time::Duration;
/// use cloud_core::http::RetryPolicy;
///
/// let policy = RetryPolicy::new()
///     .max_attempts(5)
///     .initial_backoff(Duration::from_millis(50))
///     .max_elapsed(Duration::from_secs(30));
/// assert_eq!(policy.max_attempts_value(), 5);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_elapsed: Option<Duration>,
    max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(8),
            max_elapsed: None,
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// Four attempts, 100 ms initial backoff doubling to 8 s, and
    /// `Retry-After` honoured up to 30 s. No total-time budget: the
    /// attempts bound the time, so a server that accepts and never answers
    /// fails the call after the request timeout × attempts, plus backoff,
    /// whatever the timeout (a budget would silently cut the attempts of a
    /// long timeout to one).
    pub fn new() -> Self {
        Self::default()
    }

    /// Never retry.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// This policy with the retry count `config` sets, if any
    /// ([`retries`](crate::ProviderConfig::retries) + 1 attempts).
    #[must_use]
    pub fn overridden_by(self, config: &crate::ProviderConfig) -> Self {
        match config.retries_value() {
            Some(n) => self.max_attempts(n.saturating_add(1)),
            None => self,
        }
    }

    /// Total attempts, the first included (at least 1).
    #[must_use]
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// The backoff ceiling before the first retry; it doubles on each retry.
    #[must_use]
    pub fn initial_backoff(mut self, d: Duration) -> Self {
        self.initial_backoff = d;
        self
    }

    /// The largest backoff ceiling.
    #[must_use]
    pub fn max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }

    /// No retry starts once this much time has passed since the first
    /// attempt (none by default).
    #[must_use]
    pub fn max_elapsed(mut self, d: Duration) -> Self {
        self.max_elapsed = Some(d);
        self
    }

    /// The longest `Retry-After` the client will sleep through; a longer one
    /// is returned to the caller as a rate-limit error instead.
    #[must_use]
    pub fn max_retry_after(mut self, d: Duration) -> Self {
        self.max_retry_after = d;
        self
    }

    /// Total attempts allowed.
    pub fn max_attempts_value(&self) -> u32 {
        self.max_attempts
    }

    /// The wait before retry number `retry` (1 for the first retry): a
    /// uniformly random duration up to the exponential ceiling.
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 1u32
            .checked_shl(retry.saturating_sub(1))
            .unwrap_or(u32::MAX);
        let ceiling = self
            .initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(fastrand::u64(0..=nanos))
    }

    /// The wait for a server-provided `Retry-After`, plus up to 10 % jitter;
    /// `None` when it is longer than [`max_retry_after`](Self::max_retry_after).
    pub fn honour_retry_after(&self, retry_after: Duration) -> Option<Duration> {
        if retry_after > self.max_retry_after {
            return None;
        }
        let jitter = u64::try_from((retry_after / 10).as_nanos()).unwrap_or(0);
        Some(retry_after + Duration::from_nanos(fastrand::u64(0..=jitter)))
    }

    /// Whether a retry after `delay` still starts within the time budget.
    pub fn within_budget(&self, elapsed: Duration, delay: Duration) -> bool {
        self.max_elapsed.is_none_or(|max| elapsed + delay < max)
    }
}

/// Whether a response status is worth retrying. Providers can widen this
/// (EC2 throttles with HTTP 400 and a `Throttling` code) through
/// [`RetryClassifier`](super::RetryClassifier).
pub fn is_retryable_status(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::TOO_MANY_REQUESTS
            | StatusCode::INTERNAL_SERVER_ERROR
            | StatusCode::BAD_GATEWAY
            | StatusCode::SERVICE_UNAVAILABLE
            | StatusCode::GATEWAY_TIMEOUT
            | StatusCode::REQUEST_TIMEOUT
    )
}

/// Reads `Retry-After` as seconds or as an HTTP date.
///
/// ```
/// use std::time::Duration;
/// use cloud_core::http::{HeaderMap, retry_after};
///
/// let mut headers = HeaderMap::new();
/// headers.insert("retry-after", "3".parse().unwrap());
/// assert_eq!(retry_after(&headers), Some(Duration::from_secs(3)));
/// ```
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = value.parse::<f64>()
        && secs.is_finite()
        && secs >= 0.0
    {
        return Some(Duration::from_secs_f64(secs.min(1e9)));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy::new()
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(350));
        for _ in 0..200 {
            assert!(p.backoff(1) <= Duration::from_millis(100));
            assert!(p.backoff(2) <= Duration::from_millis(200));
            assert!(p.backoff(3) <= Duration::from_millis(350));
            assert!(p.backoff(40) <= Duration::from_millis(350));
        }
        let spread: std::collections::HashSet<_> = (0..50).map(|_| p.backoff(3)).collect();
        assert!(spread.len() > 10, "backoff must be jittered");
    }

    #[test]
    fn retry_after_forms() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", "0.5".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_millis(500)));
        let later = SystemTime::now() + Duration::from_secs(120);
        h.insert(
            "retry-after",
            httpdate::fmt_http_date(later).parse().unwrap(),
        );
        let d = retry_after(&h).unwrap();
        assert!(
            d > Duration::from_secs(115) && d <= Duration::from_secs(120),
            "{d:?}"
        );
        h.insert(
            "retry-after",
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        h.insert("retry-after", "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
        h.insert("retry-after", "-1".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn long_retry_after_is_not_slept_through() {
        let p = RetryPolicy::new().max_retry_after(Duration::from_secs(5));
        assert!(p.honour_retry_after(Duration::from_secs(6)).is_none());
        let d = p.honour_retry_after(Duration::from_secs(2)).unwrap();
        assert!(d >= Duration::from_secs(2) && d <= Duration::from_millis(2200));
    }
}
