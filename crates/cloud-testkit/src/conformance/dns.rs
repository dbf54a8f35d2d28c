//! The DNS conformance suite.

use std::collections::BTreeSet;

use cloud_core::{
    Api, Capability, CreateZone, Dns, Error, ErrorKind, RecordSpec, RecordType, ResourceKind,
    UpdateZone, Zone,
};
use futures::TryStreamExt;

use crate::assert_kind;

/// What the DNS suite runs against.
#[derive(Debug, Clone)]
pub struct DnsFixture {
    /// The handle under test.
    pub dns: Dns,
    /// The parent domain of every test zone (`<case>.<domain>`).
    pub domain: String,
    /// A well-formed id that names no zone.
    pub missing_zone_id: String,
    /// Record types the provider itself puts in a new zone (SOA, NS), left
    /// out when comparing a zone's records.
    pub managed_types: Vec<RecordType>,
    skips: Vec<(&'static str, String)>,
}

impl DnsFixture {
    /// A fixture for `dns` under `cloud-conformance.example`.
    pub fn new(dns: Dns) -> Self {
        DnsFixture {
            dns,
            domain: "cloud-conformance.example".into(),
            missing_zone_id: "zone-does-not-exist".into(),
            managed_types: vec![RecordType::SOA, RecordType::NS],
            skips: Vec::new(),
        }
    }

    /// Sets the parent domain.
    #[must_use]
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = domain.into();
        self
    }

    /// Sets the id that names no zone.
    #[must_use]
    pub fn missing_zone_id(mut self, id: impl Into<String>) -> Self {
        self.missing_zone_id = id.into();
        self
    }

    /// Skips one case, saying why.
    #[must_use]
    pub fn skip(mut self, case: &'static str, reason: impl Into<String>) -> Self {
        self.skips.push((case, reason.into()));
        self
    }

    /// Why `case` is skipped, if it is.
    pub fn skip_reason(&self, case: &str) -> Option<&str> {
        self.skips
            .iter()
            .find(|(c, _)| *c == case)
            .map(|(_, r)| r.as_str())
    }

    fn supports(&self, cap: Capability) -> bool {
        self.dns.capabilities().contains(cap)
    }

    /// Creates `<case>.<domain>`, deleting a leftover first. A provider that
    /// cannot delete zones (Gandi LiveDNS) hands back the leftover emptied.
    async fn fresh_zone(&self, case: &str) -> Zone {
        let domain = format!("{case}.{}", self.domain);
        if let Some(kept) = self.remove_zone(&domain).await {
            return kept;
        }
        self.dns
            .create_zone(
                &CreateZone::new(&domain)
                    .ttl(3600)
                    .email(format!("hostmaster@{domain}")),
            )
            .await
            .unwrap_or_else(|e| panic!("creating zone {domain}: {e}"))
    }

    /// Deletes the zones of `domain`; without `DeleteZone`, empties the
    /// (single) one there is and returns it.
    async fn remove_zone(&self, domain: &str) -> Option<Zone> {
        let zones: Vec<Zone> = self.dns.list_zones().try_collect().await.unwrap();
        let mut kept = None;
        for zone in zones.into_iter().filter(|z| z.domain == domain) {
            kept = self.discard(&zone).await;
        }
        kept
    }

    /// Deletes `zone`, or, where zones cannot be deleted, deletes its
    /// records (those the provider manages at the apex excepted) and
    /// returns it.
    async fn discard(&self, zone: &Zone) -> Option<Zone> {
        if self.supports(Capability::DeleteZone) {
            self.dns.delete_zone(&zone.id).await.unwrap();
            return None;
        }
        let records = self.dns.list_records_vec(&zone.id).await.unwrap();
        for record in records
            .iter()
            .filter(|r| !self.managed_types.contains(&r.record_type) || !r.name.is_empty())
        {
            self.dns.delete_record(&zone.id, &record.id).await.unwrap();
        }
        Some(zone.clone())
    }

    /// The zone's records other than provider-managed ones, as specs.
    async fn specs(&self, zone: &str) -> BTreeSet<RecordSpec> {
        let records = self.dns.list_records_vec(zone).await.unwrap();
        records
            .iter()
            .filter(|r| !self.managed_types.contains(&r.record_type) || !r.name.is_empty())
            .map(|r| r.spec())
            .collect()
    }
}

fn sample_records() -> Vec<RecordSpec> {
    vec![
        RecordSpec::new("www", RecordType::A, "192.0.2.80").ttl(300),
        RecordSpec::new("www", RecordType::AAAA, "2001:db8::80").ttl(300),
        RecordSpec::new("", RecordType::MX, "10 mail.example.net.").ttl(3600),
        RecordSpec::new("", RecordType::TXT, "\"v=spf1 -all\"").ttl(3600),
        RecordSpec::new("blog", RecordType::CNAME, "www.example.net.").ttl(600),
        RecordSpec::new("_sip._tcp", RecordType::SRV, "10 20 5060 sip.example.net.").ttl(600),
        RecordSpec::new("", RecordType::CAA, "0 issue \"letsencrypt.org\"").ttl(3600),
    ]
}

/// A zone is created, read, listed, updated and deleted; domains are unique.
pub async fn zone_lifecycle(fx: &DnsFixture) {
    let dns = &fx.dns;
    let zone = fx.fresh_zone("lifecycle").await;
    let domain = format!("lifecycle.{}", fx.domain);
    assert_eq!(zone.domain, domain);
    assert_eq!(dns.get_zone(&zone.id).await.unwrap().domain, domain);
    let all = dns.list_zones_vec().await.unwrap();
    assert!(all.iter().any(|z| z.id == zone.id));
    assert_kind!(
        dns.create_zone(&CreateZone::new(&domain)).await,
        ErrorKind::AlreadyExists { .. }
    );
    if fx.supports(Capability::UpdateZone) {
        let updated = dns
            .update_zone(&zone.id, &UpdateZone::new().ttl(7200))
            .await
            .unwrap();
        assert_eq!(updated.ttl, Some(7200));
    }
    if fx.supports(Capability::DeleteZone) {
        fx.discard(&zone).await;
        assert_kind!(
            dns.get_zone(&zone.id).await,
            ErrorKind::NotFound {
                resource: ResourceKind::Zone,
                ..
            }
        );
    }
}

/// Records of the common types are created, read, updated and deleted.
pub async fn record_lifecycle(fx: &DnsFixture) {
    let dns = &fx.dns;
    let zone = fx.fresh_zone("records").await;
    let mut created = Vec::new();
    for spec in sample_records()
        .into_iter()
        .filter(|s| dns.record_types().contains(&s.record_type))
    {
        let record = dns
            .create_record(&zone.id, &spec)
            .await
            .unwrap_or_else(|e| panic!("{spec:?}: {e}"));
        assert_eq!(record.spec(), spec, "the record reads back as written");
        created.push(record);
    }
    assert_eq!(
        fx.specs(&zone.id).await,
        created.iter().map(|r| r.spec()).collect()
    );
    let mut www = created[0].clone();
    let got = dns.get_record(&zone.id, &www.id).await.unwrap();
    assert_eq!(got.data, "192.0.2.80");
    if fx.supports(Capability::UpdateRecord) {
        let changed = RecordSpec::new("www", RecordType::A, "192.0.2.81").ttl(900);
        let updated = dns
            .update_record(&zone.id, &www.id, &changed)
            .await
            .unwrap();
        assert_eq!(updated.spec(), changed);
        let listed = fx.specs(&zone.id).await;
        assert!(listed.contains(&changed) && !listed.contains(&www.spec()));
        // Providers that identify records by content give the updated record a new id.
        www = updated;
    }
    // Unquoted TXT data is quoted, so every provider stores the same thing.
    let txt = dns
        .create_record(
            &zone.id,
            &RecordSpec::new("note", RecordType::TXT, "hello world").ttl(300),
        )
        .await
        .unwrap();
    assert_eq!(txt.data, "\"hello world\"");
    let current = dns.get_record(&zone.id, &www.id).await.unwrap();
    assert_eq!(current.spec(), www.spec());
    assert_kind!(
        dns.create_record(&zone.id, &current.spec()).await,
        ErrorKind::AlreadyExists { .. }
    );
    dns.delete_record(&zone.id, &www.id).await.unwrap();
    assert_kind!(
        dns.get_record(&zone.id, &www.id).await,
        ErrorKind::NotFound { .. }
    );
    assert_kind!(
        dns.delete_record(&zone.id, &www.id).await,
        ErrorKind::NotFound { .. }
    );
    fx.discard(&zone).await;
}

/// A zone exported to a BIND file and imported into a fresh zone of the same
/// domain holds the same records.
pub async fn zone_file_round_trip(fx: &DnsFixture) {
    let dns = &fx.dns;
    let zone = fx.fresh_zone("roundtrip").await;
    for spec in sample_records()
        .into_iter()
        .filter(|s| dns.record_types().contains(&s.record_type))
    {
        dns.create_record(&zone.id, &spec).await.unwrap();
    }
    dns.create_record(
        &zone.id,
        &RecordSpec::new("long", RecordType::TXT, "k".repeat(300)),
    )
    .await
    .unwrap();
    let before = fx.specs(&zone.id).await;
    let text = dns.export_zone(&zone.id).await.unwrap();
    assert!(
        text.contains(&format!("$ORIGIN {}.", zone.domain)),
        "{text}"
    );
    fx.discard(&zone).await;
    let again = fx.fresh_zone("roundtrip").await;
    let report = dns.import_zone(&again.id, &text).await.unwrap();
    assert!(report.created.len() >= before.len() - fx.managed_types.len());
    assert_eq!(
        fx.specs(&again.id).await,
        before,
        "records differ after export and import:\n{text}"
    );
    fx.discard(&again).await;
}

/// A bad zone file changes nothing.
pub async fn bad_zone_file_changes_nothing(fx: &DnsFixture) {
    let dns = &fx.dns;
    let zone = fx.fresh_zone("badfile").await;
    let before = fx.specs(&zone.id).await;
    let text = "www 300 IN A 192.0.2.1\nbroken 300 IN A not-an-address\n";
    let err = assert_kind!(
        dns.import_zone(&zone.id, text).await,
        ErrorKind::InvalidInput
    );
    assert!(err.to_string().contains("not-an-address"), "{err}");
    let text = "www 300 IN A 192.0.2.1\nx 300 IN BOGUS data\n";
    assert_kind!(
        dns.import_zone(&zone.id, text).await,
        ErrorKind::InvalidInput
    );
    assert_eq!(fx.specs(&zone.id).await, before);
    fx.discard(&zone).await;
}

/// Missing zones and records are `NotFound`; bad input is refused before sending.
pub async fn errors(fx: &DnsFixture) {
    let dns = &fx.dns;
    assert_kind!(
        dns.get_zone(&fx.missing_zone_id).await,
        ErrorKind::NotFound {
            resource: ResourceKind::Zone,
            ..
        }
    );
    if fx.supports(Capability::DeleteZone) {
        assert_kind!(
            dns.delete_zone(&fx.missing_zone_id).await,
            ErrorKind::NotFound { .. }
        );
    }
    for bad in ["", "bad..example", "-x.example", "a b.example"] {
        assert_kind!(
            dns.create_zone(&CreateZone::new(bad)).await,
            ErrorKind::InvalidInput
        );
    }
    let zone = fx.fresh_zone("errors").await;
    for spec in [
        RecordSpec::new("www", RecordType::A, "300.1.1.1"),
        RecordSpec::new("www", RecordType::AAAA, "192.0.2.1"),
        RecordSpec::new("www.", RecordType::A, "192.0.2.1"),
        RecordSpec::new("", RecordType::MX, "mail.example.net."),
        RecordSpec::new("x", RecordType::CNAME, ""),
    ] {
        assert_kind!(
            dns.create_record(&zone.id, &spec).await,
            ErrorKind::InvalidInput
        );
    }
    assert_kind!(
        dns.get_record(&zone.id, "record-does-not-exist").await,
        ErrorKind::NotFound { .. }
    );
    fx.discard(&zone).await;
}

/// Record listings span pages.
pub async fn record_pagination(fx: &DnsFixture) {
    let dns = &fx.dns;
    let zone = fx.fresh_zone("pages").await;
    let mut wanted = BTreeSet::new();
    for i in 0..11u8 {
        let spec =
            RecordSpec::new(format!("host{i}"), RecordType::A, format!("192.0.2.{i}")).ttl(300);
        dns.create_record(&zone.id, &spec).await.unwrap();
        wanted.insert(spec);
    }
    let paged = dns.clone().with_page_size(3);
    let listed: Vec<_> = paged.list_records(&zone.id).try_collect().await.unwrap();
    let specs: BTreeSet<_> = listed
        .iter()
        .filter(|r| r.record_type == RecordType::A)
        .map(|r| r.spec())
        .collect();
    assert_eq!(specs, wanted);
    assert_eq!(
        listed
            .iter()
            .filter(|r| r.record_type == RecordType::A)
            .count(),
        11,
        "no duplicates"
    );
    fx.discard(&zone).await;
}

/// Every DNS capability the driver does not declare answers `Unsupported`.
pub async fn undeclared_are_unsupported(fx: &DnsFixture) {
    let d = fx.dns.driver();
    let caps = fx.dns.capabilities();
    let spec = RecordSpec::new("x", RecordType::A, "192.0.2.1");
    for cap in Capability::ALL
        .iter()
        .copied()
        .filter(|c| c.api() == Api::Dns)
    {
        if caps.contains(cap) {
            continue;
        }
        let result: Result<(), Error> = match cap {
            Capability::ListZones => d.list_zones(Default::default()).await.map(drop),
            Capability::GetZone => d.get_zone("z").await.map(drop),
            Capability::CreateZone => d.create_zone(&CreateZone::new("x.example")).await.map(drop),
            Capability::UpdateZone => d
                .update_zone("z", &UpdateZone::new().ttl(60))
                .await
                .map(drop),
            Capability::DeleteZone => d.delete_zone("z").await,
            Capability::ListRecords => d.list_records("z", Default::default()).await.map(drop),
            Capability::GetRecord => d.get_record("z", "r").await.map(drop),
            Capability::CreateRecord => d.create_record("z", &spec).await.map(drop),
            Capability::UpdateRecord => d.update_record("z", "r", &spec).await.map(drop),
            Capability::DeleteRecord => d.delete_record("z", "r").await,
            _ => continue,
        };
        assert_kind!(result, ErrorKind::Unsupported { .. });
    }
}

/// Every case of the DNS suite, in order.
pub const CASES: &[&str] = &[
    "zone_lifecycle",
    "record_lifecycle",
    "zone_file_round_trip",
    "bad_zone_file_changes_nothing",
    "errors",
    "record_pagination",
    "undeclared_are_unsupported",
];

/// Generates one `#[test]` per DNS case. The argument is a closure taking
/// the case name and returning a future of `Option<DnsFixture>` (`None` skips).
#[macro_export]
macro_rules! dns_suite {
    ($factory:expr) => {
        $crate::__suite!(
            dns,
            $factory,
            [
                zone_lifecycle,
                record_lifecycle,
                zone_file_round_trip,
                bad_zone_file_changes_nothing,
                errors,
                record_pagination,
                undeclared_are_unsupported,
            ]
        );
    };
}
