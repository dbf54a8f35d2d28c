//! The CloudSigma extras Libcloud's driver exposes: the account's balance
//! and subscriptions, firewall policies, tags, and drive clones and resizes.

use cloud_core::http::Method;
use cloud_core::{Error, Extra, ResourceKind, Result, StorageVolume};
use serde::Serialize;
use serde_json::{Value, json};

use super::CloudSigmaCompute;
use super::parse;
use crate::PROVIDER;
use cloud_core::http::rest::About;

use super::parse::created;

/// The account's prepaid balance.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Balance {
    /// The amount, as CloudSigma writes it (`"10.00"`).
    pub amount: String,
    /// Its currency (`USD`).
    pub currency: String,
}

/// A subscription (prepaid resources: CPU, memory, IPs, VLANs...).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Subscription {
    /// Its id.
    pub id: String,
    /// What is subscribed (`cpu`, `mem`, `ip`, `vlan`...).
    pub resource: String,
    /// How much, in the resource's unit.
    pub amount: String,
    /// `active`, `inactive`...
    pub status: Option<String>,
    /// The period, as CloudSigma writes it.
    pub period: Option<String>,
    /// Whether it renews itself.
    pub auto_renew: Option<bool>,
    /// Start and end (RFC 3339).
    pub start_time: Option<String>,
    /// End (RFC 3339).
    pub end_time: Option<String>,
    /// The IP or VLAN it is for, when it is for one.
    pub subscribed_object: Option<String>,
}

/// A firewall policy servers' interfaces can use.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct FirewallPolicy {
    /// Its uuid.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its rules, as CloudSigma gives them (`action`, `direction`, `ip_proto`,
    /// `src_ip`, `dst_port`...).
    pub rules: Vec<Value>,
    /// The servers using it.
    pub servers: Vec<String>,
}

/// A tag grouping resources.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Tag {
    /// Its uuid.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The uuids of the tagged resources.
    pub resources: Vec<String>,
    /// Fields not mapped above.
    pub extra: Extra,
}

fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn required(value: &Value, key: &str, what: &str) -> Result<String> {
    text(value, key)
        .ok_or_else(|| Error::malformed(PROVIDER, format!("CloudSigma: a {what} without `{key}`")))
}

fn uuids(value: &Value, key: &str) -> Vec<String> {
    value
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| match v {
            Value::String(s) => Some(s.clone()),
            other => text(other, "uuid"),
        })
        .collect()
}

fn tag(value: &Value) -> Result<Tag> {
    let mut extra = Extra::new();
    if let Some(meta) = value.get("meta").filter(|m| !m.is_null()) {
        extra.insert("meta".into(), meta.clone());
    }
    Ok(Tag {
        id: required(value, "uuid", "tag")?,
        name: required(value, "name", "tag")?,
        resources: uuids(value, "resources"),
        extra,
    })
}

impl CloudSigmaCompute {
    /// Every object of a collection, page after page.
    async fn all(&self, segments: &[&str]) -> Result<Vec<Value>> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let (objects, next) = self.page(segments, 100, token.as_deref()).await?;
            out.extend(objects);
            match next {
                Some(n) => token = Some(n),
                None => return Ok(out),
            }
        }
    }

    /// The account's balance.
    pub async fn ex_balance(&self) -> Result<Balance> {
        let body = self.get(self.client.url(&["balance"], &[]), None).await?;
        Ok(Balance {
            amount: required(&body, "balance", "balance")?,
            currency: required(&body, "currency", "balance")?,
        })
    }

    /// The account's subscriptions.
    pub async fn ex_list_subscriptions(&self) -> Result<Vec<Subscription>> {
        self.all(&["subscriptions"])
            .await?
            .iter()
            .map(|s| {
                Ok(Subscription {
                    id: required(s, "id", "subscription")?,
                    resource: required(s, "resource", "subscription")?,
                    amount: required(s, "amount", "subscription")?,
                    status: text(s, "status"),
                    period: text(s, "period"),
                    auto_renew: s.get("auto_renew").and_then(Value::as_bool),
                    start_time: text(s, "start_time"),
                    end_time: text(s, "end_time"),
                    subscribed_object: text(s, "subscribed_object"),
                })
            })
            .collect()
    }

    /// The account's firewall policies.
    pub async fn ex_list_firewall_policies(&self) -> Result<Vec<FirewallPolicy>> {
        self.all(&["fwpolicies", "detail"])
            .await?
            .iter()
            .map(|p| {
                Ok(FirewallPolicy {
                    id: required(p, "uuid", "firewall policy")?,
                    name: text(p, "name").unwrap_or_default(),
                    rules: p
                        .get("rules")
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default(),
                    servers: uuids(p, "servers"),
                })
            })
            .collect()
    }

    /// The account's tags.
    pub async fn ex_list_tags(&self) -> Result<Vec<Tag>> {
        self.all(&["tags", "detail"])
            .await?
            .iter()
            .map(tag)
            .collect()
    }

    /// Creates a tag on `resources` (uuids of servers, drives...).
    pub async fn ex_create_tag(&self, name: &str, resources: &[&str]) -> Result<Tag> {
        let body = self
            .send(
                Method::POST,
                self.client.url(&["tags"], &[]),
                Some(&json!({ "objects": [{ "name": name, "resources": resources }] })),
                None,
            )
            .await?;
        tag(&created(&body, "tag")?)
    }

    /// Deletes a tag (not the resources it tags).
    pub async fn ex_delete_tag(&self, id: &str) -> Result<()> {
        self.send(
            Method::DELETE,
            self.client.url(&["tags", id], &[]),
            None,
            None,
        )
        .await?;
        Ok(())
    }

    /// Copies drive `id` into a new drive named `name`, once the copy is ready.
    pub async fn ex_clone_drive(&self, id: &str, name: &str) -> Result<StorageVolume> {
        let body = self
            .action(
                &["drives", id],
                "clone",
                Some(&json!({ "name": name, "media": "disk" })),
                About::reading(ResourceKind::Volume, id),
            )
            .await?;
        let clone = created(&body, "drive clone")?;
        let uuid = required(&clone, "uuid", "drive clone")?;
        let drive = self.wait_drive_ready(&uuid).await?;
        parse::volume(&drive, &self.location.id)
    }

    /// Grows drive `id` to `size_gb` (CloudSigma does not shrink drives).
    pub async fn ex_resize_drive(&self, id: &str, size_gb: u64) -> Result<StorageVolume> {
        let drive = self.resize_drive(id, size_gb).await?;
        parse::volume(&drive, &self.location.id)
    }
}
