//! Provider-specific extras of the compute driver: Neutron floating IPs and
//! security groups, and Nova server metadata.

use std::collections::BTreeMap;

use cloud_core::{Error, ResourceKind, Result};
use serde_json::{Map, Value, json};

use super::NovaCompute;
use crate::json::{list, one};
use cloud_core::http::rest::About;
use serde::Deserialize;

/// A Neutron floating IP.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FloatingIp {
    /// Its id.
    pub id: String,
    /// The public address.
    pub address: String,
    /// The private address it forwards to, when associated.
    pub fixed_address: Option<String>,
    /// The port it is associated with.
    pub port_id: Option<String>,
    /// The external network it comes from.
    pub network_id: Option<String>,
    /// `ACTIVE`, `DOWN`, `ERROR`.
    pub status: Option<String>,
}

/// A Neutron security group.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SecurityGroup {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its description.
    pub description: String,
    /// Its rules.
    pub rules: Vec<SecurityGroupRule>,
}

/// One rule of a security group.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SecurityGroupRule {
    /// Its id (empty until created).
    pub id: String,
    /// `ingress` or `egress`.
    pub direction: String,
    /// `IPv4` or `IPv6`.
    pub ethertype: String,
    /// `tcp`, `udp`, `icmp`... or any protocol when `None`.
    pub protocol: Option<String>,
    /// The first port of the range.
    pub port_min: Option<u16>,
    /// The last port of the range.
    pub port_max: Option<u16>,
    /// The source (ingress) or destination (egress) network.
    pub remote_ip_prefix: Option<String>,
    /// Or a security group whose members are the peers.
    pub remote_group_id: Option<String>,
}

impl SecurityGroupRule {
    /// Allows TCP `port` in from `cidr` (IPv4 or IPv6 by the CIDR's form).
    pub fn ingress_tcp(port: u16, cidr: impl Into<String>) -> Self {
        let cidr = cidr.into();
        SecurityGroupRule {
            id: String::new(),
            direction: "ingress".into(),
            ethertype: if cidr.contains(':') { "IPv6" } else { "IPv4" }.into(),
            protocol: Some("tcp".into()),
            port_min: Some(port),
            port_max: Some(port),
            remote_ip_prefix: Some(cidr),
            remote_group_id: None,
        }
    }
}

/// A floating IP as Neutron answers it.
#[derive(Deserialize)]
struct WireFloatingIp {
    id: String,
    #[serde(default)]
    floating_ip_address: Option<String>,
    #[serde(default)]
    fixed_ip_address: Option<String>,
    #[serde(default)]
    port_id: Option<String>,
    #[serde(default)]
    floating_network_id: Option<String>,
    #[serde(default)]
    status: Option<String>,
}

impl From<WireFloatingIp> for FloatingIp {
    fn from(ip: WireFloatingIp) -> Self {
        FloatingIp {
            id: ip.id,
            address: ip.floating_ip_address.unwrap_or_default(),
            fixed_address: ip.fixed_ip_address,
            port_id: ip.port_id,
            network_id: ip.floating_network_id,
            status: ip.status,
        }
    }
}

/// A security-group rule as Neutron answers it.
#[derive(Deserialize)]
struct WireRule {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    direction: Option<String>,
    #[serde(default)]
    ethertype: Option<String>,
    #[serde(default)]
    protocol: Option<String>,
    #[serde(default)]
    port_range_min: Option<u16>,
    #[serde(default)]
    port_range_max: Option<u16>,
    #[serde(default)]
    remote_ip_prefix: Option<String>,
    #[serde(default)]
    remote_group_id: Option<String>,
}

impl From<WireRule> for SecurityGroupRule {
    fn from(rule: WireRule) -> Self {
        SecurityGroupRule {
            id: rule.id.unwrap_or_default(),
            direction: rule.direction.unwrap_or_default(),
            ethertype: rule.ethertype.unwrap_or_default(),
            protocol: rule.protocol,
            port_min: rule.port_range_min,
            port_max: rule.port_range_max,
            remote_ip_prefix: rule.remote_ip_prefix,
            remote_group_id: rule.remote_group_id,
        }
    }
}

/// A security group as Neutron answers it.
#[derive(Deserialize)]
struct WireGroup {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default, deserialize_with = "cloud_core::http::json::null_as_default")]
    security_group_rules: Vec<WireRule>,
}

impl From<WireGroup> for SecurityGroup {
    fn from(group: WireGroup) -> Self {
        SecurityGroup {
            id: group.id,
            name: group.name.unwrap_or_default(),
            description: group.description.unwrap_or_default(),
            rules: group
                .security_group_rules
                .into_iter()
                .map(SecurityGroupRule::from)
                .collect(),
        }
    }
}

/// A Neutron port: only its id is read.
#[derive(Deserialize)]
struct WirePort {
    id: String,
}

/// A server's metadata: user data, free-form; values that are not text
/// are kept as their JSON.
fn string_map(value: Option<&Value>) -> BTreeMap<String, String> {
    value
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(k, v)| {
            let v = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
            (k.clone(), v)
        })
        .collect()
}

impl NovaCompute {
    /// The project's floating IPs (Neutron).
    pub async fn ex_list_floating_ips(&self) -> Result<Vec<FloatingIp>> {
        let body = self.neutron.get(&["floatingips"], None).await?;
        Ok(list::<WireFloatingIp>(&self.neutron, body, "floatingips")?
            .into_iter()
            .map(FloatingIp::from)
            .collect())
    }

    /// Allocates a floating IP from the external network `network_id`.
    pub async fn ex_create_floating_ip(&self, network_id: &str) -> Result<FloatingIp> {
        let body = json!({ "floatingip": { "floating_network_id": network_id } });
        let answer = self.neutron.post(&["floatingips"], &body, None).await?;
        Ok(one::<WireFloatingIp>(&self.neutron, answer.body, "floatingip")?.into())
    }

    /// Associates floating IP `ip_id` with server `node_id` (its first port).
    pub async fn ex_attach_floating_ip(&self, ip_id: &str, node_id: &str) -> Result<FloatingIp> {
        let path = ["ports"];
        let query = &[("device_id", node_id)];
        let ports = self.neutron.get_query(&path, query, None).await?;
        let port_id = list::<WirePort>(&self.neutron, ports, "ports")?
            .into_iter()
            .next()
            .map(|p| p.id)
            .ok_or_else(|| {
                Error::invalid_input(format!("server `{node_id}` has no network port"))
            })?;
        self.set_floating_port(ip_id, json!(port_id)).await
    }

    /// Dissociates floating IP `ip_id` from whatever it forwards to.
    pub async fn ex_detach_floating_ip(&self, ip_id: &str) -> Result<FloatingIp> {
        self.set_floating_port(ip_id, Value::Null).await
    }

    async fn set_floating_port(&self, ip_id: &str, port: Value) -> Result<FloatingIp> {
        let path = ["floatingips", ip_id];
        let answer = self
            .neutron
            .put(
                &path,
                &json!({ "floatingip": { "port_id": port } }),
                Some(About::reading(ResourceKind::Address, ip_id)),
            )
            .await?;
        Ok(one::<WireFloatingIp>(&self.neutron, answer.body, "floatingip")?.into())
    }

    /// Releases floating IP `ip_id`.
    pub async fn ex_delete_floating_ip(&self, ip_id: &str) -> Result<()> {
        let path = ["floatingips", ip_id];
        self.neutron
            .delete(&path, Some(About::reading(ResourceKind::Address, ip_id)))
            .await?;
        Ok(())
    }

    /// The project's security groups with their rules (Neutron).
    pub async fn ex_list_security_groups(&self) -> Result<Vec<SecurityGroup>> {
        let body = self.neutron.get(&["security-groups"], None).await?;
        Ok(list::<WireGroup>(&self.neutron, body, "security_groups")?
            .into_iter()
            .map(SecurityGroup::from)
            .collect())
    }

    /// Creates a security group (Neutron adds its default egress rules).
    pub async fn ex_create_security_group(
        &self,
        name: &str,
        description: &str,
    ) -> Result<SecurityGroup> {
        let body = json!({ "security_group": { "name": name, "description": description } });
        let answer = self
            .neutron
            .post(
                &["security-groups"],
                &body,
                Some(About::creating(ResourceKind::SecurityGroup, name)),
            )
            .await?;
        Ok(one::<WireGroup>(&self.neutron, answer.body, "security_group")?.into())
    }

    /// Deletes security group `id`.
    pub async fn ex_delete_security_group(&self, id: &str) -> Result<()> {
        let path = ["security-groups", id];
        self.neutron
            .delete(&path, Some(About::reading(ResourceKind::SecurityGroup, id)))
            .await?;
        Ok(())
    }

    /// Adds `rule` to security group `group_id`; returns it with its id.
    pub async fn ex_create_security_group_rule(
        &self,
        group_id: &str,
        rule: &SecurityGroupRule,
    ) -> Result<SecurityGroupRule> {
        let mut body = Map::new();
        body.insert("security_group_id".into(), json!(group_id));
        body.insert("direction".into(), json!(rule.direction));
        body.insert("ethertype".into(), json!(rule.ethertype));
        for (key, value) in [
            ("protocol", rule.protocol.clone().map(Value::from)),
            ("port_range_min", rule.port_min.map(Value::from)),
            ("port_range_max", rule.port_max.map(Value::from)),
            (
                "remote_ip_prefix",
                rule.remote_ip_prefix.clone().map(Value::from),
            ),
            (
                "remote_group_id",
                rule.remote_group_id.clone().map(Value::from),
            ),
        ] {
            if let Some(value) = value {
                body.insert(key.into(), value);
            }
        }
        let answer = self
            .neutron
            .post(
                &["security-group-rules"],
                &json!({ "security_group_rule": body }),
                Some(About::creating(ResourceKind::SecurityGroup, group_id)),
            )
            .await?;
        Ok(one::<WireRule>(&self.neutron, answer.body, "security_group_rule")?.into())
    }

    /// Deletes security-group rule `id`.
    pub async fn ex_delete_security_group_rule(&self, id: &str) -> Result<()> {
        let path = ["security-group-rules", id];
        self.neutron
            .delete(&path, Some(About::reading(ResourceKind::SecurityGroup, id)))
            .await?;
        Ok(())
    }

    /// A server's metadata.
    pub async fn ex_get_metadata(&self, node_id: &str) -> Result<BTreeMap<String, String>> {
        let body = self
            .nova
            .get(
                &["servers", node_id, "metadata"],
                Some(About::reading(ResourceKind::Node, node_id)),
            )
            .await?;
        Ok(string_map(body.get("metadata")))
    }

    /// Replaces a server's metadata with `metadata`.
    pub async fn ex_set_metadata(
        &self,
        node_id: &str,
        metadata: &BTreeMap<String, String>,
    ) -> Result<BTreeMap<String, String>> {
        let answer = self
            .nova
            .put(
                &["servers", node_id, "metadata"],
                &json!({ "metadata": metadata }),
                Some(About::reading(ResourceKind::Node, node_id)),
            )
            .await?;
        Ok(string_map(answer.body.get("metadata")))
    }

    /// Adds or changes the items of `metadata`, keeping the others.
    pub async fn ex_update_metadata(
        &self,
        node_id: &str,
        metadata: &BTreeMap<String, String>,
    ) -> Result<BTreeMap<String, String>> {
        let answer = self
            .nova
            .post(
                &["servers", node_id, "metadata"],
                &json!({ "metadata": metadata }),
                Some(About::reading(ResourceKind::Node, node_id)),
            )
            .await?;
        Ok(string_map(answer.body.get("metadata")))
    }

    /// Removes one metadata item.
    pub async fn ex_delete_metadata_item(&self, node_id: &str, key: &str) -> Result<()> {
        self.nova
            .delete(
                &["servers", node_id, "metadata", key],
                Some(About::reading(ResourceKind::Node, node_id)),
            )
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_rules_say_so() {
        let rule = SecurityGroupRule::ingress_tcp(22, "::/0");
        assert_eq!(rule.ethertype, "IPv6");
    }
}
