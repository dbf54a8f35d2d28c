//! The CloudSigma extras Libcloud's driver exposes: the account's balance
//! and subscriptions, firewall policies, tags, and drive clones and resizes.

use cloud_core::http::Method;
use cloud_core::{Extra, ResourceKind, Result, StorageVolume};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::CloudSigmaCompute;
use super::parse;
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

/// `/balance/`.
#[derive(Deserialize)]
struct WireBalance {
    balance: String,
    currency: String,
}

/// A subscription as the API lists it.
#[derive(Deserialize)]
struct WireSubscription {
    id: String,
    resource: String,
    amount: String,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    period: Option<String>,
    #[serde(default)]
    auto_renew: Option<bool>,
    #[serde(default)]
    start_time: Option<String>,
    #[serde(default)]
    end_time: Option<String>,
    #[serde(default)]
    subscribed_object: Option<String>,
}

/// A firewall policy as the API lists it.
#[derive(Deserialize)]
struct WirePolicy {
    uuid: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    rules: Option<Vec<Value>>,
    #[serde(default)]
    servers: Option<Vec<Uuid>>,
}

/// A tag as the API lists it.
#[derive(Deserialize)]
struct WireTag {
    uuid: String,
    name: String,
    #[serde(default)]
    resources: Option<Vec<Uuid>>,
    #[serde(default)]
    meta: Option<Value>,
}

/// A reference given as its uuid or as `{"uuid", "resource_uri"}`.
#[derive(Deserialize)]
#[serde(untagged)]
enum Uuid {
    Bare(String),
    Ref { uuid: String },
}

fn uuids(refs: Option<Vec<Uuid>>) -> Vec<String> {
    refs.into_iter()
        .flatten()
        .map(|r| match r {
            Uuid::Bare(u) | Uuid::Ref { uuid: u } => u,
        })
        .collect()
}

fn tag(value: Value) -> Result<Tag> {
    let wire: WireTag = parse::wire(value, "a tag")?;
    let mut extra = Extra::new();
    if let Some(meta) = wire.meta.filter(|m| !m.is_null()) {
        extra.insert("meta".into(), meta);
    }
    Ok(Tag {
        id: wire.uuid,
        name: wire.name,
        resources: uuids(wire.resources),
        extra,
    })
}

/// Every object of a listing as the wire type `T`.
fn all_of<T: serde::de::DeserializeOwned>(objects: Vec<Value>, what: &str) -> Result<Vec<T>> {
    parse::wire(Value::Array(objects), what)
}

impl CloudSigmaCompute {
    /// Every object of a collection, page after page.
    async fn all(&self, segments: &[&str]) -> Result<Vec<Value>> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let (objects, next) = self.page::<Value>(segments, 100, token.as_deref()).await?;
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
        let wire: WireBalance = parse::wire(body, "the balance")?;
        Ok(Balance {
            amount: wire.balance,
            currency: wire.currency,
        })
    }

    /// The account's subscriptions.
    pub async fn ex_list_subscriptions(&self) -> Result<Vec<Subscription>> {
        let listed = self.all(&["subscriptions"]).await?;
        Ok(all_of::<WireSubscription>(listed, "the subscriptions")?
            .into_iter()
            .map(|s| Subscription {
                id: s.id,
                resource: s.resource,
                amount: s.amount,
                status: s.status,
                period: s.period,
                auto_renew: s.auto_renew,
                start_time: s.start_time,
                end_time: s.end_time,
                subscribed_object: s.subscribed_object,
            })
            .collect())
    }

    /// The account's firewall policies.
    pub async fn ex_list_firewall_policies(&self) -> Result<Vec<FirewallPolicy>> {
        let listed = self.all(&["fwpolicies", "detail"]).await?;
        Ok(all_of::<WirePolicy>(listed, "the firewall policies")?
            .into_iter()
            .map(|p| FirewallPolicy {
                id: p.uuid,
                name: p.name.unwrap_or_default(),
                rules: p.rules.unwrap_or_default(),
                servers: uuids(p.servers),
            })
            .collect())
    }

    /// The account's tags.
    pub async fn ex_list_tags(&self) -> Result<Vec<Tag>> {
        self.all(&["tags", "detail"])
            .await?
            .into_iter()
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
        tag(created(body, "tag")?)
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
        let clone = created(body, "drive clone")?;
        let uuid = parse::created_uuid(clone, "drive clone")?;
        let drive = self.wait_drive_ready(&uuid).await?;
        parse::volume(drive, &self.location.id)
    }

    /// Grows drive `id` to `size_gb` (CloudSigma does not shrink drives).
    pub async fn ex_resize_drive(&self, id: &str, size_gb: u64) -> Result<StorageVolume> {
        let drive = self.resize_drive(id, size_gb).await?;
        parse::volume(drive, &self.location.id)
    }
}
