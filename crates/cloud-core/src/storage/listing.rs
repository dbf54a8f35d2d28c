//! Builds one page of an object listing from names fed in sorted order.
//!
//! Drivers whose backend has no listing API of its own (the local file
//! system, the in-memory store) share this so prefix, delimiter and
//! continuation behave exactly as S3 does: the token is the last name (or
//! common prefix) returned, and a page is only marked as having a successor
//! when another entry really follows.

use super::types::{ListEntry, ListObjectsRequest, Object};
use crate::error::Result;

/// What the caller should do after offering a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flow {
    /// Offer the next name.
    Continue,
    /// Names starting with this common prefix add nothing more; the caller
    /// may skip them (a directory walk need not descend).
    SkipPrefix(String),
    /// The page is complete; stop.
    Stop,
}

/// Collects one page. Offer names in ascending byte order.
///
/// ```
/// use cloud_core::{ListObjectsRequest, Object, PageRequest};
/// use cloud_core::storage::{ListingPage, Flow};
///
/// let request = ListObjectsRequest::new(None, Some("/".into()), PageRequest::with_size(Some(10)));
/// let mut page = ListingPage::new(&request, 1000);
/// for name in ["a.txt", "dir/1", "dir/2", "z"] {
///     if page.offer(name, || Ok(Object::new("c", name, 0))).unwrap() == Flow::Stop {
///         break;
///     }
/// }
/// let names: Vec<_> = page.finish().items.iter().map(|e| e.name().to_owned()).collect();
/// assert_eq!(names, ["a.txt", "dir/", "z"]);
/// ```
#[derive(Debug)]
pub struct ListingPage {
    prefix: String,
    delimiter: Option<String>,
    marker: Option<String>,
    limit: usize,
    entries: Vec<ListEntry>,
    last_prefix: Option<String>,
    more: bool,
}

impl ListingPage {
    /// A page for `request`, with `default_size` when it sets no page size.
    pub fn new(request: &ListObjectsRequest, default_size: u32) -> Self {
        ListingPage {
            prefix: request.prefix.clone().unwrap_or_default(),
            delimiter: request.delimiter.clone().filter(|d| !d.is_empty()),
            marker: request.page.token.clone(),
            limit: request.page.size.unwrap_or(default_size).max(1) as usize,
            entries: Vec::new(),
            last_prefix: None,
            more: false,
        }
    }

    /// The first name worth offering: names before it are skipped anyway.
    pub fn start_after(&self) -> &str {
        match &self.marker {
            Some(m) if m.as_str() > self.prefix.as_str() => m,
            _ => &self.prefix,
        }
    }

    /// The prefix every name must start with.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Offers the next name; `object` is only called if the name becomes an
    /// object entry.
    pub fn offer(&mut self, name: &str, object: impl FnOnce() -> Result<Object>) -> Result<Flow> {
        if !name.starts_with(&self.prefix) {
            return Ok(Flow::Continue);
        }
        if let Some(marker) = &self.marker {
            if name <= marker.as_str() {
                return Ok(Flow::Continue);
            }
            let marker_is_prefix = self
                .delimiter
                .as_deref()
                .is_some_and(|d| marker.ends_with(d));
            if marker_is_prefix && name.starts_with(marker.as_str()) {
                return Ok(Flow::SkipPrefix(marker.clone()));
            }
        }
        let common = self.delimiter.as_deref().and_then(|d| {
            let rest = &name[self.prefix.len()..];
            rest.find(d)
                .map(|i| name[..self.prefix.len() + i + d.len()].to_owned())
        });
        if let Some(common) = &common
            && self.last_prefix.as_ref() == Some(common)
        {
            return Ok(Flow::SkipPrefix(common.clone()));
        }
        if self.entries.len() == self.limit {
            self.more = true;
            return Ok(Flow::Stop);
        }
        match common {
            Some(common) => {
                self.last_prefix = Some(common.clone());
                self.entries.push(ListEntry::Prefix {
                    prefix: common.clone(),
                });
                Ok(Flow::SkipPrefix(common))
            }
            None => {
                self.entries.push(ListEntry::Object(object()?));
                Ok(Flow::Continue)
            }
        }
    }

    /// The finished page: the token is the last entry's name when more follow.
    pub fn finish(self) -> crate::Page<ListEntry> {
        let next = if self.more {
            self.entries.last().map(|e| e.name().to_owned())
        } else {
            None
        };
        crate::Page::new(self.entries, next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PageRequest;

    const NAMES: &[&str] = &["a.txt", "dir/1", "dir/2", "dir/sub/3", "dirx", "z"];

    fn list_all(prefix: Option<&str>, delimiter: Option<&str>, size: u32) -> Vec<Vec<String>> {
        let mut token = None;
        let mut pages = Vec::new();
        loop {
            let request = ListObjectsRequest::new(
                prefix.map(str::to_owned),
                delimiter.map(str::to_owned),
                PageRequest::with_size(Some(size)).after(token.clone()),
            );
            let mut page = ListingPage::new(&request, 1000);
            let start = page.start_after().to_owned();
            for name in NAMES.iter().filter(|n| **n >= start.as_str()) {
                if page.offer(name, || Ok(Object::new("c", *name, 0))).unwrap() == Flow::Stop {
                    break;
                }
            }
            let page = page.finish();
            pages.push(page.items.iter().map(|e| e.name().to_owned()).collect());
            token = page.next;
            if token.is_none() {
                return pages;
            }
        }
    }

    #[test]
    fn delimiter_groups_at_the_root() {
        assert_eq!(
            list_all(None, Some("/"), 100),
            vec![vec!["a.txt", "dir/", "dirx", "z"]]
        );
    }

    #[test]
    fn delimiter_under_a_prefix() {
        assert_eq!(
            list_all(Some("dir/"), Some("/"), 100),
            vec![vec!["dir/1", "dir/2", "dir/sub/"]]
        );
    }

    #[test]
    fn pages_resume_after_a_common_prefix() {
        assert_eq!(
            list_all(None, Some("/"), 2),
            vec![vec!["a.txt", "dir/"], vec!["dirx", "z"]]
        );
    }

    #[test]
    fn exact_pages_have_no_empty_tail() {
        assert_eq!(
            list_all(None, None, 3),
            vec![
                vec!["a.txt", "dir/1", "dir/2"],
                vec!["dir/sub/3", "dirx", "z"]
            ]
        );
    }

    #[test]
    fn prefix_without_delimiter() {
        assert_eq!(
            list_all(Some("dir"), None, 10),
            vec![vec!["dir/1", "dir/2", "dir/sub/3", "dirx"]]
        );
    }
}
