//! Route 53 responses to portable types.

use cloud_core::{Error, Page, RecordType, Result, Zone};

use crate::xml::{self, child, child_text, children, list_items, required};

const SERVICE: &str = "Route 53";

/// A resource record set as Route 53 keeps it: one name and type, a TTL, values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordSet {
    /// The fully qualified name, with the trailing dot, escapes decoded.
    pub name: String,
    /// The type.
    pub record_type: RecordType,
    /// The TTL (`None` for alias sets).
    pub ttl: Option<u32>,
    /// The values, in presentation form.
    pub values: Vec<String>,
    /// For alias sets: the target's hosted zone.
    pub alias_zone: Option<String>,
    /// For routing policies (weighted, latency...): the set identifier.
    pub set_identifier: Option<String>,
}

/// Decodes Route 53's `\ddd` octal escapes (`\052` is `*`).
pub fn unescape_name(name: &str) -> String {
    let bytes = name.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\'
            && i + 3 < bytes.len()
            && bytes[i + 1..i + 4]
                .iter()
                .all(|b| (b'0'..=b'7').contains(b))
        {
            let value = u32::from(bytes[i + 1] - b'0') * 64
                + u32::from(bytes[i + 2] - b'0') * 8
                + u32::from(bytes[i + 3] - b'0');
            if let Ok(b) = u8::try_from(value) {
                out.push(b);
                i += 4;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn zone_id(raw: &str) -> String {
    raw.trim().trim_start_matches("/hostedzone/").to_owned()
}

fn hosted_zone(node: roxmltree::Node<'_, '_>) -> Result<Zone> {
    let id = zone_id(required(SERVICE, node, "Id")?);
    let name = unescape_name(required(SERVICE, node, "Name")?);
    let mut zone = Zone::new(id, name.trim_end_matches('.'));
    if let Some(count) = child_text(node, "ResourceRecordSetCount")
        && let Ok(n) = count.trim().parse::<u64>()
    {
        zone.extra.insert("record_set_count".into(), n.into());
    }
    if let Some(config) = child(node, "Config") {
        if let Some(c) = child_text(config, "Comment").filter(|c| !c.is_empty()) {
            zone.extra.insert("comment".into(), c.into());
        }
        if let Some(p) = child_text(config, "PrivateZone") {
            zone.extra.insert("private".into(), (p == "true").into());
        }
    }
    Ok(zone)
}

/// `ListHostedZonesResponse` (and `ListHostedZonesByNameResponse`).
pub fn list_hosted_zones(body: &str) -> Result<Page<Zone>> {
    let doc = xml::document(
        SERVICE,
        body,
        &["ListHostedZonesResponse", "ListHostedZonesByNameResponse"],
    )?;
    let root = doc.root_element();
    let zones = list_items(root, "HostedZones", "HostedZone")
        .into_iter()
        .map(hosted_zone)
        .collect::<Result<Vec<_>>>()?;
    let truncated = child_text(root, "IsTruncated") == Some("true");
    let next = if truncated {
        Some(
            child_text(root, "NextMarker")
                .filter(|m| !m.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| {
                    Error::malformed(
                        crate::PROVIDER,
                        "Route 53 zone listing is truncated without a marker",
                    )
                })?,
        )
    } else {
        None
    };
    Ok(Page::new(zones, next))
}

/// `GetHostedZoneResponse` or `CreateHostedZoneResponse`: the zone, name servers in `extra`.
pub fn hosted_zone_response(body: &str) -> Result<Zone> {
    let doc = xml::document(
        SERVICE,
        body,
        &["CreateHostedZoneResponse", "GetHostedZoneResponse"],
    )?;
    let root = doc.root_element();
    let node = child(root, "HostedZone").ok_or_else(|| {
        Error::malformed(crate::PROVIDER, "Route 53 response has no <HostedZone>")
    })?;
    let mut zone = hosted_zone(node)?;
    let servers: Vec<serde_json::Value> = child(root, "DelegationSet")
        .map(|d| list_items(d, "NameServers", "NameServer"))
        .unwrap_or_default()
        .into_iter()
        .filter_map(|n| xml::text(n).map(|t| t.into()))
        .collect();
    if !servers.is_empty() {
        zone.extra.insert("name_servers".into(), servers.into());
    }
    Ok(zone)
}

/// `ListResourceRecordSetsResponse`, with the continuation (name, type, identifier).
pub fn list_record_sets(body: &str) -> Result<(Vec<RecordSet>, Option<String>)> {
    let doc = xml::document(SERVICE, body, &["ListResourceRecordSetsResponse"])?;
    let root = doc.root_element();
    let mut sets = Vec::new();
    for node in list_items(root, "ResourceRecordSets", "ResourceRecordSet") {
        let name = unescape_name(required(SERVICE, node, "Name")?);
        let type_text = required(SERVICE, node, "Type")?;
        let record_type = type_text.parse::<RecordType>().map_err(|_| {
            Error::malformed(
                crate::PROVIDER,
                format!("Route 53 record type `{type_text}` is unknown"),
            )
        })?;
        let ttl = xml::optional_parse::<u32>(SERVICE, node, "TTL")?;
        let mut values: Vec<String> = match child(node, "ResourceRecords") {
            Some(rr) => children(rr, "ResourceRecord")
                .map(|r| required(SERVICE, r, "Value").map(str::to_owned))
                .collect::<Result<_>>()?,
            None => Vec::new(),
        };
        let mut alias_zone = None;
        let mut record_type = record_type;
        if let Some(alias) = child(node, "AliasTarget") {
            values = vec![unescape_name(required(SERVICE, alias, "DNSName")?)];
            alias_zone = child_text(alias, "HostedZoneId").map(str::to_owned);
            record_type = RecordType::ALIAS;
        }
        sets.push(RecordSet {
            name,
            record_type,
            ttl,
            values,
            alias_zone,
            set_identifier: child_text(node, "SetIdentifier").map(str::to_owned),
        });
    }
    let next = if child_text(root, "IsTruncated") == Some("true") {
        let name = child_text(root, "NextRecordName").ok_or_else(|| {
            Error::malformed(
                crate::PROVIDER,
                "Route 53 record listing is truncated without a next name",
            )
        })?;
        let kind = child_text(root, "NextRecordType").unwrap_or("");
        let id = child_text(root, "NextRecordIdentifier").unwrap_or("");
        Some(format!("{name}\n{kind}\n{id}"))
    } else {
        None
    };
    Ok((sets, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_sets_and_escapes() {
        let body = r#"<ListResourceRecordSetsResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/">
  <ResourceRecordSets>
    <ResourceRecordSet><Name>example.com.</Name><Type>MX</Type><TTL>300</TTL>
      <ResourceRecords><ResourceRecord><Value>10 mail1.example.com.</Value></ResourceRecord><ResourceRecord><Value>20 mail2.example.com.</Value></ResourceRecord></ResourceRecords></ResourceRecordSet>
    <ResourceRecordSet><Name>\052.dev.example.com.</Name><Type>A</Type><TTL>60</TTL>
      <ResourceRecords><ResourceRecord><Value>192.0.2.1</Value></ResourceRecord></ResourceRecords></ResourceRecordSet>
    <ResourceRecordSet><Name>cdn.example.com.</Name><Type>A</Type>
      <AliasTarget><HostedZoneId>Z2FDTNDATAQYW2</HostedZoneId><DNSName>d111111abcdef8.cloudfront.net.</DNSName><EvaluateTargetHealth>false</EvaluateTargetHealth></AliasTarget></ResourceRecordSet>
  </ResourceRecordSets>
  <IsTruncated>true</IsTruncated><NextRecordName>www.example.com.</NextRecordName><NextRecordType>A</NextRecordType><MaxItems>3</MaxItems>
</ListResourceRecordSetsResponse>"#;
        let (sets, next) = list_record_sets(body).unwrap();
        assert_eq!(sets.len(), 3);
        assert_eq!(sets[0].values.len(), 2);
        assert_eq!(sets[1].name, "*.dev.example.com.");
        assert_eq!(sets[2].record_type, RecordType::ALIAS);
        assert_eq!(next.as_deref(), Some("www.example.com.\nA\n"));
        assert!(list_record_sets("<ListResourceRecordSetsResponse><ResourceRecordSets><ResourceRecordSet><Name>x.</Name><Type>BOGUS</Type></ResourceRecordSet></ResourceRecordSets></ListResourceRecordSetsResponse>").is_err());
    }

    #[test]
    fn zones() {
        let body = r#"<ListHostedZonesResponse><HostedZones><HostedZone><Id>/hostedzone/Z1D633PJN98FT9</Id><Name>example.com.</Name><CallerReference>r</CallerReference><Config><Comment>c</Comment><PrivateZone>false</PrivateZone></Config><ResourceRecordSetCount>4</ResourceRecordSetCount></HostedZone></HostedZones><IsTruncated>false</IsTruncated><MaxItems>100</MaxItems></ListHostedZonesResponse>"#;
        let page = list_hosted_zones(body).unwrap();
        insta::assert_json_snapshot!(page.items);
        assert!(
            list_hosted_zones(
                "<ListHostedZonesResponse><IsTruncated>true</IsTruncated></ListHostedZonesResponse>"
            )
            .is_err()
        );
    }
}
