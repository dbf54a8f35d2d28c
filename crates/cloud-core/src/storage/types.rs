//! The portable object-storage vocabulary.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::paging::PageRequest;
use crate::{ByteStream, Extra};

/// A container (bucket).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Container {
    /// The container's name, unique within the account (or globally, for S3).
    pub name: String,
    /// When it was created, when the provider says.
    #[serde(with = "crate::time::serde_rfc3339_option")]
    pub created_at: Option<SystemTime>,
    /// Provider-specific attributes (object count, bytes used, region...).
    pub extra: Extra,
}

impl Container {
    /// A container with only its name set.
    pub fn new(name: impl Into<String>) -> Self {
        Container {
            name: name.into(),
            created_at: None,
            extra: Extra::new(),
        }
    }
}

/// An upload begun and never completed nor aborted: an S3 multipart upload,
/// Swift segments that no manifest references. What a killed process or a
/// lost connection leaves behind, still taking (and billing) space.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PendingUpload {
    /// The name of the object being uploaded.
    pub name: String,
    /// The provider's identifier of the upload (S3's upload id, the Swift
    /// segments' prefix), which [`Storage::abort_upload`](crate::Storage::abort_upload) takes.
    pub id: String,
    /// When it began, when the provider says.
    #[serde(with = "crate::time::serde_rfc3339_option")]
    pub started: Option<SystemTime>,
    /// Bytes already stored in its parts, when known without further requests.
    pub bytes: Option<u64>,
    /// Provider-specific attributes.
    pub extra: Extra,
}

impl PendingUpload {
    /// An upload of `name` with id `id`.
    pub fn new(name: impl Into<String>, id: impl Into<String>) -> Self {
        PendingUpload {
            name: name.into(),
            id: id.into(),
            started: None,
            bytes: None,
            extra: Extra::new(),
        }
    }
}

/// An object's metadata (never its body).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Object {
    /// The container holding it.
    pub container: String,
    /// Its full name (key), `/` included.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// The provider's entity tag, quotes removed. For single-part uploads to
    /// S3, Swift and the embedded providers this is the hex MD5 of the content.
    pub etag: Option<String>,
    /// The MIME type, when known.
    pub content_type: Option<String>,
    /// When it was last written.
    #[serde(with = "crate::time::serde_rfc3339_option")]
    pub last_modified: Option<SystemTime>,
    /// User metadata, keys in lowercase.
    pub metadata: BTreeMap<String, String>,
    /// Provider-specific attributes.
    pub extra: Extra,
}

impl Object {
    /// An object with only the required fields set.
    pub fn new(container: impl Into<String>, name: impl Into<String>, size: u64) -> Self {
        Object {
            container: container.into(),
            name: name.into(),
            size,
            etag: None,
            content_type: None,
            last_modified: None,
            metadata: BTreeMap::new(),
            extra: Extra::new(),
        }
    }
}

/// One entry of an object listing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ListEntry {
    /// An object.
    Object(Object),
    /// A common prefix (a "folder") when listing with a delimiter; it ends with the delimiter.
    Prefix {
        /// The prefix, delimiter included.
        prefix: String,
    },
}

impl ListEntry {
    /// The object name or the prefix.
    pub fn name(&self) -> &str {
        match self {
            ListEntry::Object(o) => &o.name,
            ListEntry::Prefix { prefix } => prefix,
        }
    }

    /// The object, if this entry is one.
    pub fn as_object(&self) -> Option<&Object> {
        match self {
            ListEntry::Object(o) => Some(o),
            ListEntry::Prefix { .. } => None,
        }
    }
}

/// How to list objects.
///
/// ```
/// use cloud_core::ListOptions;
///
/// let folders = ListOptions::new().prefix("photos/2024/").delimiter("/");
/// assert_eq!(folders.prefix_str(), Some("photos/2024/"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListOptions {
    prefix: Option<String>,
    delimiter: Option<String>,
    page_size: Option<u32>,
}

impl ListOptions {
    /// List everything, recursively.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only names starting with `prefix`.
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into());
        self
    }

    /// Group names that contain `delimiter` after the prefix into [`ListEntry::Prefix`] entries.
    #[must_use]
    pub fn delimiter(mut self, delimiter: impl Into<String>) -> Self {
        self.delimiter = Some(delimiter.into());
        self
    }

    /// Ask the provider for `size` entries per page.
    #[must_use]
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = Some(size.max(1));
        self
    }

    /// The prefix, if any.
    pub fn prefix_str(&self) -> Option<&str> {
        self.prefix.as_deref()
    }

    /// The delimiter, if any.
    pub fn delimiter_str(&self) -> Option<&str> {
        self.delimiter.as_deref()
    }

    /// The page size, if set.
    pub fn page_size_value(&self) -> Option<u32> {
        self.page_size
    }
}

/// One page request of an object listing, as a driver receives it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListObjectsRequest {
    /// Only names starting with this.
    pub prefix: Option<String>,
    /// Group names containing this after the prefix.
    pub delimiter: Option<String>,
    /// Which page.
    pub page: PageRequest,
}

impl ListObjectsRequest {
    /// A request for one page.
    pub fn new(prefix: Option<String>, delimiter: Option<String>, page: PageRequest) -> Self {
        ListObjectsRequest {
            prefix,
            delimiter,
            page,
        }
    }
}

/// A byte range of an object.
///
/// ```
/// use cloud_core::ByteRange;
///
/// assert_eq!(ByteRange::bounded(10, 20).unwrap().resolve(100).unwrap(), 10..20);
/// assert_eq!(ByteRange::from_offset(90).resolve(100).unwrap(), 90..100);
/// assert_eq!(ByteRange::last(30).resolve(10).unwrap(), 0..10);
/// assert!(ByteRange::from_offset(100).resolve(100).is_err());
/// assert_eq!(ByteRange::bounded(10, 20).unwrap().to_http_header(), "bytes=10-19");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ByteRange {
    /// Bytes `start..end` (end exclusive, clipped to the object size).
    Bounded {
        /// First byte.
        start: u64,
        /// One past the last byte.
        end: u64,
    },
    /// From `start` to the end.
    From {
        /// First byte.
        start: u64,
    },
    /// The last `n` bytes.
    Last {
        /// How many bytes.
        n: u64,
    },
}

impl ByteRange {
    /// Bytes `start..end`; refuses an empty or reversed range.
    pub fn bounded(start: u64, end: u64) -> Result<Self> {
        if end <= start {
            return Err(Error::invalid_input(format!(
                "byte range {start}..{end} is empty"
            )));
        }
        Ok(ByteRange::Bounded { start, end })
    }

    /// From `start` to the end of the object.
    pub fn from_offset(start: u64) -> Self {
        ByteRange::From { start }
    }

    /// The last `n` bytes (the whole object if it is shorter).
    pub fn last(n: u64) -> Self {
        ByteRange::Last { n }
    }

    /// The concrete range within an object of `size` bytes, following HTTP's
    /// rules: an end past the object is clipped; a start at or past the end
    /// of the object cannot be satisfied.
    pub fn resolve(self, size: u64) -> Result<Range<u64>> {
        let unsatisfiable = || {
            Error::new(
                crate::ErrorKind::RangeNotSatisfiable,
                format!("range {self} lies outside an object of {size} bytes"),
            )
        };
        match self {
            ByteRange::Bounded { start, end } if start < size => Ok(start..end.min(size)),
            ByteRange::From { start } if start < size => Ok(start..size),
            ByteRange::Last { n } if n > 0 && size > 0 => Ok(size.saturating_sub(n)..size),
            _ => Err(unsatisfiable()),
        }
    }

    /// The HTTP `Range` header value.
    pub fn to_http_header(self) -> String {
        match self {
            ByteRange::Bounded { start, end } => format!("bytes={start}-{}", end - 1),
            ByteRange::From { start } => format!("bytes={start}-"),
            ByteRange::Last { n } => format!("bytes=-{n}"),
        }
    }
}

impl fmt::Display for ByteRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ByteRange::Bounded { start, end } => write!(f, "{start}..{end}"),
            ByteRange::From { start } => write!(f, "{start}.."),
            ByteRange::Last { n } => write!(f, "last {n} bytes"),
        }
    }
}

/// Options for a download.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DownloadOptions {
    range: Option<ByteRange>,
    if_match: Option<String>,
}

impl DownloadOptions {
    /// The whole object, unconditionally.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only this byte range.
    #[must_use]
    pub fn range(mut self, range: ByteRange) -> Self {
        self.range = Some(range);
        self
    }

    /// Only if the object's etag is still `etag` (fails with `PreconditionFailed`).
    #[must_use]
    pub fn if_match(mut self, etag: impl Into<String>) -> Self {
        self.if_match = Some(etag.into());
        self
    }

    /// The requested range, if any.
    pub fn range_value(&self) -> Option<ByteRange> {
        self.range
    }

    /// The If-Match etag, if any.
    pub fn if_match_value(&self) -> Option<&str> {
        self.if_match.as_deref()
    }
}

/// A condition on an upload.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WriteCondition {
    /// Create only: fail with `AlreadyExists` if the name is taken (If-None-Match: *).
    IfNotExists,
    /// Replace only the version with this etag: fail with `PreconditionFailed` otherwise.
    IfMatch(String),
}

/// Options for an upload.
///
/// ```
/// use cloud_core::{UploadOptions, WriteCondition};
///
/// let opts = UploadOptions::new()
///     .content_type("image/png")
///     .metadata("owner", "ada")
///     .condition(WriteCondition::IfNotExists);
/// assert_eq!(opts.metadata_map().get("owner").map(String::as_str), Some("ada"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UploadOptions {
    content_type: Option<String>,
    metadata: BTreeMap<String, String>,
    condition: Option<WriteCondition>,
    content_length: Option<u64>,
    part_size: Option<u64>,
    multipart_threshold: Option<u64>,
}

impl UploadOptions {
    /// No content type, no metadata, unconditional.
    pub fn new() -> Self {
        Self::default()
    }

    /// The MIME type to store.
    #[must_use]
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// A user metadata item (keys are stored in lowercase).
    #[must_use]
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata
            .insert(key.into().to_ascii_lowercase(), value.into());
        self
    }

    /// A create-only or If-Match condition.
    #[must_use]
    pub fn condition(mut self, condition: WriteCondition) -> Self {
        self.condition = Some(condition);
        self
    }

    /// The exact body length, when known; lets drivers pick single PUT over
    /// multipart, and turns a stream of the wrong length into an error.
    #[must_use]
    pub fn content_length(mut self, length: u64) -> Self {
        self.content_length = Some(length);
        self
    }

    /// The size of each part when this upload goes in parts, instead of
    /// the driver's configured size (drivers that split uploads: S3, Swift).
    #[must_use]
    pub fn part_size(mut self, bytes: u64) -> Self {
        self.part_size = Some(bytes);
        self
    }

    /// Above how many bytes this upload goes in parts, instead of the
    /// driver's configured threshold.
    #[must_use]
    pub fn multipart_threshold(mut self, bytes: u64) -> Self {
        self.multipart_threshold = Some(bytes);
        self
    }

    /// The part size asked for, if any.
    pub fn part_size_value(&self) -> Option<u64> {
        self.part_size
    }

    /// The multipart threshold asked for, if any.
    pub fn multipart_threshold_value(&self) -> Option<u64> {
        self.multipart_threshold
    }

    /// The content type, if set.
    pub fn content_type_str(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// The user metadata.
    pub fn metadata_map(&self) -> &BTreeMap<String, String> {
        &self.metadata
    }

    /// The condition, if set.
    pub fn condition_value(&self) -> Option<&WriteCondition> {
        self.condition.as_ref()
    }

    /// The announced length, if set.
    pub fn content_length_value(&self) -> Option<u64> {
        self.content_length
    }
}

/// A download in progress: the object's metadata and a stream of its bytes.
#[non_exhaustive]
pub struct Download {
    /// The object's metadata (`size` is the whole object, not the range).
    pub object: Object,
    /// The byte range being returned.
    pub range: Range<u64>,
    /// The body.
    pub body: ByteStream,
}

impl Download {
    /// A download of `range` of `object`.
    pub fn new(object: Object, range: Range<u64>, body: ByteStream) -> Self {
        Download {
            object,
            range,
            body,
        }
    }

    /// How many bytes the body will yield.
    pub fn len(&self) -> u64 {
        self.range.end - self.range.start
    }

    /// Whether the body is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Reads the whole body into memory. For small objects only.
    pub async fn bytes(self) -> Result<bytes::Bytes> {
        use futures::StreamExt;
        let mut body = self.body;
        let mut out = bytes::BytesMut::with_capacity(
            usize::try_from(self.range.end - self.range.start)
                .unwrap_or(0)
                .min(64 << 20),
        );
        while let Some(chunk) = body.next().await {
            out.extend_from_slice(&chunk?);
        }
        Ok(out.freeze())
    }
}

impl fmt::Debug for Download {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Download")
            .field("object", &self.object)
            .field("range", &self.range)
            .finish_non_exhaustive()
    }
}

/// The HTTP method a signed URL authorises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UrlMethod {
    /// Download.
    Get,
    /// Upload.
    Put,
}
