//! Absolute URLs, parsed and built without the `url` crate.
//!
//! Every address a driver handles is an ASCII `http`/`https` URL (or a
//! non-special one such as libvirt's `test:///default`), so the WHATWG
//! parser's internationalised-domain machinery (`idna` and ICU, a tenth of
//! an S3-only build) bought nothing. This type keeps the part of the
//! `url` crate's behaviour drivers and users see: scheme and host
//! lower-cased, a default port dropped, `.` and `..` segments resolved, the
//! characters a URL cannot hold percent-encoded, relative references
//! resolved by RFC 3986 and queries written as
//! `application/x-www-form-urlencoded`. A host outside ASCII is refused
//! with an error that asks for its punycode form.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};

/// Characters encoded wherever they appear (the WHATWG fragment set).
const FRAGMENT: &AsciiSet = &CONTROLS.add(b' ').add(b'"').add(b'<').add(b'>').add(b'`');
/// Characters encoded in a path.
const PATH: &AsciiSet = &FRAGMENT.add(b'#').add(b'?').add(b'{').add(b'}');
/// Characters encoded in one path segment appended by [`Url::extend_segments`].
const SEGMENT: &AsciiSet = &PATH.add(b'/').add(b'%');
/// Characters encoded in a query.
const QUERY: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'\'');
/// Characters kept by `application/x-www-form-urlencoded` (besides
/// alphanumerics); a space becomes `+`.
const FORM: &AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'*')
    .remove(b'-')
    .remove(b'.')
    .remove(b'_');

/// Why a string is not an absolute URL.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseError {
    /// No `scheme:` in front: a relative reference needs a base
    /// ([`Url::join`]).
    RelativeUrlWithoutBase,
    /// The scheme has characters a scheme cannot hold.
    InvalidScheme,
    /// An `http`, `https`, `ws`, `wss` or `ftp` URL without a host.
    EmptyHost,
    /// A host with a character no host name may hold.
    InvalidHost,
    /// A host outside ASCII: give its punycode (`xn--`) form.
    NonAsciiHost,
    /// A port that is not a number up to 65535.
    InvalidPort,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ParseError::RelativeUrlWithoutBase => "relative URL without a base",
            ParseError::InvalidScheme => "invalid scheme",
            ParseError::EmptyHost => "empty host",
            ParseError::InvalidHost => "invalid host character",
            ParseError::NonAsciiHost => "host name outside ASCII (give its punycode form, xn--...)",
            ParseError::InvalidPort => "invalid port number",
        })
    }
}

impl std::error::Error for ParseError {}

/// An absolute URL, held in its serialised form.
///
/// ```
/// use cloud_core::Url;
///
/// let base = Url::parse("HTTPS://Storage.Example.com:443/v1/a/../b").unwrap();
/// assert_eq!(base.as_str(), "https://storage.example.com/v1/b");
/// assert_eq!(base.port_or_known_default(), Some(443));
///
/// let next = base.join("c?page=2").unwrap();
/// assert_eq!(next.as_str(), "https://storage.example.com/v1/c?page=2");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Url {
    serialization: String,
    /// End of the scheme (the index of its `:`).
    scheme_end: usize,
    /// `user[:password]` as written (encoded), when given.
    userinfo: Option<(usize, usize)>,
    /// The host's span; empty for a URL without one.
    host: (usize, usize),
    /// An explicit port other than the scheme's default.
    port: Option<u16>,
    path_start: usize,
    query_start: Option<usize>,
    fragment_start: Option<usize>,
}

/// The pieces a URL is serialised from.
struct Parts<'a> {
    scheme: Cow<'a, str>,
    /// `Some` when the URL has an authority (`//...`).
    authority: Option<Authority>,
    path: String,
    query: Option<String>,
    fragment: Option<String>,
}

struct Authority {
    userinfo: Option<String>,
    host: String,
    port: Option<u16>,
}

fn is_special(scheme: &str) -> bool {
    matches!(scheme, "http" | "https" | "ws" | "wss" | "ftp")
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        "ftp" => Some(21),
        _ => None,
    }
}

/// The scheme's length when `input` starts with `scheme:`.
fn scheme_len(input: &str) -> Option<usize> {
    let colon = input.find(':')?;
    let scheme = &input[..colon];
    let mut chars = scheme.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
    .then_some(colon)
}

/// RFC 3986's `remove_dot_segments` over an absolute path.
fn remove_dot_segments(path: &str) -> String {
    if !path.starts_with('/') {
        return path.to_owned();
    }
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path[1..].split('/').collect();
    let last = segments.len() - 1;
    for (i, segment) in segments.iter().enumerate() {
        match *segment {
            "." => {
                if i == last {
                    out.push("");
                }
            }
            ".." => {
                out.pop();
                if i == last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    format!("/{}", out.join("/"))
}

fn encode_path(path: &str, special: bool) -> String {
    let path: Cow<'_, str> = if special && path.contains('\\') {
        Cow::Owned(path.replace('\\', "/"))
    } else {
        Cow::Borrowed(path)
    };
    let encoded = utf8_percent_encode(&path, PATH).to_string();
    remove_dot_segments(&encoded)
}

fn parse_host(host: &str, special: bool) -> Result<String, ParseError> {
    if let Some(inner) = host.strip_prefix('[') {
        let inner = inner.strip_suffix(']').ok_or(ParseError::InvalidHost)?;
        let ip: std::net::Ipv6Addr = inner.parse().map_err(|_| ParseError::InvalidHost)?;
        return Ok(format!("[{ip}]"));
    }
    if !host.is_ascii() {
        return Err(ParseError::NonAsciiHost);
    }
    let forbidden = |c: char| {
        c.is_ascii_control()
            || matches!(
                c,
                ' ' | '#' | '/' | ':' | '<' | '>' | '?' | '@' | '[' | '\\' | ']' | '^' | '|'
            )
            || (special && c == '%')
    };
    if host.chars().any(forbidden) {
        return Err(ParseError::InvalidHost);
    }
    Ok(if special {
        host.to_ascii_lowercase()
    } else {
        host.to_owned()
    })
}

fn parse_authority(text: &str, scheme: &str) -> Result<Authority, ParseError> {
    let special = is_special(scheme);
    let (userinfo, hostport) = match text.rfind('@') {
        Some(at) => (
            Some(utf8_percent_encode(&text[..at], USERINFO).to_string()),
            &text[at + 1..],
        ),
        None => (None, text),
    };
    let (host, port) = match hostport.rfind(':') {
        Some(colon) if !hostport[colon..].contains(']') => {
            (&hostport[..colon], Some(&hostport[colon + 1..]))
        }
        _ => (hostport, None),
    };
    let host = parse_host(host, special)?;
    if host.is_empty() && special {
        return Err(ParseError::EmptyHost);
    }
    let port = match port {
        None | Some("") => None,
        Some(digits) if digits.bytes().all(|b| b.is_ascii_digit()) => {
            Some(digits.parse::<u16>().map_err(|_| ParseError::InvalidPort)?)
        }
        Some(_) => return Err(ParseError::InvalidPort),
    };
    let port = port.filter(|p| Some(*p) != default_port(scheme));
    Ok(Authority {
        userinfo: userinfo.filter(|u| !u.is_empty()),
        host,
        port,
    })
}

/// Characters encoded in `user:password` (the `:` between them is kept).
const USERINFO: &AsciiSet = &PATH
    .add(b'/')
    .add(b';')
    .add(b'=')
    .add(b'@')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'|');

impl<'a> Parts<'a> {
    fn parse(input: &'a str) -> Result<Parts<'a>, ParseError> {
        let input = input.trim_matches(|c: char| c.is_ascii_control() || c == ' ');
        let Some(colon) = scheme_len(input) else {
            return Err(if input.contains(':') && !input.starts_with(':') {
                ParseError::InvalidScheme
            } else {
                ParseError::RelativeUrlWithoutBase
            });
        };
        let scheme: Cow<'a, str> = if input[..colon].bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(input[..colon].to_ascii_lowercase())
        } else {
            Cow::Borrowed(&input[..colon])
        };
        let special = is_special(&scheme);
        let mut rest = &input[colon + 1..];
        let fragment = rest.find('#').map(|hash| {
            let fragment = utf8_percent_encode(&rest[hash + 1..], FRAGMENT).to_string();
            rest = &rest[..hash];
            fragment
        });
        let query = rest.find('?').map(|mark| {
            let query = utf8_percent_encode(&rest[mark + 1..], QUERY).to_string();
            rest = &rest[..mark];
            query
        });
        let slashes = if special {
            rest.starts_with("//") || rest.starts_with("\\\\")
        } else {
            rest.starts_with("//")
        };
        let authority = if slashes {
            let after = &rest[2..];
            let end = after
                .find(|c| c == '/' || (special && c == '\\'))
                .unwrap_or(after.len());
            let authority = parse_authority(&after[..end], &scheme)?;
            rest = &after[end..];
            Some(authority)
        } else if special {
            return Err(ParseError::EmptyHost);
        } else {
            None
        };
        let mut path = encode_path(rest, special);
        if path.is_empty() && special {
            path.push('/');
        }
        Ok(Parts {
            scheme,
            authority,
            path,
            query,
            fragment,
        })
    }

    fn build(&self) -> Url {
        let mut s = String::with_capacity(
            self.scheme.len() + self.path.len() + self.query.as_ref().map_or(0, |q| q.len()) + 32,
        );
        s.push_str(&self.scheme);
        let scheme_end = s.len();
        s.push(':');
        let mut userinfo = None;
        let mut host = (s.len(), s.len());
        let mut port = None;
        if let Some(authority) = &self.authority {
            s.push_str("//");
            if let Some(info) = &authority.userinfo {
                let start = s.len();
                s.push_str(info);
                userinfo = Some((start, s.len()));
                s.push('@');
            }
            let start = s.len();
            s.push_str(&authority.host);
            host = (start, s.len());
            if let Some(p) = authority.port {
                s.push(':');
                s.push_str(&p.to_string());
                port = Some(p);
            }
        }
        let path_start = s.len();
        s.push_str(&self.path);
        let query_start = self.query.as_ref().map(|q| {
            let start = s.len();
            s.push('?');
            s.push_str(q);
            start
        });
        let fragment_start = self.fragment.as_ref().map(|f| {
            let start = s.len();
            s.push('#');
            s.push_str(f);
            start
        });
        Url {
            serialization: s,
            scheme_end,
            userinfo,
            host,
            port,
            path_start,
            query_start,
            fragment_start,
        }
    }
}

impl Url {
    /// Parses an absolute URL.
    pub fn parse(input: &str) -> Result<Url, ParseError> {
        Ok(Parts::parse(input)?.build())
    }

    /// Resolves `reference` against this URL (RFC 3986, section 5.2): an
    /// absolute URL stands alone, `//host/...` keeps the scheme, `/path`
    /// the host, `?query` the path, and a relative path replaces the last
    /// segment.
    pub fn join(&self, reference: &str) -> Result<Url, ParseError> {
        let reference = reference.trim_matches(|c: char| c.is_ascii_control() || c == ' ');
        if let Some(colon) = scheme_len(reference) {
            // `name:...` is absolute unless it reads as a path segment.
            if !reference[..colon].contains(['/', '?', '#']) {
                return Url::parse(reference);
            }
        }
        let before_path = &self.serialization[..self.path_start];
        let joined = if reference.starts_with("//") {
            format!("{}{}", &self.serialization[..=self.scheme_end], reference)
        } else if reference.starts_with('/') {
            format!("{before_path}{reference}")
        } else if reference.starts_with('?') {
            format!("{before_path}{}{reference}", self.path())
        } else if reference.starts_with('#') || reference.is_empty() {
            let end = self.fragment_start.unwrap_or(self.serialization.len());
            format!("{}{reference}", &self.serialization[..end])
        } else {
            let path = self.path();
            let dir = path.rfind('/').map_or("/", |slash| &path[..=slash]);
            format!("{before_path}{dir}{reference}")
        };
        Url::parse(&joined)
    }

    /// The URL as written.
    pub fn as_str(&self) -> &str {
        &self.serialization
    }

    /// The scheme, lower-cased (`https`).
    pub fn scheme(&self) -> &str {
        &self.serialization[..self.scheme_end]
    }

    /// The user name, or `""` when none is given.
    pub fn username(&self) -> &str {
        match self.userinfo {
            Some((start, end)) => {
                let info = &self.serialization[start..end];
                info.split_once(':').map_or(info, |(user, _)| user)
            }
            None => "",
        }
    }

    /// The password, when one is given.
    pub fn password(&self) -> Option<&str> {
        let (start, end) = self.userinfo?;
        self.serialization[start..end]
            .split_once(':')
            .map(|(_, password)| password)
    }

    /// The host (`[::1]` for an IPv6 address), if any.
    pub fn host_str(&self) -> Option<&str> {
        let host = &self.serialization[self.host.0..self.host.1];
        (!host.is_empty()).then_some(host)
    }

    /// The host as an IP address, when it is one.
    pub fn ip(&self) -> Option<std::net::IpAddr> {
        let host = self.host_str()?;
        let bare = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        bare.parse().ok()
    }

    /// The port when it is not the scheme's default.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The port, or the scheme's default (443 for `https`).
    pub fn port_or_known_default(&self) -> Option<u16> {
        self.port.or_else(|| default_port(self.scheme()))
    }

    /// `scheme://host[:port]`.
    pub fn origin(&self) -> String {
        let mut origin = format!("{}://{}", self.scheme(), self.host_str().unwrap_or(""));
        if let Some(port) = self.port {
            origin.push_str(&format!(":{port}"));
        }
        origin
    }

    /// The path, percent-encoded as sent (`/v1/b`).
    pub fn path(&self) -> &str {
        let end = self
            .query_start
            .or(self.fragment_start)
            .unwrap_or(self.serialization.len());
        &self.serialization[self.path_start..end]
    }

    /// The query without its `?`, if any.
    pub fn query(&self) -> Option<&str> {
        let start = self.query_start? + 1;
        let end = self.fragment_start.unwrap_or(self.serialization.len());
        Some(&self.serialization[start..end])
    }

    /// The fragment without its `#`, if any.
    pub fn fragment(&self) -> Option<&str> {
        Some(&self.serialization[self.fragment_start? + 1..])
    }

    /// The query's `name=value` pairs, decoded as a form (`+` a space).
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        self.query().map(form_urldecode).unwrap_or_default()
    }

    fn parts(&self) -> Parts<'_> {
        let authority =
            (self.serialization[self.scheme_end..].starts_with("://")).then(|| Authority {
                userinfo: self
                    .userinfo
                    .map(|(start, end)| self.serialization[start..end].to_owned()),
                host: self.host_str().unwrap_or("").to_owned(),
                port: self.port,
            });
        Parts {
            scheme: Cow::Borrowed(self.scheme()),
            authority,
            path: self.path().to_owned(),
            query: self.query().map(str::to_owned),
            fragment: self.fragment().map(str::to_owned),
        }
    }

    /// Replaces the path; characters a path cannot hold are
    /// percent-encoded, `.` and `..` segments resolved.
    pub fn set_path(&mut self, path: &str) {
        let special = is_special(self.scheme());
        let mut parts = self.parts();
        let mut path = if self.host_str().is_some() && !path.starts_with('/') {
            format!("/{path}")
        } else {
            path.to_owned()
        };
        if path.is_empty() && special {
            path.push('/');
        }
        parts.path = encode_path(&path, special);
        *self = parts.build();
    }

    /// Replaces the query (`None` removes it); characters a query cannot
    /// hold are percent-encoded.
    pub fn set_query(&mut self, query: Option<&str>) {
        let mut parts = self.parts();
        parts.query = query.map(|q| utf8_percent_encode(q, QUERY).to_string());
        *self = parts.build();
    }

    /// Replaces the fragment (`None` removes it).
    pub fn set_fragment(&mut self, fragment: Option<&str>) {
        let mut parts = self.parts();
        parts.fragment = fragment.map(|f| utf8_percent_encode(f, FRAGMENT).to_string());
        *self = parts.build();
    }

    /// Replaces the host (for virtual-hosted buckets); an `http(s)` URL
    /// cannot lose its host.
    pub fn set_host(&mut self, host: &str) -> Result<(), ParseError> {
        let special = is_special(self.scheme());
        let host = parse_host(host, special)?;
        if host.is_empty() && special {
            return Err(ParseError::EmptyHost);
        }
        let mut parts = self.parts();
        match &mut parts.authority {
            Some(authority) => authority.host = host,
            None => {
                parts.authority = Some(Authority {
                    userinfo: None,
                    host,
                    port: None,
                })
            }
        }
        *self = parts.build();
        Ok(())
    }

    /// Appends path segments, each percent-encoded so that a `/` or `%` in
    /// it stays inside it; `.` and `..` are skipped. One trailing empty
    /// segment (`/v1/`) is dropped first; an empty segment pushed last
    /// leaves a trailing `/`.
    pub fn extend_segments<'s>(&mut self, segments: impl IntoIterator<Item = &'s str>) {
        let mut parts = self.parts();
        if parts.path.ends_with('/') {
            parts.path.pop();
        }
        for segment in segments {
            if matches!(segment, "." | "..") {
                continue;
            }
            parts.path.push('/');
            parts
                .path
                .push_str(&utf8_percent_encode(segment, SEGMENT).to_string());
        }
        *self = parts.build();
    }

    /// Appends `name=value` to the query, both encoded as a form.
    pub fn append_query_pair(&mut self, name: &str, value: &str) {
        self.extend_query_pairs([(name, value)]);
    }

    /// Appends each `name=value` to the query, encoded as a form.
    pub fn extend_query_pairs<'p>(&mut self, pairs: impl IntoIterator<Item = (&'p str, &'p str)>) {
        let mut parts = self.parts();
        let mut query = parts.query.take().unwrap_or_default();
        let added = form_urlencode(pairs);
        if !query.is_empty() && !added.is_empty() {
            query.push('&');
        }
        query.push_str(&added);
        parts.query = Some(query);
        *self = parts.build();
    }
}

fn form_urlencode_into(out: &mut String, text: &str) {
    for piece in utf8_percent_encode(text, FORM) {
        if piece == "%20" {
            out.push('+');
        } else {
            out.push_str(piece);
        }
    }
}

/// `name=value&...` as `application/x-www-form-urlencoded`, the body of an
/// OAuth token request or an AWS query API call.
///
/// ```
/// let body = cloud_core::url::form_urlencode([("grant_type", "a b"), ("x", "=&")]);
/// assert_eq!(body, "grant_type=a+b&x=%3D%26");
/// ```
pub fn form_urlencode<'p>(pairs: impl IntoIterator<Item = (&'p str, &'p str)>) -> String {
    let mut out = String::new();
    for (name, value) in pairs {
        if !out.is_empty() {
            out.push('&');
        }
        form_urlencode_into(&mut out, name);
        out.push('=');
        form_urlencode_into(&mut out, value);
    }
    out
}

/// Reads a form-encoded string (`a=1&b=x+y`) into its pairs.
pub fn form_urldecode(text: &str) -> Vec<(String, String)> {
    let decode = |s: &str| {
        percent_decode_str(&s.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    };
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(name), decode(value))
        })
        .collect()
}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.serialization)
    }
}

/// Shows the URL with any password masked.
impl fmt::Debug for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.password(), self.userinfo) {
            (Some(_), Some((start, end))) => {
                let user = self.username();
                write!(
                    f,
                    "Url({}{user}:***{})",
                    &self.serialization[..start],
                    &self.serialization[end..]
                )
            }
            _ => write!(f, "Url({})", self.serialization),
        }
    }
}

impl FromStr for Url {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Url, ParseError> {
        Url::parse(s)
    }
}

impl TryFrom<&str> for Url {
    type Error = ParseError;

    fn try_from(s: &str) -> Result<Url, ParseError> {
        Url::parse(s)
    }
}

impl AsRef<str> for Url {
    fn as_ref(&self) -> &str {
        &self.serialization
    }
}

impl From<Url> for String {
    fn from(url: Url) -> String {
        url.serialization
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(s: &str) -> String {
        Url::parse(s).unwrap().as_str().to_owned()
    }

    #[test]
    fn normalises_like_a_browser() {
        assert_eq!(parsed("http://Example.COM"), "http://example.com/");
        assert_eq!(parsed("https://h:443/x"), "https://h/x");
        assert_eq!(parsed("http://h:8080"), "http://h:8080/");
        assert_eq!(parsed("http://h/a/./b/../c"), "http://h/a/c");
        assert_eq!(parsed("http://h/a/.."), "http://h/");
        assert_eq!(parsed("http://h/a b?x y#z w"), "http://h/a%20b?x%20y#z%20w");
        assert_eq!(parsed("http://h/ü"), "http://h/%C3%BC");
        assert_eq!(parsed("  http://h/\n"), "http://h/");
        assert_eq!(parsed("http://[::1]:9/"), "http://[::1]:9/");
        assert_eq!(parsed("test:///default"), "test:///default");
        assert_eq!(parsed("unix:/run/x"), "unix:/run/x");
        assert_eq!(parsed("http://h/%2F"), "http://h/%2F");
    }

    #[test]
    fn refuses_what_is_not_a_url() {
        assert_eq!(
            Url::parse("/just/a/path"),
            Err(ParseError::RelativeUrlWithoutBase)
        );
        assert_eq!(
            Url::parse("example.com"),
            Err(ParseError::RelativeUrlWithoutBase)
        );
        assert_eq!(Url::parse("http://"), Err(ParseError::EmptyHost));
        assert_eq!(Url::parse("http:///x"), Err(ParseError::EmptyHost));
        assert_eq!(Url::parse("http://h:99999/"), Err(ParseError::InvalidPort));
        assert_eq!(Url::parse("http://h:8o/"), Err(ParseError::InvalidPort));
        assert_eq!(Url::parse("http://a b/"), Err(ParseError::InvalidHost));
        assert_eq!(
            Url::parse("http://bücher.de/"),
            Err(ParseError::NonAsciiHost)
        );
        assert_eq!(Url::parse("http://[::1/"), Err(ParseError::InvalidHost));
        assert_eq!(Url::parse("1http://h/"), Err(ParseError::InvalidScheme));
    }

    #[test]
    fn reads_its_parts() {
        let url = Url::parse("https://user:p%40ss@Host.example:8443/a/b?x=1&y=a+b%26#top").unwrap();
        assert_eq!(url.scheme(), "https");
        assert_eq!(url.username(), "user");
        assert_eq!(url.password(), Some("p%40ss"));
        assert_eq!(url.host_str(), Some("host.example"));
        assert_eq!(url.port(), Some(8443));
        assert_eq!(url.path(), "/a/b");
        assert_eq!(url.query(), Some("x=1&y=a+b%26"));
        assert_eq!(url.fragment(), Some("top"));
        assert_eq!(url.origin(), "https://host.example:8443");
        assert_eq!(
            url.query_pairs(),
            vec![("x".into(), "1".into()), ("y".into(), "a b&".into())]
        );
        assert!(!format!("{url:?}").contains("p%40ss"));
        let local = Url::parse("http://[::1]/").unwrap();
        assert_eq!(local.host_str(), Some("[::1]"));
        assert!(local.ip().is_some_and(|ip| ip.is_loopback()));
        assert_eq!(local.port_or_known_default(), Some(80));
    }

    #[test]
    fn resolves_references() {
        let base = Url::parse("http://a/b/c/d;p?q#f").unwrap();
        for (reference, want) in [
            ("g", "http://a/b/c/g"),
            ("./g", "http://a/b/c/g"),
            ("g/", "http://a/b/c/g/"),
            ("/g", "http://a/g"),
            ("//g", "http://g/"),
            ("?y", "http://a/b/c/d;p?y"),
            ("g?y", "http://a/b/c/g?y"),
            ("#s", "http://a/b/c/d;p?q#s"),
            ("", "http://a/b/c/d;p?q"),
            ("..", "http://a/b/"),
            ("../g", "http://a/b/g"),
            ("../../../g", "http://a/g"),
            ("https://other:1/x", "https://other:1/x"),
        ] {
            assert_eq!(base.join(reference).unwrap().as_str(), want, "{reference}");
        }
    }

    /// Hostile strings: no panic, and what parses reads back the same.
    #[test]
    fn arbitrary_input_never_panics_and_round_trips() {
        const PIECES: &[&str] = &[
            "http", "https", "HTTP", "s3", ":", "//", "/", "\\", "?", "#", "@", "[", "]", "::1",
            "%", "%2e", ".", "..", "a", "Host", "8080", "99999", " ", "\t", "ü", "&", "=", "+",
            "x:y", "", "\u{0}", "%zz",
        ];
        let base = Url::parse("https://h.example/a/b/c?q#f").unwrap();
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..20_000 {
            let mut text = String::new();
            for _ in 0..(seed % 9) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                text.push_str(PIECES[(seed % PIECES.len() as u64) as usize]);
            }
            if let Ok(url) = Url::parse(&text) {
                let again = Url::parse(url.as_str());
                assert_eq!(again.as_ref(), Ok(&url), "{text:?} -> {url}");
            }
            if let Ok(url) = base.join(&text) {
                assert_eq!(Url::parse(url.as_str()).as_ref(), Ok(&url), "join {text:?}");
            }
        }
    }

    #[test]
    fn builds_paths_and_queries() {
        let mut url = Url::parse("https://h/v1/").unwrap();
        url.extend_segments(["a/b c%", "..", "d"]);
        assert_eq!(url.as_str(), "https://h/v1/a%2Fb%20c%25/d");
        let mut dir = Url::parse("https://h/v1").unwrap();
        dir.extend_segments(["x", ""]);
        assert_eq!(dir.as_str(), "https://h/v1/x/");
        url.append_query_pair("q", "x y&z=é");
        url.append_query_pair("n", "");
        assert_eq!(
            url.as_str(),
            "https://h/v1/a%2Fb%20c%25/d?q=x+y%26z%3D%C3%A9&n="
        );
        url.set_query(None);
        url.set_path("other path");
        assert_eq!(url.as_str(), "https://h/other%20path");
        url.set_host("bucket.h").unwrap();
        assert_eq!(url.as_str(), "https://bucket.h/other%20path");
        assert_eq!(url.set_host(""), Err(ParseError::EmptyHost));
        url.set_query(Some("a=b c"));
        url.set_fragment(Some("f"));
        assert_eq!(url.as_str(), "https://bucket.h/other%20path?a=b%20c#f");
        assert_eq!(
            form_urldecode("a=%20&b"),
            vec![("a".into(), " ".into()), ("b".into(), "".into())]
        );
    }
}
