//! Waiting for changes a provider applies in the background: a server
//! starting, a drive being cloned, a DNS change set, a balancer leaving its
//! pending state. Every provider polls the same way, so the loop lives here
//! once: a first look at once, pauses that grow from the wait's interval to
//! its ceiling (fewer calls against rate limits on long waits), a last look
//! at the deadline, and a `Timeout` that says what was still pending.
//!
//! Progress is reported as `tracing` events at debug level (target
//! `cloud_core::poll`), one per look, with the pending status and the time
//! waited so far.

use std::future::Future;
use std::time::Duration;

use crate::error::{Error, Result};

/// How long and how often a change is waited for.
///
/// ```
/// use std::time::Duration;
/// use cloud_core::poll::ChangeWait;
///
/// let quick = ChangeWait::new(Duration::from_millis(200), Duration::from_secs(60));
/// assert_eq!(quick.max_interval, Duration::from_millis(800));
/// let steady = quick.with_max_interval(quick.interval);
/// assert_eq!(steady.max_interval, steady.interval);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChangeWait {
    /// The first pause between looks.
    pub interval: Duration,
    /// The longest pause: pauses grow by half each time up to it.
    pub max_interval: Duration,
    /// Time before giving up with [`ErrorKind::Timeout`](crate::ErrorKind::Timeout).
    pub timeout: Duration,
}

impl ChangeWait {
    /// Looks every `interval` at first, growing to four times that, for
    /// up to `timeout`.
    pub const fn new(interval: Duration, timeout: Duration) -> Self {
        ChangeWait {
            interval,
            max_interval: interval.saturating_mul(4),
            timeout,
        }
    }

    /// The same wait with pauses growing only up to `max` (the interval
    /// when `max` is shorter; `with_max_interval(interval)` never grows).
    #[must_use]
    pub fn with_max_interval(mut self, max: Duration) -> Self {
        self.max_interval = max.max(self.interval);
        self
    }

    /// The same wait giving up after `timeout`.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

impl Default for ChangeWait {
    /// One look a second at first, every four seconds later, for ten minutes.
    fn default() -> Self {
        ChangeWait::new(Duration::from_secs(1), Duration::from_secs(600))
    }
}

/// What one look at a change found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Poll<T> {
    /// The change is done: its result.
    Done(T),
    /// Not yet: what it is doing, for progress and the timeout's message
    /// (`status pending`, `still waiting for n1 (starting)`).
    Pending(String),
}

/// Looks at a change with `check` until it is done, waiting as `wait` says.
///
/// `check` decides what ends the wait early with an error (a server that
/// entered an error state) by returning it; the first look is at once and
/// the last at the deadline. A `Timeout` reads "waiting {timeout} for
/// {what}; {last pending status}".
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> cloud_core::Result<()> {
/// use std::time::Duration;
/// use cloud_core::poll::{ChangeWait, Poll, poll_until};
///
/// let mut looks = 0;
/// let wait = ChangeWait::new(Duration::from_millis(1), Duration::from_secs(5));
/// let state = poll_until(wait, "server `s1` to start", || {
///     looks += 1;
///     let seen = if looks < 3 { "starting" } else { "running" };
///     async move {
///         Ok(match seen {
///             "running" => Poll::Done(seen),
///             other => Poll::Pending(format!("it is {other}")),
///         })
///     }
/// })
/// .await?;
/// assert_eq!(state, "running");
/// # Ok(()) }
/// ```
pub async fn poll_until<T, F, Fut>(wait: ChangeWait, what: &str, mut check: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Poll<T>>>,
{
    let started = tokio::time::Instant::now();
    let deadline = started + wait.timeout;
    let mut pause = wait.interval;
    loop {
        let status = match check().await? {
            Poll::Done(done) => return Ok(done),
            Poll::Pending(status) => status,
        };
        let now = tokio::time::Instant::now();
        tracing::debug!(
            target: "cloud_core::poll",
            waiting_for = what,
            status = %status,
            waited = ?now - started,
            "not done yet"
        );
        if now >= deadline {
            return Err(Error::timeout(format!(
                "waiting {:?} for {what}; {status}",
                wait.timeout
            )));
        }
        tokio::time::sleep(pause.min(deadline - now)).await;
        pause = (pause + pause / 2).min(wait.max_interval.max(wait.interval));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[tokio::test(start_paused = true)]
    async fn pauses_grow_to_the_ceiling_and_the_last_look_is_at_the_deadline() {
        let started = tokio::time::Instant::now();
        let mut looks = Vec::new();
        let wait = ChangeWait::new(Duration::from_secs(2), Duration::from_secs(30));
        let err = poll_until(wait, "drive `d1` to be ready", || {
            looks.push(started.elapsed().as_secs_f64());
            async { Ok(Poll::<()>::Pending("it is cloning".into())) }
        })
        .await
        .unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::Timeout);
        assert_eq!(
            err.message(),
            "timed out: waiting 30s for drive `d1` to be ready; it is cloning"
        );
        // 2, 3, 4.5, 6.75, then 8 (the ceiling), cut at 30.
        assert_eq!(looks, [0.0, 2.0, 5.0, 9.5, 16.25, 24.25, 30.0]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_look_ends_the_wait_with_its_error() {
        let wait = ChangeWait::default();
        let mut looks = 0;
        let err = poll_until(wait, "server `s1` to stop", || {
            looks += 1;
            let n = looks;
            async move {
                if n == 2 {
                    Err(Error::not_found(crate::ResourceKind::Node, "s1"))
                } else {
                    Ok(Poll::<()>::Pending("running".into()))
                }
            }
        })
        .await
        .unwrap_err();
        assert!(err.is_not_found(), "{err}");
        assert_eq!(looks, 2);
    }

    #[test]
    fn a_steady_wait_never_grows() {
        let wait = ChangeWait::new(Duration::from_secs(5), Duration::from_secs(60))
            .with_max_interval(Duration::from_secs(1));
        assert_eq!(wait.max_interval, Duration::from_secs(5));
        assert_eq!(
            wait.with_timeout(Duration::from_secs(1)).timeout,
            Duration::from_secs(1)
        );
    }
}
