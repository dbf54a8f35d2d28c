//! Unique tokens for temporary file names and generated identifiers.
//!
//! Process id, wall-clock nanoseconds and a process-wide counter: unique
//! across concurrent tasks and processes without pulling in a random-number
//! crate. Drivers draw the tokens they send (idempotency tokens, segment
//! prefixes) from a [`TokenSource`], which tests make sequential so recorded
//! exchanges replay byte for byte.

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

/// Where a driver's generated tokens come from.
#[derive(Debug, Default)]
#[non_exhaustive]
pub enum TokenSource {
    /// `cloud-` and a [`unique_token`].
    #[default]
    Unique,
    /// `prefix-0`, `prefix-1`...: for tests that replay recorded exchanges.
    Sequential {
        /// What each token starts with.
        prefix: String,
        /// The next number.
        next: AtomicU64,
    },
}

impl TokenSource {
    /// Sequential tokens starting at `prefix-0`.
    pub fn sequential(prefix: impl Into<String>) -> Self {
        TokenSource::Sequential {
            prefix: prefix.into(),
            next: AtomicU64::new(0),
        }
    }

    /// The next token.
    pub fn next_token(&self) -> String {
        match self {
            TokenSource::Unique => format!("cloud-{}", unique_token()),
            TokenSource::Sequential { prefix, next } => {
                format!("{prefix}-{}", next.fetch_add(1, Ordering::Relaxed))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::TokenSource;

    #[test]
    fn sequential_tokens_count_up() {
        let source = TokenSource::sequential("t");
        assert_eq!(source.next_token(), "t-0");
        assert_eq!(source.next_token(), "t-1");
        assert!(TokenSource::Unique.next_token().starts_with("cloud-"));
    }

    #[test]
    fn tokens_differ() {
        let a = super::unique_token();
        let b = super::unique_token();
        assert_ne!(a, b);
    }
}
