//! Unique tokens for temporary file names and generated identifiers.
//!
//! Process id, wall-clock nanoseconds and a process-wide counter: unique
//! across concurrent tasks and processes without pulling in a random-number
//! crate.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A token no other call in any process on this machine returns, such as
/// `3f2a-18c1e0b2c3d4e5f6-7`. Not a secret: do not use it as one.
pub fn unique_token() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{:x}-{nanos:x}-{n:x}", std::process::id())
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_differ() {
        let a = super::unique_token();
        let b = super::unique_token();
        assert_ne!(a, b);
    }
}
