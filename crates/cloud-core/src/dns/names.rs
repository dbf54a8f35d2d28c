//! Checks and normalises DNS names and record data before any request.
//!
//! The [`Dns`](super::Dns) handle runs every record through
//! [`normalize_record`], so all providers receive data in one canonical form:
//! relative owner names (`""` for the apex), and TXT data as quoted strings.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::types::{RecordSpec, RecordType};
use crate::error::{Error, Result};

/// Checks a zone's domain and returns it without a trailing dot.
///
/// ```
/// use cloud_core::dns::check_domain;
///
/// assert_eq!(check_domain("Example.COM.").unwrap(), "example.com");
/// assert!(check_domain("bad..example.com").is_err());
/// ```
pub fn check_domain(domain: &str) -> Result<String> {
    let trimmed = domain.strip_suffix('.').unwrap_or(domain);
    if trimmed.is_empty() {
        return Err(Error::invalid_input("domain must not be empty"));
    }
    if trimmed.len() > 253 {
        return Err(Error::invalid_input(format!(
            "domain `{domain}` is longer than 253 characters"
        )));
    }
    for label in trimmed.split('.') {
        check_label(label, domain, false)?;
    }
    Ok(trimmed.to_ascii_lowercase())
}

fn check_label(label: &str, whole: &str, allow_wildcard: bool) -> Result<()> {
    if label.is_empty() {
        return Err(Error::invalid_input(format!(
            "`{whole}` has an empty label"
        )));
    }
    if label.len() > 63 {
        return Err(Error::invalid_input(format!(
            "label `{label}` of `{whole}` is longer than 63 characters"
        )));
    }
    if allow_wildcard && label == "*" {
        return Ok(());
    }
    let ok = label
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !ok || label.starts_with('-') || label.ends_with('-') {
        return Err(Error::invalid_input(format!(
            "label `{label}` of `{whole}` must use letters, digits, `-` and `_`, and not start or end with `-`"
        )));
    }
    Ok(())
}

/// Checks a record's owner name (relative to the zone) and returns it in
/// canonical form: `""` for the apex (also written `@`).
pub fn check_record_name(name: &str) -> Result<String> {
    if name.is_empty() || name == "@" {
        return Ok(String::new());
    }
    if name.ends_with('.') {
        return Err(Error::invalid_input(format!(
            "record name `{name}` must be relative to the zone (no trailing dot)"
        )));
    }
    if name.len() > 253 {
        return Err(Error::invalid_input(format!(
            "record name `{name}` is longer than 253 characters"
        )));
    }
    for (i, label) in name.split('.').enumerate() {
        check_label(label, name, i == 0)?;
    }
    Ok(name.to_owned())
}

/// The fully qualified name (with the trailing dot) of a record named
/// `name` (relative, `""` for the apex) in `domain`.
///
/// ```
/// use cloud_core::dns::{fqdn, relative_name};
///
/// assert_eq!(fqdn("www", "example.com"), "www.example.com.");
/// assert_eq!(fqdn("", "example.com"), "example.com.");
/// assert_eq!(relative_name("WWW.example.com.", "example.com"), "WWW");
/// assert_eq!(relative_name("example.com", "example.com"), "");
/// ```
pub fn fqdn(name: &str, domain: &str) -> String {
    if name.is_empty() {
        format!("{domain}.")
    } else {
        format!("{name}.{domain}.")
    }
}

/// A record's owner name relative to `domain` (`""` for the apex), from a
/// fully qualified name with or without the trailing dot. A name outside the
/// domain comes back unchanged, without its dot.
pub fn relative_name(fqdn: &str, domain: &str) -> String {
    let bare = fqdn.trim_end_matches('.');
    if bare.eq_ignore_ascii_case(domain) {
        return String::new();
    }
    let suffix = format!(".{domain}");
    match bare.len().checked_sub(suffix.len()) {
        Some(cut) if bare.is_char_boundary(cut) && bare[cut..].eq_ignore_ascii_case(&suffix) => {
            bare[..cut].to_owned()
        }
        _ => bare.to_owned(),
    }
}

/// The text of TXT data in presentation form (`"a b" "c"`): the strings
/// joined, quotes removed and escapes resolved, for APIs that store TXT
/// values unquoted. Unquoted data comes back as it is.
///
/// ```
/// use cloud_core::dns::unquote_text;
///
/// assert_eq!(unquote_text(r#""v=spf1 -all""#), "v=spf1 -all");
/// assert_eq!(unquote_text(r#""ab" "c\"d""#), r#"abc"d"#);
/// ```
pub fn unquote_text(data: &str) -> String {
    let Ok(strings) = split_quoted(data) else {
        return data.to_owned();
    };
    let mut out = String::new();
    for s in strings {
        let mut escaped = false;
        for c in s[1..s.len() - 1].chars() {
            if escaped || c != '\\' {
                out.push(c);
                escaped = false;
            } else {
                escaped = true;
            }
        }
    }
    out
}

/// Checks a record and returns it in canonical form.
///
/// ```
/// use cloud_core::{RecordSpec, RecordType};
/// use cloud_core::dns::normalize_record;
///
/// let txt = normalize_record(&RecordSpec::new("@", RecordType::TXT, "v=spf1 -all")).unwrap();
/// assert_eq!((txt.name.as_str(), txt.data.as_str()), ("", "\"v=spf1 -all\""));
/// assert!(normalize_record(&RecordSpec::new("www", RecordType::A, "not-an-ip")).is_err());
/// ```
pub fn normalize_record(spec: &RecordSpec) -> Result<RecordSpec> {
    let name = check_record_name(&spec.name)?;
    let data = spec.data.trim();
    let kind = spec.record_type;
    let bad = |why: &str| {
        Error::invalid_input(format!("{kind} data `{}` {why}", crate::error::quote(data)))
    };
    if data.is_empty() {
        return Err(Error::invalid_input(format!(
            "{kind} record data must not be empty"
        )));
    }
    if data.chars().any(|c| c.is_control() && c != '\t') {
        return Err(bad("must not contain control characters"));
    }
    if let Some(ttl) = spec.ttl
        && ttl > i32::MAX as u32
    {
        return Err(Error::invalid_input(format!(
            "TTL {ttl} is larger than 2^31-1"
        )));
    }
    let data = match kind {
        RecordType::A => {
            data.parse::<Ipv4Addr>()
                .map_err(|_| bad("is not an IPv4 address"))?;
            data.to_owned()
        }
        RecordType::AAAA => {
            data.parse::<Ipv6Addr>()
                .map_err(|_| bad("is not an IPv6 address"))?;
            data.to_owned()
        }
        RecordType::TXT | RecordType::SPF => quote_text(data).map_err(|why| bad(&why))?,
        _ => {
            let fields: Vec<&str> = data.split_whitespace().collect();
            let numeric = |i: usize| fields.get(i).is_some_and(|f| f.parse::<u16>().is_ok());
            match kind {
                RecordType::MX if fields.len() != 2 || !numeric(0) => {
                    return Err(bad("must be `<preference> <mail server>`"));
                }
                RecordType::SRV if fields.len() != 4 || !(0..3).all(numeric) => {
                    return Err(bad("must be `<priority> <weight> <port> <target>`"));
                }
                RecordType::CAA if fields.len() < 3 || fields[0].parse::<u8>().is_err() => {
                    return Err(bad("must be `<flags> <tag> <value>`"));
                }
                RecordType::CNAME
                | RecordType::NS
                | RecordType::PTR
                | RecordType::DNAME
                | RecordType::ALIAS
                    if fields.len() != 1 =>
                {
                    return Err(bad("must be a single domain name"));
                }
                _ => {}
            }
            for &i in kind.domain_name_fields() {
                let Some(target) = fields.get(i).copied() else {
                    continue;
                };
                if target != "." {
                    let bare = target.strip_suffix('.').unwrap_or(target);
                    for (n, label) in bare.split('.').enumerate() {
                        check_label(label, target, n == 0).map_err(|e| {
                            Error::invalid_input(format!("{kind} target: {}", e.message()))
                        })?;
                    }
                }
            }
            fields.join(" ")
        }
    };
    Ok(RecordSpec {
        name,
        record_type: kind,
        data,
        ttl: spec.ttl,
    })
}

/// Turns TXT data into one or more quoted strings of at most 255 bytes.
/// Data that already starts with a quote must be well-formed quoted strings.
fn quote_text(data: &str) -> std::result::Result<String, String> {
    if data.starts_with('"') {
        let strings = split_quoted(data)?;
        for s in &strings {
            if unescaped_len(s) > 255 {
                return Err("has a string longer than 255 bytes".into());
            }
        }
        return Ok(strings.join(" "));
    }
    let mut out = Vec::new();
    let mut current = String::new();
    let mut current_len = 0;
    for c in data.chars() {
        let len = c.len_utf8();
        if current_len + len > 255 {
            out.push(format!("\"{current}\""));
            current.clear();
            current_len = 0;
        }
        if c == '"' || c == '\\' {
            current.push('\\');
        }
        current.push(c);
        current_len += len;
    }
    out.push(format!("\"{current}\""));
    Ok(out.join(" "))
}

/// Splits `"a b" "c\"d"` into its quoted strings, quotes kept.
pub(crate) fn split_quoted(data: &str) -> std::result::Result<Vec<String>, String> {
    let mut strings = Vec::new();
    let mut chars = data.trim().chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_whitespace() {
            continue;
        }
        if c != '"' {
            return Err("mixes quoted and unquoted text".into());
        }
        let mut s = String::from('"');
        let mut closed = false;
        while let Some(c) = chars.next() {
            s.push(c);
            match c {
                '\\' => match chars.next() {
                    Some(n) => s.push(n),
                    None => return Err("ends with a lone backslash".into()),
                },
                '"' => {
                    closed = true;
                    break;
                }
                _ => {}
            }
        }
        if !closed {
            return Err("has an unterminated quoted string".into());
        }
        strings.push(s);
    }
    Ok(strings)
}

fn unescaped_len(quoted: &str) -> usize {
    let inner = &quoted[1..quoted.len() - 1];
    let mut len = 0;
    let mut escaped = false;
    for c in inner.chars() {
        if escaped || c != '\\' {
            len += c.len_utf8();
            escaped = false;
        } else {
            escaped = true;
        }
    }
    len
}

/// An SOA's responsible-mailbox field as an address: the first dot that is
/// not escaped is the `@`.
///
/// ```
/// use cloud_core::dns::email_of_rname;
///
/// assert_eq!(email_of_rname("hostmaster.example.com."), "hostmaster@example.com");
/// assert_eq!(email_of_rname("host\\.master.example.com."), "host.master@example.com");
/// ```
pub fn email_of_rname(rname: &str) -> String {
    let rname = rname.strip_suffix('.').unwrap_or(rname);
    let mut local = String::new();
    let mut chars = rname.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => local.extend(chars.next()),
            '.' => return format!("{local}@{}", chars.as_str()),
            c => local.push(c),
        }
    }
    local
}

/// An address as an SOA's responsible-mailbox field, the dots of its local
/// part escaped; text without an `@` is refused (`InvalidInput`).
///
/// ```
/// use cloud_core::dns::rname_of_email;
///
/// assert_eq!(rname_of_email("host.master@example.com")?, "host\\.master.example.com.");
/// assert!(rname_of_email("nobody").is_err());
/// # Ok::<(), cloud_core::Error>(())
/// ```
pub fn rname_of_email(email: &str) -> Result<String> {
    let (local, host) = email
        .split_once('@')
        .filter(|(l, h)| !l.is_empty() && !h.is_empty() && !l.contains(char::is_whitespace))
        .ok_or_else(|| {
            Error::invalid_input(format!(
                "`{}` is not an e-mail address",
                crate::error::quote(email)
            ))
        })?;
    Ok(format!(
        "{}.{}.",
        local.replace('.', "\\."),
        host.trim_end_matches('.')
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(t: RecordType, data: &str) -> Result<String> {
        normalize_record(&RecordSpec::new("x", t, data)).map(|r| r.data)
    }

    #[test]
    fn record_names() {
        assert_eq!(check_record_name("@").unwrap(), "");
        assert_eq!(check_record_name("*.dev").unwrap(), "*.dev");
        assert_eq!(check_record_name("_sip._tcp").unwrap(), "_sip._tcp");
        for bad in ["www.", "a..b", "-a", "a b", "dev.*"] {
            assert!(check_record_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn record_data() {
        assert_eq!(
            norm(RecordType::MX, " 10   mail.example.com. ").unwrap(),
            "10 mail.example.com."
        );
        assert!(norm(RecordType::MX, "mail.example.com.").is_err());
        assert!(norm(RecordType::SRV, "1 2 5060 sip.example.com.").is_ok());
        assert!(norm(RecordType::SRV, "1 2 sip.example.com.").is_err());
        assert!(norm(RecordType::CNAME, "a b").is_err());
        assert!(norm(RecordType::AAAA, "2001:db8::1").is_ok());
        assert!(norm(RecordType::A, "2001:db8::1").is_err());
        assert!(norm(RecordType::CAA, "0 issue \"letsencrypt.org\"").is_ok());
        assert!(norm(RecordType::A, "192.0.2.1\n").is_ok());
        assert!(norm(RecordType::HINFO, "a\u{0}b").is_err());
    }

    #[test]
    fn txt_is_quoted_and_split() {
        assert_eq!(
            norm(RecordType::TXT, "say \"hi\"").unwrap(),
            r#""say \"hi\"""#
        );
        assert_eq!(norm(RecordType::TXT, r#""a" "b""#).unwrap(), r#""a" "b""#);
        assert!(norm(RecordType::TXT, r#""open"#).is_err());
        let long = norm(RecordType::TXT, &"k".repeat(300)).unwrap();
        assert_eq!(split_quoted(&long).unwrap().len(), 2);
        assert!(norm(RecordType::TXT, &format!("\"{}\"", "k".repeat(256))).is_err());
    }
}
