//! The portable DNS vocabulary.
//!
//! Record data is kept in zone-file presentation form (`10 mail.example.com.`
//! for MX, `"v=spf1 -all"` for TXT), which is what Route 53, PowerDNS and
//! Designate speak; drivers for APIs that split out the priority (Rackspace)
//! join and split it themselves.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Extra;
use crate::error::{Error, Result};

/// Whether the provider is authoritative for a zone or copies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ZoneType {
    /// The provider serves the zone's own data (primary).
    Master,
    /// The provider copies the zone from a primary elsewhere (secondary).
    Slave,
}

/// A DNS zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Zone {
    /// The provider's identifier.
    pub id: String,
    /// The domain, without the trailing dot (`example.com`).
    pub domain: String,
    /// Primary or secondary.
    pub zone_type: ZoneType,
    /// The default TTL, when the provider keeps one.
    pub ttl: Option<u32>,
    /// Provider-specific attributes (name servers, serial...).
    pub extra: Extra,
}

impl Zone {
    /// A primary zone with only the required fields set.
    pub fn new(id: impl Into<String>, domain: impl Into<String>) -> Self {
        Zone {
            id: id.into(),
            domain: domain.into(),
            zone_type: ZoneType::Master,
            ttl: None,
            extra: Extra::new(),
        }
    }
}

macro_rules! record_types {
    ($( $(#[doc = $doc:literal])+ $variant:ident, )*) => {
        /// A DNS record type.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[allow(clippy::upper_case_acronyms)]
        #[non_exhaustive]
        pub enum RecordType {
            $( $(#[doc = $doc])+ $variant, )*
        }

        impl RecordType {
            /// Every record type this library knows.
            pub const ALL: &'static [RecordType] = &[ $( RecordType::$variant, )* ];

            /// The mnemonic (`A`, `AAAA`, `MX`...).
            pub const fn as_str(self) -> &'static str {
                match self { $( RecordType::$variant => stringify!($variant), )* }
            }
        }
    };
}

record_types! {
    /// IPv4 address.
    A,
    /// IPv6 address.
    AAAA,
    /// AFS database location.
    AFSDB,
    /// Provider-side alias at the apex (CNAME flattening).
    ALIAS,
    /// Certification authority authorisation.
    CAA,
    /// Certificate.
    CERT,
    /// Canonical name.
    CNAME,
    /// Delegation name.
    DNAME,
    /// DNSSEC key.
    DNSKEY,
    /// Delegation signer.
    DS,
    /// Host information.
    HINFO,
    /// HTTPS service binding.
    HTTPS,
    /// Location.
    LOC,
    /// Mail exchange.
    MX,
    /// Naming authority pointer.
    NAPTR,
    /// Name server.
    NS,
    /// OpenPGP public key.
    OPENPGPKEY,
    /// Pointer (reverse DNS).
    PTR,
    /// Responsible person.
    RP,
    /// Start of authority.
    SOA,
    /// Sender policy framework (obsolete; use TXT).
    SPF,
    /// Service locator.
    SRV,
    /// SSH key fingerprint.
    SSHFP,
    /// Service binding.
    SVCB,
    /// TLS certificate association.
    TLSA,
    /// Text.
    TXT,
    /// Uniform resource identifier.
    URI,
    /// Provider-side URL redirect.
    URL,
}

impl RecordType {
    /// Which fields of the record data are domain names, which a zone file
    /// reads relative to `$ORIGIN` unless they end with a dot.
    pub(crate) fn domain_name_fields(self) -> &'static [usize] {
        match self {
            RecordType::CNAME
            | RecordType::DNAME
            | RecordType::NS
            | RecordType::PTR
            | RecordType::ALIAS => &[0],
            RecordType::MX | RecordType::AFSDB => &[1],
            RecordType::SRV => &[3],
            RecordType::SOA | RecordType::RP => &[0, 1],
            _ => &[],
        }
    }
}

impl fmt::Display for RecordType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RecordType {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        RecordType::ALL
            .iter()
            .copied()
            .find(|t| t.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| Error::invalid_input(format!("unknown record type `{s}`")))
    }
}

/// A DNS record (one value of a record set).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Record {
    /// The provider's identifier.
    pub id: String,
    /// The zone it belongs to.
    pub zone_id: String,
    /// The owner name relative to the zone (`www`); empty for the apex.
    pub name: String,
    /// The type.
    pub record_type: RecordType,
    /// The data in zone-file presentation form.
    pub data: String,
    /// The TTL in seconds, when set on the record.
    pub ttl: Option<u32>,
    /// Provider-specific attributes.
    pub extra: Extra,
}

impl Record {
    /// A record with only the required fields set.
    pub fn new(
        id: impl Into<String>,
        zone_id: impl Into<String>,
        name: impl Into<String>,
        record_type: RecordType,
        data: impl Into<String>,
    ) -> Self {
        Record {
            id: id.into(),
            zone_id: zone_id.into(),
            name: name.into(),
            record_type,
            data: data.into(),
            ttl: None,
            extra: Extra::new(),
        }
    }

    /// The record's content without its id, as a [`RecordSpec`].
    pub fn spec(&self) -> RecordSpec {
        RecordSpec {
            name: self.name.clone(),
            record_type: self.record_type,
            data: self.data.clone(),
            ttl: self.ttl,
        }
    }
}

/// A record's content: what to create, or what to change a record into.
///
/// ```
/// use cloud_core::{RecordSpec, RecordType};
///
/// let mx = RecordSpec::new("", RecordType::MX, "10 mail.example.com.").ttl(3600);
/// assert_eq!(mx.name, "");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RecordSpec {
    /// The owner name relative to the zone; empty (or `@`) for the apex.
    pub name: String,
    /// The type.
    pub record_type: RecordType,
    /// The data in zone-file presentation form.
    pub data: String,
    /// The TTL in seconds; `None` for the zone's default.
    pub ttl: Option<u32>,
}

impl RecordSpec {
    /// A record of `record_type` named `name` (relative) holding `data`.
    pub fn new(name: impl Into<String>, record_type: RecordType, data: impl Into<String>) -> Self {
        RecordSpec {
            name: name.into(),
            record_type,
            data: data.into(),
            ttl: None,
        }
    }

    /// Sets the TTL.
    #[must_use]
    pub fn ttl(mut self, ttl: u32) -> Self {
        self.ttl = Some(ttl);
        self
    }
}

/// What to create: the request behind [`DnsDriver::create_zone`](super::DnsDriver::create_zone).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CreateZone {
    /// The domain, without the trailing dot.
    pub domain: String,
    /// Primary or secondary.
    pub zone_type: ZoneType,
    /// The default TTL.
    pub ttl: Option<u32>,
    /// A contact e-mail address, where the provider requires one (Rackspace, Designate).
    pub email: Option<String>,
    /// Provider-specific options; drivers refuse names they do not know.
    pub options: std::collections::BTreeMap<String, String>,
}

impl CreateZone {
    /// A primary zone for `domain`.
    pub fn new(domain: impl Into<String>) -> Self {
        CreateZone {
            domain: domain.into(),
            zone_type: ZoneType::Master,
            ttl: None,
            email: None,
            options: Default::default(),
        }
    }

    /// Sets the default TTL.
    #[must_use]
    pub fn ttl(mut self, ttl: u32) -> Self {
        self.ttl = Some(ttl);
        self
    }

    /// Sets the zone type.
    #[must_use]
    pub fn zone_type(mut self, zone_type: ZoneType) -> Self {
        self.zone_type = zone_type;
        self
    }

    /// Sets the contact e-mail address.
    #[must_use]
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// A provider-specific option.
    #[must_use]
    pub fn option(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.options.insert(name.into(), value.into());
        self
    }
}

/// What to change on a zone; unset fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct UpdateZone {
    /// A new default TTL.
    pub ttl: Option<u32>,
    /// A new contact e-mail address.
    pub email: Option<String>,
}

impl UpdateZone {
    /// No changes.
    pub fn new() -> Self {
        Self::default()
    }

    /// Changes the default TTL.
    #[must_use]
    pub fn ttl(mut self, ttl: u32) -> Self {
        self.ttl = Some(ttl);
        self
    }

    /// Changes the contact e-mail address.
    #[must_use]
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }
}
