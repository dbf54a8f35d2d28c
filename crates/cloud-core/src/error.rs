//! One error type for every provider and every API.
//!
//! Callers branch on [`ErrorKind`] (not on strings), whichever provider produced
//! the failure. The HTTP details a support ticket needs (status, the provider's
//! own error code, its request id) ride along on every kind, so a "not found"
//! from S3 still carries the request id S3 sent with it.

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use crate::capability::Capability;

/// Shorthand for results whose error is this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A boxed error from a lower layer (I/O, TLS, a user's stream).
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// What kind of thing an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ResourceKind {
    /// A compute node (server, instance, VM).
    Node,
    /// A node size (flavor, instance type).
    Size,
    /// A node image.
    Image,
    /// A location (region, zone, data centre).
    Location,
    /// A block-storage volume.
    Volume,
    /// A volume snapshot.
    Snapshot,
    /// An SSH key pair.
    KeyPair,
    /// A storage container (bucket).
    Container,
    /// A stored object (blob, file).
    Object,
    /// A multipart upload in progress.
    Upload,
    /// A load balancer.
    Balancer,
    /// A member of a load balancer.
    Member,
    /// A DNS zone.
    Zone,
    /// A DNS record.
    Record,
    /// A provider name in the registry.
    Provider,
    /// A public IP address (floating IP, elastic IP).
    Address,
    /// A firewall rule set (security group).
    SecurityGroup,
    /// A job the provider runs in the background (an asynchronous change).
    Job,
    /// A file or folder on the local machine.
    File,
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ResourceKind::Node => "node",
            ResourceKind::Size => "size",
            ResourceKind::Image => "image",
            ResourceKind::Location => "location",
            ResourceKind::Volume => "volume",
            ResourceKind::Snapshot => "snapshot",
            ResourceKind::KeyPair => "key pair",
            ResourceKind::Container => "container",
            ResourceKind::Object => "object",
            ResourceKind::Upload => "upload",
            ResourceKind::Balancer => "load balancer",
            ResourceKind::Member => "member",
            ResourceKind::Zone => "zone",
            ResourceKind::Record => "record",
            ResourceKind::Provider => "provider",
            ResourceKind::Address => "address",
            ResourceKind::SecurityGroup => "security group",
            ResourceKind::Job => "job",
            ResourceKind::File => "file",
        })
    }
}

/// The category of an [`Error`]: what a caller matches on.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The credentials were rejected (bad key, bad signature, expired token).
    InvalidCredentials,
    /// The credentials are valid but not allowed to do this.
    PermissionDenied,
    /// The named resource does not exist.
    NotFound {
        /// What was looked for.
        resource: ResourceKind,
        /// Its identifier or name.
        id: String,
    },
    /// A resource with that name already exists (or a create-only condition failed on it).
    AlreadyExists {
        /// What was being created.
        resource: ResourceKind,
        /// Its identifier or name.
        id: String,
    },
    /// The resource cannot be deleted because it still holds something.
    NotEmpty {
        /// What was being deleted.
        resource: ResourceKind,
        /// Its identifier or name.
        id: String,
    },
    /// A condition (If-Match, If-None-Match) did not hold.
    PreconditionFailed,
    /// The request clashes with the resource's current state: a CNAME
    /// beside other records, a node that must be stopped first, a change
    /// already in progress.
    Conflict,
    /// The requested byte range lies outside the object.
    RangeNotSatisfiable,
    /// The provider throttled the request.
    RateLimited {
        /// How long the provider asked the caller to wait, when it said.
        retry_after: Option<Duration>,
    },
    /// A connect, request, read or overall deadline passed.
    Timeout,
    /// The connection failed, was reset, or a body ended early.
    Transport,
    /// A local I/O operation failed (file system, or a caller's input stream).
    Io,
    /// The request was refused before anything was sent: bad name, bad option.
    InvalidInput,
    /// The provider answered with something that could not be understood.
    MalformedResponse,
    /// Data arrived, but its checksum does not match the one expected.
    HashMismatch {
        /// The checksum the provider announced or the caller gave.
        expected: String,
        /// The checksum of the bytes actually seen.
        actual: String,
    },
    /// The provider (or this driver) does not offer the operation.
    Unsupported {
        /// The operation that was asked for.
        capability: Capability,
    },
    /// Any other error reported by the provider; see [`Error::status`] and [`Error::code`].
    Provider,
}

/// How many characters of a caller's input a message quotes.
pub const QUOTE_LIMIT: usize = 100;

/// The longest message an error keeps, in characters; the rest is cut, so
/// no input, however large, makes an error message large.
pub const MESSAGE_LIMIT: usize = 1000;

/// Input quoted in a message, cut to [`QUOTE_LIMIT`] characters with its
/// full length noted, and with control characters escaped so a quote
/// always stays on one line.
///
/// ```
/// use cloud_core::error::quote;
///
/// assert_eq!(quote("www").to_string(), "www");
/// let long = "x".repeat(5_000_000);
/// assert!(quote(&long).to_string().len() < 150);
/// assert_eq!(quote("a\nb").to_string(), "a\\nb");
/// ```
pub fn quote(input: &str) -> Quoted<'_> {
    Quoted(input)
}

/// See [`quote`].
#[derive(Debug, Clone, Copy)]
pub struct Quoted<'a>(&'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (shown, c) in self.0.chars().enumerate() {
            if shown == QUOTE_LIMIT {
                return write!(f, "… ({} bytes in all)", self.0.len());
            }
            if c.is_control() {
                write!(f, "{}", c.escape_default())?;
            } else {
                fmt::Write::write_char(f, c)?;
            }
        }
        Ok(())
    }
}

/// `message` with every `` `quoted` `` span of input cut to
/// [`QUOTE_LIMIT`] characters (as [`quote`] cuts it), then the whole cut
/// to [`MESSAGE_LIMIT`] characters: a call site that forgot [`quote`]
/// still never quotes a whole file.
fn bounded(message: String) -> String {
    let message = cap_quoted_spans(message);
    match message.char_indices().nth(MESSAGE_LIMIT) {
        None => message,
        Some((cut, _)) => format!(
            "{}… (message cut at {MESSAGE_LIMIT} characters)",
            &message[..cut]
        ),
    }
}

/// Cuts each backquoted span longer than [`QUOTE_LIMIT`] characters.
fn cap_quoted_spans(message: String) -> String {
    let long_span = message
        .split('`')
        .skip(1)
        .step_by(2)
        .any(|span| span.len() > QUOTE_LIMIT && span.chars().nth(QUOTE_LIMIT).is_some());
    if !long_span {
        return message;
    }
    let mut out = String::with_capacity(message.len().min(4 * MESSAGE_LIMIT));
    for (i, part) in message.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        // Odd parts are inside backquotes (an unclosed last one included).
        match part.char_indices().nth(QUOTE_LIMIT) {
            Some((cut, _)) if i % 2 == 1 => {
                out.push_str(&part[..cut]);
                out.push_str(&format!("… ({} bytes in all)", part.len()));
            }
            _ => out.push_str(part),
        }
    }
    out
}

/// Marks whether a transport failure happened before the request left the
/// machine, which is what makes retrying a non-idempotent request safe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(not(feature = "http"), allow(dead_code))]
pub(crate) enum Delivery {
    #[default]
    Unknown,
    NotSent,
}

struct Inner {
    kind: ErrorKind,
    message: String,
    provider: Option<String>,
    status: Option<u16>,
    code: Option<String>,
    request_id: Option<String>,
    source: Option<BoxError>,
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    delivery: Delivery,
}

/// The error returned by every operation of every driver.
///
/// ```
/// use cloud_core::{Error, ErrorKind, ResourceKind};
///
/// let err = Error::not_found(ResourceKind::Container, "photos").with_provider("s3");
/// match err.kind() {
///     ErrorKind::NotFound { resource: ResourceKind::Container, id } => assert_eq!(id, "photos"),
///     other => panic!("unexpected {other:?}"),
/// }
/// assert_eq!(err.to_string(), "s3: container `photos` not found");
/// ```
pub struct Error(Box<Inner>);

impl Error {
    /// Creates an error of `kind` with a human-readable message.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error(Box::new(Inner {
            kind,
            message: bounded(message.into()),
            provider: None,
            status: None,
            code: None,
            request_id: None,
            source: None,
            delivery: Delivery::Unknown,
        }))
    }

    /// `resource` named `id` does not exist.
    pub fn not_found(resource: ResourceKind, id: impl Into<String>) -> Self {
        let id = id.into();
        let message = format!("{resource} `{}` not found", quote(&id));
        Self::new(ErrorKind::NotFound { resource, id }, message)
    }

    /// `resource` named `id` already exists.
    pub fn already_exists(resource: ResourceKind, id: impl Into<String>) -> Self {
        let id = id.into();
        let message = format!("{resource} `{}` already exists", quote(&id));
        Self::new(ErrorKind::AlreadyExists { resource, id }, message)
    }

    /// `resource` named `id` still holds something and cannot be deleted.
    pub fn not_empty(resource: ResourceKind, id: impl Into<String>) -> Self {
        let id = id.into();
        let message = format!("{resource} `{}` is not empty", quote(&id));
        Self::new(ErrorKind::NotEmpty { resource, id }, message)
    }

    /// The caller's input was refused before any request was sent.
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, message)
    }

    /// `provider` does not offer `capability`.
    pub fn unsupported(provider: impl Into<String>, capability: Capability) -> Self {
        let provider = provider.into();
        let message = format!("`{}` is not supported by this provider", capability.name());
        Self::new(ErrorKind::Unsupported { capability }, message).with_provider(provider)
    }

    /// `provider` answered with something unparseable; `context` says what was being read.
    pub fn malformed(provider: impl Into<String>, context: impl Into<String>) -> Self {
        Self::new(ErrorKind::MalformedResponse, context).with_provider(provider)
    }

    /// A local I/O failure, keeping the original error as the source.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        let kind = match source.kind() {
            std::io::ErrorKind::TimedOut => ErrorKind::Timeout,
            std::io::ErrorKind::PermissionDenied => ErrorKind::PermissionDenied,
            _ => ErrorKind::Io,
        };
        let message = format!("{}: {source}", context.into());
        Self::new(kind, message).with_source(source)
    }

    /// A deadline passed while doing `what`.
    pub fn timeout(what: impl Into<String>) -> Self {
        Self::new(ErrorKind::Timeout, format!("timed out: {}", what.into()))
    }

    /// The connection failed or a body was cut short.
    pub fn transport(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Transport, message)
    }

    /// Names the provider the error came from.
    pub fn with_provider(mut self, provider: impl Into<String>) -> Self {
        self.0.provider = Some(provider.into());
        self
    }

    /// Records the HTTP status of the response that failed.
    pub fn with_status(mut self, status: u16) -> Self {
        self.0.status = Some(status);
        self
    }

    /// Records the provider's own error code (`NoSuchBucket`, `itemNotFound`, ...).
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.0.code = Some(code.into());
        self
    }

    /// Records the provider's request id, for support tickets.
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.0.request_id = Some(request_id.into());
        self
    }

    /// Keeps the lower-level error that caused this one.
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.0.source = Some(source.into());
        self
    }

    /// Replaces the message, keeping kind and details.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.0.message = bounded(message.into());
        self
    }

    /// Adds what a provider's error body said: its message after this
    /// error's own, as `(API: message)`, and its code. Either may be absent.
    ///
    /// ```
    /// use cloud_core::{Error, ErrorKind};
    ///
    /// let err = Error::new(ErrorKind::Conflict, "refused")
    ///     .with_answer("CloudSigma", Some("Cannot stop guest"), Some("permission"));
    /// assert_eq!(err.message(), "refused (CloudSigma: Cannot stop guest)");
    /// assert_eq!(err.code(), Some("permission"));
    /// ```
    pub fn with_answer(self, api: &str, message: Option<&str>, code: Option<&str>) -> Self {
        let err = match message {
            Some(m) => {
                let text = format!("{} ({api}: {m})", self.message());
                self.with_message(text)
            }
            None => self,
        };
        match code {
            Some(c) => err.with_code(c),
            None => err,
        }
    }

    /// The request clashes with the current state of a resource.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, message)
    }

    /// Applies `scrub` to every text the error shows: its message, the
    /// provider's code and request id, and its source (which is replaced by
    /// its scrubbed text when scrubbing changed it). Used to remove
    /// credentials a server echoed back; see [`Redactor`](crate::secret::Redactor).
    pub fn map_text(mut self, scrub: impl Fn(&str) -> Option<String>) -> Self {
        let inner = &mut *self.0;
        if let Some(m) = scrub(&inner.message) {
            inner.message = m;
        }
        for field in [&mut inner.code, &mut inner.request_id] {
            if let Some(text) = field.as_deref()
                && let Some(clean) = scrub(text)
            {
                *field = Some(clean);
            }
        }
        if let Some(source) = &inner.source {
            let shown = format!("{source} {source:?}");
            if scrub(&shown).is_some() {
                let text = scrub(&source.to_string()).unwrap_or_else(|| source.to_string());
                inner.source = Some(Box::new(ScrubbedSource(text)));
            }
        }
        self
    }

    #[cfg(feature = "http")]
    pub(crate) fn not_sent(mut self) -> Self {
        self.0.delivery = Delivery::NotSent;
        self
    }

    #[cfg(feature = "http")]
    pub(crate) fn was_not_sent(&self) -> bool {
        self.0.delivery == Delivery::NotSent
    }

    /// What went wrong, for matching.
    pub fn kind(&self) -> &ErrorKind {
        &self.0.kind
    }

    /// The human-readable message, without the provider and HTTP details.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The provider the error came from, when known.
    pub fn provider(&self) -> Option<&str> {
        self.0.provider.as_deref()
    }

    /// The HTTP status of the failed response, when there was one.
    pub fn status(&self) -> Option<u16> {
        self.0.status
    }

    /// The provider's own error code, when it sent one.
    pub fn code(&self) -> Option<&str> {
        self.0.code.as_deref()
    }

    /// The provider's request id, when it sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }

    /// True for [`ErrorKind::NotFound`].
    pub fn is_not_found(&self) -> bool {
        matches!(self.0.kind, ErrorKind::NotFound { .. })
    }

    /// True for [`ErrorKind::Unsupported`].
    pub fn is_unsupported(&self) -> bool {
        matches!(self.0.kind, ErrorKind::Unsupported { .. })
    }

    /// How long the provider asked to wait, for [`ErrorKind::RateLimited`].
    pub fn retry_after(&self) -> Option<Duration> {
        match self.0.kind {
            ErrorKind::RateLimited { retry_after } => retry_after,
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(provider) = &self.0.provider {
            write!(f, "{provider}: ")?;
        }
        f.write_str(&self.0.message)?;
        let mut details = Vec::new();
        if let Some(status) = self.0.status {
            details.push(format!("HTTP {status}"));
        }
        if let Some(code) = &self.0.code {
            details.push(format!("code {code}"));
        }
        if let Some(id) = &self.0.request_id {
            details.push(format!("request id {id}"));
        }
        if !details.is_empty() {
            write!(f, " ({})", details.join(", "))?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Error");
        s.field("kind", &self.0.kind)
            .field("message", &self.0.message);
        if let Some(p) = &self.0.provider {
            s.field("provider", p);
        }
        if let Some(v) = self.0.status {
            s.field("status", &v);
        }
        if let Some(v) = &self.0.code {
            s.field("code", v);
        }
        if let Some(v) = &self.0.request_id {
            s.field("request_id", v);
        }
        if let Some(v) = &self.0.source {
            s.field("source", v);
        }
        s.finish()
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.0
            .source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

/// A lower-level error reduced to its scrubbed text.
#[derive(Debug)]
struct ScrubbedSource(String);

impl fmt::Display for ScrubbedSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl StdError for ScrubbedSource {}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Self {
        Error::io("I/O error", err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_one_line_with_http_details() {
        let err = Error::new(ErrorKind::Provider, "the bucket policy is invalid")
            .with_provider("s3")
            .with_status(400)
            .with_code("MalformedPolicy")
            .with_request_id("4442587FB7D0A2F9");
        assert_eq!(
            err.to_string(),
            "s3: the bucket policy is invalid (HTTP 400, code MalformedPolicy, request id 4442587FB7D0A2F9)"
        );
        assert!(!err.to_string().contains('\n'));
    }

    #[test]
    fn io_errors_keep_their_source() {
        let err = Error::io("writing object", std::io::Error::other("disk full"));
        assert_eq!(err.kind(), &ErrorKind::Io);
        assert!(StdError::source(&err).is_some());
    }

    #[test]
    fn huge_input_makes_a_short_message() {
        let line = "a".repeat(5 * 1024 * 1024);
        let err = Error::not_found(ResourceKind::Object, line.clone());
        assert!(err.to_string().len() < 200, "{}", err.to_string().len());
        let err = Error::invalid_input(format!("bad line: {line}"));
        assert!(err.to_string().len() < MESSAGE_LIMIT * 4 + 100);
        assert!(err.to_string().contains("message cut"));
    }

    #[test]
    fn quoted_input_is_cut_even_without_quote() {
        let data = "9".repeat(5 * 1024 * 1024);
        let err = Error::invalid_input(format!("A data `{data}` is not an IPv4 address"));
        let shown = err.to_string();
        assert!(shown.len() < 250, "{} bytes: {shown}", shown.len());
        assert!(
            shown.contains(&format!("… ({} bytes in all)` is not", data.len())),
            "{shown}"
        );
        let short = Error::invalid_input("name `www` is fine, `x`");
        assert_eq!(short.message(), "name `www` is fine, `x`");
    }

    #[test]
    fn map_text_scrubs_every_shown_part() {
        let err = Error::new(ErrorKind::Provider, "token tok-123 refused")
            .with_code("tok-123")
            .with_request_id("req tok-123")
            .with_source(std::io::Error::other("echo tok-123"));
        let scrub = |t: &str| {
            t.contains("tok-123")
                .then(|| t.replace("tok-123", "[redacted]"))
        };
        let err = err.map_text(scrub);
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("tok-123"), "{shown}");
        assert!(shown.contains("token [redacted] refused"), "{shown}");
    }

    #[test]
    fn error_is_send_sync_and_small() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<Error>();
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
    }
}
