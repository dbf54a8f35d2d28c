//! `cloud dns ...`: zones, records, BIND zone files.

use std::collections::BTreeMap;

use cloud::{CreateZone, Dns, Error, Record, RecordSpec, RecordType, ResourceKind, Result, Zone};

use super::Context;
use super::compute::{print_one, read_text};
use crate::cli::{DnsCommand, RecordCommand};
use crate::output::{self, or_dash, outln};

/// A zone by id, or by domain name.
async fn find_zone(dns: &Dns, zone: &str) -> Result<Zone> {
    let domain = zone.trim_end_matches('.').to_ascii_lowercase();
    let zones = dns.list_zones_vec().await?;
    zones
        .into_iter()
        .find(|z| z.id == zone || z.domain.eq_ignore_ascii_case(&domain))
        .ok_or_else(|| Error::not_found(ResourceKind::Zone, zone).with_provider(dns.provider()))
}

const ZONE_HEADERS: &[&str] = &["id", "domain", "ttl"];

fn zone_row(z: &Zone) -> Vec<String> {
    vec![z.id.clone(), z.domain.clone(), or_dash(z.ttl)]
}

fn print_zones(ctx: &Context, zones: &[Zone]) -> Result<()> {
    if ctx.json {
        return output::json(zones);
    }
    let rows: Vec<Vec<String>> = zones.iter().map(zone_row).collect();
    output::table(ZONE_HEADERS, &rows)
}

fn print_records(ctx: &Context, records: &[Record]) -> Result<()> {
    if ctx.json {
        return output::json(records);
    }
    let rows: Vec<Vec<String>> = records
        .iter()
        .map(|r| {
            let name = if r.name.is_empty() {
                "@".to_owned()
            } else {
                r.name.clone()
            };
            vec![
                r.id.clone(),
                name,
                r.record_type.to_string(),
                or_dash(r.ttl),
                r.data.clone(),
            ]
        })
        .collect();
    output::table(&["id", "name", "type", "ttl", "data"], &rows)
}

pub async fn run(command: DnsCommand, ctx: &Context) -> Result<()> {
    let dns = ctx.providers.dns()?;
    match command {
        DnsCommand::Zones => {
            output::listing(ctx.json, ZONE_HEADERS, dns.list_zones(), zone_row).await
        }
        DnsCommand::Records { zone } => {
            let zone = find_zone(&dns, &zone).await?;
            print_records(ctx, &dns.list_records_vec(&zone.id).await?)
        }
        DnsCommand::Record(RecordCommand::Show { zone, id }) => {
            let zone = find_zone(&dns, &zone).await?;
            print_one(ctx, &dns.get_record(&zone.id, &id).await?)
        }
        DnsCommand::CreateZone { domain, ttl, email } => {
            let mut request = CreateZone::new(domain);
            if let Some(ttl) = ttl {
                request = request.ttl(ttl);
            }
            if let Some(email) = email {
                request = request.email(email);
            }
            print_zones(ctx, &[dns.create_zone(&request).await?])
        }
        DnsCommand::DeleteZone { zone } => {
            let zone = find_zone(&dns, &zone).await?;
            dns.delete_zone(&zone.id).await?;
            if ctx.json {
                output::json(&serde_json::json!({ "deleted": zone.id }))
            } else {
                outln!("deleted {} ({})", zone.domain, zone.id)
            }
        }
        DnsCommand::Add {
            zone,
            name,
            record_type,
            data,
            ttl,
        } => {
            let zone = find_zone(&dns, &zone).await?;
            let mut spec = RecordSpec::new(name, record_type.parse::<RecordType>()?, data);
            if let Some(ttl) = ttl {
                spec = spec.ttl(ttl);
            }
            print_records(ctx, &[dns.create_record(&zone.id, &spec).await?])
        }
        DnsCommand::Rm {
            zone,
            name,
            record_type,
            data,
        } => {
            let zone = find_zone(&dns, &zone).await?;
            let kind = record_type.parse::<RecordType>()?;
            let name = if name == "@" { String::new() } else { name };
            let records = dns.list_records_vec(&zone.id).await?;
            let matching: Vec<&Record> = records
                .iter()
                .filter(|r| r.name.eq_ignore_ascii_case(&name) && r.record_type == kind)
                .filter(|r| {
                    data.as_ref()
                        .is_none_or(|d| r.data == *d || r.data.trim_matches('"') == d)
                })
                .collect();
            match matching.len() {
                0 => Err(
                    Error::not_found(ResourceKind::Record, format!("{name} {kind}"))
                        .with_provider(dns.provider()),
                ),
                1 => {
                    dns.delete_record(&zone.id, &matching[0].id).await?;
                    if ctx.json {
                        output::json(&serde_json::json!({ "deleted": matching[0].id }))
                    } else {
                        outln!(
                            "removed {} {} {}",
                            if name.is_empty() { "@" } else { &name },
                            kind,
                            matching[0].data
                        )
                    }
                }
                n => Err(Error::invalid_input(format!(
                    "{n} {kind} records are named `{name}`; give the data of the one to remove"
                ))),
            }
        }
        DnsCommand::Export { zone, output } => {
            let zone = find_zone(&dns, &zone).await?;
            let text = dns.export_zone(&zone.id).await?;
            match output {
                Some(path) => std::fs::write(&path, text)
                    .map_err(|e| Error::io(format!("writing {}", path.display()), e)),
                None => output::bytes(text.as_bytes()),
            }
        }
        DnsCommand::Import { zone, file, create } => {
            // Read (and check) the file before touching the zone.
            let text = read_text(&file)?;
            let zone = match find_zone(&dns, &zone).await {
                Ok(z) => z,
                Err(e) if create && e.is_not_found() => {
                    dns.create_zone(&CreateZone::new(zone.trim_end_matches('.')))
                        .await?
                }
                Err(e) => return Err(e),
            };
            let report = dns.import_zone(&zone.id, &text).await?;
            let mut reasons: BTreeMap<&'static str, usize> = BTreeMap::new();
            for skipped in &report.skipped {
                *reasons.entry(skipped.reason.describe()).or_default() += 1;
            }
            if ctx.json {
                return output::json(&serde_json::json!({
                    "zone": zone.id,
                    "created": report.created,
                    "skipped": report.skipped,
                }));
            }
            let mut line = format!(
                "imported {} record(s) into {}",
                report.created.len(),
                zone.domain
            );
            if !reasons.is_empty() {
                let why: Vec<String> = reasons
                    .iter()
                    .map(|(reason, n)| format!("{n} skipped: {reason}"))
                    .collect();
                line.push_str(&format!(" ({})", why.join("; ")));
            }
            outln!("{line}")
        }
    }
}
