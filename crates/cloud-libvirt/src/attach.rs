//! Attaching and detaching volumes: a `<disk>` whose source is the
//! volume's file, added to or removed from a domain.
//!
//! The change is made live (for a running domain) and in the persistent
//! definition, as `virsh attach-disk --live --config` does. Where the
//! connection cannot hot-plug at all (libvirt's `test:///` driver answers
//! "not supported"), the persistent definition is rewritten instead: the
//! volume counts as attached at once (it is in the definition, so it is
//! never deleted from under the domain) and the guest sees the disk from its
//! next boot. Any other refusal is returned as it is.

use cloud_core::{Error, ErrorKind, ResourceKind, Result};
use virt::connect::Connect;
use virt::domain::Domain;
use virt::error::ErrorNumber;
use virt::storage_pool::StoragePool;
use virt::storage_vol::StorageVol;

use crate::PROVIDER;
use crate::error::from_virt;

/// Where a disk is, and the text of its `<disk>` element.
struct DiskEntry {
    /// The element as it stands in the domain's XML.
    xml: String,
    /// In the running domain's (live) definition.
    live: bool,
    /// In the persistent definition.
    config: bool,
}

/// The domain's live XML and, for a persistent domain, its persistent XML.
fn definitions(domain: &Domain) -> Result<(String, Option<String>)> {
    let live = domain.xml_desc(0).map_err(|e| from_virt(e, None))?;
    let persistent = domain.is_persistent().map_err(|e| from_virt(e, None))?;
    let config = if persistent {
        Some(
            domain
                .xml_desc(virt::sys::VIR_DOMAIN_XML_INACTIVE)
                .map_err(|e| from_virt(e, None))?,
        )
    } else {
        None
    };
    Ok((live, config))
}

/// The `<disk>` elements of a domain XML whose source file is `path`, as
/// their text, and every disk target name.
fn disks(xml: &str, path: &str) -> Result<(Vec<String>, Vec<String>)> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| {
        Error::malformed(
            PROVIDER,
            format!("libvirt gave a domain XML that does not parse: {e}"),
        )
    })?;
    let mut matching = Vec::new();
    let mut targets = Vec::new();
    for disk in doc.descendants().filter(|n| n.has_tag_name("disk")) {
        let child = |name: &str| disk.children().find(|c| c.has_tag_name(name));
        if let Some(dev) = child("target").and_then(|t| t.attribute("dev")) {
            targets.push(dev.to_owned());
        }
        if child("source").and_then(|s| s.attribute("file")) == Some(path) {
            matching.push(xml[disk.range()].to_owned());
        }
    }
    Ok((matching, targets))
}

/// The volume `name` of `pool`, its file and its format (`raw`, `qcow2`).
fn volume_file(pool: &StoragePool, name: &str) -> Result<(StorageVol, String, String)> {
    let volume = pool
        .lookup_storage_vol_by_name(name)
        .map_err(|e| from_virt(e, Some((ResourceKind::Volume, name))))?;
    let path = volume.path().map_err(|e| from_virt(e, None))?;
    let xml = volume.xml_desc(0).map_err(|e| from_virt(e, None))?;
    let format = roxmltree::Document::parse(&xml)
        .ok()
        .and_then(|doc| {
            doc.descendants()
                .find(|n| {
                    n.has_tag_name("format") && n.parent().is_some_and(|p| p.has_tag_name("target"))
                })
                .and_then(|n| n.attribute("type").map(str::to_owned))
        })
        .unwrap_or_else(|| "raw".to_owned());
    Ok((volume, path, format))
}

/// The first virtio target (`vdb`, `vdc`...) no disk of the domain uses,
/// or `device` (`/dev/vdc` or `vdc`) when it names a free virtio target.
fn target_for(device: Option<&str>, taken: &[String]) -> Result<String> {
    if let Some(device) = device {
        let name = device.trim_start_matches("/dev/");
        let virtio = name
            .strip_prefix("vd")
            .is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase()));
        if virtio {
            if taken.iter().any(|t| t == name) {
                return Err(
                    Error::conflict(format!("the domain already has a disk `{name}`"))
                        .with_provider(PROVIDER),
                );
            }
            return Ok(name.to_owned());
        }
        // Other names (`/dev/sdf`) imply buses a new disk here does not use.
    }
    let letters = (b'a'..=b'z').map(|c| (c as char).to_string());
    let singles: Vec<String> = letters.clone().collect();
    let doubles = singles
        .iter()
        .flat_map(|a| letters.clone().map(move |b| format!("{a}{b}")));
    singles
        .iter()
        .cloned()
        .chain(doubles)
        .map(|suffix| format!("vd{suffix}"))
        .find(|t| !taken.contains(t))
        .ok_or_else(|| {
            Error::conflict("the domain has no free virtio disk name").with_provider(PROVIDER)
        })
}

fn unsupported(e: &virt::error::Error) -> bool {
    matches!(
        e.code().known(),
        Some(ErrorNumber::NoSupport | ErrorNumber::OperationUnsupported)
    )
}

/// Rewrites the persistent definition with `edit` applied.
fn redefine(conn: &Connect, config: &str, edit: impl FnOnce(&str) -> Option<String>) -> Result<()> {
    let xml = edit(config).ok_or_else(|| {
        Error::malformed(
            PROVIDER,
            "libvirt gave a domain XML without a <devices> element",
        )
    })?;
    conn.define_domain_xml(&xml)
        .map_err(|e| from_virt(e, None))?;
    Ok(())
}

/// Finds the domain whose definition holds a disk on `path`.
fn user_of(conn: &Connect, path: &str) -> Result<Option<(Domain, DiskEntry)>> {
    for domain in conn.list_all_domains(0).map_err(|e| from_virt(e, None))? {
        let Ok((live, config)) = definitions(&domain) else {
            continue;
        };
        let (in_live, _) = disks(&live, path)?;
        let in_config = match &config {
            Some(c) => disks(c, path)?.0,
            None => Vec::new(),
        };
        if let Some(xml) = in_live.first().or(in_config.first()) {
            let active = domain.is_active().map_err(|e| from_virt(e, None))?;
            let entry = DiskEntry {
                xml: xml.clone(),
                // An inactive domain's "live" XML is its persistent one.
                live: active && !in_live.is_empty(),
                config: !in_config.is_empty(),
            };
            return Ok(Some((domain, entry)));
        }
    }
    Ok(None)
}

/// Attaches volume `name` of `pool` to the domain `domain` as a virtio disk.
pub(crate) fn attach(
    conn: &Connect,
    pool: &StoragePool,
    name: &str,
    domain: &Domain,
    domain_id: &str,
    device: Option<&str>,
) -> Result<()> {
    let (_volume, path, format) = volume_file(pool, name)?;
    if let Some((user, _)) = user_of(conn, &path)? {
        let owner = user.uuid_string().unwrap_or_default();
        return Err(Error::conflict(format!(
            "volume `{name}` is already attached to node `{owner}`"
        ))
        .with_provider(PROVIDER));
    }
    let (live, config) = definitions(domain)?;
    let mut taken = disks(&live, &path)?.1;
    if let Some(c) = &config {
        taken.extend(disks(c, &path)?.1);
    }
    let target = target_for(device, &taken)?;
    let disk = format!(
        "<disk type='file' device='disk'><driver name='qemu' type='{}'/><source file='{}'/>\
         <target dev='{target}' bus='virtio'/></disk>",
        cloud_core::markup::escape_xml(&format),
        cloud_core::markup::escape_xml(&path),
    );
    let active = domain.is_active().map_err(|e| from_virt(e, None))?;
    let mut flags = 0;
    if active {
        flags |= virt::sys::VIR_DOMAIN_AFFECT_LIVE;
    }
    if config.is_some() {
        flags |= virt::sys::VIR_DOMAIN_AFFECT_CONFIG;
    }
    match domain.attach_device_flags(&disk, flags) {
        Ok(()) => Ok(()),
        Err(e) if unsupported(&e) && config.is_some() => {
            let config = config.unwrap_or_default();
            redefine(conn, &config, |xml| {
                let at = xml.rfind("</devices>")?;
                Some(format!("{}{disk}{}", &xml[..at], &xml[at..]))
            })
        }
        Err(e) => Err(from_virt(e, Some((ResourceKind::Node, domain_id)))),
    }
}

/// Detaches volume `name` of `pool` from the domain whose disk it is.
pub(crate) fn detach(conn: &Connect, pool: &StoragePool, name: &str) -> Result<()> {
    let (_volume, path, _) = volume_file(pool, name)?;
    let Some((domain, entry)) = user_of(conn, &path)? else {
        return Err(Error::new(
            ErrorKind::Conflict,
            format!("volume `{name}` is not attached"),
        )
        .with_provider(PROVIDER));
    };
    let mut flags = 0;
    if entry.live {
        flags |= virt::sys::VIR_DOMAIN_AFFECT_LIVE;
    }
    if entry.config {
        flags |= virt::sys::VIR_DOMAIN_AFFECT_CONFIG;
    }
    match domain.detach_device_flags(&entry.xml, flags) {
        Ok(()) => Ok(()),
        // Only a disk in the persistent definition alone can be taken out
        // by rewriting it; one the running guest holds needs a hot-unplug.
        Err(e) if unsupported(&e) && entry.config && !entry.live => {
            let config = domain
                .xml_desc(virt::sys::VIR_DOMAIN_XML_INACTIVE)
                .map_err(|e| from_virt(e, None))?;
            let (matching, _) = disks(&config, &path)?;
            redefine(conn, &config, |xml| {
                let element = matching.first()?;
                let at = xml.find(element.as_str())?;
                Some(format!("{}{}", &xml[..at], &xml[at + element.len()..]))
            })
        }
        Err(e) => Err(from_virt(e, None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_free_virtio_names() {
        let taken = vec!["vda".to_owned(), "hdc".to_owned()];
        assert_eq!(target_for(None, &taken).unwrap(), "vdb");
        assert_eq!(target_for(Some("/dev/vdf"), &taken).unwrap(), "vdf");
        assert_eq!(target_for(Some("/dev/sdf"), &taken).unwrap(), "vdb");
        assert!(target_for(Some("vda"), &taken).is_err());
        let all: Vec<String> = (b'a'..=b'z').map(|c| format!("vd{}", c as char)).collect();
        assert_eq!(target_for(None, &all).unwrap(), "vdaa");
    }

    #[test]
    fn disks_are_found_by_their_source() {
        let xml = "<domain><devices>\
            <disk type='file' device='disk'><source file='/p/a.img'/><target dev='vda' bus='virtio'/></disk>\
            <disk type='file' device='disk'><source file='/p/b.img'/><target dev='vdb' bus='virtio'/></disk>\
            </devices></domain>";
        let (matching, targets) = disks(xml, "/p/b.img").unwrap();
        assert_eq!(targets, ["vda", "vdb"]);
        assert_eq!(matching.len(), 1);
        assert!(matching[0].contains("b.img") && !matching[0].contains("a.img"));
        assert!(disks("<domain", "/p").is_err());
    }
}
