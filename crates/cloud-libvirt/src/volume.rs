//! Volumes: the volumes of one storage pool (`volume_pool`, by default the
//! image pool, since in libvirt any volume can be a boot disk).
//!
//! A volume's id is its name, unique within its pool. Whether a domain uses
//! it is read from the domains' definitions (a `<disk>` whose source is the
//! volume's path), so a volume attached by hand or by `virsh` shows up too,
//! and one in use is never deleted from under its domain.

use cloud_core::{
    CreateVolume, Error, ErrorKind, ResourceKind, Result, StorageVolume, VolumeState,
};
use virt::storage_pool::StoragePool;
use virt::storage_vol::StorageVol;

use crate::PROVIDER;
use crate::error::from_virt;

const GIB: u64 = 1024 * 1024 * 1024;

/// Opens the pool `name`, saying which option names it when it is missing.
pub(crate) fn open_pool(
    conn: &virt::connect::Connect,
    name: &str,
    option: &str,
) -> Result<StoragePool> {
    conn.lookup_storage_pool_by_name(name).map_err(|e| {
        Error::new(
            ErrorKind::Provider,
            format!(
                "the storage pool `{name}` (option `{option}`) cannot be opened: {}",
                e.message()
            ),
        )
        .with_provider(PROVIDER)
    })
}

/// Creates an empty raw volume of `capacity` bytes named `name` in `pool`.
pub(crate) fn create_raw(pool: &StoragePool, name: &str, capacity: u64) -> Result<StorageVol> {
    if pool.lookup_storage_vol_by_name(name).is_ok() {
        return Err(Error::already_exists(ResourceKind::Volume, name).with_provider(PROVIDER));
    }
    let xml = format!(
        "<volume><name>{}</name><capacity unit='bytes'>{capacity}</capacity>\
         <target><format type='raw'/></target></volume>",
        cloud_core::markup::escape_xml(name)
    );
    StorageVol::create_xml(pool, &xml, 0).map_err(|e| from_virt(e, None))
}

/// Creates a blank volume of `request.size_gb` GiB.
pub(crate) fn create(
    conn: &virt::connect::Connect,
    pool: &StoragePool,
    request: &CreateVolume,
    location: &str,
) -> Result<StorageVolume> {
    if request.snapshot.is_some() {
        return Err(Error::invalid_input(
            "libvirt volumes have no snapshots to restore from",
        ));
    }
    if let Some(wanted) = request.location.as_deref()
        && wanted != location
    {
        return Err(Error::not_found(ResourceKind::Location, wanted).with_provider(PROVIDER));
    }
    let capacity = request
        .size_gb
        .checked_mul(GIB)
        .ok_or_else(|| Error::invalid_input("volume size is too large"))?;
    let volume = create_raw(pool, &request.name, capacity)?;
    to_volume(conn, &volume, location)
}

/// Every volume of `pool`, sorted by name.
pub(crate) fn list(
    conn: &virt::connect::Connect,
    pool: &StoragePool,
    location: &str,
) -> Result<Vec<StorageVolume>> {
    let users = disk_users(conn)?;
    let mut out = Vec::new();
    for volume in pool.list_all_volumes(0).map_err(|e| from_virt(e, None))? {
        // A volume deleted while listed is skipped, not an error.
        if let Ok(mut v) = describe(&volume, location) {
            v.attached_to = attached_to(&users, &volume);
            if v.attached_to.is_some() {
                v.state = VolumeState::InUse;
            }
            out.push(v);
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// Deletes the volume `name` of `pool`, unless a domain uses it.
pub(crate) fn destroy(conn: &virt::connect::Connect, pool: &StoragePool, name: &str) -> Result<()> {
    let volume = pool
        .lookup_storage_vol_by_name(name)
        .map_err(|e| from_virt(e, Some((ResourceKind::Volume, name))))?;
    if let Some(node) = attached_to(&disk_users(conn)?, &volume) {
        return Err(Error::conflict(format!(
            "volume `{name}` is a disk of node `{node}`: detach it or destroy the node first"
        ))
        .with_provider(PROVIDER));
    }
    volume
        .delete(0)
        .map_err(|e| from_virt(e, Some((ResourceKind::Volume, name))))
}

fn to_volume(
    conn: &virt::connect::Connect,
    volume: &StorageVol,
    location: &str,
) -> Result<StorageVolume> {
    let mut v = describe(volume, location)?;
    v.attached_to = attached_to(&disk_users(conn)?, volume);
    Ok(v)
}

fn describe(volume: &StorageVol, location: &str) -> Result<StorageVolume> {
    let name = volume.name().map_err(|e| from_virt(e, None))?;
    let info = volume.info().map_err(|e| from_virt(e, None))?;
    let mut v = StorageVolume::new(
        name.clone(),
        name,
        info.capacity.div_ceil(GIB),
        VolumeState::Available,
    );
    v.location = Some(location.to_owned());
    v.extra
        .insert("capacity_bytes".into(), info.capacity.into());
    v.extra
        .insert("allocation_bytes".into(), info.allocation.into());
    if let Ok(path) = volume.path() {
        v.extra.insert("path".into(), path.into());
    }
    Ok(v)
}

/// Each domain's uuid with its definitions: the live one and, for a
/// persistent domain, the persistent one (a disk added there for the next
/// boot is in use too).
fn disk_users(conn: &virt::connect::Connect) -> Result<Vec<(String, String)>> {
    let mut users = Vec::new();
    for domain in conn.list_all_domains(0).map_err(|e| from_virt(e, None))? {
        if let (Ok(id), Ok(mut xml)) = (domain.uuid_string(), domain.xml_desc(0)) {
            if domain.is_persistent().unwrap_or(false)
                && let Ok(config) = domain.xml_desc(virt::sys::VIR_DOMAIN_XML_INACTIVE)
            {
                xml.push_str(&config);
            }
            users.push((id, xml));
        }
    }
    Ok(users)
}

/// The domain one of whose disks is `volume`'s file.
fn attached_to(users: &[(String, String)], volume: &StorageVol) -> Option<String> {
    let path = volume.path().ok()?;
    let escaped = cloud_core::markup::escape_xml(&path);
    let needles = [format!("file='{escaped}'"), format!("file=\"{escaped}\"")];
    users
        .iter()
        .find(|(_, xml)| needles.iter().any(|n| xml.contains(n.as_str())))
        .map(|(id, _)| id.clone())
}
