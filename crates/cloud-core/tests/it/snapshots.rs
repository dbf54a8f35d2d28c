//! Pinned outputs: the zone-file format both ways, and the JSON field names
//! of the portable types (what scripts read from `--json` output).
#![allow(clippy::unwrap_used)]

use std::net::IpAddr;
use std::time::{Duration, UNIX_EPOCH};

use cloud_core::dns::{export_zone_file, normalize_record, parse_zone_file};
use cloud_core::{
    Algorithm, BalancerState, ListEntry, LoadBalancer, Member, Node, NodeState, Object, Protocol,
    Record, RecordSpec, RecordType, Zone,
};

fn at(secs: u64) -> std::time::SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

fn sample_zone() -> (Zone, Vec<Record>) {
    let mut zone = Zone::new("zone-1", "example.com");
    zone.ttl = Some(3600);
    let specs = [
        RecordSpec::new(
            "",
            RecordType::SOA,
            "ns1.example.com. hostmaster.example.com. 2024010101 7200 900 1209600 300",
        ),
        RecordSpec::new("", RecordType::NS, "ns1.example.com.").ttl(86400),
        RecordSpec::new("", RecordType::A, "192.0.2.1").ttl(300),
        RecordSpec::new("", RecordType::MX, "10 mail.example.com."),
        RecordSpec::new("", RecordType::TXT, "v=spf1 mx -all"),
        RecordSpec::new("www", RecordType::CNAME, "example.com").ttl(300),
        RecordSpec::new("ipv6", RecordType::AAAA, "2001:db8::1"),
        RecordSpec::new("_sip._tcp", RecordType::SRV, "10 60 5060 sip.example.com."),
        RecordSpec::new("*.dev", RecordType::A, "192.0.2.2"),
        RecordSpec::new("", RecordType::CAA, "0 issue \"letsencrypt.org\""),
    ];
    let records = specs
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            let spec = normalize_record(spec).unwrap();
            let mut r = Record::new(
                format!("rec-{i}"),
                "zone-1",
                spec.name,
                spec.record_type,
                spec.data,
            );
            r.ttl = spec.ttl;
            r
        })
        .collect();
    (zone, records)
}

#[test]
fn zone_file_export() {
    let (zone, records) = sample_zone();
    insta::assert_snapshot!(export_zone_file(&zone, &records));
}

#[test]
fn zone_file_import() {
    let text = r#"
$ORIGIN example.org.
$TTL 2h
@       IN SOA  ns1 hostmaster ( 2024010101 ; serial
                                 7200 900 1209600 300 )
        IN NS   ns1
        IN NS   ns2.example.net.
ns1     300 IN A  192.0.2.53
www     IN 600 CNAME @
mail    IN A    192.0.2.25
@       IN MX   10 mail
        IN TXT  "v=spf1 mx -all" "; not a comment"
_xmpp._tcp 1d IN SRV 5 0 5269 xmpp
"#;
    insta::assert_debug_snapshot!(parse_zone_file("example.org", text).unwrap());
}

#[test]
fn portable_types_as_json() {
    let mut node = Node::new("node-1", "web-1", NodeState::Running);
    node.public_ips = vec![IpAddr::from([203, 0, 113, 7])];
    node.private_ips = vec![IpAddr::from([10, 0, 0, 7])];
    node.size = Some("small".into());
    node.image = Some("debian-12".into());
    node.location = Some("zone-a".into());
    node.created_at = Some(at(1_700_000_000));
    node.extra.insert("tag:role".into(), "web".into());

    let mut object = Object::new("photos", "2024/cat.jpg", 52_133);
    object.etag = Some("9b2cf535f27731c974343645a3985328".into());
    object.content_type = Some("image/jpeg".into());
    object.last_modified = Some(at(1_700_000_123));
    object.metadata.insert("owner".into(), "ada".into());

    let mut balancer = LoadBalancer::new("lb-1", "front", BalancerState::Running, 443);
    balancer.ip = Some(IpAddr::from([198, 51, 100, 1]));
    balancer.protocol = Some(Protocol::HTTPS);
    balancer.algorithm = Some(Algorithm::LeastConnections);
    let member = Member::ip(IpAddr::from([10, 0, 0, 7]), 8443)
        .with_id("m-1")
        .with_weight(2);

    let (_, records) = sample_zone();
    let listing = vec![
        ListEntry::Object(object.clone()),
        ListEntry::Prefix {
            prefix: "2025/".into(),
        },
    ];
    insta::assert_json_snapshot!("node", node);
    insta::assert_json_snapshot!("object", object);
    insta::assert_json_snapshot!("balancer", (balancer, member));
    insta::assert_json_snapshot!("record", records[3]);
    insta::assert_json_snapshot!("listing", listing);
}
