//! Downloads into local files: bytes land in `.NAME.cloud-partial-TOKEN`
//! beside the target and are renamed over it once whole, so the target is
//! never half written.
//!
//! The partial file is a [`StagingFile`]: locked while this process writes
//! it, removed if the download fails or is cancelled. One left by a killed
//! process is unlocked, and is removed by the next download into the same
//! folder, or by `cloud storage clean FOLDER`.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use cloud::staging::{ABANDONED_AFTER, StagingFile, remove_abandoned};
use cloud::{ByteStream, Error, Result};
use futures::StreamExt;
use tokio::io::{AsyncWriteExt, BufWriter};

/// What marks a partial download's name.
const MARK: &str = ".cloud-partial-";

/// Whether `name` is that of a partial download.
pub fn is_partial(name: &str) -> bool {
    name.starts_with('.') && name.contains(MARK)
}

/// Removes the abandoned partial downloads of each folder once per command.
#[derive(Debug, Default)]
pub struct Tidy {
    done: Mutex<HashSet<PathBuf>>,
}

impl Tidy {
    /// Cleans `dir` unless this command already did.
    pub fn folder(&self, dir: &Path) {
        let first = self
            .done
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(dir.to_path_buf());
        if first {
            remove_abandoned(dir, is_partial, ABANDONED_AFTER);
        }
    }
}

/// Removes the abandoned partial downloads under `root`, every folder
/// down; returns how many. Symbolic links are not followed.
pub fn clean_tree(root: &Path) -> Result<usize> {
    let meta = std::fs::symlink_metadata(root)
        .map_err(|e| Error::io(format!("reading {}", root.display()), e))?;
    if !meta.is_dir() {
        return Err(Error::invalid_input(format!(
            "`{}` is not a folder",
            root.display()
        )));
    }
    let mut removed = 0;
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        removed += remove_abandoned(&dir, is_partial, ABANDONED_AFTER);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(entry.path());
            }
        }
    }
    Ok(removed)
}

/// Writes `body` to `path` through a partial file.
pub async fn write_file(mut body: ByteStream, path: &Path, tidy: &Tidy) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    tidy.folder(&dir);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let partial = format!(".{name}{MARK}{}", cloud::unique::unique_token());
    let mut staging = StagingFile::create(&dir, &partial)
        .map_err(|e| Error::io(format!("creating {}", dir.join(&partial).display()), e))?;
    let handle = staging
        .handle()
        .map_err(|e| Error::io(format!("opening {}", staging.path().display()), e))?;
    let mut file = BufWriter::with_capacity(1024 * 1024, tokio::fs::File::from_std(handle));
    while let Some(chunk) = body.next().await {
        file.write_all(&chunk?)
            .await
            .map_err(|e| Error::io(format!("writing {}", staging.path().display()), e))?;
    }
    file.flush()
        .await
        .map_err(|e| Error::io(format!("writing {}", staging.path().display()), e))?;
    file.get_ref()
        .sync_all()
        .await
        .map_err(|e| Error::io(format!("syncing {}", staging.path().display()), e))?;
    tokio::fs::rename(staging.path(), path)
        .await
        .map_err(|e| Error::io(format!("renaming into {}", path.display()), e))?;
    staging.keep();
    Ok(())
}
