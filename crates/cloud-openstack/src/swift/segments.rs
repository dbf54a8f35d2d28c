//! The segments of large objects: finding those of a manifest (to delete
//! them with it), and those no manifest references (uploads a killed
//! process left behind).
//!
//! Segments live in `<container>_segments`. Two layouts are recognised, so
//! uploads by this crate and by python-swiftclient are both found:
//! `NAME/slo/TOKEN/NNNNNNNN` (ours; swiftclient's SLO adds more levels
//! after `slo/`) and swiftclient's DLO `NAME/TIMESTAMP/SIZE/SEGSIZE/NNNNNNNN`.
//! A *group* is a segment path without its number: one upload.

use cloud_core::http::rest::About;
use std::collections::{BTreeMap, HashMap};

use cloud_core::http::{HeaderMap, HttpRequest, Method};
use cloud_core::{Error, ListEntry, Object, PendingUpload, ResourceKind, Result};
use futures::TryStreamExt;

use super::SwiftStorage;
use super::slo::segment_container;

/// What a manifest object points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Manifest {
    /// A Static Large Object: its segments, as `/container/name` paths.
    Static(Vec<String>),
    /// A Dynamic Large Object: every object of `container` under `prefix`.
    Dynamic { container: String, prefix: String },
}

/// The object name and group of a segment name, if it follows a known layout.
fn group_of(segment: &str) -> Option<(&str, &str)> {
    let (group, number) = segment.rsplit_once('/')?;
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if let Some(i) = group.rfind("/slo/") {
        return Some((&group[..i], group));
    }
    let mut parts = group.rsplitn(4, '/');
    let (segment_size, size, stamp, name) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(segment_size) && digits(size) && stamp.parse::<f64>().is_ok() && !name.is_empty())
        .then_some((name, group))
}

impl SwiftStorage {
    /// What the manifest whose HEAD answered `headers` points at, if the
    /// object is one.
    pub(crate) async fn manifest(
        &self,
        container: &str,
        name: &str,
        headers: &HeaderMap,
    ) -> Result<Option<Manifest>> {
        if let Some(paths) = self.manifest_of(container, name, headers).await? {
            return Ok(Some(Manifest::Static(paths)));
        }
        let Some(value) = headers
            .get("x-object-manifest")
            .and_then(|v| v.to_str().ok())
        else {
            return Ok(None);
        };
        let value = percent_encoding::percent_decode_str(value)
            .decode_utf8_lossy()
            .into_owned();
        let (seg_container, prefix) = value.split_once('/').unwrap_or((&value, ""));
        Ok(Some(Manifest::Dynamic {
            container: seg_container.to_owned(),
            prefix: prefix.to_owned(),
        }))
    }

    /// The manifest of `container/name`, if the object exists and is one.
    pub(crate) async fn manifest_of_object(
        &self,
        container: &str,
        name: &str,
    ) -> Result<Option<Manifest>> {
        match self.head_object(container, name).await {
            Ok(head) => self.manifest(container, name, head.headers()).await,
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The `/container/name` paths of a manifest's segments.
    pub(crate) async fn segment_paths(&self, manifest: Manifest) -> Result<Vec<String>> {
        match manifest {
            Manifest::Static(paths) => Ok(paths),
            Manifest::Dynamic { container, prefix } => Ok(self
                .objects_under(&container, &prefix)
                .await?
                .into_iter()
                .map(|o| format!("/{container}/{}", o.name))
                .collect()),
        }
    }

    /// Every object of `container` whose name starts with `prefix`; an
    /// empty list if the container does not exist.
    async fn objects_under(&self, container: &str, prefix: &str) -> Result<Vec<Object>> {
        let storage = cloud_core::Storage::new(self.clone());
        let mut options = cloud_core::ListOptions::new();
        if !prefix.is_empty() {
            options = options.prefix(prefix);
        }
        let listed: Result<Vec<ListEntry>> = storage
            .list_objects(container, &options)
            .try_collect()
            .await;
        match listed {
            Ok(entries) => Ok(entries
                .into_iter()
                .filter_map(|e| e.as_object().cloned())
                .collect()),
            Err(e) if e.is_not_found() => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    /// Deletes the object `container/name` alone: a large object's manifest
    /// goes, its segments stay (as `swift delete --leave-segments`).
    pub async fn ex_delete_object_leave_segments(&self, container: &str, name: &str) -> Result<()> {
        super::check_container(container)?;
        let id = format!("{container}/{name}");
        let url = self.url(Some(container), Some(name), &[]).await?;
        self.send(
            HttpRequest::new(Method::DELETE, url),
            Some(About::reading(ResourceKind::Object, &id)),
        )
        .await?;
        Ok(())
    }
}

/// The unfinished uploads of `container`'s objects under `prefix`: groups
/// of segments that no manifest references.
pub(crate) async fn pending(
    swift: &SwiftStorage,
    container: &str,
    prefix: &str,
) -> Result<Vec<PendingUpload>> {
    // A missing container is an error, not an empty answer.
    cloud_core::StorageDriver::get_container(swift, container).await?;
    let seg_container = segment_container(container);
    let mut groups: BTreeMap<(String, String), PendingUpload> = BTreeMap::new();
    for segment in swift.objects_under(&seg_container, prefix).await? {
        let Some((name, group)) = group_of(&segment.name) else {
            continue;
        };
        let upload = groups
            .entry((name.to_owned(), group.to_owned()))
            .or_insert_with(|| {
                let mut u = PendingUpload::new(name, group);
                u.bytes = Some(0);
                u.extra.insert("segments".into(), 0.into());
                u
            });
        upload.bytes = Some(upload.bytes.unwrap_or(0) + segment.size);
        let count = upload
            .extra
            .get("segments")
            .and_then(|v| v.as_u64())
            .unwrap_or(0);
        upload.extra.insert("segments".into(), (count + 1).into());
        upload.started = match (upload.started, segment.last_modified) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    let mut manifests: HashMap<String, Option<Manifest>> = HashMap::new();
    let mut orphans = Vec::new();
    for ((name, group), upload) in groups {
        if !manifests.contains_key(&name) {
            let manifest = swift.manifest_of_object(container, &name).await?;
            manifests.insert(name.clone(), manifest);
        }
        let referenced = manifests
            .get(&name)
            .and_then(Option::as_ref)
            .is_some_and(|m| holds_group(m, &seg_container, &group));
        if !referenced {
            orphans.push(upload);
        }
    }
    Ok(orphans)
}

/// Whether any segment of `group` is part of `manifest`.
fn holds_group(manifest: &Manifest, seg_container: &str, group: &str) -> bool {
    match manifest {
        Manifest::Static(paths) => {
            let start = format!("/{seg_container}/{group}/");
            paths.iter().any(|p| p.starts_with(&start))
        }
        Manifest::Dynamic { container, prefix } => {
            container == seg_container
                && (format!("{group}/").starts_with(prefix.as_str())
                    || prefix.starts_with(&format!("{group}/")))
        }
    }
}

/// Deletes the segments of an unfinished upload, after checking again that
/// no manifest references them (an id naming a live object's segments is
/// refused, never deleted).
pub(crate) async fn abort(
    swift: &SwiftStorage,
    container: &str,
    upload: &PendingUpload,
) -> Result<()> {
    let seg_container = segment_container(container);
    let probe = format!("{}/0", upload.id);
    let Some((name, group)) = group_of(&probe) else {
        return Err(Error::invalid_input(format!(
            "`{}` is not the id of a Swift upload (see list_uploads)",
            cloud_core::error::quote(&upload.id)
        )));
    };
    if name != upload.name || group != upload.id {
        return Err(Error::invalid_input(format!(
            "upload `{}` is not of object `{}`",
            cloud_core::error::quote(&upload.id),
            cloud_core::error::quote(&upload.name)
        )));
    }
    if let Some(manifest) = swift.manifest_of_object(container, name).await?
        && holds_group(&manifest, &seg_container, group)
    {
        return Err(Error::conflict(format!(
            "the segments `{}` belong to the object `{}`; delete the object instead",
            cloud_core::error::quote(group),
            cloud_core::error::quote(name)
        )));
    }
    let paths: Vec<String> = swift
        .objects_under(&seg_container, &format!("{group}/"))
        .await?
        .into_iter()
        .map(|o| format!("/{seg_container}/{}", o.name))
        .collect();
    swift.delete_paths(&paths).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_layouts() {
        assert_eq!(
            group_of("photos/big.iso/slo/abc123/00000007"),
            Some(("photos/big.iso", "photos/big.iso/slo/abc123"))
        );
        assert_eq!(
            group_of("big.iso/slo/1700000000.123456/1048576000/104857600/00000002"),
            Some((
                "big.iso",
                "big.iso/slo/1700000000.123456/1048576000/104857600"
            ))
        );
        assert_eq!(
            group_of("dir/big.iso/1700000000.123456/1048576000/104857600/00000002"),
            Some((
                "dir/big.iso",
                "dir/big.iso/1700000000.123456/1048576000/104857600"
            ))
        );
        assert_eq!(group_of("plain-object"), None);
        assert_eq!(group_of("a/b/c"), None);
        assert_eq!(group_of("x/notatime/1/2/00000001"), None);
    }

    #[test]
    fn manifests_hold_their_groups_only() {
        let slo = Manifest::Static(vec!["/c_segments/a/slo/t1/00000000".into()]);
        assert!(holds_group(&slo, "c_segments", "a/slo/t1"));
        assert!(!holds_group(&slo, "c_segments", "a/slo/t2"));
        let dlo = Manifest::Dynamic {
            container: "c_segments".into(),
            prefix: "a/1.5/10/5/".into(),
        };
        assert!(holds_group(&dlo, "c_segments", "a/1.5/10/5"));
        assert!(!holds_group(&dlo, "c_segments", "a/2.5/10/5"));
        assert!(!holds_group(&dlo, "other", "a/1.5/10/5"));
    }
}
