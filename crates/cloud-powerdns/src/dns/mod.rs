//! The DNS driver: zones under `/servers/{server}/zones`, records as the
//! values of their record sets, each change one `PATCH` of the zone's set
//! (`REPLACE` with the set's whole content, or `DELETE`).

mod wire;

use async_trait::async_trait;
use cloud_core::dns::rrset::{self, RecordSet, RecordSetStore, qualify};
use cloud_core::dns::{email_of_rname, rname_of_email};
use cloud_core::http::Method;
use cloud_core::http::rest::{About, RestClient};
use cloud_core::{
    Capabilities, CreateZone, DnsDriver, Driver, Error, Page, PageRequest, Record, RecordSpec,
    RecordType, ResourceKind, Result, UpdateZone, Zone, ZoneType,
};
use serde_json::json;

use self::wire::{WireZone, domain, parse};
use crate::{CAPABILITIES, PROVIDER};

/// The record types PowerDNS serves that the portable API knows.
const RECORD_TYPES: &[RecordType] = &[
    RecordType::A,
    RecordType::AAAA,
    RecordType::AFSDB,
    RecordType::ALIAS,
    RecordType::CAA,
    RecordType::CERT,
    RecordType::CNAME,
    RecordType::DNAME,
    RecordType::DNSKEY,
    RecordType::DS,
    RecordType::HINFO,
    RecordType::LOC,
    RecordType::MX,
    RecordType::NAPTR,
    RecordType::NS,
    RecordType::PTR,
    RecordType::RP,
    RecordType::SOA,
    RecordType::SPF,
    RecordType::SRV,
    RecordType::SSHFP,
    RecordType::TLSA,
    RecordType::TXT,
];

/// The TTL a new set gets when the record names none (PowerDNS needs one).
const DEFAULT_TTL: u32 = 3600;

/// The PowerDNS DNS driver. Every change is a `PATCH` that states the
/// whole set (`REPLACE`) or removes it (`DELETE`), so it is safe to repeat:
/// it is retried like a read (PowerDNS on SQLite answers 500 "database is
/// locked" under concurrent writes).
#[derive(Debug, Clone)]
pub struct PowerDns {
    client: RestClient,
    server: String,
    zone_kind: String,
    nameservers: Vec<String>,
}

impl PowerDns {
    pub(crate) fn new(
        client: RestClient,
        server: String,
        zone_kind: String,
        nameservers: Vec<String>,
    ) -> Self {
        PowerDns {
            client,
            server,
            zone_kind,
            nameservers,
        }
    }

    /// `/servers/{server}/zones[/{zone}.]` with `query`.
    fn zone_url(&self, zone: Option<&str>, query: &[(&str, &str)]) -> cloud_core::Url {
        match zone {
            Some(zone) => {
                let id = format!("{}.", domain(zone));
                self.client
                    .url(&["servers", &self.server, "zones", &id], query)
            }
            None => self.client.url(&["servers", &self.server, "zones"], query),
        }
    }

    /// Zone `id` as PowerDNS answers it (`rrsets` or not).
    async fn wire_zone(&self, id: &str, query: &[(&str, &str)]) -> Result<WireZone> {
        let answer = self
            .client
            .get(
                self.zone_url(Some(id), query),
                Some(About::reading(ResourceKind::Zone, id)),
            )
            .await?;
        parse(answer.body, "zone")
    }

    /// One `PATCH` of record set `name`/`kind` of `zone`: `REPLACE` with
    /// `set`'s values, or `DELETE` when there is none.
    async fn patch_set(
        &self,
        zone: &str,
        name: &str,
        kind: RecordType,
        set: Option<&RecordSet>,
    ) -> Result<()> {
        let zone_domain = domain(zone);
        let fqdn = if name.is_empty() {
            format!("{zone_domain}.")
        } else {
            format!("{name}.{zone_domain}.")
        };
        let rrset = match set {
            Some(set) => json!({
                "name": fqdn, "type": kind.as_str(), "changetype": "REPLACE",
                "ttl": set.ttl.unwrap_or(DEFAULT_TTL),
                "records": set.values.iter()
                    .map(|v| json!({"content": qualify(kind, v, zone_domain), "disabled": false}))
                    .collect::<Vec<_>>(),
            }),
            None => json!({"name": fqdn, "type": kind.as_str(), "changetype": "DELETE"}),
        };
        self.client
            .send_idempotent(
                Method::PATCH,
                self.zone_url(Some(zone), &[]),
                Some(&json!({ "rrsets": [rrset] })),
                Some(About::reading(ResourceKind::Zone, zone)),
            )
            .await?;
        Ok(())
    }

    /// Zone `id` with its SOA read: the TTL of that record is the zone's,
    /// its responsible mailbox the zone's contact (`extra.email`).
    async fn zone_with_soa(&self, id: &str) -> Result<Zone> {
        let apex = format!("{}.", domain(id));
        let found = self
            .wire_zone(id, &[("rrset_name", &apex), ("rrset_type", "SOA")])
            .await?;
        let mut zone = found.zone();
        if let Some(soa) = found.rrsets.iter().find(|s| s.kind == "SOA") {
            zone.ttl = Some(soa.ttl);
            if let Some(rname) = soa
                .records
                .first()
                .and_then(|r| r.content.split_whitespace().nth(1))
            {
                zone.extra
                    .insert("email".into(), email_of_rname(rname).into());
            }
        }
        Ok(zone)
    }

    /// Rewrites the zone's SOA with `change`'s TTL and contact.
    async fn change_soa(&self, id: &str, change: &UpdateZone) -> Result<()> {
        let apex = format!("{}.", domain(id));
        let found = self
            .wire_zone(id, &[("rrset_name", &apex), ("rrset_type", "SOA")])
            .await?;
        let soa = found
            .rrsets
            .iter()
            .find(|s| s.kind == "SOA")
            .and_then(|s| Some((s.ttl, s.records.first()?.content.clone())))
            .ok_or_else(|| {
                Error::malformed(PROVIDER, format!("PowerDNS: zone `{id}` has no SOA"))
            })?;
        let mut fields: Vec<String> = soa.1.split_whitespace().map(str::to_owned).collect();
        if fields.len() != 7 {
            return Err(Error::malformed(
                PROVIDER,
                format!("PowerDNS: the SOA of zone `{id}` is not 7 fields"),
            ));
        }
        if let Some(email) = &change.email {
            fields[1] = rname_of_email(email)?;
        }
        let rrset = json!({
            "name": apex, "type": "SOA", "changetype": "REPLACE",
            "ttl": change.ttl.unwrap_or(soa.0),
            "records": [{"content": fields.join(" "), "disabled": false}],
        });
        self.client
            .send_idempotent(
                Method::PATCH,
                self.zone_url(Some(id), &[]),
                Some(&json!({ "rrsets": [rrset] })),
                Some(About::reading(ResourceKind::Zone, id)),
            )
            .await?;
        Ok(())
    }

    /// `spec` with a relative target made absolute, as PowerDNS stores it
    /// (and lists it back).
    fn qualified(zone: &str, spec: &RecordSpec) -> RecordSpec {
        let mut spec = spec.clone();
        spec.data = qualify(spec.record_type, &spec.data, domain(zone));
        spec
    }
}

impl Driver for PowerDns {
    fn provider(&self) -> &str {
        PROVIDER
    }
    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }
    fn redactor(&self) -> Option<&cloud_core::secret::Redactor> {
        Some(self.client.redactor())
    }
}

/// Record sets as PowerDNS keeps them: read through the zone's `rrset_name`
/// and `rrset_type` filters, written with `PATCH`.
#[async_trait]
impl RecordSetStore for PowerDns {
    fn provider_name(&self) -> &str {
        PROVIDER
    }

    async fn read_set(
        &self,
        zone: &str,
        name: &str,
        kind: RecordType,
    ) -> Result<Option<RecordSet>> {
        let zone_domain = domain(zone);
        let fqdn = if name.is_empty() {
            format!("{zone_domain}.")
        } else {
            format!("{name}.{zone_domain}.")
        };
        let found = self
            .wire_zone(
                zone,
                &[("rrset_name", &fqdn), ("rrset_type", kind.as_str())],
            )
            .await?;
        Ok(found
            .rrsets
            .iter()
            .filter(|s| s.kind == kind.as_str() && s.name.eq_ignore_ascii_case(&fqdn))
            .find_map(|s| s.set(zone_domain))
            .filter(|s| !s.values.is_empty()))
    }

    async fn write_set(
        &self,
        zone: &str,
        set: &RecordSet,
        _previous: Option<&RecordSet>,
    ) -> Result<RecordSet> {
        self.patch_set(zone, &set.name, set.record_type, Some(set))
            .await?;
        let mut stored = set.clone();
        stored.ttl = Some(set.ttl.unwrap_or(DEFAULT_TTL));
        Ok(stored)
    }

    async fn delete_set(&self, zone: &str, set: &RecordSet) -> Result<()> {
        self.patch_set(zone, &set.name, set.record_type, None).await
    }
}

#[async_trait]
impl DnsDriver for PowerDns {
    fn record_types(&self) -> &[RecordType] {
        RECORD_TYPES
    }

    /// Every zone in one page: the API has no paging.
    async fn list_zones(&self, page: PageRequest) -> Result<Page<Zone>> {
        if page.token.is_some() {
            return Ok(Page::last(Vec::new()));
        }
        let answer = self.client.get(self.zone_url(None, &[]), None).await?;
        let zones: Vec<WireZone> = parse(answer.body, "zone listing")?;
        Ok(Page::last(zones.iter().map(WireZone::zone).collect()))
    }

    async fn get_zone(&self, id: &str) -> Result<Zone> {
        self.zone_with_soa(id).await
    }

    async fn update_zone(&self, id: &str, change: &UpdateZone) -> Result<Zone> {
        if change.ttl.is_some() || change.email.is_some() {
            self.change_soa(id, change).await?;
        }
        self.zone_with_soa(id).await
    }

    async fn create_zone(&self, request: &CreateZone) -> Result<Zone> {
        if let Some(name) = request.options.keys().find(|k| *k != "nameservers") {
            return Err(Error::invalid_input(format!(
                "unknown option `{name}` for PowerDNS zones (known: nameservers)"
            )));
        }
        if request.zone_type != ZoneType::Master {
            return Err(Error::invalid_input(
                "a PowerDNS zone made through the API is a primary zone (Native or Master)",
            ));
        }
        if let Some(email) = &request.email {
            rname_of_email(email)?;
        }
        let nameservers: Vec<String> = match request.options.get("nameservers") {
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(|n| format!("{}.", n.trim_end_matches('.')))
                .collect(),
            None => self
                .nameservers
                .iter()
                .map(|n| format!("{}.", n.trim_end_matches('.')))
                .collect(),
        };
        let body = json!({
            "name": format!("{}.", domain(&request.domain)),
            "kind": self.zone_kind,
            "nameservers": nameservers,
        });
        let answer = self
            .client
            .send(
                Method::POST,
                self.zone_url(None, &[]),
                Some(&body),
                Some(About::creating(ResourceKind::Zone, &request.domain)),
            )
            .await?;
        let created = parse::<WireZone>(answer.body, "new zone")?;
        // The server writes its default SOA; the TTL and contact asked for
        // go into it.
        let id = created.zone().id;
        let mut change = UpdateZone::new();
        change.ttl = request.ttl;
        change.email = request.email.clone();
        self.update_zone(&id, &change).await
    }

    async fn delete_zone(&self, id: &str) -> Result<()> {
        self.client
            .send(
                Method::DELETE,
                self.zone_url(Some(id), &[]),
                None,
                Some(About::reading(ResourceKind::Zone, id)),
            )
            .await?;
        Ok(())
    }

    /// Every record of the zone in one page (the API answers a zone whole).
    async fn list_records(&self, zone: &str, page: PageRequest) -> Result<Page<Record>> {
        if page.token.is_some() {
            return Ok(Page::last(Vec::new()));
        }
        let found = self.wire_zone(zone, &[]).await?;
        let zone_domain = domain(zone);
        let mut records: Vec<Record> = found
            .rrsets
            .iter()
            .filter_map(|s| s.set(zone_domain))
            .flat_map(|s| s.records(zone_domain).collect::<Vec<_>>())
            .collect();
        records.sort_by(|a, b| {
            (&a.name, a.record_type.as_str(), &a.data).cmp(&(
                &b.name,
                b.record_type.as_str(),
                &b.data,
            ))
        });
        Ok(Page::last(records))
    }

    async fn get_record(&self, zone: &str, id: &str) -> Result<Record> {
        rrset::get_record(self, zone, id).await
    }

    async fn create_record(&self, zone: &str, spec: &RecordSpec) -> Result<Record> {
        rrset::create_record(self, zone, &Self::qualified(zone, spec)).await
    }

    async fn update_record(&self, zone: &str, id: &str, spec: &RecordSpec) -> Result<Record> {
        rrset::update_record(self, zone, id, &Self::qualified(zone, spec)).await
    }

    async fn delete_record(&self, zone: &str, id: &str) -> Result<()> {
        rrset::delete_record(self, zone, id).await
    }
}
