//! The portable DNS handle users hold.

use std::collections::HashSet;
use std::sync::Arc;

use futures::StreamExt;

use super::driver::DnsDriver;
use super::names::{check_domain, normalize_record};
use super::types::{CreateZone, Record, RecordSpec, RecordType, UpdateZone, Zone};
use super::zonefile::{export_zone_file, parse_zone_file};
use crate::capability::Capability;
use crate::error::{Error, ResourceKind, Result, quote};
use crate::handle::call;
use crate::invoke::{check_id, list_pages};
use crate::paging::{ListStream, collect_all};

/// A DNS service: any provider, one interface.
pub type Dns = crate::Handle<dyn DnsDriver>;

/// What [`Dns::import_zone`] did.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ImportReport {
    /// The records created, in file order.
    pub created: Vec<Record>,
    /// Records of the file left alone, each with why.
    pub skipped: Vec<Skipped>,
}

/// A record [`Dns::import_zone`] did not create.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct Skipped {
    /// The record, as the file gave it.
    pub record: RecordSpec,
    /// Why it was not created.
    pub reason: SkipReason,
}

/// Why [`Dns::import_zone`] skipped a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SkipReason {
    /// An SOA record: every provider writes its own.
    ManagedByProvider,
    /// The zone already holds a record with this name, type and data.
    AlreadyPresent,
}

impl SkipReason {
    /// A short explanation, for people.
    pub fn describe(self) -> &'static str {
        match self {
            SkipReason::ManagedByProvider => "SOA is managed by the provider",
            SkipReason::AlreadyPresent => "already in the zone",
        }
    }
}

/// Refuses a CNAME at the apex, or a record that would share its name with
/// a CNAME (or a CNAME that would share its name with other records), given
/// the records `present` at the same name. A record identical to one
/// present is `AlreadyExists`.
fn check_cname_rules<'a>(
    spec: &RecordSpec,
    present: impl IntoIterator<Item = (&'a str, RecordType, &'a str)>,
) -> Result<()> {
    let shown = if spec.name.is_empty() {
        "@"
    } else {
        &spec.name
    };
    if spec.record_type == RecordType::CNAME && spec.name.is_empty() {
        return Err(Error::invalid_input(
            "a CNAME cannot be at the zone apex, which holds the zone's SOA and NS records",
        ));
    }
    for (name, kind, data) in present {
        if !name.eq_ignore_ascii_case(&spec.name) {
            continue;
        }
        if kind == spec.record_type && data == spec.data {
            return Err(Error::already_exists(
                ResourceKind::Record,
                format!("{shown} {kind} {data}"),
            ));
        }
        if kind == RecordType::CNAME || spec.record_type == RecordType::CNAME {
            return Err(Error::conflict(format!(
                "`{}` already has a record of type {kind}; a CNAME must be the only record at its name",
                quote(shown)
            )));
        }
    }
    Ok(())
}

impl Dns {
    /// Wraps a driver.
    pub fn new(driver: impl DnsDriver + 'static) -> Self {
        Self::from_arc(Arc::new(driver))
    }

    /// The record types the provider accepts.
    pub fn record_types(&self) -> &[RecordType] {
        self.driver.record_types()
    }

    /// Every zone, fetched page by page.
    pub fn list_zones(&self) -> ListStream<Zone> {
        list_pages(
            self.driver.clone(),
            Capability::ListZones,
            self.page_size,
            |d, req| async move { d.list_zones(req).await },
        )
    }

    /// Every zone, collected.
    pub async fn list_zones_vec(&self) -> Result<Vec<Zone>> {
        collect_all(self.list_zones()).await
    }

    /// One zone by id.
    pub async fn get_zone(&self, id: &str) -> Result<Zone> {
        check_id("zone id", id)?;
        call!(self, GetZone, self.driver.get_zone(id))
    }

    /// Creates a zone.
    pub async fn create_zone(&self, request: &CreateZone) -> Result<Zone> {
        let mut request = request.clone();
        request.domain = check_domain(&request.domain)?;
        if let Some(email) = &request.email
            && (!email.contains('@') || email.chars().any(|c| c.is_whitespace() || c.is_control()))
        {
            return Err(Error::invalid_input(format!(
                "`{email}` is not an e-mail address"
            )));
        }
        call!(self, CreateZone, self.driver.create_zone(&request))
    }

    /// Changes a zone.
    pub async fn update_zone(&self, id: &str, update: &UpdateZone) -> Result<Zone> {
        check_id("zone id", id)?;
        if update.ttl.is_none() && update.email.is_none() {
            return Err(Error::invalid_input("the update changes nothing"));
        }
        call!(self, UpdateZone, self.driver.update_zone(id, update))
    }

    /// Deletes a zone and its records.
    pub async fn delete_zone(&self, id: &str) -> Result<()> {
        check_id("zone id", id)?;
        call!(self, DeleteZone, self.driver.delete_zone(id))
    }

    /// Every record of a zone, fetched page by page.
    pub fn list_records(&self, zone: &str) -> ListStream<Record> {
        if let Err(e) = check_id("zone id", zone) {
            return futures::stream::once(async move { Err(e) }).boxed();
        }
        let zone: std::sync::Arc<str> = zone.into();
        list_pages(
            self.driver.clone(),
            Capability::ListRecords,
            self.page_size,
            move |d, req| {
                let zone = zone.clone();
                async move { d.list_records(&zone, req).await }
            },
        )
    }

    /// Every record of a zone, collected.
    pub async fn list_records_vec(&self, zone: &str) -> Result<Vec<Record>> {
        collect_all(self.list_records(zone)).await
    }

    /// One record by id.
    pub async fn get_record(&self, zone: &str, id: &str) -> Result<Record> {
        check_id("zone id", zone)?;
        check_id("record id", id)?;
        call!(self, GetRecord, self.driver.get_record(zone, id))
    }

    fn check_spec(&self, spec: &RecordSpec) -> Result<RecordSpec> {
        let spec = normalize_record(spec)?;
        if !self.record_types().contains(&spec.record_type) {
            return Err(Error::invalid_input(format!(
                "provider `{}` does not accept {} records",
                self.provider(),
                spec.record_type
            )));
        }
        Ok(spec)
    }

    /// Creates a record. Its data is checked and normalised first (see
    /// [`normalize_record`](super::normalize_record)), and the records
    /// already at its name are read, so that a CNAME at the apex or beside
    /// other records is refused before it is sent (some servers accept one;
    /// DNS resolvers then answer inconsistently).
    pub async fn create_record(&self, zone: &str, spec: &RecordSpec) -> Result<Record> {
        check_id("zone id", zone)?;
        let spec = self.check_spec(spec)?;
        // An apex CNAME is refused before the read below.
        check_cname_rules(&spec, std::iter::empty())?;
        let present = self.records_named(zone, &spec.name).await?;
        check_cname_rules(
            &spec,
            present
                .iter()
                .map(|r| (r.name.as_str(), r.record_type, r.data.as_str())),
        )?;
        call!(self, CreateRecord, self.driver.create_record(zone, &spec))
    }

    /// The records of `zone` named `name` (relative; empty for the apex).
    async fn records_named(&self, zone: &str, name: &str) -> Result<Vec<Record>> {
        let name = name.to_owned();
        let zone_id = zone.to_owned();
        let named: ListStream<Record> = list_pages(
            self.driver.clone(),
            Capability::ListRecords,
            self.page_size,
            move |d, req| {
                let zone = zone_id.clone();
                let name = name.clone();
                async move { d.list_records_named(&zone, &name, req).await }
            },
        );
        collect_all(named).await
    }

    /// Replaces a record's content.
    pub async fn update_record(&self, zone: &str, id: &str, spec: &RecordSpec) -> Result<Record> {
        check_id("zone id", zone)?;
        check_id("record id", id)?;
        let spec = self.check_spec(spec)?;
        call!(
            self,
            UpdateRecord,
            self.driver.update_record(zone, id, &spec)
        )
    }

    /// Deletes a record.
    pub async fn delete_record(&self, zone: &str, id: &str) -> Result<()> {
        check_id("zone id", zone)?;
        check_id("record id", id)?;
        call!(self, DeleteRecord, self.driver.delete_record(zone, id))
    }

    /// The zone as a BIND zone file.
    pub async fn export_zone(&self, zone: &str) -> Result<String> {
        let zone = self.get_zone(zone).await?;
        let records = collect_all(self.list_records(&zone.id)).await?;
        Ok(export_zone_file(&zone, &records))
    }

    /// Creates the records of a BIND zone file in an existing zone.
    ///
    /// The whole file is parsed and every record checked before the first
    /// one is created, so a bad file changes nothing. SOA records are
    /// skipped: providers manage their own. Records without a TTL get the
    /// file's `$TTL` when it differs from the zone's default. Records the
    /// zone already holds (same name, type and data; the provider's own apex
    /// NS records, typically) are skipped too, so a zone exported from one
    /// zone imports into a fresh zone of the same provider.
    pub async fn import_zone(&self, zone: &str, text: &str) -> Result<ImportReport> {
        let zone = self.get_zone(zone).await?;
        let file = parse_zone_file(&zone.domain, text)?;
        let mut to_create = Vec::new();
        let mut skipped = Vec::new();
        for mut spec in file.records {
            if spec.record_type == RecordType::SOA {
                skipped.push(Skipped {
                    record: spec,
                    reason: SkipReason::ManagedByProvider,
                });
                continue;
            }
            if spec.ttl.is_none() && zone.ttl.is_some() && file.default_ttl != zone.ttl {
                spec.ttl = file.default_ttl;
            }
            to_create.push(self.check_spec(&spec)?);
        }
        let existing = collect_all(self.list_records(&zone.id)).await?;
        let present: HashSet<(String, RecordType, String)> = existing
            .iter()
            .map(|r| (r.name.to_ascii_lowercase(), r.record_type, r.data.clone()))
            .collect();
        let (to_create, already): (Vec<RecordSpec>, Vec<RecordSpec>) =
            to_create.into_iter().partition(|s| {
                !present.contains(&(s.name.to_ascii_lowercase(), s.record_type, s.data.clone()))
            });
        skipped.extend(already.into_iter().map(|record| Skipped {
            record,
            reason: SkipReason::AlreadyPresent,
        }));
        // The CNAME rules over the zone as it would be: what it holds, and
        // the file's records before each one.
        for (i, spec) in to_create.iter().enumerate() {
            let others = existing
                .iter()
                .map(|r| (r.name.as_str(), r.record_type, r.data.as_str()))
                .chain(
                    to_create[..i]
                        .iter()
                        .map(|s| (s.name.as_str(), s.record_type, s.data.as_str())),
                );
            check_cname_rules(spec, others)?;
        }
        let mut created: Vec<Record> = Vec::with_capacity(to_create.len());
        for spec in &to_create {
            match call!(
                self,
                CreateRecord,
                self.driver.create_record(&zone.id, spec)
            ) {
                Ok(record) => created.push(record),
                Err(err) => {
                    // Undo what this import created, newest first, so a failed
                    // import leaves the zone as it was.
                    let mut left = 0;
                    for record in created.iter().rev() {
                        if self
                            .driver
                            .delete_record(&zone.id, &record.id)
                            .await
                            .is_err()
                        {
                            left += 1;
                        }
                    }
                    let note = if left == 0 {
                        format!("import rolled back {} created records", created.len())
                    } else {
                        format!(
                            "import could not roll back {left} of {} created records",
                            created.len()
                        )
                    };
                    let message = format!("{} ({note})", err.message());
                    return Err(err.with_message(message));
                }
            }
        }
        Ok(ImportReport { created, skipped })
    }
}
