//! Reading AWS XML responses: core's readers (`cloud_core::markup::xml`)
//! with the provider filled in, so every missing or malformed field is a
//! `MalformedResponse` naming AWS, the service and the field.
//!
//! S3 object keys may begin or end with a space: they are read with
//! [`child_text_exact`]; everything else is trimmed.

use std::str::FromStr;

use cloud_core::Result;
use cloud_core::markup::xml::{self as core_xml, Document, Node};
pub(crate) use cloud_core::markup::xml::{
    child, child_text, child_text_exact, children, descendant, text,
};

/// Parses a response body as XML whose root element is one of `roots`.
pub(crate) fn document<'a>(service: &str, body: &'a str, roots: &[&str]) -> Result<Document<'a>> {
    core_xml::document(crate::PROVIDER, service, body, roots)
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

/// Text of a required child (trimmed), or a `MalformedResponse` naming it.
pub(crate) fn required<'a>(service: &str, node: Node<'a, '_>, name: &str) -> Result<&'a str> {
    core_xml::required(crate::PROVIDER, service, node, name)
}

/// Text of a required child exactly as sent, or a `MalformedResponse` naming it.
pub(crate) fn required_exact<'a>(service: &str, node: Node<'a, '_>, name: &str) -> Result<&'a str> {
    core_xml::required_exact(crate::PROVIDER, service, node, name)
}

/// A required child parsed as a number (or any `FromStr`).
pub(crate) fn required_parse<T: FromStr>(
    service: &str,
    node: Node<'_, '_>,
    name: &str,
) -> Result<T> {
    core_xml::required_parse(crate::PROVIDER, service, node, name)
}

/// An optional child parsed; present but unparseable is an error.
pub(crate) fn optional_parse<T: FromStr>(
    service: &str,
    node: Node<'_, '_>,
    name: &str,
) -> Result<Option<T>> {
    core_xml::optional_parse(crate::PROVIDER, service, node, name)
}

pub(crate) use cloud_core::markup::escape_xml as escape;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_fields_are_typed_errors() {
        let doc = document("test", "<a><b>1</b><c>x</c></a>", &["a"]).unwrap();
        let root = doc.root_element();
        assert_eq!(required_parse::<u32>("test", root, "b").unwrap(), 1);
        assert!(required("test", root, "zzz").is_err());
        assert!(required_parse::<u32>("test", root, "c").is_err());
        assert!(document("test", "<a><b>", &["a"]).is_err());
        assert_eq!(escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
    }
}
