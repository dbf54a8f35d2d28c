//! Servers: sizes, creation from a library drive, actions, and deletion
//! with the boot drive.

use std::collections::BTreeMap;

use cloud_core::http::Method;
use cloud_core::{
    CreateNode, Error, ErrorKind, Node, NodeAuth, NodeSize, NodeState, ResourceKind, Result,
};
use serde_json::{Map, Value, json};

use super::CloudSigmaCompute;
use super::parse::{self, GIB, META_BOOT_DRIVE, META_IMAGE, MIB};
use crate::PROVIDER;
use cloud_core::http::rest::About;
use cloud_core::poll::{Poll, poll_until};

use super::parse::created;

/// Options [`CreateNode::option`] understands here.
pub const CREATE_NODE_OPTIONS: &[&str] = &[
    "vnc_password",
    "drives",
    "vlan",
    "smp",
    "ip",
    "firewall_policy",
];

/// MHz of one core, as CloudSigma counts them.
const CORE_MHZ: u64 = 2000;

/// The preset sizes: id, CPU MHz, memory MiB, boot drive GB. Any other
/// combination is a custom size id (`4000mhz-4096mib-40gb`).
const PRESETS: &[(&str, u64, u64, u64)] = &[
    ("small", 2000, 1024, 20),
    ("medium", 4000, 4096, 40),
    ("large", 8000, 8192, 80),
    ("xlarge", 16000, 16384, 160),
];

/// CPU MHz, memory MiB and boot drive GB (if the size gives one) of `id`.
fn resolve_size(id: &str) -> Result<(u64, u64, Option<u64>)> {
    if let Some((_, cpu, mem, disk)) = PRESETS.iter().find(|p| p.0 == id) {
        return Ok((*cpu, *mem, Some(*disk)));
    }
    parse::parse_size_id(id).ok_or_else(|| {
        let presets: Vec<&str> = PRESETS.iter().map(|p| p.0).collect();
        Error::invalid_input(format!(
            "unknown CloudSigma size `{id}`: use a preset ({}) or `<MHz>mhz-<MiB>mib[-<GB>gb]`",
            presets.join(", ")
        ))
    })
}

/// A VNC password nobody can guess: 9 bytes from the system's random
/// source as 12 base64 characters.
fn random_vnc_password() -> Result<String> {
    use base64::Engine as _;
    use std::io::Read as _;
    let mut bytes = [0u8; 9];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| {
            Error::invalid_input(format!(
                "no random source for a VNC password ({e}); give the `vnc_password` option"
            ))
        })?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

impl CloudSigmaCompute {
    /// A server's JSON.
    pub(super) async fn server(&self, id: &str) -> Result<Value> {
        let url = self.client.url(&["servers", id], &[]);
        self.get(url, Some(About::reading(ResourceKind::Node, id)))
            .await
    }

    /// The presets, priced from `/pricing/` when the region offers it.
    ///
    /// Only a region without the call (404, or a method it does not
    /// support) lists sizes without prices; any other failure, a refused
    /// password above all, is the listing's failure.
    pub(super) async fn sizes(&self) -> Result<Vec<NodeSize>> {
        let pricing = match self.get(self.client.url(&["pricing"], &[]), None).await {
            Ok(p) => Some(parse::wire::<parse::Pricing>(p, "the price list")?),
            Err(e)
                if matches!(e.kind(), ErrorKind::Unsupported { .. })
                    || matches!(e.status(), Some(404 | 405 | 501)) =>
            {
                tracing::debug!(error = %e, "this CloudSigma region has no pricing; sizes without prices");
                None
            }
            Err(e) => return Err(e),
        };
        Ok(PRESETS
            .iter()
            .map(|(id, cpu, mem, disk)| {
                let mut size = NodeSize::new(
                    *id,
                    format!("{id}: {cpu} MHz, {mem} MiB, {disk} GB SSD"),
                    *mem,
                    *disk,
                );
                size.vcpus = u32::try_from(cpu / CORE_MHZ).ok();
                // The portable price is in US dollars; another currency
                // the account bills in goes beside it.
                let price = |currency: &str| {
                    pricing
                        .as_ref()
                        .and_then(|p| parse::hourly_price(p, currency, *cpu, *mem, *disk))
                };
                size.price_per_hour = price("USD");
                size.extra.insert("cpu_mhz".into(), Value::from(*cpu));
                if self.currency != "USD"
                    && let Some(local) = price(&self.currency)
                {
                    let key = format!("price_per_hour_{}", self.currency.to_ascii_lowercase());
                    size.extra.insert(key, Value::from(local));
                }
                size
            })
            .collect())
    }

    /// `POST /servers/{id}/action/?do=<action>`.
    pub(super) async fn server_action(&self, id: &str, action: &str) -> Result<()> {
        self.action(
            &["servers", id],
            action,
            None,
            About::reading(ResourceKind::Node, id),
        )
        .await?;
        Ok(())
    }

    /// Polls the server until `done` says so, or the change wait ends.
    async fn wait_server(
        &self,
        id: &str,
        what: &str,
        done: impl Fn(NodeState) -> bool,
    ) -> Result<()> {
        poll_until(self.wait, &format!("server `{id}` to {what}"), || async {
            let server = self.server(id).await?;
            let state: parse::State = parse::wire_ref(&server, "a server")?;
            let status = state.status.unwrap_or_default();
            Ok(if done(parse::node_state(&status)) {
                Poll::Done(())
            } else {
                Poll::Pending(format!("its status is {status}"))
            })
        })
        .await
        .map_err(|e| e.with_provider(PROVIDER))
    }

    /// Stops the server unless it is stopped, and waits until it is.
    pub(super) async fn stop_and_wait(&self, id: &str) -> Result<()> {
        let server = self.server(id).await?;
        let state: parse::State = parse::wire_ref(&server, "a server")?;
        if parse::node_state(state.status.as_deref().unwrap_or_default()) != NodeState::Stopped {
            match self.server_action(id, "stop").await {
                // Already stopping (or stopped meanwhile): wait all the same.
                Err(e) if e.kind() == &ErrorKind::Conflict => {}
                other => other?,
            }
        }
        self.wait_server(id, "stop", |s| s == NodeState::Stopped)
            .await
    }

    /// Creates, clones, resizes, defines and starts; undoes what it made
    /// when a later step fails, so a failed call leaves nothing behind.
    pub(super) async fn create_server(&self, request: &CreateNode) -> Result<Node> {
        let options = request.options();
        if let Some(unknown) = options
            .keys()
            .find(|k| !CREATE_NODE_OPTIONS.contains(&k.as_str()))
        {
            return Err(Error::invalid_input(format!(
                "unknown option `{unknown}` for CloudSigma servers (known: {})",
                CREATE_NODE_OPTIONS.join(", ")
            )));
        }
        if let Some(location) = request.location_id()
            && location != self.location.id
        {
            return Err(Error::invalid_input(format!(
                "this client serves region `{}`, not `{location}` (each region is its own endpoint)",
                self.location.id
            )));
        }
        let (cpu, mem, disk) = resolve_size(request.size())?;
        let vnc_password = match options.get("vnc_password") {
            Some(p) if p.len() >= 4 => p.clone(),
            Some(_) => {
                return Err(Error::invalid_input(
                    "the VNC password needs 4 characters or more",
                ));
            }
            None => random_vnc_password()?,
        };
        let mut meta = Map::new();
        for (k, v) in request.tags() {
            meta.insert(k.clone(), json!(v));
        }
        match request.auth_value() {
            Some(NodeAuth::SshKey(key)) => {
                meta.insert("ssh_public_key".into(), json!(key));
            }
            Some(NodeAuth::Password(_)) => {
                return Err(Error::invalid_input(
                    "CloudSigma sets no root password through its API: give an SSH key \
                     (NodeAuth::SshKey or a key pair)",
                ));
            }
            _ => {}
        }
        if let Some(data) = request.user_data_value() {
            use base64::Engine as _;
            meta.insert(
                "cloudinit-user-data".into(),
                json!(base64::engine::general_purpose::STANDARD.encode(data)),
            );
            meta.insert("base64_fields".into(), json!("cloudinit-user-data"));
        }
        let mut pubkeys = Vec::new();
        if let Some(name) = request.key_pair_name() {
            let key = self.key_named(name).await?;
            pubkeys.push(key.extra.get("uuid").cloned().unwrap_or(Value::Null));
        }
        let image = self.library_drive(request.image()).await?;
        let cdrom = image.get("media").and_then(Value::as_str) == Some("cdrom");
        meta.insert(META_IMAGE.into(), json!(request.image()));

        // The boot drive: the CD itself, or a clone of the library drive.
        let boot = if cdrom {
            json!({"boot_order": 1, "dev_channel": "0:0", "device": "ide", "drive": request.image()})
        } else {
            let drive = self
                .clone_library_drive(request.image(), &format!("{}-boot", request.name()), disk)
                .await?;
            meta.insert(META_BOOT_DRIVE.into(), json!(drive));
            json!({"boot_order": 1, "dev_channel": "0:0", "device": "virtio", "drive": drive})
        };
        let boot_drive = meta
            .get(META_BOOT_DRIVE)
            .and_then(Value::as_str)
            .map(str::to_owned);
        let result = self
            .define_and_start(
                request,
                cpu,
                mem,
                &vnc_password,
                boot,
                meta,
                pubkeys,
                options,
            )
            .await;
        match result {
            Ok(node) => Ok(node),
            Err(e) => {
                if let Some(drive) = boot_drive {
                    let _ = self.delete_drive(&drive).await;
                }
                Err(e)
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn define_and_start(
        &self,
        request: &CreateNode,
        cpu: u64,
        mem_mib: u64,
        vnc_password: &str,
        boot: Value,
        meta: Map<String, Value>,
        pubkeys: Vec<Value>,
        options: &BTreeMap<String, String>,
    ) -> Result<Node> {
        let mut drives = vec![boot];
        if let Some(extra) = options.get("drives") {
            for (i, id) in extra
                .split(',')
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .enumerate()
            {
                drives.push(
                    json!({"boot_order": null, "dev_channel": format!("0:{}", i + 1),
                                   "device": "virtio", "drive": id}),
                );
            }
        }
        // The public interface: DHCP, or a subscribed static address.
        let ip_v4_conf = match options.get("ip") {
            Some(ip) => {
                ip.parse::<std::net::Ipv4Addr>().map_err(|_| {
                    Error::invalid_input(format!("option ip: `{ip}` is not an IPv4 address"))
                })?;
                json!({"conf": "static", "ip": ip})
            }
            None => json!({"conf": "dhcp"}),
        };
        let mut public = json!({"ip_v4_conf": ip_v4_conf, "model": "virtio"});
        if let Some(policy) = options.get("firewall_policy") {
            public["firewall_policy"] = json!(policy);
        }
        let mut nics = vec![public];
        if let Some(vlan) = options.get("vlan") {
            nics.push(json!({"ip_v4_conf": null, "model": "virtio", "vlan": vlan}));
        }
        let mut server = json!({
            "name": request.name(),
            "cpu": cpu,
            "mem": mem_mib * MIB,
            "vnc_password": vnc_password,
            "drives": drives,
            "nics": nics,
            "meta": meta,
        });
        if let Some(smp) = options.get("smp") {
            let smp: u32 = smp.parse().map_err(|_| {
                Error::invalid_input(format!("option smp: `{smp}` is not a number"))
            })?;
            server["smp"] = json!(smp);
        }
        if !pubkeys.is_empty() {
            server["pubkeys"] = Value::Array(pubkeys);
        }
        let url = self.client.url(&["servers"], &[]);
        let body = self
            .send(
                Method::POST,
                url,
                Some(&json!({ "objects": [server] })),
                Some(About::reading(ResourceKind::Node, request.name())),
            )
            .await?;
        let server = created(body, "server")?;
        let node = parse::node(server, &self.location.id)?;
        if let Err(e) = self.server_action(&node.id, "start").await {
            // Never started: delete it, the boot drive goes in the caller.
            let url = self.client.url(&["servers", &node.id], &[]);
            let _ = self.send(Method::DELETE, url, None, None).await;
            return Err(e);
        }
        self.get_node_value(&node.id).await
    }

    async fn get_node_value(&self, id: &str) -> Result<Node> {
        let server = self.server(id).await?;
        parse::node(server, &self.location.id)
    }

    /// Stops, deletes, then deletes the boot drive the server was created
    /// with (other drives are the user's and stay).
    pub(super) async fn destroy_server(&self, id: &str) -> Result<()> {
        let server = self.server(id).await?;
        self.stop_and_wait(id).await?;
        let url = self.client.url(&["servers", id], &[]);
        self.send(
            Method::DELETE,
            url,
            None,
            Some(About::reading(ResourceKind::Node, id)),
        )
        .await?;
        let boot = server
            .pointer(&format!("/meta/{META_BOOT_DRIVE}"))
            .and_then(Value::as_str);
        if let Some(drive) = boot {
            self.delete_released_drive(drive).await?;
        }
        Ok(())
    }

    /// Deletes a drive its server has just let go of: CloudSigma may still
    /// count it mounted for a moment (`Conflict`), so that is retried
    /// within the change wait. A drive already gone is fine.
    async fn delete_released_drive(&self, drive: &str) -> Result<()> {
        let what = format!("drive `{drive}` to be released");
        poll_until(self.wait, &what, || async {
            match self.delete_drive(drive).await {
                Ok(()) => Ok(Poll::Done(())),
                Err(e) if e.is_not_found() => Ok(Poll::Done(())),
                Err(e) if e.kind() == &ErrorKind::Conflict => {
                    Ok(Poll::Pending(format!("deleting it answered: {e}")))
                }
                Err(e) => Err(e),
            }
        })
        .await
        .map_err(|e| e.with_provider(PROVIDER))
    }

    /// A library drive's JSON.
    async fn library_drive(&self, id: &str) -> Result<Value> {
        let url = self.client.url(&["libdrives", id], &[]);
        self.get(url, Some(About::reading(ResourceKind::Image, id)))
            .await
    }

    /// Clones library drive `id` into the account as `name`, grown to
    /// `disk_gb` when that is larger; returns the new drive's uuid once it
    /// is ready.
    async fn clone_library_drive(
        &self,
        id: &str,
        name: &str,
        disk_gb: Option<u64>,
    ) -> Result<String> {
        let body = self
            .action(
                &["libdrives", id],
                "clone",
                Some(&json!({"name": name, "media": "disk"})),
                About::reading(ResourceKind::Image, id),
            )
            .await?;
        let drive = created(body, "drive clone")?;
        let uuid = parse::created_uuid(drive, "drive clone")?;
        let ready = async {
            let drive = self.wait_drive_ready(&uuid).await?;
            let state: parse::State = parse::wire_ref(&drive, "a drive")?;
            let size = state.size.unwrap_or(0);
            if let Some(gb) = disk_gb
                && gb * GIB > size
            {
                self.resize_drive(&uuid, gb).await?;
            }
            Ok::<(), Error>(())
        };
        if let Err(e) = ready.await {
            let _ = self.delete_drive(&uuid).await;
            return Err(e);
        }
        Ok(uuid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_resolve() {
        assert_eq!(resolve_size("small").unwrap(), (2000, 1024, Some(20)));
        assert_eq!(resolve_size("3000mhz-3072mib").unwrap(), (3000, 3072, None));
        let err = resolve_size("huge").unwrap_err();
        assert!(err.to_string().contains("small, medium"), "{err}");
    }

    #[test]
    fn vnc_passwords_differ() {
        let a = random_vnc_password().unwrap();
        assert_eq!(a.len(), 12);
        assert_ne!(a, random_vnc_password().unwrap());
    }
}
