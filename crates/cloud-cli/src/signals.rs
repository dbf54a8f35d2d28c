//! SIGINT and SIGTERM as a stream the command loop can wait on.
//!
//! Tokio's handlers replace the default ones, so a signal no longer kills
//! the process: `main` decides what it cancels and waits for.

use cloud::Result;

/// The signals that ask a command to stop.
pub struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    last: u8,
}

impl Signals {
    #[cfg(unix)]
    pub fn new() -> Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        let make = |kind: SignalKind, name: &str| {
            signal(kind).map_err(|e| cloud::Error::io(format!("handling {name}"), e))
        };
        Ok(Signals {
            interrupt: make(SignalKind::interrupt(), "SIGINT")?,
            terminate: make(SignalKind::terminate(), "SIGTERM")?,
            last: 130,
        })
    }

    #[cfg(not(unix))]
    pub fn new() -> Result<Self> {
        Ok(Signals { last: 130 })
    }

    /// Waits for the next signal; returns the exit code it calls for
    /// (128 + the signal's number, as shells report).
    #[cfg(unix)]
    pub async fn next(&mut self) -> u8 {
        self.last = tokio::select! {
            _ = self.interrupt.recv() => 130,
            _ = self.terminate.recv() => 143,
        };
        self.last
    }

    #[cfg(not(unix))]
    pub async fn next(&mut self) -> u8 {
        let _ = tokio::signal::ctrl_c().await;
        self.last
    }

    /// The exit code of the last signal received.
    pub fn last_code(&self) -> u8 {
        self.last
    }
}
