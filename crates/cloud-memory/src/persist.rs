//! A driver's state, in memory or kept in a file that several processes
//! share (successive and concurrent command-line invocations).
//!
//! With a file, every change is one locked read-modify-write cycle: take an
//! exclusive lock on `STATE.lock`, read the state as the last writer left
//! it, apply the change, write it to a temporary file and rename that over
//! the old one, release the lock. Twenty processes creating nodes at once
//! therefore create twenty nodes with twenty ids, and a crash leaves the
//! old state or the new one, never half of either. Readers take no lock:
//! the rename makes each read see one whole state.
//!
//! The lock is an OS file lock (`flock`), released by the kernel when its
//! holder dies, so a killed process leaves no stale lock. A temporary file
//! it leaves behind is removed by the next writer: whoever holds the lock
//! knows no other writer is mid-write.
//!
//! Waiting for the lock blocks the calling thread; cycles last
//! milliseconds, so this is cheaper than a hop to a blocking pool.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use cloud_core::{Error, ErrorKind, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// One driver's state: in memory only, or shared through a file.
#[derive(Debug)]
pub(crate) struct Store<S> {
    /// The state itself (memory only), or the last state read from the file.
    current: Arc<Mutex<S>>,
    file: Option<Arc<StateFile>>,
}

impl<S> Clone for Store<S> {
    fn clone(&self) -> Self {
        Store {
            current: Arc::clone(&self.current),
            file: self.file.clone(),
        }
    }
}

impl<S: Default + Serialize + DeserializeOwned> Store<S> {
    /// State that lives as long as the driver.
    pub(crate) fn memory(initial: S) -> Self {
        Store {
            current: Arc::new(Mutex::new(initial)),
            file: None,
        }
    }

    /// State kept in the JSON file `path`, created on the first change.
    /// Fails if the file exists but cannot be read as this state.
    pub(crate) fn open(path: impl Into<PathBuf>) -> Result<Self> {
        let file = StateFile::new(path.into());
        let state = file.load::<S>()?.unwrap_or_default();
        Ok(Store {
            current: Arc::new(Mutex::new(state)),
            file: Some(Arc::new(file)),
        })
    }

    fn guard(&self) -> MutexGuard<'_, S> {
        // A panic inside a change leaves at worst the change half-applied
        // in memory; with a file, the next cycle reloads it anyway.
        self.current
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Reads the latest state.
    pub(crate) fn read<T>(&self, read: impl FnOnce(&S) -> Result<T>) -> Result<T> {
        let mut current = self.guard();
        if let Some(file) = &self.file {
            *current = file.load::<S>()?.unwrap_or_default();
        }
        read(&current)
    }

    /// Applies `change` to the latest state and saves the result, all under
    /// the exclusive lock. Nothing is saved if `change` fails.
    pub(crate) fn update<T>(&self, change: impl FnOnce(&mut S) -> Result<T>) -> Result<T> {
        let mut current = self.guard();
        let Some(file) = &self.file else {
            return change(&mut current);
        };
        let _lock = file.lock()?;
        let mut state = file.load::<S>()?.unwrap_or_default();
        let out = change(&mut state)?;
        file.save(&state)?;
        *current = state;
        Ok(out)
    }
}

/// A JSON file holding one driver's state, its lock file beside it.
#[derive(Debug)]
struct StateFile {
    path: PathBuf,
}

/// Holds the exclusive lock until dropped.
struct Held(File);

impl Drop for Held {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

impl StateFile {
    fn new(path: PathBuf) -> Self {
        StateFile { path }
    }

    fn dir(&self) -> &Path {
        match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        }
    }

    fn name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// The prefix of this file's temporary files.
    fn temp_prefix(&self) -> String {
        format!(".{}.", self.name())
    }

    /// Takes the exclusive lock (waiting for it), then removes temporary
    /// files that a writer killed mid-write left behind.
    fn lock(&self) -> Result<Held> {
        let dir = self.dir();
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
        let path = dir.join(format!("{}.lock", self.name()));
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
        file.lock()
            .map_err(|e| Error::io(format!("locking {}", path.display()), e))?;
        let held = Held(file);
        self.remove_orphaned_temps();
        Ok(held)
    }

    fn remove_orphaned_temps(&self) {
        let prefix = self.temp_prefix();
        let Ok(entries) = std::fs::read_dir(self.dir()) else {
            return;
        };
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().starts_with(&prefix) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }

    /// The saved state, or `None` if nothing was saved yet.
    fn load<S: DeserializeOwned>(&self) -> Result<Option<S>> {
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

    /// Saves `state` atomically. Called with the lock held.
    fn save<S: Serialize>(&self, state: &S) -> Result<()> {
        let json = serde_json::to_vec_pretty(state)
            .map_err(|e| Error::new(ErrorKind::Io, format!("encoding state: {e}")))?;
        let temp = self.dir().join(format!(
            "{}{}",
            self.temp_prefix(),
            cloud_core::unique::unique_token()
        ));
        let written = std::fs::write(&temp, json)
            .map_err(|e| Error::io(format!("writing {}", temp.display()), e))
            .and_then(|()| {
                std::fs::rename(&temp, &self.path)
                    .map_err(|e| Error::io(format!("replacing {}", self.path.display()), e))
            });
        if written.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        written
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[derive(Debug, Default, Serialize, serde::Deserialize)]
    struct Counter {
        n: u64,
    }

    #[test]
    fn two_stores_on_one_file_see_each_others_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("counter.json");
        let a = Store::<Counter>::open(&path).unwrap();
        let b = Store::<Counter>::open(&path).unwrap();
        for _ in 0..5 {
            a.update(|s| {
                s.n += 1;
                Ok(())
            })
            .unwrap();
            b.update(|s| {
                s.n += 1;
                Ok(())
            })
            .unwrap();
        }
        assert_eq!(a.read(|s| Ok(s.n)).unwrap(), 10);
    }

    #[test]
    fn concurrent_writers_lose_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("counter.json");
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let path = path.clone();
                std::thread::spawn(move || {
                    // Each thread opens its own store, as separate processes do.
                    let store = Store::<Counter>::open(&path).unwrap();
                    for _ in 0..25 {
                        store
                            .update(|s| {
                                s.n += 1;
                                Ok(())
                            })
                            .unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let store = Store::<Counter>::open(&path).unwrap();
        assert_eq!(store.read(|s| Ok(s.n)).unwrap(), 200);
    }

    #[test]
    fn a_failed_change_saves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("counter.json");
        let store = Store::<Counter>::open(&path).unwrap();
        let err = store
            .update(|s| {
                s.n = 99;
                Err::<(), _>(Error::invalid_input("no"))
            })
            .unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::InvalidInput);
        assert_eq!(store.read(|s| Ok(s.n)).unwrap(), 0);
    }

    #[test]
    fn a_killed_writers_temporary_file_is_removed_by_the_next_writer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("counter.json");
        let orphan = dir.path().join(".counter.json.deadbeef");
        std::fs::write(&orphan, "{ half").unwrap();
        let store = Store::<Counter>::open(&path).unwrap();
        store
            .update(|s| {
                s.n += 1;
                Ok(())
            })
            .unwrap();
        assert!(!orphan.exists());
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["counter.json", "counter.json.lock"]);
    }
}
