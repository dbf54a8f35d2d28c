//! Blob service answers to portable types: pure functions over text and
//! headers, so they are snapshot-tested and fuzzed on their own.

use std::collections::BTreeMap;

use cloud_core::http::{HeaderMap, parse_http_date};
use cloud_core::markup::xml::{self, Node, child, child_text, children};
use cloud_core::{Container, Error, ListEntry, Object, Page, Result};
use percent_encoding::percent_decode_str;

use crate::PROVIDER;

const SERVICE: &str = "Azure Blob Storage";

fn required<'a>(node: Node<'a, '_>, name: &str) -> Result<&'a str> {
    xml::required(PROVIDER, SERVICE, node, name)
}

/// `EnumerationResults` of List Containers.
pub fn list_containers(body: &str) -> Result<Page<Container>> {
    let doc = xml::document(PROVIDER, SERVICE, body, &["EnumerationResults"])?;
    let root = doc.root_element();
    let mut containers = Vec::new();
    if let Some(list) = child(root, "Containers") {
        for node in children(list, "Container") {
            let mut container = Container::new(required(node, "Name")?);
            if let Some(properties) = child(node, "Properties") {
                if let Some(modified) = child_text(properties, "Last-Modified") {
                    container
                        .extra
                        .insert("last_modified".into(), modified.into());
                }
                if let Some(etag) = child_text(properties, "Etag") {
                    container
                        .extra
                        .insert("etag".into(), etag.trim_matches('"').into());
                }
            }
            containers.push(container);
        }
    }
    Ok(Page::new(containers, next_marker(root)))
}

/// `EnumerationResults` of List Blobs: blobs and prefixes in the order
/// listed (name order), with the marker of the next page.
pub fn list_blobs(container: &str, body: &str) -> Result<Page<ListEntry>> {
    let doc = xml::document(PROVIDER, SERVICE, body, &["EnumerationResults"])?;
    let root = doc.root_element();
    let mut entries = Vec::new();
    if let Some(blobs) = child(root, "Blobs") {
        for node in blobs.children().filter(Node::is_element) {
            match node.tag_name().name() {
                "Blob" => entries.push(ListEntry::Object(listed_blob(container, node)?)),
                "BlobPrefix" => entries.push(ListEntry::Prefix {
                    prefix: name_of(node)?,
                }),
                _ => {}
            }
        }
    }
    // Azure lists prefixes among the blobs in name order; Azurite lists
    // them first. One page covers one span of names, so sorting it gives
    // the portable byte order either way.
    entries.sort_by(|a, b| a.name().cmp(b.name()));
    Ok(Page::new(entries, next_marker(root)))
}

fn next_marker(root: Node<'_, '_>) -> Option<String> {
    child_text(root, "NextMarker")
        .filter(|m| !m.is_empty())
        .map(str::to_owned)
}

/// A `<Name>`, percent-decoded when marked `Encoded="true"` (how the
/// service sends names holding characters XML cannot carry).
fn name_of(node: Node<'_, '_>) -> Result<String> {
    let name = child(node, "Name").ok_or_else(|| {
        Error::malformed(
            PROVIDER,
            format!(
                "{SERVICE} response: <{}> has no <Name>",
                node.tag_name().name()
            ),
        )
    })?;
    let text = name.text().unwrap_or("");
    if name.attribute("Encoded") == Some("true") {
        return percent_decode_str(text)
            .decode_utf8()
            .map(|n| n.into_owned())
            .map_err(|_| {
                Error::malformed(
                    PROVIDER,
                    format!("{SERVICE} sent an encoded name that is not UTF-8"),
                )
            });
    }
    Ok(text.to_owned())
}

fn listed_blob(container: &str, node: Node<'_, '_>) -> Result<Object> {
    let name = name_of(node)?;
    let properties = child(node, "Properties").ok_or_else(|| {
        Error::malformed(
            PROVIDER,
            format!("{SERVICE} listed blob `{name}` without <Properties>"),
        )
    })?;
    let size = xml::required_parse(PROVIDER, SERVICE, properties, "Content-Length")?;
    let mut object = Object::new(container, name, size);
    object.etag = child_text(properties, "Etag").map(|e| e.trim_matches('"').to_owned());
    object.content_type = child_text(properties, "Content-Type")
        .filter(|t| !t.is_empty())
        .map(str::to_owned);
    object.last_modified = child_text(properties, "Last-Modified").and_then(parse_http_date);
    for (field, key) in [
        ("Content-MD5", "content_md5"),
        ("Content-Encoding", "content_encoding"),
        ("BlobType", "blob_type"),
        ("AccessTier", "access_tier"),
    ] {
        if let Some(value) = child_text(properties, field).filter(|v| !v.is_empty()) {
            object.extra.insert(key.into(), value.into());
        }
    }
    if let Some(metadata) = child(node, "Metadata") {
        object.metadata = metadata
            .children()
            .filter(Node::is_element)
            .map(|m| {
                let key = m.tag_name().name().to_ascii_lowercase();
                (key, m.text().unwrap_or("").to_owned())
            })
            .collect::<BTreeMap<_, _>>();
    }
    Ok(object)
}

/// A blob's properties from the headers of Get Blob Properties or Get
/// Blob; `size` is the whole blob's.
pub fn object_from_headers(container: &str, name: &str, headers: &HeaderMap, size: u64) -> Object {
    let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
    let mut object = Object::new(container, name, size);
    object.etag = header("etag").map(|e| e.trim_matches('"').to_owned());
    object.content_type = header("content-type").map(str::to_owned);
    object.last_modified = header("last-modified").and_then(parse_http_date);
    for (name, value) in headers {
        if let Some(key) = name.as_str().strip_prefix("x-ms-meta-")
            && let Ok(value) = value.to_str()
        {
            object.metadata.insert(key.to_owned(), value.to_owned());
        }
    }
    // A range's Content-MD5 is the range's; the blob's travels apart.
    let md5 = header("x-ms-blob-content-md5").or(header("content-md5"));
    for (key, value) in [
        ("content_md5", md5),
        ("content_encoding", header("content-encoding")),
        ("blob_type", header("x-ms-blob-type")),
        ("access_tier", header("x-ms-access-tier")),
    ] {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            object.extra.insert(key.into(), value.into());
        }
    }
    object
}

/// The `UncommittedBlocks` of Get Block List, as (id, size).
pub fn uncommitted_blocks(body: &str) -> Result<Vec<(String, u64)>> {
    let doc = xml::document(PROVIDER, SERVICE, body, &["BlockList"])?;
    let Some(list) = child(doc.root_element(), "UncommittedBlocks") else {
        return Ok(Vec::new());
    };
    children(list, "Block")
        .map(|block| {
            let size = xml::required_parse(PROVIDER, SERVICE, block, "Size")?;
            Ok((required(block, "Name")?.to_owned(), size))
        })
        .collect()
}

/// The body of Put Block List: every block, latest version, in order.
pub fn block_list(ids: &[String]) -> String {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>");
    for id in ids {
        xml.push_str("<Latest>");
        xml.push_str(&cloud_core::markup::escape_xml(id));
        xml.push_str("</Latest>");
    }
    xml.push_str("</BlockList>");
    xml
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Shaped like the List Blobs example of Microsoft's REST reference
    /// (its elements and nesting), trimmed to what is read, with a prefix
    /// and an encoded name added.
    const LIST_BLOBS: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<EnumerationResults ServiceEndpoint="https://myaccount.blob.core.windows.net/" ContainerName="mycontainer">
  <Prefix>photos/</Prefix>
  <MaxResults>2</MaxResults>
  <Delimiter>/</Delimiter>
  <Blobs>
    <Blob>
      <Name>photos/a.jpg</Name>
      <Properties>
        <Creation-Time>Tue, 08 Dec 2026 02:00:00 GMT</Creation-Time>
        <Last-Modified>Tue, 08 Dec 2026 02:30:00 GMT</Last-Modified>
        <Etag>0x8CBFF45D8A29A5B</Etag>
        <Content-Length>4096</Content-Length>
        <Content-Type>image/jpeg</Content-Type>
        <Content-Encoding />
        <Content-MD5>1B2M2Y8AsgTpgAmY7PhCfg==</Content-MD5>
        <BlobType>BlockBlob</BlobType>
        <AccessTier>Hot</AccessTier>
      </Properties>
      <Metadata><Owner>ada</Owner></Metadata>
    </Blob>
    <BlobPrefix><Name>photos/2024/</Name></BlobPrefix>
    <Blob>
      <Name Encoded="true">photos/%EF%BF%BF.bin</Name>
      <Properties><Content-Length>0</Content-Length></Properties>
    </Blob>
  </Blobs>
  <NextMarker>2!80!MDAwMDQ1</NextMarker>
</EnumerationResults>"#;

    #[test]
    fn blob_listings_parse() {
        let page = list_blobs("mycontainer", LIST_BLOBS).unwrap();
        insta::assert_json_snapshot!(page.items, {"[].last_modified" => "[time]"});
        assert_eq!(page.next.as_deref(), Some("2!80!MDAwMDQ1"));
    }

    #[test]
    fn wrong_shapes_are_malformed() {
        for body in [
            "",
            "<html/>",
            "<EnumerationResults><Blobs><Blob><Name>x</Name></Blob></Blobs></EnumerationResults>",
        ] {
            let err = list_blobs("c", body).unwrap_err();
            assert_eq!(
                err.kind(),
                &cloud_core::ErrorKind::MalformedResponse,
                "{body}: {err}"
            );
        }
        let empty = list_containers("<EnumerationResults/>").unwrap();
        assert!(empty.items.is_empty() && empty.next.is_none());
        let containers = list_containers(
            "<EnumerationResults><Containers><Container><Name>box</Name><Properties><Etag>\"0x1\"</Etag></Properties></Container></Containers><NextMarker/></EnumerationResults>",
        )
        .unwrap();
        assert_eq!(containers.items[0].name, "box");
        assert!(containers.next.is_none());
    }

    #[test]
    fn uncommitted_block_lists_parse() {
        let body = "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList><CommittedBlocks />\
            <UncommittedBlocks><Block><Name>QUFB</Name><Size>4194304</Size></Block>\
            <Block><Name>QUFC</Name><Size>12</Size></Block></UncommittedBlocks></BlockList>";
        assert_eq!(
            uncommitted_blocks(body).unwrap(),
            [("QUFB".to_owned(), 4_194_304), ("QUFC".to_owned(), 12)]
        );
        assert!(uncommitted_blocks("<BlockList/>").unwrap().is_empty());
        assert!(uncommitted_blocks("<BlockList><UncommittedBlocks><Block><Name>x</Name></Block></UncommittedBlocks></BlockList>").is_err());
    }

    #[test]
    fn block_lists_escape_ids() {
        assert_eq!(
            block_list(&["QUE=".into(), "<x>".into()]),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList><Latest>QUE=</Latest><Latest>&lt;x&gt;</Latest></BlockList>"
        );
    }
}
