//! Compute Engine's long-running operations: every change answers one
//! (zonal, regional or global), which is looked at until it is `DONE`;
//! a failed one carries its errors, turned here into typed errors about
//! the resource the change was about.

use cloud_core::http::rest::About;
use cloud_core::poll::{Poll, poll_until};
use cloud_core::{Error, ErrorKind, Result};

use super::GceCompute;
use super::wire::{Operation, last_segment};
use crate::PROVIDER;

/// The typed error of a failed operation about `about`: Compute Engine's
/// error code chooses the kind, its codes and messages are kept.
pub(crate) fn operation_error(operation: &Operation, about: About<'_>) -> Option<Error> {
    let errors = &operation.error.as_ref()?.errors;
    let first = errors.first()?;
    let kind = match first.code.as_str() {
        "RESOURCE_NOT_FOUND" | "NOT_FOUND" => ErrorKind::NotFound {
            resource: about.resource,
            id: about.id.to_owned(),
        },
        "ALREADY_EXISTS" | "RESOURCE_ALREADY_EXISTS" => ErrorKind::AlreadyExists {
            resource: about.resource,
            id: about.id.to_owned(),
        },
        "RESOURCE_IN_USE_BY_ANOTHER_RESOURCE" | "RESOURCE_NOT_READY" | "CONDITION_NOT_MET" => {
            ErrorKind::Conflict
        }
        "INVALID_FIELD_VALUE" | "INVALID_USAGE" | "BAD_REQUEST" => ErrorKind::InvalidInput,
        _ => ErrorKind::Provider,
    };
    let text: Vec<String> = errors
        .iter()
        .map(|e| match &e.message {
            Some(m) => format!("{}: {m}", e.code),
            None => e.code.clone(),
        })
        .collect();
    let what = operation.operation_type.as_deref().unwrap_or("change");
    let mut error = Error::new(
        kind,
        format!(
            "Compute Engine {what} of {} `{}` failed (operation {}): {}",
            about.resource,
            about.id,
            operation.name,
            text.join("; ")
        ),
    )
    .with_provider(PROVIDER)
    .with_code(first.code.clone());
    if let Some(status) = operation.http_error_status_code {
        error = error.with_status(status);
    }
    Some(error)
}

impl GceCompute {
    /// Waits for `operation` to be `DONE` (as the client's operation wait
    /// says); a failed one is its typed error about `about`.
    pub(crate) async fn finish(&self, operation: Operation, about: About<'_>) -> Result<Operation> {
        let project = self.shared.project().await?;
        // The operation's scope: the zone or region it names, else global.
        let scope: Vec<String> = match (&operation.zone, &operation.region) {
            (Some(zone), _) => vec!["zones".into(), last_segment(zone).into()],
            (None, Some(region)) => vec!["regions".into(), last_segment(region).into()],
            (None, None) => vec!["global".into()],
        };
        let mut segments: Vec<&str> = scope.iter().map(String::as_str).collect();
        segments.extend(["operations", operation.name.as_str()]);
        let url = self.url_in(&project, &segments, &[]);
        let what = format!("Compute Engine operation {}", operation.name);
        let mut first = Some(operation);
        let done = poll_until(self.shared.operation_wait, &what, || {
            let seen = first.take();
            let url = url.clone();
            async move {
                let current = match seen {
                    Some(op) => op,
                    None => self.get(url, None, "operation").await?,
                };
                Ok(match current.status.as_str() {
                    "DONE" => Poll::Done(current),
                    status => Poll::Pending(format!("status {status}")),
                })
            }
        })
        .await?;
        match operation_error(&done, about) {
            Some(error) => Err(error),
            None => Ok(done),
        }
    }
}

#[cfg(test)]
mod tests {
    use cloud_core::ResourceKind;
    use serde_json::json;

    use super::*;

    /// A failed operation as Compute Engine answers it (the shape of the
    /// `DONE` operations in Libcloud's recorded fixtures, with `error`).
    #[test]
    fn failed_operations_are_typed() {
        let op: Operation = serde_json::from_value(json!({
            "kind": "compute#operation", "name": "operation-1", "status": "DONE",
            "operationType": "insert",
            "zone": "https://www.googleapis.com/compute/v1/projects/p/zones/us-central1-a",
            "error": {"errors": [{"code": "RESOURCE_NOT_FOUND",
                                   "message": "The resource 'projects/x/global/images/y' was not found"}]},
            "httpErrorStatusCode": 404, "httpErrorMessage": "NOT FOUND"
        }))
        .unwrap();
        let about = About::creating(ResourceKind::Node, "us-central1-a/web");
        let err = operation_error(&op, about).unwrap();
        assert!(matches!(err.kind(), ErrorKind::NotFound { .. }), "{err}");
        assert_eq!(err.status(), Some(404));
        assert!(err.to_string().contains("images/y"), "{err}");
        let busy: Operation = serde_json::from_value(json!({
            "name": "operation-2", "status": "DONE",
            "error": {"errors": [{"code": "RESOURCE_IN_USE_BY_ANOTHER_RESOURCE"}]}
        }))
        .unwrap();
        assert_eq!(
            *operation_error(&busy, about).unwrap().kind(),
            ErrorKind::Conflict
        );
        let fine: Operation =
            serde_json::from_value(json!({"name": "operation-3", "status": "DONE"})).unwrap();
        assert!(operation_error(&fine, about).is_none());
    }
}
