//! OpenStack Designate (DNS API v2) as a [`DnsDriver`].
//!
//! Designate stores recordsets (one name and type, one TTL, several values);
//! the portable API has one record per value. A record's id is
//! `<recordset id>:<value>`; adding, changing or removing a record rewrites
//! its recordset, and all values of a set share its TTL. Designate applies
//! changes in the background: zones and recordsets read `PENDING` for a
//! moment, which is harmless for further changes, but a deleted zone lingers
//! (`action: DELETE`), so deletion waits until the zone is gone and a
//! lingering zone reads as not found.

// The response parsers: private, reachable by benchmarks and fuzz targets
// through the `internals` feature.
#[cfg(feature = "internals")]
pub mod parse;
#[cfg(not(feature = "internals"))]
pub(crate) mod parse;

use std::sync::Arc;

use async_trait::async_trait;
use cloud_core::Driver;
use cloud_core::dns::fqdn;
use cloud_core::{
    Api as CoreApi, Capabilities, CreateZone, DnsDriver, Error, Page, PageRequest, Record,
    RecordSpec, RecordType, ResourceKind, Result, UpdateZone, Zone, ZoneType,
};
use serde_json::{Map, Value, json};

use self::parse::{RecordSet, RecordSetPage, WireRecordSet, WireZone, ZonePage, split_record_id};
use crate::config::Shared;
use crate::error::Api;
use crate::service::Service;
use crate::zone_domains::ZoneDomains;
use cloud_core::http::rest::About;
use cloud_core::poll::{Poll, poll_until};

/// Designate: every DNS operation.
pub(crate) const CAPABILITIES: Capabilities = Capabilities::all(CoreApi::Dns);

/// Options [`CreateZone::option`] understands here: `description`, and
/// `masters` (comma-separated addresses) for secondary zones.
pub const CREATE_ZONE_OPTIONS: &[&str] = &["description", "masters"];

/// Record types Designate accepts.
pub const RECORD_TYPES: &[RecordType] = &[
    RecordType::A,
    RecordType::AAAA,
    RecordType::CAA,
    RecordType::CERT,
    RecordType::CNAME,
    RecordType::MX,
    RecordType::NAPTR,
    RecordType::NS,
    RecordType::PTR,
    RecordType::SOA,
    RecordType::SPF,
    RecordType::SRV,
    RecordType::SSHFP,
    RecordType::TXT,
];

const TYPES: &[&str] = &["dns"];
const PAGE_SIZE: u32 = 100;

/// The Designate driver.
#[derive(Debug, Clone)]
pub struct DesignateDns {
    api: Service,
    shared: Arc<Shared>,
    /// Zone id to domain, to turn record names relative.
    domains: ZoneDomains,
}

fn zone_path(id: &str) -> [&str; 2] {
    ["zones", id]
}

fn sets_path(zone: &str) -> [&str; 3] {
    ["zones", zone, "recordsets"]
}

fn set_path<'a>(zone: &'a str, set: &'a str) -> [&'a str; 4] {
    ["zones", zone, "recordsets", set]
}

impl DesignateDns {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        DesignateDns {
            api: Service::new(shared.clone(), Api::Dns, TYPES).with_version("v2"),
            shared,
            domains: ZoneDomains::default(),
        }
    }

    /// The domain of a zone (cached).
    async fn domain(&self, zone: &str) -> Result<String> {
        match self.domains.get(zone) {
            Some(d) => Ok(d),
            None => Ok(self.get_zone(zone).await?.domain),
        }
    }

    fn record_not_found(&self, id: &str) -> Error {
        Error::not_found(ResourceKind::Record, id).with_provider(self.api.provider())
    }

    fn one_set(&self, body: Value) -> Result<RecordSet> {
        self.api
            .decode::<WireRecordSet>(body, "a recordset")?
            .set()
            .ok_or_else(|| self.api.malformed("a recordset of an unknown type"))
    }

    /// The recordset holding the record `id`, and the record's value.
    async fn set_of(&self, zone: &str, id: &str) -> Result<(RecordSet, String)> {
        let (set_id, value) = split_record_id(id).ok_or_else(|| self.record_not_found(id))?;
        let body = self
            .api
            .get(
                &set_path(zone, set_id),
                Some(About::reading(ResourceKind::Record, id)),
            )
            .await?;
        let set: WireRecordSet = self.api.decode(body, "a recordset")?;
        if set.is_deleting() {
            return Err(self.record_not_found(id));
        }
        let set = set
            .set()
            .ok_or_else(|| self.api.malformed("a recordset of an unknown type"))?;
        if !set.records.iter().any(|r| r == value) {
            return Err(self.record_not_found(id));
        }
        Ok((set, value.to_owned()))
    }

    /// The recordset `name`/`kind`, if there is one.
    async fn find_set(
        &self,
        zone: &str,
        name: &str,
        kind: RecordType,
    ) -> Result<Option<RecordSet>> {
        let path = sets_path(zone);
        let query = &[("name", name), ("type", kind.as_str())];
        let body = self
            .api
            .get_query(&path, query, Some(About::reading(ResourceKind::Zone, zone)))
            .await?;
        let page: RecordSetPage = self.api.decode(body, "the recordsets")?;
        for set in page.recordsets {
            if set.is_deleting() {
                continue;
            }
            if let Some(set) = set.set()
                && set.record_type == kind
                && set.name.eq_ignore_ascii_case(name)
            {
                return Ok(Some(set));
            }
        }
        Ok(None)
    }

    /// Rewrites a recordset's values and TTL.
    async fn put_set(&self, zone: &str, set: &RecordSet) -> Result<RecordSet> {
        let body = json!({"records": set.records, "ttl": set.ttl});
        let answer = self
            .api
            .put(
                &set_path(zone, &set.id),
                &body,
                Some(About::reading(ResourceKind::Record, &set.id)),
            )
            .await?;
        self.one_set(answer.body)
    }

    /// Removes one value from its recordset (the set itself when it was the last).
    async fn remove_value(&self, zone: &str, mut set: RecordSet, value: &str) -> Result<()> {
        set.records.retain(|r| r != value);
        if set.records.is_empty() {
            let id = parse::record_id(&set.id, value);
            self.api
                .delete(
                    &set_path(zone, &set.id),
                    Some(About::reading(ResourceKind::Record, &id)),
                )
                .await?;
        } else {
            self.put_set(zone, &set).await?;
        }
        Ok(())
    }
}

impl Driver for DesignateDns {
    fn provider(&self) -> &str {
        self.api.provider()
    }
    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }
    fn redactor(&self) -> Option<&cloud_core::secret::Redactor> {
        Some(self.shared.session.redactor())
    }
}

#[async_trait]
impl DnsDriver for DesignateDns {
    fn record_types(&self) -> &[RecordType] {
        RECORD_TYPES
    }

    async fn list_zones(&self, page: PageRequest) -> Result<Page<Zone>> {
        let query = page.marker_query(PAGE_SIZE, 1000);
        let pairs = query.pairs();
        let body = self.api.get_query(&["zones"], &pairs, None).await?;
        let page: ZonePage = self.api.decode(body, "the zones")?;
        let next = page.next_marker();
        let mut zones = Vec::new();
        for zone in page.zones {
            if !zone.is_deleting() {
                let zone = zone.zone();
                self.domains.remember(&zone);
                zones.push(zone);
            }
        }
        Ok(Page::new(zones, next))
    }

    async fn get_zone(&self, id: &str) -> Result<Zone> {
        let body = self
            .api
            .get(&zone_path(id), Some(About::reading(ResourceKind::Zone, id)))
            .await?;
        let zone: WireZone = self.api.decode(body, "a zone")?;
        if zone.is_deleting() {
            return Err(Error::not_found(ResourceKind::Zone, id).with_provider(self.provider()));
        }
        let zone = zone.zone();
        self.domains.remember(&zone);
        Ok(zone)
    }

    async fn create_zone(&self, request: &CreateZone) -> Result<Zone> {
        if let Some(unknown) = request
            .options
            .keys()
            .find(|k| !CREATE_ZONE_OPTIONS.contains(&k.as_str()))
        {
            return Err(Error::invalid_input(format!(
                "unknown option `{unknown}` for Designate zones (known: {})",
                CREATE_ZONE_OPTIONS.join(", ")
            )));
        }
        let mut body = Map::new();
        body.insert("name".into(), json!(format!("{}.", request.domain)));
        match request.zone_type {
            ZoneType::Slave => {
                let masters: Vec<&str> = request
                    .options
                    .get("masters")
                    .map(|m| {
                        m.split(',')
                            .map(str::trim)
                            .filter(|m| !m.is_empty())
                            .collect()
                    })
                    .unwrap_or_default();
                if masters.is_empty() {
                    return Err(Error::invalid_input(
                        "a secondary Designate zone needs the `masters` option",
                    ));
                }
                body.insert("type".into(), json!("SECONDARY"));
                body.insert("masters".into(), json!(masters));
            }
            _ => {
                // Designate requires a contact for primary zones.
                let email = request
                    .email
                    .clone()
                    .unwrap_or_else(|| format!("hostmaster@{}", request.domain));
                body.insert("type".into(), json!("PRIMARY"));
                body.insert("email".into(), json!(email));
                if let Some(ttl) = request.ttl {
                    body.insert("ttl".into(), json!(ttl));
                }
            }
        }
        if let Some(d) = request.options.get("description") {
            body.insert("description".into(), json!(d));
        }
        let answer = self
            .api
            .post(
                &["zones"],
                &Value::Object(body),
                Some(About::creating(ResourceKind::Zone, &request.domain)),
            )
            .await?;
        let zone = self
            .api
            .decode::<WireZone>(answer.body, "the new zone")?
            .zone();
        self.domains.remember(&zone);
        Ok(zone)
    }

    async fn update_zone(&self, id: &str, update: &UpdateZone) -> Result<Zone> {
        let mut body = Map::new();
        if let Some(ttl) = update.ttl {
            body.insert("ttl".into(), json!(ttl));
        }
        if let Some(email) = &update.email {
            body.insert("email".into(), json!(email));
        }
        if body.is_empty() {
            return self.get_zone(id).await;
        }
        let answer = self
            .api
            .patch(
                &zone_path(id),
                &Value::Object(body),
                Some(About::reading(ResourceKind::Zone, id)),
            )
            .await?;
        Ok(self.api.decode::<WireZone>(answer.body, "a zone")?.zone())
    }

    async fn delete_zone(&self, id: &str) -> Result<()> {
        self.api
            .delete(&zone_path(id), Some(About::reading(ResourceKind::Zone, id)))
            .await?;
        self.domains.forget(id);
        // The zone lingers until the DNS servers let go of it; a new zone of
        // the same name would be refused until then.
        let what = format!("zone `{id}` to be deleted");
        poll_until(self.shared.changes, &what, || async {
            match self
                .api
                .get(&zone_path(id), Some(About::reading(ResourceKind::Zone, id)))
                .await
            {
                Err(e) if e.is_not_found() => Ok(Poll::Done(())),
                Err(e) => Err(e),
                Ok(body) => {
                    let zone: WireZone = self.api.decode(body, "a zone")?;
                    match zone.status() {
                        Some("ERROR") => Err(Error::new(
                            cloud_core::ErrorKind::Provider,
                            format!("DNS: deleting zone `{id}` failed (status ERROR)"),
                        )
                        .with_provider(self.provider())),
                        status => Ok(Poll::Pending(format!(
                            "its status is {}",
                            status.unwrap_or("unknown")
                        ))),
                    }
                }
            }
        })
        .await
    }

    async fn list_records(&self, zone: &str, page: PageRequest) -> Result<Page<Record>> {
        let domain = self.domain(zone).await?;
        let query = page.marker_query(PAGE_SIZE, 1000);
        let pairs = query.pairs();
        let body = self
            .api
            .get_query(
                &sets_path(zone),
                &pairs,
                Some(About::reading(ResourceKind::Zone, zone)),
            )
            .await?;
        let page: RecordSetPage = self.api.decode(body, "the recordsets")?;
        let next = page.next_marker();
        let mut records = Vec::new();
        for set in page.recordsets {
            if set.is_deleting() {
                continue;
            }
            if let Some(set) = set.set() {
                records.extend(
                    set.records
                        .iter()
                        .map(|v| parse::record(zone, &domain, &set, v)),
                );
            }
        }
        Ok(Page::new(records, next))
    }

    async fn get_record(&self, zone: &str, id: &str) -> Result<Record> {
        let domain = self.domain(zone).await?;
        let (set, value) = self.set_of(zone, id).await?;
        Ok(parse::record(zone, &domain, &set, &value))
    }

    async fn create_record(&self, zone: &str, spec: &RecordSpec) -> Result<Record> {
        let domain = self.domain(zone).await?;
        let name = fqdn(&spec.name, &domain);
        let set = match self.find_set(zone, &name, spec.record_type).await? {
            Some(mut set) => {
                if set.records.contains(&spec.data) {
                    return Err(Error::already_exists(
                        ResourceKind::Record,
                        parse::record_id(&set.id, &spec.data),
                    )
                    .with_provider(self.provider()));
                }
                set.records.push(spec.data.clone());
                set.ttl = spec.ttl.or(set.ttl);
                self.put_set(zone, &set).await?
            }
            None => {
                let mut body = Map::new();
                body.insert("name".into(), json!(name));
                body.insert("type".into(), json!(spec.record_type.as_str()));
                body.insert("records".into(), json!([spec.data]));
                if let Some(ttl) = spec.ttl {
                    body.insert("ttl".into(), json!(ttl));
                }
                let answer = self
                    .api
                    .post(
                        &sets_path(zone),
                        &Value::Object(body),
                        Some(About::creating(ResourceKind::Record, &name)),
                    )
                    .await?;
                self.one_set(answer.body)?
            }
        };
        Ok(parse::record(zone, &domain, &set, &spec.data))
    }

    async fn update_record(&self, zone: &str, id: &str, spec: &RecordSpec) -> Result<Record> {
        let domain = self.domain(zone).await?;
        let (mut set, old) = self.set_of(zone, id).await?;
        let same_set = set.record_type == spec.record_type
            && set.name.eq_ignore_ascii_case(&fqdn(&spec.name, &domain));
        if !same_set {
            // Add to the new set first: a failure leaves the old record.
            let record = self.create_record(zone, spec).await?;
            self.remove_value(zone, set, &old).await?;
            return Ok(record);
        }
        if spec.data != old && set.records.contains(&spec.data) {
            return Err(Error::already_exists(
                ResourceKind::Record,
                parse::record_id(&set.id, &spec.data),
            )
            .with_provider(self.provider()));
        }
        for value in set.records.iter_mut().filter(|v| **v == old) {
            value.clone_from(&spec.data);
        }
        set.ttl = spec.ttl.or(set.ttl);
        let set = self.put_set(zone, &set).await?;
        Ok(parse::record(zone, &domain, &set, &spec.data))
    }

    async fn delete_record(&self, zone: &str, id: &str) -> Result<()> {
        let (set, value) = self.set_of(zone, id).await?;
        self.remove_value(zone, set, &value).await
    }
}
