//! Reading AWS XML responses without panics: every missing or malformed
//! field becomes a `MalformedResponse` error naming the service and field.
//!
//! Text is trimmed here, once for every service: AWS values (ids, states,
//! fingerprints, dates) carry no meaningful outer whitespace, and a
//! pretty-printed answer (`<keyFingerprint>\n   00:..\n   </keyFingerprint>`)
//! must read like a compact one. S3 object keys are the exception (a key
//! may begin or end with a space): they are read with [`child_text_exact`].

use std::str::FromStr;

use cloud_core::{Error, Result};
use roxmltree::{Document, Node};

/// Parses a response body as XML.
pub(crate) fn parse<'a>(service: &str, body: &'a str) -> Result<Document<'a>> {
    Document::parse(body)
        .map_err(|e| Error::malformed(crate::PROVIDER, format!("{service} sent invalid XML: {e}")))
}

/// Parses a response body as XML whose root element is one of `roots`:
/// a successful answer of the wrong shape (a proxy's page, another call's
/// answer) is an error, never an empty result.
pub(crate) fn document<'a>(service: &str, body: &'a str, roots: &[&str]) -> Result<Document<'a>> {
    let doc = parse(service, body)?;
    let root = doc.root_element().tag_name().name();
    let fits = roots.iter().any(|r| match r.strip_prefix('*') {
        Some(suffix) => root.ends_with(suffix),
        None => root == *r,
    });
    if !fits {
        return Err(Error::malformed(
            crate::PROVIDER,
            format!(
                "{service} answered <{}> where <{}> was expected",
                cloud_core::error::quote(root),
                roots.join("> or <")
            ),
        ));
    }
    Ok(doc)
}

/// Text of the first direct child named `name`, without outer whitespace.
pub(crate) fn child_text<'a>(node: Node<'a, '_>, name: &str) -> Option<&'a str> {
    child_text_exact(node, name).map(str::trim)
}

/// Text of the first direct child named `name`, exactly as sent.
pub(crate) fn child_text_exact<'a>(node: Node<'a, '_>, name: &str) -> Option<&'a str> {
    node.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
        .map(|c| c.text().unwrap_or(""))
}

/// The text of `node` itself, without outer whitespace.
pub(crate) fn text<'a>(node: Node<'a, '_>) -> Option<&'a str> {
    node.text().map(str::trim)
}

/// The first direct child element named `name`.
pub(crate) fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

/// Every direct child element named `name`.
pub(crate) fn children<'a, 'i: 'a>(
    node: Node<'a, 'i>,
    name: &'a str,
) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    node.children()
        .filter(move |c| c.is_element() && c.tag_name().name() == name)
}

/// The `item` (Query/EC2 style) or `member` (ELB style) elements of a list child.
pub(crate) fn list_items<'a, 'i: 'a>(
    node: Node<'a, 'i>,
    list: &str,
    item: &'a str,
) -> Vec<Node<'a, 'i>> {
    match child(node, list) {
        Some(l) => children(l, item).collect(),
        None => Vec::new(),
    }
}

/// The first descendant element named `name` (anywhere below `node`).
pub(crate) fn descendant<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.descendants()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

/// Text of a required child (trimmed), or a `MalformedResponse` naming it.
pub(crate) fn required<'a>(service: &str, node: Node<'a, '_>, name: &str) -> Result<&'a str> {
    required_exact(service, node, name).map(str::trim)
}

/// Text of a required child exactly as sent, or a `MalformedResponse` naming it.
pub(crate) fn required_exact<'a>(service: &str, node: Node<'a, '_>, name: &str) -> Result<&'a str> {
    child_text_exact(node, name).ok_or_else(|| {
        Error::malformed(
            crate::PROVIDER,
            format!(
                "{service} response: <{}> has no <{name}>",
                node.tag_name().name()
            ),
        )
    })
}

/// A required child parsed as a number (or any `FromStr`).
pub(crate) fn required_parse<T: FromStr>(
    service: &str,
    node: Node<'_, '_>,
    name: &str,
) -> Result<T> {
    let text = required(service, node, name)?;
    text.trim().parse().map_err(|_| {
        Error::malformed(
            crate::PROVIDER,
            format!("{service} response: <{name}> is not a valid value: `{text}`"),
        )
    })
}

/// An optional child parsed; present but unparseable is an error.
pub(crate) fn optional_parse<T: FromStr>(
    service: &str,
    node: Node<'_, '_>,
    name: &str,
) -> Result<Option<T>> {
    match child_text(node, name) {
        None => Ok(None),
        Some(t) if t.trim().is_empty() => Ok(None),
        Some(t) => t.trim().parse().map(Some).map_err(|_| {
            Error::malformed(
                crate::PROVIDER,
                format!("{service} response: <{name}> is not a valid value: `{t}`"),
            )
        }),
    }
}

pub(crate) use cloud_core::markup::escape_xml as escape;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_fields_are_typed_errors() {
        let doc = parse("test", "<a><b>1</b><c>x</c></a>").unwrap();
        let root = doc.root_element();
        assert_eq!(required_parse::<u32>("test", root, "b").unwrap(), 1);
        assert!(required("test", root, "zzz").is_err());
        assert!(required_parse::<u32>("test", root, "c").is_err());
        assert!(parse("test", "<a><b>").is_err());
        assert_eq!(escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }
}
