//! Temporary files that a later process can tell are abandoned.
//!
//! Writes land in a temporary file first and are renamed into place when
//! whole. A process killed mid-write (SIGKILL, power loss) cannot remove
//! its temporary file, so the next one must, without touching files that
//! a live writer in another process is still filling. Each staging file is
//! therefore held under an exclusive OS file lock for as long as its writer
//! has it open; the kernel releases the lock when the writer dies. A file
//! that can be locked, and that nobody has written to for a while, has no
//! writer: [`remove_abandoned`] deletes it.
//!
//! ```
//! use std::time::Duration;
//! use cloud_core::staging::{StagingFile, remove_abandoned};
//!
//! let dir = std::env::temp_dir().join(format!("staging-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let file = StagingFile::create(&dir, "upload-1")?;
//! // Held by a live writer: kept, however old.
//! assert_eq!(remove_abandoned(&dir, |_| true, Duration::ZERO), 0);
//! drop(file); // (a dropped, uncommitted staging file removes itself)
//! assert!(!dir.join("upload-1").exists());
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), std::io::Error>(())
//! ```

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// How long an unlocked staging file must have gone unwritten before it
/// counts as abandoned: covers the instant between creating a file and
/// locking it, and file systems whose locks do not reach other machines.
pub const ABANDONED_AFTER: Duration = Duration::from_secs(10);

/// A temporary file, locked while its writer holds it, removed on drop
/// unless [`keep`](Self::keep) was called.
#[derive(Debug)]
pub struct StagingFile {
    path: PathBuf,
    file: File,
    armed: bool,
}

impl StagingFile {
    /// Creates `dir/name` (which must not exist) and locks it.
    pub fn create(dir: &Path, name: &str) -> std::io::Result<Self> {
        let path = dir.join(name);
        let file = File::options()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)?;
        if let Err(e) = file.try_lock() {
            let _ = std::fs::remove_file(&path);
            return Err(std::io::Error::other(format!(
                "cannot lock {}: {e}",
                path.display()
            )));
        }
        Ok(StagingFile {
            path,
            file,
            armed: true,
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A second handle on the open file (sharing its lock), to write through.
    pub fn handle(&self) -> std::io::Result<File> {
        self.file.try_clone()
    }

    /// The file was renamed into place (or is wanted): do not remove it on drop.
    pub fn keep(&mut self) {
        self.armed = false;
    }
}

impl Drop for StagingFile {
    fn drop(&mut self) {
        if self.armed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Removes the files of `dir` whose names satisfy `matches` and that no
/// live writer holds: lockable, and unmodified for `min_age`. Returns how
/// many were removed. Files in use, and anything unreadable, are left.
pub fn remove_abandoned(dir: &Path, matches: impl Fn(&str) -> bool, min_age: Duration) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let now = SystemTime::now();
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !matches(&name.to_string_lossy()) {
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
        if !meta.is_file() {
            continue;
        }
        let idle = meta
            .modified()
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .unwrap_or_default();
        if idle < min_age {
            continue;
        }
        let Ok(file) = File::options().read(true).write(true).open(entry.path()) else {
            continue;
        };
        if file.try_lock().is_ok() && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn only_files_without_a_writer_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let live = StagingFile::create(dir.path(), "upload-live").unwrap();
        // What a killed writer leaves: a file nobody holds.
        std::fs::write(dir.path().join("upload-dead"), b"half").unwrap();
        std::fs::write(dir.path().join("unrelated"), b"keep").unwrap();
        let removed = remove_abandoned(dir.path(), |n| n.starts_with("upload-"), Duration::ZERO);
        assert_eq!(removed, 1);
        assert!(live.path().exists());
        assert!(dir.path().join("unrelated").exists());
        assert!(!dir.path().join("upload-dead").exists());
    }

    #[test]
    fn recent_files_are_left_for_their_writer() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("upload-new"), b"x").unwrap();
        assert_eq!(remove_abandoned(dir.path(), |_| true, ABANDONED_AFTER), 0);
    }

    #[test]
    fn a_kept_file_stays() {
        let dir = tempfile::tempdir().unwrap();
        let mut file = StagingFile::create(dir.path(), "x").unwrap();
        file.keep();
        let path = file.path().to_owned();
        drop(file);
        assert!(path.exists());
    }
}
