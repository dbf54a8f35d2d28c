//! Reading XML answers without panics: a missing or malformed field is a
//! `MalformedResponse` naming the provider, the service and the field.
//!
//! Text is trimmed by [`child_text`]: ids, states, dates and sizes carry no
//! meaningful outer whitespace, and a pretty-printed answer must read like
//! a compact one. Object names are the exception (a name may begin or end
//! with a space): read them with [`child_text_exact`].
//!
//! ```
//! use cloud_core::markup::xml;
//!
//! let doc = xml::document("example", "Blob", "<List><Size> 3 </Size></List>", &["List"])?;
//! let root = doc.root_element();
//! assert_eq!(xml::required_parse::<u64>("example", "Blob", root, "Size")?, 3);
//! assert!(xml::required("example", "Blob", root, "Name").is_err());
//! assert!(xml::document("example", "Blob", "<Other/>", &["List"]).is_err());
//! # Ok::<(), cloud_core::Error>(())
//! ```

use std::str::FromStr;

pub use roxmltree::{Document, Node};

use crate::{Error, Result};

/// Parses a response body as XML (a leading byte-order mark is skipped).
pub fn parse<'a>(provider: &str, service: &str, body: &'a str) -> Result<Document<'a>> {
    Document::parse(body.trim_start_matches('\u{feff}'))
        .map_err(|e| Error::malformed(provider, format!("{service} sent invalid XML: {e}")))
}

/// Parses a response body as XML whose root element is one of `roots` (a
/// `*suffix` matches by suffix): a successful answer of the wrong shape (a
/// proxy's page, another call's answer) is an error, never an empty result.
pub fn document<'a>(
    provider: &str,
    service: &str,
    body: &'a str,
    roots: &[&str],
) -> Result<Document<'a>> {
    let doc = parse(provider, service, body)?;
    let root = doc.root_element().tag_name().name();
    let fits = roots.iter().any(|r| match r.strip_prefix('*') {
        Some(suffix) => root.ends_with(suffix),
        None => root == *r,
    });
    if !fits {
        return Err(Error::malformed(
            provider,
            format!(
                "{service} answered <{}> where <{}> was expected",
                crate::error::quote(root),
                roots.join("> or <")
            ),
        ));
    }
    Ok(doc)
}

/// Text of the first direct child named `name`, without outer whitespace.
pub fn child_text<'a>(node: Node<'a, '_>, name: &str) -> Option<&'a str> {
    child_text_exact(node, name).map(str::trim)
}

/// Text of the first direct child named `name`, exactly as sent.
pub fn child_text_exact<'a>(node: Node<'a, '_>, name: &str) -> Option<&'a str> {
    child(node, name).map(|c| c.text().unwrap_or(""))
}

/// The text of `node` itself, without outer whitespace.
pub fn text<'a>(node: Node<'a, '_>) -> Option<&'a str> {
    node.text().map(str::trim)
}

/// The first direct child element named `name`.
pub fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

/// Every direct child element named `name`.
pub fn children<'a, 'i: 'a>(
    node: Node<'a, 'i>,
    name: &'a str,
) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    node.children()
        .filter(move |c| c.is_element() && c.tag_name().name() == name)
}

/// The first descendant element named `name` (anywhere below `node`).
pub fn descendant<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.descendants()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

/// Text of a required child (trimmed), or a `MalformedResponse` naming it.
pub fn required<'a>(
    provider: &str,
    service: &str,
    node: Node<'a, '_>,
    name: &str,
) -> Result<&'a str> {
    required_exact(provider, service, node, name).map(str::trim)
}

/// Text of a required child exactly as sent, or a `MalformedResponse` naming it.
pub fn required_exact<'a>(
    provider: &str,
    service: &str,
    node: Node<'a, '_>,
    name: &str,
) -> Result<&'a str> {
    child_text_exact(node, name).ok_or_else(|| {
        Error::malformed(
            provider,
            format!(
                "{service} response: <{}> has no <{name}>",
                node.tag_name().name()
            ),
        )
    })
}

/// A required child parsed as a number (or any `FromStr`).
pub fn required_parse<T: FromStr>(
    provider: &str,
    service: &str,
    node: Node<'_, '_>,
    name: &str,
) -> Result<T> {
    let text = required(provider, service, node, name)?;
    text.parse().map_err(|_| {
        Error::malformed(
            provider,
            format!("{service} response: <{name}> is not a valid value: `{text}`"),
        )
    })
}

/// An optional child parsed; present but unparseable is an error.
pub fn optional_parse<T: FromStr>(
    provider: &str,
    service: &str,
    node: Node<'_, '_>,
    name: &str,
) -> Result<Option<T>> {
    match child_text(node, name) {
        None | Some("") => Ok(None),
        Some(t) => t.parse().map(Some).map_err(|_| {
            Error::malformed(
                provider,
                format!("{service} response: <{name}> is not a valid value: `{t}`"),
            )
        }),
    }
}
