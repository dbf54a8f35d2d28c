//! libvirt's errors as `cloud` errors: a missing domain or volume is
//! `NotFound` naming it; the rest keep libvirt's message and code.

use cloud_core::{Error, ErrorKind, ResourceKind};
use virt::error::ErrorNumber;

use crate::PROVIDER;

/// Maps a libvirt error about `resource` (what was looked up, if anything).
pub(crate) fn from_virt(
    error: virt::error::Error,
    resource: Option<(ResourceKind, &str)>,
) -> Error {
    let code = error.code();
    let message = error.message().to_owned();
    let kind = match (code.known(), resource) {
        (Some(ErrorNumber::NoDomain | ErrorNumber::NoStorageVolume), Some((resource, id))) => {
            ErrorKind::NotFound {
                resource,
                id: id.to_owned(),
            }
        }
        (
            Some(ErrorNumber::OperationInvalid | ErrorNumber::InvalidArg | ErrorNumber::XmlError),
            _,
        ) => ErrorKind::InvalidInput,
        (Some(ErrorNumber::AuthFailed | ErrorNumber::AuthCancelled), _) => {
            ErrorKind::InvalidCredentials
        }
        (Some(ErrorNumber::AccessDenied), _) => ErrorKind::PermissionDenied,
        _ => ErrorKind::Provider,
    };
    let message = match &kind {
        ErrorKind::NotFound { resource, id } => {
            format!(
                "no {resource} `{}` ({message})",
                cloud_core::error::quote(id)
            )
        }
        _ => message,
    };
    Error::new(kind, message)
        .with_provider(PROVIDER)
        .with_code(match code.known() {
            Some(known) => format!("{known:?}"),
            None => format!("{}", code.to_raw()),
        })
}
