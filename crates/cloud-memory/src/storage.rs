//! In-memory object storage with S3's semantics: atomic puts, MD5 etags,
//! conditional writes, byte-ordered listings with prefix and delimiter.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use cloud_core::Driver;
use cloud_core::paging::page_of;
use cloud_core::storage::{Flow, ListingPage, check_if_match};
use cloud_core::{
    Api, ByteStream, Capabilities, Capability, Container, Download, DownloadOptions, Error,
    ListEntry, ListObjectsRequest, Object, Page, PageRequest, ResourceKind, Result, StorageDriver,
    UploadOptions, WriteCondition,
};
use futures::StreamExt;
use md5::{Digest, Md5};

use crate::PROVIDER;

/// Everything except signed and CDN URLs, which need a server to point at,
/// and multipart uploads, which an in-memory store has no use for.
pub(crate) const CAPABILITIES: Capabilities = Capabilities::all(Api::Storage)
    .without(Capability::MultipartUpload)
    .without(Capability::ListUploads)
    .without(Capability::AbortUpload)
    .without(Capability::SignedUrl)
    .without(Capability::CdnUrl);

const PAGE_SIZE: u32 = 1000;

/// In-memory object-storage driver. Bodies are kept whole in memory, so it
/// suits tests and demos, not large data.
#[derive(Debug, Clone, Default)]
pub struct MemoryStorage {
    state: Arc<Mutex<BTreeMap<String, Bucket>>>,
}

#[derive(Debug)]
struct Bucket {
    created_at: SystemTime,
    objects: BTreeMap<String, Stored>,
}

#[derive(Debug, Clone)]
struct Stored {
    meta: Object,
    data: Bytes,
}

fn no_container(name: &str) -> Error {
    Error::not_found(ResourceKind::Container, name).with_provider(PROVIDER)
}

fn no_object(container: &str, name: &str) -> Error {
    Error::not_found(ResourceKind::Object, format!("{container}/{name}")).with_provider(PROVIDER)
}

impl MemoryStorage {
    /// An empty account.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<String, Bucket>> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn stored(&self, container: &str, name: &str) -> Result<Stored> {
        let state = self.lock();
        let bucket = state
            .get(container)
            .ok_or_else(|| no_container(container))?;
        bucket
            .objects
            .get(name)
            .cloned()
            .ok_or_else(|| no_object(container, name))
    }

    /// Total bytes stored, across containers (an extra, for tests and quotas).
    pub fn ex_bytes_used(&self) -> u64 {
        self.lock()
            .values()
            .flat_map(|b| b.objects.values())
            .map(|o| o.meta.size)
            .sum()
    }
}

fn check_condition(
    container: &str,
    name: &str,
    existing: Option<&Stored>,
    condition: Option<&WriteCondition>,
) -> Result<()> {
    match (condition, existing) {
        (Some(WriteCondition::IfNotExists), Some(_)) => Err(Error::already_exists(
            ResourceKind::Object,
            format!("{container}/{name}"),
        )
        .with_provider(PROVIDER)),
        (Some(WriteCondition::IfMatch(etag)), Some(current)) => {
            check_if_match(PROVIDER, &current.meta, etag)
        }
        (Some(WriteCondition::IfMatch(_)), None) => Err(no_object(container, name)),
        _ => Ok(()),
    }
}

impl Driver for MemoryStorage {
    fn provider(&self) -> &str {
        PROVIDER
    }
    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }
}

#[async_trait]
impl StorageDriver for MemoryStorage {
    async fn list_containers(&self, page: PageRequest) -> Result<Page<Container>> {
        let containers: Vec<Container> = self
            .lock()
            .iter()
            .map(|(name, bucket)| {
                let mut c = Container::new(name);
                c.created_at = Some(bucket.created_at);
                c.extra
                    .insert("object_count".into(), bucket.objects.len().into());
                c
            })
            .collect();
        page_of(&containers, &page, PAGE_SIZE)
    }

    async fn get_container(&self, name: &str) -> Result<Container> {
        let state = self.lock();
        let bucket = state.get(name).ok_or_else(|| no_container(name))?;
        let mut c = Container::new(name);
        c.created_at = Some(bucket.created_at);
        c.extra
            .insert("object_count".into(), bucket.objects.len().into());
        Ok(c)
    }

    async fn create_container(&self, name: &str) -> Result<Container> {
        let mut state = self.lock();
        if state.contains_key(name) {
            return Err(
                Error::already_exists(ResourceKind::Container, name).with_provider(PROVIDER)
            );
        }
        let created_at = SystemTime::now();
        state.insert(
            name.to_owned(),
            Bucket {
                created_at,
                objects: BTreeMap::new(),
            },
        );
        let mut c = Container::new(name);
        c.created_at = Some(created_at);
        Ok(c)
    }

    async fn delete_container(&self, name: &str) -> Result<()> {
        let mut state = self.lock();
        let bucket = state.get(name).ok_or_else(|| no_container(name))?;
        if !bucket.objects.is_empty() {
            return Err(Error::not_empty(ResourceKind::Container, name).with_provider(PROVIDER));
        }
        state.remove(name);
        Ok(())
    }

    async fn list_objects(
        &self,
        container: &str,
        request: &ListObjectsRequest,
    ) -> Result<Page<ListEntry>> {
        let state = self.lock();
        let bucket = state
            .get(container)
            .ok_or_else(|| no_container(container))?;
        let mut page = ListingPage::new(request, PAGE_SIZE);
        let mut skip: Option<String> = None;
        let start = page.start_after().to_owned();
        for (name, stored) in bucket
            .objects
            .range::<str, _>((Bound::Included(start.as_str()), Bound::Unbounded))
        {
            if !name.starts_with(page.prefix()) {
                break;
            }
            if skip.as_deref().is_some_and(|p| name.starts_with(p)) {
                continue;
            }
            match page.offer(name, || Ok(stored.meta.clone()))? {
                Flow::Continue => {}
                Flow::SkipPrefix(p) => skip = Some(p),
                Flow::Stop => break,
            }
        }
        Ok(page.finish())
    }

    async fn get_object(&self, container: &str, name: &str) -> Result<Object> {
        Ok(self.stored(container, name)?.meta)
    }

    async fn download(
        &self,
        container: &str,
        name: &str,
        options: &DownloadOptions,
    ) -> Result<Download> {
        let stored = self.stored(container, name)?;
        if let Some(etag) = options.if_match_value() {
            check_if_match(PROVIDER, &stored.meta, etag)?;
        }
        let size = stored.meta.size;
        let range = match options.range_value() {
            Some(r) => r.resolve(size).map_err(|e| e.with_provider(PROVIDER))?,
            None => 0..size,
        };
        let body = stored.data.slice(range.start as usize..range.end as usize);
        Ok(Download::new(
            stored.meta,
            range,
            cloud_core::byte_stream::once(body),
        ))
    }

    async fn upload(
        &self,
        container: &str,
        name: &str,
        mut body: ByteStream,
        options: &UploadOptions,
    ) -> Result<Object> {
        // Checks up front avoid reading a body that would be refused.
        {
            let state = self.lock();
            let bucket = state
                .get(container)
                .ok_or_else(|| no_container(container))?;
            check_condition(
                container,
                name,
                bucket.objects.get(name),
                options.condition_value(),
            )?;
        }
        let mut data = BytesMut::new();
        let mut hasher = Md5::new();
        while let Some(chunk) = body.next().await {
            let chunk = chunk?;
            hasher.update(&chunk);
            data.extend_from_slice(&chunk);
        }
        let data = data.freeze();
        let mut meta = Object::new(container, name, data.len() as u64);
        meta.etag = Some(hex::encode(hasher.finalize()));
        meta.content_type = Some(
            options
                .content_type_str()
                .unwrap_or("application/octet-stream")
                .to_owned(),
        );
        meta.last_modified = Some(SystemTime::now());
        meta.metadata = options.metadata_map().clone();
        // The commit: conditions are checked again under the same lock that
        // publishes the object, so two racing create-only writers cannot both win.
        let mut state = self.lock();
        let bucket = state
            .get_mut(container)
            .ok_or_else(|| no_container(container))?;
        check_condition(
            container,
            name,
            bucket.objects.get(name),
            options.condition_value(),
        )?;
        bucket.objects.insert(
            name.to_owned(),
            Stored {
                meta: meta.clone(),
                data,
            },
        );
        Ok(meta)
    }

    async fn copy_object(
        &self,
        from_container: &str,
        from_name: &str,
        to_container: &str,
        to_name: &str,
    ) -> Result<Object> {
        let source = self.stored(from_container, from_name)?;
        let mut state = self.lock();
        let bucket = state
            .get_mut(to_container)
            .ok_or_else(|| no_container(to_container))?;
        let mut meta = source.meta.clone();
        meta.container = to_container.to_owned();
        meta.name = to_name.to_owned();
        meta.last_modified = Some(SystemTime::now());
        bucket.objects.insert(
            to_name.to_owned(),
            Stored {
                meta: meta.clone(),
                data: source.data,
            },
        );
        Ok(meta)
    }

    async fn delete_object(&self, container: &str, name: &str) -> Result<()> {
        let mut state = self.lock();
        let bucket = state
            .get_mut(container)
            .ok_or_else(|| no_container(container))?;
        bucket
            .objects
            .remove(name)
            .map(|_| ())
            .ok_or_else(|| no_object(container, name))
    }
}
