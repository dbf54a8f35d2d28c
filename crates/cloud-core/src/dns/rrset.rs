//! Records for the providers that store record sets (one name and type,
//! one TTL, several values: Gandi LiveDNS, PowerDNS, and the like).
//!
//! The portable API deals in records; such a provider deals in sets. Each
//! value of a set is one portable record, whose id says where it lives
//! (`TYPE:name:value`, `@` for the apex), and adding, changing or removing
//! a record rewrites its set. The provider says only how to read, write and
//! delete one set ([`RecordSetStore`]); the record operations
//! ([`get_record`], [`create_record`], [`update_record`], [`delete_record`])
//! are written once, here.

use async_trait::async_trait;

use super::names::unquote_text;
use super::types::{Record, RecordSpec, RecordType};
use crate::ResourceKind;
use crate::error::{Error, Result};

/// One record set: a name and type, one TTL, several values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordSet {
    /// The owner name relative to the zone, lowercase; empty for the apex.
    pub name: String,
    /// The type.
    pub record_type: RecordType,
    /// The TTL, when the set has one.
    pub ttl: Option<u32>,
    /// The values in presentation form, targets fully qualified.
    pub values: Vec<String>,
}

impl RecordSet {
    /// A set of one value.
    pub fn new(name: &str, record_type: RecordType, ttl: Option<u32>, value: &str) -> Self {
        RecordSet {
            name: name.to_ascii_lowercase(),
            record_type,
            ttl,
            values: vec![value.to_owned()],
        }
    }

    /// The portable record of one of its values in `zone`.
    pub fn record(&self, zone: &str, value: &str) -> Record {
        let mut record = Record::new(
            record_id(self.record_type, &self.name, value),
            zone,
            self.name.clone(),
            self.record_type,
            value,
        );
        record.ttl = self.ttl;
        record
    }

    /// Every value as a portable record.
    pub fn records<'a>(&'a self, zone: &'a str) -> impl Iterator<Item = Record> + 'a {
        self.values.iter().map(move |v| self.record(zone, v))
    }

    /// The stored form of `value`, if the set holds it.
    pub fn find(&self, value: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|v| same_value(self.record_type, v, value))
            .map(String::as_str)
    }
}

/// How a provider reads and writes one record set.
#[async_trait]
pub trait RecordSetStore: Send + Sync {
    /// The provider's name, for errors.
    fn provider_name(&self) -> &str;

    /// The set `name`/`kind` of `zone`, `None` when it has none (a missing
    /// zone is `NotFound` of the zone).
    async fn read_set(&self, zone: &str, name: &str, kind: RecordType)
    -> Result<Option<RecordSet>>;

    /// Writes `set` whole over `previous`, the set as it was read before
    /// the change (`None`: there was none), returning `set` as the provider
    /// now holds it (a provider may choose the TTL). A provider with
    /// conditional writes makes the write depend on `previous` still being
    /// there, so that a concurrent change is refused rather than undone.
    async fn write_set(
        &self,
        zone: &str,
        set: &RecordSet,
        previous: Option<&RecordSet>,
    ) -> Result<RecordSet>;

    /// Deletes `set` (as it was read) from `zone`.
    async fn delete_set(&self, zone: &str, set: &RecordSet) -> Result<()>;
}

/// A record id: `TYPE:name:value`, the name relative (`@` for the apex).
///
/// ```
/// use cloud_core::RecordType;
/// use cloud_core::dns::rrset::{record_id, split_record_id};
///
/// let id = record_id(RecordType::MX, "", "10 mail.example.com.");
/// assert_eq!(id, "MX:@:10 mail.example.com.");
/// assert_eq!(
///     split_record_id(&id),
///     Some((RecordType::MX, String::new(), "10 mail.example.com.".to_owned()))
/// );
/// assert_eq!(split_record_id("not an id"), None);
/// ```
pub fn record_id(kind: RecordType, name: &str, value: &str) -> String {
    let name = if name.is_empty() { "@" } else { name };
    format!("{kind}:{name}:{value}")
}

/// The type, relative name (empty for the apex) and value of a record id;
/// `None` for text [`record_id`] could not have made.
pub fn split_record_id(id: &str) -> Option<(RecordType, String, String)> {
    let (kind, rest) = id.split_once(':')?;
    let (name, value) = rest.split_once(':')?;
    let kind = kind.parse::<RecordType>().ok()?;
    if name.is_empty() || value.is_empty() {
        return None;
    }
    let name = if name == "@" {
        String::new()
    } else {
        name.to_owned()
    };
    Some((kind, name, value.to_owned()))
}

/// Which whitespace-separated field of a value names a host, for the
/// types whose targets a provider may store relative to the zone.
fn target_field(kind: RecordType) -> Option<usize> {
    match kind {
        RecordType::CNAME
        | RecordType::DNAME
        | RecordType::NS
        | RecordType::PTR
        | RecordType::ALIAS => Some(0),
        RecordType::MX => Some(1),
        RecordType::SRV => Some(3),
        _ => None,
    }
}

/// `value` with a relative target made absolute under `domain` (`www` is
/// `www.example.com.`, `@` the apex).
///
/// ```
/// use cloud_core::RecordType;
/// use cloud_core::dns::rrset::qualify;
///
/// assert_eq!(qualify(RecordType::MX, "10 mail", "example.com"), "10 mail.example.com.");
/// assert_eq!(qualify(RecordType::CNAME, "@", "example.com"), "example.com.");
/// assert_eq!(qualify(RecordType::A, "192.0.2.1", "example.com"), "192.0.2.1");
/// ```
pub fn qualify(kind: RecordType, value: &str, domain: &str) -> String {
    let Some(index) = target_field(kind) else {
        return value.to_owned();
    };
    let mut fields: Vec<&str> = value.split_whitespace().collect();
    let Some(target) = fields.get(index).copied() else {
        return value.to_owned();
    };
    let absolute = match target {
        t if t.ends_with('.') => return value.to_owned(),
        "@" => format!("{domain}."),
        t => format!("{t}.{domain}."),
    };
    fields[index] = &absolute;
    fields.join(" ")
}

/// Whether two values are the same record: TXT (and SPF) compare their
/// text however it is split into quoted strings; others compare as given.
pub fn same_value(kind: RecordType, value: &str, other: &str) -> bool {
    if kind == RecordType::TXT || kind == RecordType::SPF {
        unquote_text(value) == unquote_text(other)
    } else {
        value == other
    }
}

fn not_found(store: &dyn RecordSetStore, id: &str) -> Error {
    Error::not_found(ResourceKind::Record, id).with_provider(store.provider_name())
}

/// The set holding record `id`, and the value as stored.
async fn set_of(store: &dyn RecordSetStore, zone: &str, id: &str) -> Result<(RecordSet, String)> {
    let (kind, name, value) = split_record_id(id).ok_or_else(|| not_found(store, id))?;
    let set = store
        .read_set(zone, &name, kind)
        .await?
        .ok_or_else(|| not_found(store, id))?;
    let stored = set
        .find(&value)
        .map(str::to_owned)
        .ok_or_else(|| not_found(store, id))?;
    Ok((set, stored))
}

/// Record `id` of `zone`.
pub async fn get_record(store: &dyn RecordSetStore, zone: &str, id: &str) -> Result<Record> {
    let (set, value) = set_of(store, zone, id).await?;
    Ok(set.record(zone, &value))
}

/// Adds `spec` to its set (made when missing); a value the set holds
/// already is `AlreadyExists`.
pub async fn create_record(
    store: &dyn RecordSetStore,
    zone: &str,
    spec: &RecordSpec,
) -> Result<Record> {
    let name = spec.name.to_ascii_lowercase();
    let stored = match store.read_set(zone, &name, spec.record_type).await? {
        Some(previous) => {
            if previous.find(&spec.data).is_some() {
                return Err(Error::already_exists(
                    ResourceKind::Record,
                    record_id(spec.record_type, &name, &spec.data),
                )
                .with_provider(store.provider_name()));
            }
            let mut set = previous.clone();
            set.values.push(spec.data.clone());
            set.ttl = spec.ttl.or(set.ttl);
            store.write_set(zone, &set, Some(&previous)).await?
        }
        None => {
            let set = RecordSet::new(&name, spec.record_type, spec.ttl, &spec.data);
            store.write_set(zone, &set, None).await?
        }
    };
    Ok(stored.record(zone, &spec.data))
}

/// Removes one value from its set (the set itself when it was the last).
async fn remove_value(
    store: &dyn RecordSetStore,
    zone: &str,
    previous: RecordSet,
    value: &str,
) -> Result<()> {
    let mut set = previous.clone();
    set.values.retain(|v| v != value);
    if set.values.is_empty() {
        store.delete_set(zone, &previous).await
    } else {
        store.write_set(zone, &set, Some(&previous)).await.map(drop)
    }
}

/// Changes record `id` into `spec`: in place when it stays in its set,
/// else added to the new set before it leaves the old one (a failure then
/// leaves the old record).
pub async fn update_record(
    store: &dyn RecordSetStore,
    zone: &str,
    id: &str,
    spec: &RecordSpec,
) -> Result<Record> {
    let (previous, old) = set_of(store, zone, id).await?;
    let mut set = previous.clone();
    let same_set = set.record_type == spec.record_type && set.name.eq_ignore_ascii_case(&spec.name);
    if !same_set {
        let record = create_record(store, zone, spec).await?;
        remove_value(store, zone, previous, &old).await?;
        return Ok(record);
    }
    if !same_value(set.record_type, &old, &spec.data) && set.find(&spec.data).is_some() {
        return Err(Error::already_exists(
            ResourceKind::Record,
            record_id(set.record_type, &set.name, &spec.data),
        )
        .with_provider(store.provider_name()));
    }
    for value in set.values.iter_mut().filter(|v| **v == old) {
        value.clone_from(&spec.data);
    }
    set.ttl = spec.ttl.or(set.ttl);
    let stored = store.write_set(zone, &set, Some(&previous)).await?;
    Ok(stored.record(zone, &spec.data))
}

/// Deletes record `id` (its set, when it was the set's last value).
pub async fn delete_record(store: &dyn RecordSetStore, zone: &str, id: &str) -> Result<()> {
    let (set, value) = set_of(store, zone, id).await?;
    remove_value(store, zone, set, &value).await
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Mutex;

    use super::*;

    /// Sets in memory, as a provider would keep them.
    #[derive(Default)]
    struct Sets(Mutex<BTreeMap<(String, String), RecordSet>>);

    #[async_trait]
    impl RecordSetStore for Sets {
        fn provider_name(&self) -> &str {
            "test"
        }
        async fn read_set(
            &self,
            _: &str,
            name: &str,
            kind: RecordType,
        ) -> Result<Option<RecordSet>> {
            Ok(self
                .0
                .lock()
                .unwrap()
                .get(&(name.into(), kind.to_string()))
                .cloned())
        }
        async fn write_set(
            &self,
            _: &str,
            set: &RecordSet,
            previous: Option<&RecordSet>,
        ) -> Result<RecordSet> {
            let key = (set.name.clone(), set.record_type.to_string());
            let mut sets = self.0.lock().unwrap();
            assert_eq!(previous, sets.get(&key), "the set as it was read");
            sets.insert(key, set.clone());
            Ok(set.clone())
        }
        async fn delete_set(&self, _: &str, set: &RecordSet) -> Result<()> {
            let key = (set.name.clone(), set.record_type.to_string());
            let removed = self.0.lock().unwrap().remove(&key);
            assert_eq!(removed.as_ref(), Some(set), "the set as it was read");
            Ok(())
        }
    }

    #[tokio::test]
    async fn records_live_in_their_sets() {
        let sets = Sets::default();
        let a = RecordSpec::new("www", RecordType::A, "192.0.2.1").ttl(300);
        let b = RecordSpec::new("WWW", RecordType::A, "192.0.2.2");
        let first = create_record(&sets, "z", &a).await.unwrap();
        assert_eq!(first.id, "A:www:192.0.2.1");
        create_record(&sets, "z", &b).await.unwrap();
        let err = create_record(&sets, "z", &a).await.unwrap_err();
        assert!(
            matches!(err.kind(), crate::ErrorKind::AlreadyExists { .. }),
            "{err}"
        );
        let moved = RecordSpec::new("api", RecordType::A, "192.0.2.1");
        let record = update_record(&sets, "z", &first.id, &moved).await.unwrap();
        assert_eq!(record.id, "A:api:192.0.2.1");
        assert!(
            get_record(&sets, "z", &first.id)
                .await
                .unwrap_err()
                .is_not_found()
        );
        delete_record(&sets, "z", "A:www:192.0.2.2").await.unwrap();
        assert!(
            sets.0
                .lock()
                .unwrap()
                .get(&("www".into(), "A".into()))
                .is_none()
        );
        assert!(
            get_record(&sets, "z", "garbage")
                .await
                .unwrap_err()
                .is_not_found()
        );
    }

    #[test]
    fn txt_values_compare_by_their_text() {
        assert!(same_value(RecordType::TXT, "\"ab\" \"c\"", "\"abc\""));
        assert!(!same_value(RecordType::A, "192.0.2.1", "192.0.2.01"));
    }

    #[test]
    fn record_ids_round_trip() {
        let id = record_id(RecordType::AAAA, "www", "2001:db8::1");
        assert_eq!(id, "AAAA:www:2001:db8::1");
        assert_eq!(
            split_record_id(&id),
            Some((RecordType::AAAA, "www".into(), "2001:db8::1".into()))
        );
        let apex = record_id(RecordType::MX, "", "10 mail.example.com.");
        assert_eq!(
            split_record_id(&apex),
            Some((RecordType::MX, String::new(), "10 mail.example.com.".into()))
        );
        for bad in ["", "A", "A:www", "A::1.2.3.4", "BOGUS:www:x", "A:www:"] {
            assert_eq!(split_record_id(bad), None, "{bad}");
        }
    }

    #[test]
    fn relative_targets_are_qualified() {
        let d = "example.com";
        assert_eq!(
            qualify(RecordType::CNAME, "target", d),
            "target.example.com."
        );
        assert_eq!(qualify(RecordType::CNAME, "@", d), "example.com.");
        assert_eq!(qualify(RecordType::CNAME, "a.net.", d), "a.net.");
        assert_eq!(qualify(RecordType::MX, "10 mx", d), "10 mx.example.com.");
        assert_eq!(qualify(RecordType::SRV, "0 0 0 .", d), "0 0 0 .");
        assert_eq!(
            qualify(RecordType::SRV, "1 2 3 sip", d),
            "1 2 3 sip.example.com."
        );
        assert_eq!(qualify(RecordType::A, "192.0.2.1", d), "192.0.2.1");
        assert_eq!(qualify(RecordType::MX, "10", d), "10");
    }
}
