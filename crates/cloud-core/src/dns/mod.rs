//! DNS: zones and records, and BIND zone files both ways.

mod driver;
mod handle;
mod names;
pub mod rrset;
mod types;
mod zonefile;

pub use driver::DnsDriver;
pub use handle::{Dns, ImportReport, SkipReason, Skipped};
pub use names::{
    check_domain, check_record_name, email_of_rname, fqdn, normalize_record, relative_name,
    rname_of_email, unquote_text,
};
pub use types::{CreateZone, Record, RecordSpec, RecordType, UpdateZone, Zone, ZoneType};
pub use zonefile::{
    DEFAULT_TTL, ZoneFile, export_zone_file, parse_ttl, parse_zone_file, record_line,
};
