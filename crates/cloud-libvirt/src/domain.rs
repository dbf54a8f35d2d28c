//! Domains as nodes: the XML a new domain is defined with, the sizes the
//! driver offers, and a domain's state and addresses read back as a `Node`.

use std::net::IpAddr;

use cloud_core::markup::escape_xml;
use cloud_core::{Error, Extra, Node, NodeSize, NodeState, Result};
use virt::domain::{Domain, DomainState};

/// The sizes every connection offers; any other `vcpus-MiB` pair (such as
/// `3-3072`) is accepted too.
pub(crate) const PRESETS: &[(&str, u32, u64)] = &[
    ("small", 1, 512),
    ("medium", 2, 2048),
    ("large", 4, 4096),
    ("xlarge", 8, 8192),
];

/// vCPUs and MiB of memory of a size id: a preset name or `vcpus-MiB`.
pub(crate) fn parse_size(id: &str) -> Result<(u32, u64)> {
    if let Some((_, vcpus, mib)) = PRESETS.iter().find(|(name, ..)| *name == id) {
        return Ok((*vcpus, *mib));
    }
    let parsed = id
        .split_once('-')
        .and_then(|(c, m)| Some((c.parse::<u32>().ok()?, m.parse::<u64>().ok()?)));
    match parsed {
        Some((vcpus, mib))
            if (1..=1024).contains(&vcpus) && (16..=16 * 1024 * 1024).contains(&mib) =>
        {
            Ok((vcpus, mib))
        }
        _ => Err(Error::invalid_input(format!(
            "unknown size `{}`: use one of {} or `vcpus-MiB` such as `2-2048`",
            cloud_core::error::quote(id),
            PRESETS
                .iter()
                .map(|(n, ..)| *n)
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// The sizes, as `NodeSize`s (libvirt has no disk size per size: the disk
/// is the image volume).
pub(crate) fn sizes() -> Vec<NodeSize> {
    PRESETS
        .iter()
        .map(|(name, vcpus, mib)| {
            let mut size = NodeSize::new(*name, format!("{vcpus} vCPU, {mib} MiB"), *mib, 0);
            size.vcpus = Some(*vcpus);
            size
        })
        .collect()
}

/// What a new domain is made of.
pub(crate) struct NewDomain<'a> {
    pub(crate) name: &'a str,
    pub(crate) domain_type: &'a str,
    pub(crate) vcpus: u32,
    pub(crate) memory_mib: u64,
    /// The path of the image volume the domain boots from.
    pub(crate) disk: &'a str,
    pub(crate) network: &'a str,
}

impl NewDomain<'_> {
    /// The domain's XML: one virtio disk on the image volume, one NIC on the
    /// network, a serial console.
    pub(crate) fn xml(&self) -> String {
        format!(
            "<domain type='{kind}'>\
               <name>{name}</name>\
               <memory unit='MiB'>{mib}</memory>\
               <vcpu>{vcpus}</vcpu>\
               <os><type>hvm</type><boot dev='hd'/></os>\
               <devices>\
                 <disk type='file' device='disk'>\
                   <source file='{disk}'/>\
                   <target dev='vda' bus='virtio'/>\
                 </disk>\
                 <interface type='network'><source network='{network}'/></interface>\
                 <serial type='pty'/>\
               </devices>\
             </domain>",
            kind = escape_xml(self.domain_type),
            name = escape_xml(self.name),
            mib = self.memory_mib,
            vcpus = self.vcpus,
            disk = escape_xml(self.disk),
            network = escape_xml(self.network),
        )
    }
}

/// A libvirt domain state as a node state.
pub(crate) fn node_state(state: Option<DomainState>) -> NodeState {
    match state {
        Some(DomainState::Running | DomainState::Blocked) => NodeState::Running,
        Some(DomainState::Paused | DomainState::PMSuspended) => NodeState::Suspended,
        Some(DomainState::Shutdown) => NodeState::Stopping,
        Some(DomainState::Shutoff) => NodeState::Stopped,
        Some(DomainState::Crashed) => NodeState::Error,
        Some(DomainState::NoState) | None => NodeState::Unknown,
    }
}

/// The private addresses libvirt knows for a running domain: from the DHCP
/// leases of its networks, or failing that from the guest agent. A
/// connection that offers neither gives none.
fn addresses(domain: &Domain) -> Vec<IpAddr> {
    let sources = [
        virt::sys::VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE,
        virt::sys::VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT,
    ];
    for source in sources {
        if let Ok(interfaces) = domain.interface_addresses(source, 0) {
            let found: Vec<IpAddr> = interfaces
                .iter()
                .flat_map(|i| i.addrs.iter())
                .filter_map(|a| a.addr.parse().ok())
                .collect();
            if !found.is_empty() {
                return found;
            }
        }
    }
    Vec::new()
}

/// A domain read back as a node.
pub(crate) fn to_node(
    domain: &Domain,
    location: &str,
) -> std::result::Result<Node, virt::error::Error> {
    let id = domain.uuid_string()?;
    let name = domain.name()?;
    let info = domain.info()?;
    let state = node_state(info.state.known());
    let mut extra = Extra::new();
    extra.insert("vcpus".into(), info.nr_virt_cpu.into());
    extra.insert("memory_mib".into(), (info.max_mem / 1024).into());
    if let Some(libvirt_id) = domain.id() {
        extra.insert("domain_id".into(), libvirt_id.into());
    }
    let private_ips = if state == NodeState::Running {
        addresses(domain)
    } else {
        Vec::new()
    };
    let mut node = Node::new(id, name, state);
    node.private_ips = private_ips;
    node.size = Some(format!("{}-{}", info.nr_virt_cpu, info.max_mem / 1024));
    node.location = Some(location.to_owned());
    node.extra = extra;
    Ok(node)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_presets_or_pairs() {
        assert_eq!(parse_size("medium").unwrap(), (2, 2048));
        assert_eq!(parse_size("3-3072").unwrap(), (3, 3072));
        for bad in ["huge", "0-512", "2-", "2-8", "x-512", ""] {
            let err = parse_size(bad).unwrap_err();
            assert_eq!(err.kind(), &cloud_core::ErrorKind::InvalidInput, "{bad}");
        }
    }

    #[test]
    fn names_are_escaped_in_the_xml() {
        let xml = NewDomain {
            name: "a<b>&'c\"",
            domain_type: "kvm",
            vcpus: 1,
            memory_mib: 512,
            disk: "/var/lib/x.img",
            network: "default",
        }
        .xml();
        assert!(
            xml.contains("<name>a&lt;b&gt;&amp;&apos;c&quot;</name>"),
            "{xml}"
        );
        assert!(xml.contains("<memory unit='MiB'>512</memory>"));
    }
}
