//! Work that must finish after the operation that started it was dropped.
//!
//! A cancelled multipart upload must still be aborted, or its parts stay
//! on the server (and are billed). Drivers start that work from a `Drop`
//! guard with [`spawn`]; a program that is about to exit (a command line
//! tool on Ctrl-C) waits for it with [`settled`] before its runtime shuts
//! down, since a runtime that shuts down cancels every task it runs.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use std::time::Duration;
//!
//! let started = cloud_core::cleanup::spawn("example", async {
//!     tokio::time::sleep(Duration::from_millis(5)).await;
//! });
//! assert!(started);
//! assert_eq!(cloud_core::cleanup::settled(Duration::from_secs(5)).await, 0);
//! # }
//! ```

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Notify;

static RUNNING: AtomicUsize = AtomicUsize::new(0);
static DONE: Notify = Notify::const_new();

/// Counts one running clean-up until dropped (also when its task is
/// cancelled or panics).
struct Running;

impl Running {
    fn start() -> Self {
        RUNNING.fetch_add(1, Ordering::SeqCst);
        Running
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        RUNNING.fetch_sub(1, Ordering::SeqCst);
        DONE.notify_waiters();
    }
}

/// Runs `work` on the current Tokio runtime, counted until it ends.
/// Returns `false` (and logs a warning naming `what`) when no runtime is
/// running, in which case the work cannot be done.
pub fn spawn<F>(what: &'static str, work: F) -> bool
where
    F: Future<Output = ()> + Send + 'static,
{
    match tokio::runtime::Handle::try_current() {
        Ok(handle) => {
            let running = Running::start();
            handle.spawn(async move {
                let _running = running;
                work.await;
            });
            true
        }
        Err(_) => {
            tracing::warn!("{what}: cannot clean up, no async runtime is running");
            false
        }
    }
}

/// How many clean-ups are running now.
pub fn running() -> usize {
    RUNNING.load(Ordering::SeqCst)
}

/// Waits until no clean-up is running, or `limit` passes; returns how many
/// are still running.
pub async fn settled(limit: Duration) -> usize {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let notified = DONE.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let left = running();
        if left == 0 {
            return 0;
        }
        if tokio::time::timeout_at(deadline, notified).await.is_err() {
            return running();
        }
    }
}
