//! In-memory DNS: zones and records with the rules real servers enforce
//! (no duplicate zones, no identical records, CNAME alone at its name).

use std::collections::BTreeMap;
use std::path::PathBuf;

use async_trait::async_trait;
use cloud_core::Driver;
use cloud_core::paging::page_of;
use cloud_core::{
    Api, Capabilities, CreateZone, DnsDriver, Error, Page, PageRequest, Record, RecordSpec,
    RecordType, ResourceKind, Result, UpdateZone, Zone, ZoneType,
};

use serde::{Deserialize, Serialize};

use crate::PROVIDER;
use crate::persist::Store;

pub(crate) const CAPABILITIES: Capabilities = Capabilities::all(Api::Dns);
const PAGE_SIZE: u32 = 100;

/// In-memory DNS driver.
#[derive(Debug, Clone)]
pub struct MemoryDns {
    store: Store<State>,
}

impl Default for MemoryDns {
    fn default() -> Self {
        MemoryDns {
            store: Store::memory(State::default()),
        }
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    next_id: u64,
    zones: BTreeMap<String, ZoneEntry>,
}

#[derive(Debug, Serialize, Deserialize)]
struct ZoneEntry {
    zone: Zone,
    records: BTreeMap<String, Record>,
}

impl State {
    fn id(&mut self, kind: &str) -> String {
        self.next_id += 1;
        format!("{kind}-{:06}", self.next_id)
    }

    fn zone(&self, id: &str) -> Result<&ZoneEntry> {
        self.zones
            .get(id)
            .ok_or_else(|| Error::not_found(ResourceKind::Zone, id).with_provider(PROVIDER))
    }

    fn zone_mut(&mut self, id: &str) -> Result<&mut ZoneEntry> {
        self.zones
            .get_mut(id)
            .ok_or_else(|| Error::not_found(ResourceKind::Zone, id).with_provider(PROVIDER))
    }
}

fn no_record(id: &str) -> Error {
    Error::not_found(ResourceKind::Record, id).with_provider(PROVIDER)
}

/// Refuses a record that would clash with those already at its name.
fn check_conflicts<'a>(spec: &RecordSpec, others: impl Iterator<Item = &'a Record>) -> Result<()> {
    for other in others.filter(|r| r.name.eq_ignore_ascii_case(&spec.name)) {
        if other.record_type == spec.record_type && other.data == spec.data {
            return Err(Error::already_exists(
                ResourceKind::Record,
                format!(
                    "{} {} {}",
                    display_name(&spec.name),
                    spec.record_type,
                    spec.data
                ),
            )
            .with_provider(PROVIDER));
        }
        let cname_clash =
            other.record_type == RecordType::CNAME || spec.record_type == RecordType::CNAME;
        if cname_clash {
            return Err(Error::conflict(format!(
                "a CNAME must be the only record at `{}`",
                display_name(&spec.name)
            ))
            .with_provider(PROVIDER)
            .with_code("CNAMEConflict"));
        }
    }
    Ok(())
}

fn display_name(name: &str) -> &str {
    if name.is_empty() { "@" } else { name }
}

impl MemoryDns {
    /// An empty account.
    pub fn new() -> Self {
        Self::default()
    }

    /// An account kept in the JSON file `path`, shared with other processes:
    /// each change is a locked read-modify-write of the file.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self> {
        Ok(MemoryDns {
            store: Store::open(path)?,
        })
    }
}

impl Driver for MemoryDns {
    fn provider(&self) -> &str {
        PROVIDER
    }
    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }
}

#[async_trait]
impl DnsDriver for MemoryDns {
    async fn list_zones(&self, page: PageRequest) -> Result<Page<Zone>> {
        let zones: Vec<_> = self
            .store
            .read(|s| Ok(s.zones.values().map(|z| z.zone.clone()).collect()))?;
        page_of(&zones, &page, PAGE_SIZE)
    }

    async fn get_zone(&self, id: &str) -> Result<Zone> {
        self.store.read(|s| Ok(s.zone(id)?.zone.clone()))
    }

    async fn create_zone(&self, request: &CreateZone) -> Result<Zone> {
        if let Some(name) = request.options.keys().next() {
            return Err(Error::invalid_input(format!(
                "unknown option `{name}` for provider `memory`"
            )));
        }
        self.store.update(|state| {
            if state
                .zones
                .values()
                .any(|z| z.zone.domain == request.domain)
            {
                return Err(Error::already_exists(ResourceKind::Zone, &request.domain)
                    .with_provider(PROVIDER));
            }
            let id = state.id("zone");
            let mut zone = Zone::new(&id, &request.domain);
            zone.zone_type = request.zone_type;
            zone.ttl = request.ttl;
            if let Some(email) = &request.email {
                zone.extra.insert("email".into(), email.clone().into());
            }
            if zone.zone_type == ZoneType::Slave {
                zone.extra
                    .insert("masters".into(), serde_json::Value::Array(vec![]));
            }
            state.zones.insert(
                id,
                ZoneEntry {
                    zone: zone.clone(),
                    records: BTreeMap::new(),
                },
            );
            Ok(zone)
        })
    }

    async fn update_zone(&self, id: &str, update: &UpdateZone) -> Result<Zone> {
        self.store.update(|state| {
            let entry = state.zone_mut(id)?;
            if let Some(ttl) = update.ttl {
                entry.zone.ttl = Some(ttl);
            }
            if let Some(email) = &update.email {
                entry
                    .zone
                    .extra
                    .insert("email".into(), email.clone().into());
            }
            let zone = entry.zone.clone();
            Ok(zone)
        })
    }

    async fn delete_zone(&self, id: &str) -> Result<()> {
        self.store.update(|state| {
            state.zone(id)?;
            state.zones.remove(id);
            Ok(())
        })
    }

    async fn list_records(&self, zone: &str, page: PageRequest) -> Result<Page<Record>> {
        let records: Vec<_> = self
            .store
            .read(|s| Ok(s.zone(zone)?.records.values().cloned().collect()))?;
        page_of(&records, &page, PAGE_SIZE)
    }

    async fn get_record(&self, zone: &str, id: &str) -> Result<Record> {
        self.store.read(|s| {
            s.zone(zone)?
                .records
                .get(id)
                .cloned()
                .ok_or_else(|| no_record(id))
        })
    }

    async fn create_record(&self, zone: &str, spec: &RecordSpec) -> Result<Record> {
        self.store.update(|state| {
            let id = state.id("rec");
            let entry = state.zone_mut(zone)?;
            check_conflicts(spec, entry.records.values())?;
            let mut record = Record::new(&id, zone, &spec.name, spec.record_type, &spec.data);
            record.ttl = spec.ttl;
            entry.records.insert(id, record.clone());
            Ok(record)
        })
    }

    async fn update_record(&self, zone: &str, id: &str, spec: &RecordSpec) -> Result<Record> {
        self.store.update(|state| {
            let entry = state.zone_mut(zone)?;
            if !entry.records.contains_key(id) {
                return Err(no_record(id));
            }
            check_conflicts(spec, entry.records.values().filter(|r| r.id != id))?;
            let mut record = Record::new(id, zone, &spec.name, spec.record_type, &spec.data);
            record.ttl = spec.ttl;
            entry.records.insert(id.to_owned(), record.clone());
            Ok(record)
        })
    }

    async fn delete_record(&self, zone: &str, id: &str) -> Result<()> {
        self.store.update(|state| {
            state
                .zone_mut(zone)?
                .records
                .remove(id)
                .ok_or_else(|| no_record(id))?;
            Ok(())
        })
    }
}
