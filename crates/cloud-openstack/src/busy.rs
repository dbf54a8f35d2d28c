//! Balancers busy with an earlier change: Octavia and Rackspace's CLB
//! refuse a change while one is being applied, and the change is tried
//! again until the balancer is free.

use cloud_core::poll::{ChangeWait, Poll, poll_until};
use cloud_core::{Error, Result};

/// How long a change waits for a balancer busy with an earlier one.
pub(crate) const BUSY_WAIT: std::time::Duration = std::time::Duration::from_secs(120);

/// Whether `error` says the resource is busy with an earlier change:
/// Rackspace answers 422 "... is considered immutable", Octavia 409
/// "... is immutable and cannot be updated".
pub(crate) fn is_busy(error: &Error) -> bool {
    matches!(error.status(), Some(409 | 422)) && error.message().contains("immutable")
}

/// Runs `attempt` until it succeeds or fails otherwise than busy, waiting
/// between tries (up to [`BUSY_WAIT`] in all; a timeout then). The answers
/// that mean busy are sent before anything changes, so retrying a POST is
/// safe.
pub(crate) async fn while_busy<T, F, Fut>(mut attempt: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let wait = ChangeWait::new(std::time::Duration::from_millis(250), BUSY_WAIT)
        .with_max_interval(std::time::Duration::from_secs(5));
    poll_until(wait, "the balancer to finish an earlier change", || {
        let attempt = attempt();
        async move {
            match attempt.await {
                Err(e) if is_busy(&e) => Ok(Poll::Pending(e.to_string())),
                other => other.map(Poll::Done),
            }
        }
    })
    .await
}
