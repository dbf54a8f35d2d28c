//! A state that settles into another after a delay, read lazily.
//!
//! No background task: the current state is computed from the wall clock
//! whenever the resource is read, which keeps the drivers free of timers and
//! their state plain data.

use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

/// A value that is `now` until `settles_at`, then `then`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Timed<S> {
    now: S,
    then: Option<(S, SystemTime)>,
}

impl<S: Copy + PartialEq> Timed<S> {
    /// A settled state.
    pub(crate) fn settled(state: S) -> Self {
        Timed {
            now: state,
            then: None,
        }
    }

    /// `during` for `delay`, then `after`.
    pub(crate) fn transition(during: S, after: S, delay: Duration) -> Self {
        Timed {
            now: during,
            then: Some((after, SystemTime::now() + delay)),
        }
    }

    /// The state as of now.
    pub(crate) fn get(&self) -> S {
        match self.then {
            Some((after, at)) if SystemTime::now() >= at => after,
            _ => self.now,
        }
    }
}
