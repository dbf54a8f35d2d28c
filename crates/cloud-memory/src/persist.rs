//! Keeping a driver's state in a file, so separate processes (successive
//! command-line invocations) see each other's work.
//!
//! The whole state is written after every change, to a temporary file that
//! is then renamed over the old one: a crash leaves the old state or the new
//! one, never half of either. Concurrent writers from several processes are
//! not coordinated; the last one to save wins.

use std::path::{Path, PathBuf};

use cloud_core::{Error, ErrorKind, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A JSON file holding one driver's state.
#[derive(Debug, Clone)]
pub(crate) struct StateFile {
    path: PathBuf,
}

impl StateFile {
    pub(crate) fn new(path: impl Into<PathBuf>) -> Self {
        StateFile { path: path.into() }
    }

    /// The saved state, or `None` if nothing was saved yet.
    pub(crate) fn load<S: DeserializeOwned>(&self) -> Result<Option<S>> {
        let text = match std::fs::read(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(format!("reading {}", self.path.display()), e)),
        };
        serde_json::from_slice(&text).map(Some).map_err(|e| {
            Error::new(
                ErrorKind::Io,
                format!(
                    "the state file {} is unreadable ({e}); move it away to start afresh",
                    self.path.display()
                ),
            )
        })
    }

    /// Saves `state` atomically.
    pub(crate) fn save<S: Serialize>(&self, state: &S) -> Result<()> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
        let json = serde_json::to_vec_pretty(state)
            .map_err(|e| Error::new(ErrorKind::Io, format!("encoding state: {e}")))?;
        let temp = dir.join(format!(
            ".{}.{}",
            self.path
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default(),
            cloud_core::unique::unique_token()
        ));
        std::fs::write(&temp, json)
            .map_err(|e| Error::io(format!("writing {}", temp.display()), e))?;
        std::fs::rename(&temp, &self.path).map_err(|e| {
            let _ = std::fs::remove_file(&temp);
            Error::io(format!("replacing {}", self.path.display()), e)
        })
    }
}
