//! Uploads in one request: the object resource and its bytes as one
//! `multipart/related` body, the CRC32C declared in the resource so Cloud
//! Storage refuses a body that changed on the way.

use bytes::{BufMut, Bytes, BytesMut};
use cloud_core::http::{Body, HttpRequest, Method};
use cloud_core::{Error, ErrorKind, Object, ResourceKind, Result, UploadOptions, WriteCondition};
use serde_json::{Value, json};

use super::{GcsStorage, crc32c, parse};
use cloud_core::http::rest::About;

/// The object resource an upload declares.
pub(super) fn resource(name: &str, options: &UploadOptions, crc32c: Option<&str>) -> Value {
    let mut resource = json!({ "name": name });
    if let Some(ct) = options.content_type_str() {
        resource["contentType"] = json!(ct);
    }
    if !options.metadata_map().is_empty() {
        resource["metadata"] = json!(options.metadata_map());
    }
    if let Some(crc) = crc32c {
        resource["crc32c"] = json!(crc);
    }
    resource
}

/// The precondition an upload's condition becomes: `ifGenerationMatch=0`
/// for create-only, the generation (the portable etag) for If-Match.
pub(super) fn precondition(
    container: &str,
    name: &str,
    options: &UploadOptions,
) -> Result<Option<String>> {
    match options.condition_value() {
        None => Ok(None),
        Some(WriteCondition::IfNotExists) => Ok(Some("0".to_owned())),
        Some(WriteCondition::IfMatch(etag)) => {
            let etag = etag.trim().trim_matches('"');
            match etag.parse::<u64>() {
                Ok(generation) if generation > 0 => Ok(Some(generation.to_string())),
                // Not a generation: no version of the object can have it.
                _ => Err(Error::new(
                    ErrorKind::PreconditionFailed,
                    format!("`{container}/{name}` has no generation {etag}"),
                )
                .with_provider(crate::PROVIDER)),
            }
        }
        Some(_) => Err(Error::invalid_input(
            "an upload condition Cloud Storage cannot express",
        )),
    }
}

/// A failed create-only write reads "already exists".
pub(super) fn condition_error(
    error: Error,
    options: &UploadOptions,
    container: &str,
    name: &str,
) -> Error {
    if *error.kind() == ErrorKind::PreconditionFailed
        && matches!(options.condition_value(), Some(WriteCondition::IfNotExists))
    {
        return Error::already_exists(ResourceKind::Object, format!("{container}/{name}"))
            .with_provider(crate::PROVIDER)
            .with_status(412);
    }
    error
}

/// A boundary that the body cannot contain by chance: it is checked.
fn boundary(data: &[u8]) -> String {
    let mut n = 0u32;
    loop {
        let candidate = format!("cloud-gcs-boundary-{n:08x}");
        if !data
            .windows(candidate.len())
            .any(|w| w == candidate.as_bytes())
        {
            return candidate;
        }
        n += 1;
    }
}

/// The `multipart/related` body and its content type.
fn multipart_body(resource: &Value, content_type: &str, data: &[u8]) -> (String, Bytes) {
    let boundary = boundary(data);
    let mut body = BytesMut::with_capacity(data.len() + 512);
    body.put_slice(
        format!("--{boundary}\r\ncontent-type: application/json; charset=UTF-8\r\n\r\n").as_bytes(),
    );
    body.put_slice(resource.to_string().as_bytes());
    body.put_slice(format!("\r\n--{boundary}\r\ncontent-type: {content_type}\r\n\r\n").as_bytes());
    body.put_slice(data);
    body.put_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (
        format!("multipart/related; boundary={boundary}"),
        body.freeze(),
    )
}

/// Checks the CRC32C Cloud Storage reports against the one sent; an
/// emulator that reports none is trusted.
pub(super) fn check_crc(object: &Object, sent: &str) -> Result<()> {
    match object.extra.get("crc32c").and_then(Value::as_str) {
        Some(stored) if stored != sent => Err(Error::new(
            ErrorKind::MalformedResponse,
            format!(
                "`{}/{}` was stored with CRC32C {stored}, but {sent} was sent",
                object.container, object.name
            ),
        )
        .with_provider(crate::PROVIDER)),
        _ => Ok(()),
    }
}

impl GcsStorage {
    /// Uploads `data` in one request.
    pub(super) async fn upload_single(
        &self,
        container: &str,
        name: &str,
        data: Bytes,
        options: &UploadOptions,
    ) -> Result<Object> {
        let crc = crc32c::base64_of(&data);
        let resource = resource(name, options, Some(&crc));
        let content_type = options
            .content_type_str()
            .unwrap_or("application/octet-stream");
        let (multipart_type, body) = multipart_body(&resource, content_type, &data);
        let precondition = precondition(container, name, options)?;
        let mut query = vec![("uploadType", "multipart")];
        if let Some(g) = &precondition {
            query.push(("ifGenerationMatch", g));
        }
        let url = self.upload_url(container, &query);
        // Sending the same bytes twice stores the same object; a create-only
        // retry would misread its own success as "already exists".
        let request = HttpRequest::new(Method::POST, url)
            .header("content-type", &multipart_type)?
            .body(Body::from_bytes(body))
            .idempotent(precondition.is_none());
        let answer = self
            .json(
                request,
                None,
                Some(About::reading(ResourceKind::Container, container)),
            )
            .await
            .map_err(|e| condition_error(e, options, container, name))?;
        let object = parse::object(container, &answer)?;
        check_crc(&object, &crc)?;
        Ok(object)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_boundary_never_occurs_in_the_body() {
        let tricky = b"--cloud-gcs-boundary-00000000 and more".to_vec();
        let b = boundary(&tricky);
        assert_eq!(b, "cloud-gcs-boundary-00000001");
        let (ct, body) = multipart_body(&json!({"name": "o"}), "text/plain", &tricky);
        assert_eq!(ct, format!("multipart/related; boundary={b}"));
        let text = String::from_utf8_lossy(&body);
        assert!(text.starts_with(&format!("--{b}\r\n")), "{text}");
        assert!(text.ends_with(&format!("\r\n--{b}--\r\n")), "{text}");
    }

    #[test]
    fn conditions_become_generation_preconditions() {
        let o = |c| UploadOptions::new().condition(c);
        assert_eq!(precondition("b", "o", &UploadOptions::new()).unwrap(), None);
        assert_eq!(
            precondition("b", "o", &o(WriteCondition::IfNotExists))
                .unwrap()
                .as_deref(),
            Some("0")
        );
        assert_eq!(
            precondition("b", "o", &o(WriteCondition::IfMatch("\"1712\"".into())))
                .unwrap()
                .as_deref(),
            Some("1712")
        );
        let err = precondition("b", "o", &o(WriteCondition::IfMatch("abcdef".into()))).unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::PreconditionFailed);
    }
}
