//! Text placed inside XML a driver writes (S3 and Route 53 request bodies,
//! libvirt domain definitions): one escape, so no driver forgets a
//! character.

/// Escapes text for an XML element or a quoted attribute.
///
/// ```
/// assert_eq!(cloud_core::markup::escape_xml(r#"a<b & "c"'"#), "a&lt;b &amp; &quot;c&quot;&apos;");
/// ```
pub fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(feature = "xml")]
pub mod xml;
