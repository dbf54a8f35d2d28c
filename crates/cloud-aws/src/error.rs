//! AWS error responses to typed errors.
//!
//! Every AWS service answers errors in XML with a `Code`, a `Message` and a
//! request id, in slightly different envelopes (S3 `<Error>`, EC2
//! `<Response><Errors><Error>`, ELB and Route 53 `<ErrorResponse>`, Route 53's
//! `<InvalidChangeBatch>`). The codes decide the kind; the HTTP status is the
//! fallback when a body is empty (HEAD) or unreadable.

use cloud_core::http::{
    HeaderMap, RetryClassifier, StatusCode, first_header, is_retryable_status, status_error,
};
use cloud_core::{Error, ErrorKind, ResourceKind};

/// Which AWS service answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Service {
    S3,
    Ec2,
    Elb,
    Route53,
    /// The Security Token Service, which issues role credentials.
    Sts,
}

impl Service {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Service::S3 => "S3",
            Service::Ec2 => "EC2",
            Service::Elb => "ELB",
            Service::Route53 => "Route 53",
            Service::Sts => "STS",
        }
    }
}

/// What an error body said.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct ErrorBody {
    pub(crate) code: Option<String>,
    pub(crate) message: Option<String>,
    pub(crate) request_id: Option<String>,
    /// Route 53 `InvalidChangeBatch` lists several messages.
    pub(crate) messages: Vec<String>,
}

/// Reads an error body; anything unreadable gives an empty result.
pub(crate) fn parse_error_body(body: &[u8]) -> ErrorBody {
    let Ok(text) = std::str::from_utf8(body) else {
        return ErrorBody::default();
    };
    let Ok(doc) = roxmltree::Document::parse(text) else {
        return ErrorBody::default();
    };
    let find = |name: &str| {
        doc.descendants()
            .find(|n| n.is_element() && n.tag_name().name() == name)
            .and_then(crate::xml::text)
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
    };
    let root = doc.root_element().tag_name().name();
    let messages: Vec<String> = doc
        .descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == "Messages")
        .flat_map(|m| {
            m.children()
                .filter(|c| c.is_element())
                .filter_map(crate::xml::text)
        })
        .map(|t| t.trim().to_owned())
        .collect();
    ErrorBody {
        code: find("Code").or_else(|| (root == "InvalidChangeBatch").then(|| root.to_owned())),
        message: find("Message").or_else(|| messages.first().cloned()),
        request_id: find("RequestId").or_else(|| find("RequestID")),
        messages,
    }
}

/// Throttling codes AWS services use, whatever the status.
const THROTTLING: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "SlowDown",
    "TooManyRequestsException",
    "PriorRequestNotComplete",
    "BandwidthLimitExceeded",
    "EC2ThrottledException",
];

/// Transient server-side codes worth retrying.
const TRANSIENT: &[&str] = &[
    "InternalError",
    "InternalFailure",
    "ServiceUnavailable",
    "RequestTimeout",
    "RequestTimeoutException",
];

const BAD_CREDENTIALS: &[&str] = &[
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidToken",
    "InvalidClientTokenId",
    "NotSignedUp",
    "AuthFailure",
    "UnrecognizedClientException",
    "IncompleteSignature",
    "MissingAuthenticationToken",
];

/// Retries AWS throttling and transient errors, which some services send
/// with HTTP 400 (EC2 `RequestLimitExceeded`, ELB `Throttling`).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct AwsRetryClassifier;

impl RetryClassifier for AwsRetryClassifier {
    fn is_retryable(&self, status: StatusCode, _headers: &HeaderMap, body: &[u8]) -> bool {
        if is_retryable_status(status) {
            return true;
        }
        match parse_error_body(body).code {
            Some(code) => THROTTLING.contains(&code.as_str()) || TRANSIENT.contains(&code.as_str()),
            None => false,
        }
    }

    fn is_throttling(&self, status: StatusCode, _headers: &HeaderMap, body: &[u8]) -> bool {
        status == StatusCode::TOO_MANY_REQUESTS
            || parse_error_body(body)
                .code
                .is_some_and(|code| THROTTLING.contains(&code.as_str()))
    }

    fn is_refused_credential(&self, status: StatusCode, _headers: &HeaderMap, body: &[u8]) -> bool {
        status == StatusCode::UNAUTHORIZED
            || parse_error_body(body).code.is_some_and(|code| {
                matches!(
                    code.as_str(),
                    "ExpiredToken" | "ExpiredTokenException" | "TokenRefreshRequired"
                )
            })
    }
}

/// The error for a failed response. `resource` names what the request was
/// about, so a bare 404 (HEAD has no body) still says what is missing.
/// The typed error of a failed response whose body has not been read yet
/// (the first [`MAX_ERROR_BODY`](cloud_core::http::MAX_ERROR_BODY) bytes
/// of it are).
pub(crate) async fn failed_response(
    service: Service,
    status: StatusCode,
    headers: &HeaderMap,
    body: cloud_core::http::ResponseBody,
    resource: Option<(ResourceKind, &str)>,
) -> Error {
    let bytes = body.error_bytes().await;
    response_error(service, status, headers, &bytes, resource)
}

pub(crate) fn response_error(
    service: Service,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    resource: Option<(ResourceKind, &str)>,
) -> Error {
    let parsed = parse_error_body(body);
    let request_id = first_header(
        headers,
        &["x-amz-request-id", "x-amzn-requestid", "x-amzn-request-id"],
    )
    .map(str::to_owned)
    .or(parsed.request_id.clone());
    let code = parsed.code.clone();
    let mut err = match kind_for(service, status, code.as_deref(), &parsed, resource) {
        Some(kind) => {
            let message = match (&kind, parsed.message.is_some()) {
                (
                    ErrorKind::NotFound { resource, id }
                    | ErrorKind::AlreadyExists { resource, id }
                    | ErrorKind::NotEmpty { resource, id },
                    false,
                ) if !id.is_empty() => {
                    let what = match &kind {
                        ErrorKind::NotFound { .. } => "not found",
                        ErrorKind::AlreadyExists { .. } => "already exists",
                        _ => "is not empty",
                    };
                    format!("{}: {resource} `{id}` {what}", service.name())
                }
                _ => describe(service, status, &parsed),
            };
            Error::new(kind, message).with_provider(crate::PROVIDER)
        }
        None => status_error(crate::PROVIDER, status, headers)
            .with_message(describe(service, status, &parsed)),
    };
    err = err.with_status(status.as_u16());
    if let Some(code) = code {
        err = err.with_code(code);
    }
    if let Some(id) = request_id {
        err = err.with_request_id(id);
    }
    err
}

fn describe(service: Service, status: StatusCode, body: &ErrorBody) -> String {
    let detail = if body.messages.len() > 1 {
        Some(body.messages.join("; "))
    } else {
        body.message.clone()
    };
    match (detail, &body.code) {
        (Some(m), _) => format!("{}: {m}", service.name()),
        (None, Some(code)) => format!("{}: {code}", service.name()),
        (None, None) => format!(
            "{} answered HTTP {} {}",
            service.name(),
            status.as_u16(),
            status.canonical_reason().unwrap_or("")
        )
        .trim_end()
        .to_owned(),
    }
}

fn named(resource: Option<(ResourceKind, &str)>, fallback: ResourceKind) -> (ResourceKind, String) {
    match resource {
        Some((kind, id)) => (kind, id.to_owned()),
        None => (fallback, String::new()),
    }
}

fn kind_for(
    service: Service,
    status: StatusCode,
    code: Option<&str>,
    body: &ErrorBody,
    resource: Option<(ResourceKind, &str)>,
) -> Option<ErrorKind> {
    let not_found = |fallback| {
        let (resource, id) = named(resource, fallback);
        ErrorKind::NotFound { resource, id }
    };
    let exists = |fallback| {
        let (resource, id) = named(resource, fallback);
        ErrorKind::AlreadyExists { resource, id }
    };
    if let Some(code) = code {
        if THROTTLING.contains(&code) {
            return Some(ErrorKind::RateLimited { retry_after: None });
        }
        if BAD_CREDENTIALS.contains(&code) {
            return Some(ErrorKind::InvalidCredentials);
        }
        if matches!(
            code,
            "AccessDenied" | "UnauthorizedOperation" | "AccessDeniedException" | "OptInRequired"
        ) {
            return Some(ErrorKind::PermissionDenied);
        }
        let kind = match (service, code) {
            (Service::S3, "NoSuchBucket") => Some(ErrorKind::NotFound {
                resource: ResourceKind::Container,
                id: resource
                    .map(|r| r.1.split('/').next().unwrap_or(r.1).to_owned())
                    .unwrap_or_default(),
            }),
            (Service::S3, "NoSuchKey") => Some(not_found(ResourceKind::Object)),
            (Service::S3, "NoSuchUpload") => Some(not_found(ResourceKind::Upload)),
            (Service::S3, "BucketAlreadyExists" | "BucketAlreadyOwnedByYou") => {
                Some(exists(ResourceKind::Container))
            }
            (Service::S3, "BucketNotEmpty") => {
                let (resource, id) = named(resource, ResourceKind::Container);
                Some(ErrorKind::NotEmpty { resource, id })
            }
            (Service::S3, "PreconditionFailed") => Some(ErrorKind::PreconditionFailed),
            (Service::S3, "InvalidRange") => Some(ErrorKind::RangeNotSatisfiable),
            (Service::S3, "BadDigest" | "InvalidDigest") => Some(ErrorKind::HashMismatch {
                expected: "the Content-MD5 sent".into(),
                actual: "what S3 received".into(),
            }),
            (Service::Ec2, c)
                if c.ends_with(".NotFound")
                    || c.ends_with("ID.Malformed")
                    || c == "InvalidInstanceID" =>
            {
                let fallback = match c.split('.').next().unwrap_or("") {
                    "InvalidInstanceID" => ResourceKind::Node,
                    "InvalidAMIID" => ResourceKind::Image,
                    "InvalidKeyPair" => ResourceKind::KeyPair,
                    "InvalidVolume" | "InvalidVolumeID" => ResourceKind::Volume,
                    "InvalidSnapshot" | "InvalidSnapshotID" => ResourceKind::Snapshot,
                    "InvalidZone" => ResourceKind::Location,
                    _ => ResourceKind::Node,
                };
                Some(not_found(fallback))
            }
            (
                Service::Ec2,
                "IncorrectState" | "IncorrectInstanceState" | "VolumeInUse" | "InvalidState",
            ) => Some(ErrorKind::Conflict),
            (Service::Ec2, "InvalidKeyPair.Duplicate" | "InvalidGroup.Duplicate") => {
                Some(exists(ResourceKind::KeyPair))
            }
            (Service::Elb, "LoadBalancerNotFound" | "AccessPointNotFound") => {
                Some(not_found(ResourceKind::Balancer))
            }
            (Service::Elb, "DuplicateLoadBalancerName" | "DuplicateAccessPointName") => {
                Some(exists(ResourceKind::Balancer))
            }
            (Service::Route53, "NoSuchHostedZone") => Some(not_found(ResourceKind::Zone)),
            (Service::Route53, "HostedZoneAlreadyExists" | "ConflictingDomainExists") => {
                Some(exists(ResourceKind::Zone))
            }
            (Service::Route53, "HostedZoneNotEmpty") => {
                let (resource, id) = named(resource, ResourceKind::Zone);
                Some(ErrorKind::NotEmpty { resource, id })
            }
            (Service::Route53, "InvalidChangeBatch") => {
                let text = body.messages.join(" ").to_ascii_lowercase();
                if text.contains("already exists") {
                    Some(exists(ResourceKind::Record))
                } else if text.contains("not found") {
                    Some(not_found(ResourceKind::Record))
                } else if text.contains("conflict") || text.contains("cname") {
                    // "RRSet of type CNAME with DNS name x is not permitted
                    // because a conflicting RRSet of type A ... exists"
                    Some(ErrorKind::Conflict)
                } else {
                    None
                }
            }
            _ => None,
        };
        if kind.is_some() {
            return kind;
        }
    }
    match status {
        StatusCode::NOT_FOUND => resource.map(|(kind, id)| ErrorKind::NotFound {
            resource: kind,
            id: id.to_owned(),
        }),
        StatusCode::PRECONDITION_FAILED => Some(ErrorKind::PreconditionFailed),
        StatusCode::RANGE_NOT_SATISFIABLE => Some(ErrorKind::RangeNotSatisfiable),
        StatusCode::FORBIDDEN if code.is_none() => Some(ErrorKind::PermissionDenied),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(service: Service, status: u16, body: &str) -> Error {
        response_error(
            service,
            StatusCode::from_u16(status).unwrap(),
            &HeaderMap::new(),
            body.as_bytes(),
            Some((ResourceKind::Object, "bucket/key")),
        )
    }

    #[test]
    fn s3_codes() {
        let e = err(
            Service::S3,
            404,
            "<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message><RequestId>R1</RequestId></Error>",
        );
        assert_eq!(
            e.kind(),
            &ErrorKind::NotFound {
                resource: ResourceKind::Container,
                id: "bucket".into()
            }
        );
        assert_eq!(e.request_id(), Some("R1"));
        assert_eq!(e.code(), Some("NoSuchBucket"));
        assert_eq!(
            e.to_string(),
            "aws: S3: The specified bucket does not exist (HTTP 404, code NoSuchBucket, request id R1)"
        );
        let e = err(
            Service::S3,
            503,
            "<Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message></Error>",
        );
        assert!(matches!(e.kind(), ErrorKind::RateLimited { .. }));
        let e = err(
            Service::S3,
            403,
            "<Error><Code>SignatureDoesNotMatch</Code></Error>",
        );
        assert_eq!(e.kind(), &ErrorKind::InvalidCredentials);
        let e = err(Service::S3, 404, "");
        assert!(e.is_not_found(), "a bare 404 still names the resource");
    }

    #[test]
    fn ec2_and_route53_codes() {
        let e = err(
            Service::Ec2,
            400,
            "<Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code><Message>The instance ID 'i-1' does not exist</Message></Error></Errors><RequestID>abc</RequestID></Response>",
        );
        assert!(e.is_not_found());
        assert_eq!(e.request_id(), Some("abc"));
        let e = err(
            Service::Ec2,
            401,
            "<Response><Errors><Error><Code>AuthFailure</Code><Message>AWS was not able to validate the provided access credentials</Message></Error></Errors></Response>",
        );
        assert_eq!(e.kind(), &ErrorKind::InvalidCredentials);
        let e = err(
            Service::Ec2,
            503,
            "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors></Response>",
        );
        assert!(matches!(e.kind(), ErrorKind::RateLimited { .. }));
        let e = err(
            Service::Route53,
            400,
            "<InvalidChangeBatch xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><Messages><Message>Tried to create resource record set [name='www.example.com.', type='A'] but it already exists</Message></Messages><RequestId>r53</RequestId></InvalidChangeBatch>",
        );
        assert!(matches!(e.kind(), ErrorKind::AlreadyExists { .. }), "{e:?}");
        assert_eq!(e.code(), Some("InvalidChangeBatch"));
        let e = err(
            Service::Route53,
            400,
            "<InvalidChangeBatch><Messages><Message>RRSet with DNS name x. is not permitted in zone y.</Message></Messages></InvalidChangeBatch>",
        );
        assert_eq!(e.kind(), &ErrorKind::Provider);
        assert!(e.to_string().contains("is not permitted"));
    }

    #[test]
    fn throttling_at_400_is_retried() {
        let c = AwsRetryClassifier;
        let h = HeaderMap::new();
        assert!(c.is_retryable(
            StatusCode::BAD_REQUEST,
            &h,
            b"<ErrorResponse><Error><Code>Throttling</Code></Error></ErrorResponse>"
        ));
        assert!(!c.is_retryable(
            StatusCode::BAD_REQUEST,
            &h,
            b"<ErrorResponse><Error><Code>ValidationError</Code></Error></ErrorResponse>"
        ));
        assert!(c.is_retryable(StatusCode::SERVICE_UNAVAILABLE, &h, b""));
    }
}
