//! Object storage: containers and objects, streamed both ways.

mod conditions;
mod driver;
mod handle;
mod listing;
mod names;
mod parts;
mod resume;
mod types;

pub use conditions::{check_if_match, etag_matches};
pub use driver::StorageDriver;
pub use handle::{MAX_SIGNED_URL_LIFETIME, Storage};
pub use listing::{Flow, ListingPage};
pub use names::{
    MAX_CONTAINER_NAME_BYTES, MAX_METADATA_BYTES, MAX_OBJECT_NAME_BYTES, check_container_name,
    check_metadata, check_object_name, guess_content_type,
};
pub use parts::{PartBody, PartPlan, PartSource, SentPart, upload_parts};
pub use resume::MAX_DOWNLOAD_RESUMES;
pub use types::{
    ByteRange, Container, Download, DownloadOptions, ListEntry, ListObjectsRequest, ListOptions,
    Object, PendingUpload, UploadOptions, UrlMethod, WriteCondition,
};
