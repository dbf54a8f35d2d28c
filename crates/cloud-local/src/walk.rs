//! Lists a container by walking its folders in name order, lazily.
//!
//! Entries of each folder are sorted by the object name they stand for
//! (folders as `name/`), which makes a depth-first walk yield names in the
//! byte order S3 uses. Folders that cannot hold a wanted name (before the
//! continuation token, outside the prefix, inside a common prefix already
//! listed) are never opened, and the walk stops as soon as the page is full.

use std::path::Path;

use cloud_core::storage::{Flow, ListingPage};
use cloud_core::{Error, ListEntry, ListObjectsRequest, Page, Result};

use crate::meta::describe;
use crate::paths::Layout;

/// One page of `container`'s listing (blocking).
pub(crate) fn list_page(
    layout: &Layout,
    container: &str,
    request: &ListObjectsRequest,
    default_size: u32,
) -> Result<Page<ListEntry>> {
    let mut walk = Walk {
        layout,
        container,
        page: ListingPage::new(request, default_size),
        skip: None,
        start: String::new(),
    };
    walk.start = walk.page.start_after().to_owned();
    walk.visit(&layout.container(container), "")?;
    Ok(walk.page.finish())
}

struct Walk<'a> {
    layout: &'a Layout,
    container: &'a str,
    page: ListingPage,
    skip: Option<String>,
    start: String,
}

enum Next {
    More,
    Stop,
}

impl Walk<'_> {
    fn wanted_folder(&self, key: &str) -> bool {
        let prefix = self.page.prefix();
        let overlaps_prefix = key.starts_with(prefix) || prefix.starts_with(key);
        let before_start = key < self.start.as_str() && !self.start.starts_with(key);
        let skipped = self.skip.as_deref().is_some_and(|s| key.starts_with(s));
        overlaps_prefix && !before_start && !skipped
    }

    fn visit(&mut self, dir: &Path, key_prefix: &str) -> Result<Next> {
        let read = std::fs::read_dir(dir)
            .map_err(|e| Error::io(format!("listing {}", dir.display()), e))?;
        let mut entries = Vec::new();
        for entry in read {
            let entry = entry.map_err(|e| Error::io(format!("listing {}", dir.display()), e))?;
            let Ok(name) = entry.file_name().into_string() else {
                tracing::warn!(path = %entry.path().display(), "skipping a file whose name is not UTF-8");
                continue;
            };
            // Follow a symlink only to learn what it is; never walk into one,
            // so a link cannot lead the listing outside the container.
            let file_type = entry
                .file_type()
                .map_err(|e| Error::io("reading file type", e))?;
            let (is_dir, is_file) = if file_type.is_symlink() {
                match std::fs::metadata(entry.path()) {
                    Ok(m) => (false, m.is_file()),
                    Err(_) => (false, false),
                }
            } else {
                (file_type.is_dir(), file_type.is_file())
            };
            if is_dir {
                entries.push((format!("{key_prefix}{name}/"), true));
            } else if is_file {
                entries.push((format!("{key_prefix}{name}"), false));
            }
        }
        entries.sort_unstable();
        for (key, is_dir) in entries {
            if is_dir {
                if !self.wanted_folder(&key) {
                    continue;
                }
                let name = &key[key_prefix.len()..key.len() - 1];
                if let Next::Stop = self.visit(&dir.join(name), &key)? {
                    return Ok(Next::Stop);
                }
                continue;
            }
            if key.as_str() < self.start.as_str() || !key.starts_with(self.page.prefix()) {
                continue;
            }
            if self.skip.as_deref().is_some_and(|s| key.starts_with(s)) {
                continue;
            }
            let path = dir.join(&key[key_prefix.len()..]);
            let (layout, container) = (self.layout, self.container);
            let flow = self.page.offer(&key, || {
                describe(container, &key, &path, &layout.meta(container, &key))
            })?;
            match flow {
                Flow::Continue => {}
                Flow::SkipPrefix(p) => self.skip = Some(p),
                Flow::Stop => return Ok(Next::Stop),
            }
        }
        Ok(Next::More)
    }
}
