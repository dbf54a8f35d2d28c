//! Cloud Storage (the JSON API) as a [`StorageDriver`].
//!
//! Bodies of known length up to a limit go in one request with their
//! CRC32C; larger or unsized ones go through a resumable session that
//! survives dropped connections (`resumable.rs`). An object's portable etag
//! is its generation, so If-Match and create-only writes are Cloud
//! Storage's own `ifGenerationMatch` preconditions; copies use `rewriteTo`,
//! which also moves objects too large for one call, in steps.

mod crc32c;
// The response parsers: private, reachable by benchmarks and fuzz targets
// through the `internals` feature.
#[cfg(feature = "internals")]
pub mod parse;
#[cfg(not(feature = "internals"))]
pub(crate) mod parse;
mod resumable;
#[cfg(test)]
mod resumable_tests;
mod signed_url;
mod upload;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use bytes::Bytes;
use cloud_core::byte_stream::PartReader;
use cloud_core::http::{HttpRequest, Method};
use cloud_core::{
    Api, ByteStream, Capabilities, Capability, Container, Download, DownloadOptions, Driver, Error,
    ErrorKind, ListEntry, ListObjectsRequest, Object, Page, PageRequest, ResourceKind, Result,
    StorageDriver, UploadOptions, Url, UrlMethod,
};
use serde_json::{Value, json};

pub use signed_url::MAX_EXPIRY as MAX_SIGNED_URL_EXPIRY;

use crate::PROVIDER;
use crate::config::Shared;
use cloud_core::http::rest::{About, RestClient};

/// What Cloud Storage offers through the portable interface: everything but
/// CDN URLs and the listing of unfinished uploads (a resumable session
/// cannot be listed; each one is cancelled when its upload fails or is
/// dropped, and Cloud Storage forgets it after a week).
pub const CAPABILITIES: Capabilities = Capabilities::all(Api::Storage)
    .without(Capability::CdnUrl)
    .without(Capability::ListUploads)
    .without(Capability::AbortUpload);

const PAGE_SIZE: u32 = 1000;

/// The Cloud Storage driver.
#[derive(Debug, Clone)]
pub struct GcsStorage {
    shared: Arc<Shared>,
}

/// Checks a bucket name against Cloud Storage's rules, before any request.
fn check_bucket(name: &str) -> Result<()> {
    let bad = |why: &str| Err(Error::invalid_input(format!("bucket name `{name}`: {why}")));
    let limit = if name.contains('.') { 222 } else { 63 };
    if name.len() < 3 || name.len() > limit {
        return bad(&format!("must be 3 to {limit} characters"));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.'))
    {
        return bad("only lowercase letters, digits, `-`, `_` and `.` are allowed");
    }
    let edge_ok = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if !edge_ok(name.bytes().next()) || !edge_ok(name.bytes().last()) {
        return bad("must start and end with a letter or a digit");
    }
    if name.starts_with("goog") || name.contains("google") || name.contains("g00gle") {
        return bad("may not begin with `goog` nor contain `google`");
    }
    Ok(())
}

/// Object names Cloud Storage refuses beyond the portable rules.
fn check_object(name: &str) -> Result<()> {
    if name == "." || name == ".." {
        return Err(Error::invalid_input(format!(
            "Cloud Storage refuses the object name `{name}`"
        )));
    }
    if name.starts_with(".well-known/acme-challenge/") {
        return Err(Error::invalid_input(
            "Cloud Storage refuses object names under `.well-known/acme-challenge/`",
        ));
    }
    Ok(())
}

impl GcsStorage {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        GcsStorage { shared }
    }

    fn client(&self) -> &RestClient {
        &self.shared.storage
    }

    /// Sends `request` with `body` as JSON; the JSON answer.
    pub(crate) async fn json(
        &self,
        request: HttpRequest,
        body: Option<&Value>,
        about: Option<About<'_>>,
    ) -> Result<Value> {
        Ok(self.client().exchange(request, body, about).await?.body)
    }

    fn bucket_url(&self, bucket: Option<&str>, query: &[(&str, &str)]) -> Url {
        match bucket {
            Some(b) => self.client().url(&["storage", "v1", "b", b], query),
            None => self.client().url(&["storage", "v1", "b"], query),
        }
    }

    fn object_url(&self, bucket: &str, name: &str, query: &[(&str, &str)]) -> Url {
        self.client()
            .url(&["storage", "v1", "b", bucket, "o", name], query)
    }

    fn upload_url(&self, bucket: &str, query: &[(&str, &str)]) -> Url {
        self.client()
            .url(&["upload", "storage", "v1", "b", bucket, "o"], query)
    }

    fn object_id(container: &str, name: &str) -> String {
        format!("{container}/{name}")
    }

    /// Creates a bucket in `location` with `storage_class` (an extra; the
    /// portable `create_container` uses the client's defaults).
    pub async fn ex_create_bucket(
        &self,
        name: &str,
        location: Option<&str>,
        storage_class: Option<&str>,
    ) -> Result<Container> {
        check_bucket(name)?;
        let project = self.shared.project().await?;
        let mut body = json!({ "name": name });
        if let Some(l) = location.or(self.shared.bucket_location.as_deref()) {
            body["location"] = json!(l);
        }
        if let Some(c) = storage_class.or(self.shared.storage_class.as_deref()) {
            body["storageClass"] = json!(c);
        }
        let url = self.bucket_url(None, &[("project", &project)]);
        let answer = self
            .json(
                HttpRequest::new(Method::POST, url),
                Some(&body),
                Some(About::creating(ResourceKind::Container, name)),
            )
            .await?;
        parse::container(&answer)
    }

    /// The object's full resource as Cloud Storage returns it (an extra).
    pub async fn ex_object_resource(&self, container: &str, name: &str) -> Result<Value> {
        check_bucket(container)?;
        let id = Self::object_id(container, name);
        self.json(
            HttpRequest::new(Method::GET, self.object_url(container, name, &[])),
            None,
            Some(About::reading(ResourceKind::Object, &id)),
        )
        .await
    }

    /// The bytes of an upload small enough for one request, or `None` and
    /// the stream's first chunk when it needs a resumable session.
    async fn read_small(
        reader: &mut PartReader,
        options: &UploadOptions,
        limit: u64,
        chunk: usize,
    ) -> Result<std::result::Result<Bytes, Bytes>> {
        match options.content_length_value() {
            Some(len) if len <= limit => {
                let size = usize::try_from(len).unwrap_or(usize::MAX);
                let data = reader.next_part(size).await?.freeze();
                // The handle's length check fails a stream longer than announced.
                reader.at_end().await?;
                Ok(Ok(data))
            }
            Some(_) => Ok(Err(reader.next_part(chunk).await?.freeze())),
            None => {
                let first_size = usize::try_from(limit).unwrap_or(usize::MAX).max(chunk);
                let mut first = reader.next_part(chunk.min(first_size)).await?;
                if first.len() < chunk || reader.at_end().await? {
                    if first.len() as u64 <= limit {
                        return Ok(Ok(first.freeze()));
                    }
                    return Ok(Err(first.freeze()));
                }
                // Not at the end after a whole chunk: resumable, unless the
                // limit is above the chunk and the rest fits in it.
                if (first.len() as u64) < limit {
                    let room = usize::try_from(limit).unwrap_or(usize::MAX) - first.len();
                    let more = reader.next_part(room).await?;
                    first.extend_from_slice(&more);
                    if reader.at_end().await? {
                        return Ok(Ok(first.freeze()));
                    }
                }
                Ok(Err(first.freeze()))
            }
        }
    }
}

impl Driver for GcsStorage {
    fn provider(&self) -> &str {
        PROVIDER
    }
    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }
    fn redactor(&self) -> Option<&cloud_core::secret::Redactor> {
        Some(self.client().redactor())
    }
}

#[async_trait]
impl StorageDriver for GcsStorage {
    async fn list_containers(&self, page: PageRequest) -> Result<Page<Container>> {
        let project = self.shared.project().await?;
        let size = page.size.unwrap_or(PAGE_SIZE).clamp(1, 1000).to_string();
        let mut query = vec![("project", project.as_str()), ("maxResults", size.as_str())];
        if let Some(token) = &page.token {
            query.push(("pageToken", token));
        }
        let answer = self
            .json(
                HttpRequest::new(Method::GET, self.bucket_url(None, &query)),
                None,
                None,
            )
            .await?;
        let (items, next) = parse::containers(&answer)?;
        Ok(Page::new(items, next))
    }

    async fn get_container(&self, name: &str) -> Result<Container> {
        check_bucket(name)?;
        let answer = self
            .json(
                HttpRequest::new(Method::GET, self.bucket_url(Some(name), &[])),
                None,
                Some(About::reading(ResourceKind::Container, name)),
            )
            .await?;
        parse::container(&answer)
    }

    async fn create_container(&self, name: &str) -> Result<Container> {
        self.ex_create_bucket(name, None, None).await
    }

    async fn delete_container(&self, name: &str) -> Result<()> {
        check_bucket(name)?;
        self.client()
            .stream(
                HttpRequest::new(Method::DELETE, self.bucket_url(Some(name), &[])),
                Some(About::emptying(ResourceKind::Container, name)),
            )
            .await?;
        Ok(())
    }

    async fn list_objects(
        &self,
        container: &str,
        request: &ListObjectsRequest,
    ) -> Result<Page<ListEntry>> {
        check_bucket(container)?;
        let size = request
            .page
            .size
            .unwrap_or(PAGE_SIZE)
            .clamp(1, 1000)
            .to_string();
        let mut query = vec![("maxResults", size.as_str())];
        if let Some(token) = &request.page.token {
            query.push(("pageToken", token));
        }
        if let Some(p) = &request.prefix {
            query.push(("prefix", p));
        }
        if let Some(d) = &request.delimiter {
            query.push(("delimiter", d));
        }
        let url = self
            .client()
            .url(&["storage", "v1", "b", container, "o"], &query);
        let answer = self
            .json(
                HttpRequest::new(Method::GET, url),
                None,
                Some(About::reading(ResourceKind::Container, container)),
            )
            .await?;
        let (entries, next) = parse::objects(container, &answer)?;
        Ok(Page::new(entries, next))
    }

    async fn get_object(&self, container: &str, name: &str) -> Result<Object> {
        check_object(name)?;
        parse::object(container, &self.ex_object_resource(container, name).await?)
    }

    async fn download(
        &self,
        container: &str,
        name: &str,
        options: &DownloadOptions,
    ) -> Result<Download> {
        check_bucket(container)?;
        check_object(name)?;
        let id = Self::object_id(container, name);
        let pinned = options
            .if_match_value()
            .map(|etag| etag.trim().trim_matches('"').to_owned());
        if let Some(etag) = &pinned
            && etag.parse::<u64>().is_err()
        {
            return Err(Error::new(
                ErrorKind::PreconditionFailed,
                format!("`{id}` has no generation {etag}"),
            )
            .with_provider(PROVIDER));
        }
        let mut query = vec![("alt", "media")];
        if let Some(g) = &pinned {
            query.push(("ifGenerationMatch", g));
        }
        // The stored bytes, never a copy decompressed on the way.
        let request = HttpRequest::new(Method::GET, self.object_url(container, name, &query))
            .header("accept-encoding", "gzip")?;
        let request = match options.range_value() {
            Some(range) => request.header("range", &range.to_http_header())?,
            None => request,
        };
        let response = self
            .client()
            .stream(request, Some(About::reading(ResourceKind::Object, &id)))
            .await?;
        let (range, size) = cloud_core::http::download_span(&response, PROVIDER, "Cloud Storage")?;
        let object = parse::object_from_headers(container, name, response.headers(), size);
        // A server that ignores the precondition still says which generation it sent.
        if let (Some(wanted), Some(sent)) = (&pinned, &object.etag)
            && wanted != sent
        {
            return Err(Error::new(
                ErrorKind::PreconditionFailed,
                format!("`{id}` is at generation {sent}, not {wanted}"),
            )
            .with_provider(PROVIDER));
        }
        Ok(Download::new(
            object,
            range,
            response.into_body().into_stream(),
        ))
    }

    async fn upload(
        &self,
        container: &str,
        name: &str,
        body: ByteStream,
        options: &UploadOptions,
    ) -> Result<Object> {
        check_bucket(container)?;
        check_object(name)?;
        let config = self.shared.upload.for_upload(options)?;
        let chunk = usize::try_from(config.chunk_size).unwrap_or(usize::MAX);
        let mut reader = PartReader::new(body);
        match Self::read_small(&mut reader, options, config.single_request_limit, chunk).await? {
            Ok(data) => self.upload_single(container, name, data, options).await,
            Err(first) => {
                let source = resumable::Source::Stream {
                    first: Some(first),
                    reader: &mut reader,
                };
                self.upload_resumable(container, name, source, options, config)
                    .await
            }
        }
    }

    async fn upload_file(
        &self,
        container: &str,
        name: &str,
        path: &std::path::Path,
        len: u64,
        options: &UploadOptions,
    ) -> Result<Object> {
        let config = self.shared.upload.for_upload(options)?;
        if len <= config.single_request_limit {
            let body = cloud_core::byte_stream::FileRange::new(path, 0, len).stream();
            let options = options.clone().content_length(len);
            return self.upload(container, name, body, &options).await;
        }
        check_bucket(container)?;
        check_object(name)?;
        let source = resumable::Source::File {
            path: path.into(),
            len,
        };
        self.upload_resumable(container, name, source, options, config)
            .await
    }

    async fn copy_object(
        &self,
        from_container: &str,
        from_name: &str,
        to_container: &str,
        to_name: &str,
    ) -> Result<Object> {
        check_bucket(from_container)?;
        check_bucket(to_container)?;
        check_object(from_name)?;
        check_object(to_name)?;
        let source_id = Self::object_id(from_container, from_name);
        let mut token: Option<String> = None;
        // Each call moves up to about 1 GiB (more within one location); a
        // token carries the rest to the next call.
        for _ in 0..10_000 {
            let mut query = vec![];
            if let Some(t) = &token {
                query.push(("rewriteToken", t.as_str()));
            }
            let url = self.client().url(
                &[
                    "storage",
                    "v1",
                    "b",
                    from_container,
                    "o",
                    from_name,
                    "rewriteTo",
                    "b",
                    to_container,
                    "o",
                    to_name,
                ],
                &query,
            );
            let answer = self
                .json(
                    HttpRequest::new(Method::POST, url).idempotent(true),
                    Some(&json!({})),
                    Some(About::reading(ResourceKind::Object, &source_id)),
                )
                .await?;
            let step = parse::rewrite(&answer)?;
            if step.done == Some(false) {
                token = step.rewrite_token;
                if token.is_none() {
                    return Err(Error::malformed(
                        PROVIDER,
                        "Cloud Storage answered an unfinished rewrite without a token",
                    ));
                }
                continue;
            }
            let resource = step.resource.ok_or_else(|| {
                Error::malformed(
                    PROVIDER,
                    "Cloud Storage answered a rewrite without the object",
                )
            })?;
            return parse::object(to_container, &resource);
        }
        Err(Error::malformed(PROVIDER, "a rewrite that never finished"))
    }

    async fn delete_object(&self, container: &str, name: &str) -> Result<()> {
        check_bucket(container)?;
        check_object(name)?;
        let id = Self::object_id(container, name);
        self.client()
            .stream(
                HttpRequest::new(Method::DELETE, self.object_url(container, name, &[])),
                Some(About::reading(ResourceKind::Object, &id)),
            )
            .await?;
        Ok(())
    }

    async fn signed_url(
        &self,
        container: &str,
        name: &str,
        method: UrlMethod,
        expires_in: Duration,
    ) -> Result<Url> {
        check_bucket(container)?;
        check_object(name)?;
        let key = self.shared.signing_key.as_deref().ok_or_else(|| {
            Error::invalid_input(
                "signed URLs need a service-account key: use key-file credentials, or give one \
                 for signing (GoogleBuilder::signing_credentials, config `signing_key_file`)",
            )
        })?;
        let method = match method {
            UrlMethod::Get => "GET",
            UrlMethod::Put => "PUT",
            _ => {
                return Err(Error::invalid_input(
                    "Cloud Storage signs GET and PUT URLs only",
                ));
            }
        };
        signed_url::sign(
            key,
            self.client().base(),
            container,
            name,
            method,
            expires_in,
            SystemTime::now(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names_follow_cloud_storage_rules() {
        for good in ["abc", "my-bucket_1", "a.b.c", "0start"] {
            check_bucket(good).unwrap_or_else(|e| panic!("{good}: {e}"));
        }
        for bad in [
            "ab",
            "Upper",
            "-dash",
            "dash-",
            "goog-x",
            "my-google",
            &"x".repeat(64),
        ] {
            assert!(check_bucket(bad).is_err(), "{bad}");
        }
        assert!(check_object("..").is_err());
        assert!(check_object("a/../b").is_ok());
    }
}
