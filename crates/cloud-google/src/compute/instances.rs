//! Instances: listed across zones with the aggregated list, created from a
//! machine type and an image (or image family) with a boot disk, an
//! interface on a network (an external address unless declined), labels,
//! network tags, metadata (SSH keys, startup script) and a service
//! account; started, stopped, reset and deleted through operations.

use cloud_core::http::Method;
use cloud_core::http::rest::About;
use cloud_core::{CreateNode, Error, Node, NodeAuth, Page, PageRequest, ResourceKind, Result};
use serde_json::{Value, json};

use super::wire::{AggregatedList, Instance};
use super::{GceCompute, check_name};

/// The options `create_node` takes.
const OPTIONS: &[&str] = &[
    "network",
    "subnetwork",
    "external_ip",
    "disk_size_gb",
    "disk_type",
    "service_account",
    "ssh_user",
    "description",
    "preemptible",
];

/// The user an SSH key given with `NodeAuth::SshKey` is installed for,
/// unless the `ssh_user` option names another.
pub const DEFAULT_SSH_USER: &str = "cloud";

/// A label key or value Compute Engine accepts: lowercase letters, digits,
/// `_` and `-`, at most 63 characters (keys start with a letter).
fn check_label(key: &str, value: &str) -> Result<()> {
    let allowed = |s: &str| {
        s.len() <= 63
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
    };
    if key.starts_with(|c: char| c.is_ascii_lowercase()) && allowed(key) && allowed(value) {
        return Ok(());
    }
    Err(Error::invalid_input(format!(
        "tag `{}={}` is not a Compute Engine label: lowercase letters, digits, `_` and `-`, \
         at most 63 characters, keys starting with a letter",
        cloud_core::error::quote(key),
        cloud_core::error::quote(value)
    )))
}

/// A request id (a UUID, as Compute Engine wants) derived from the caller's
/// idempotency token, so that a retried insert creates one instance.
fn request_id(token: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, token.as_bytes());
    let b = digest.as_ref();
    let hex: String = b[..16].iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-4{}-8{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

/// A Linux user name for an SSH key: lowercase letters, digits, `_` and
/// `-`, starting with a letter or `_`, at most 32 characters.
pub(crate) fn check_user(name: &str) -> Result<()> {
    let ok = (1..=32).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_input(format!(
            "`{}` is not a user name Compute Engine installs SSH keys for: lowercase letters, \
             digits, `_` and `-`, at most 32 characters",
            cloud_core::error::quote(name)
        )))
    }
}

impl GceCompute {
    pub(crate) async fn instances(&self, page: PageRequest) -> Result<Page<Node>> {
        let list: AggregatedList = self
            .list_page(
                None,
                &["aggregated", "instances"],
                &page,
                "aggregated instance list",
            )
            .await?;
        let nodes = list
            .items
            .values()
            .flat_map(|scope| scope.instances.iter().map(Instance::node))
            .collect();
        Ok(Page::new(
            nodes,
            list.next_page_token.filter(|t| !t.is_empty()),
        ))
    }

    pub(crate) async fn instance(&self, id: &str) -> Result<Node> {
        let (zone, name) = self.zonal("instance", id)?;
        let url = self.url(&["zones", zone, "instances", name], &[]).await?;
        let about = About::reading(ResourceKind::Node, id);
        let instance: Instance = self.get(url, Some(about), "instance").await?;
        Ok(instance.node())
    }

    /// `sourceImage` for an image id: a `projects/...` path or URL as it
    /// is, `family/f` and bare names in the client's project.
    async fn source_image(&self, image: &str) -> Result<String> {
        if let Some(at) = image.find("projects/") {
            return Ok(image[at..].to_owned());
        }
        let project = self.shared.project().await?;
        Ok(format!("projects/{project}/global/images/{image}"))
    }

    pub(crate) async fn insert_instance(&self, request: &CreateNode) -> Result<Node> {
        let options = request.options();
        if let Some(unknown) = options.keys().find(|k| !OPTIONS.contains(&k.as_str())) {
            return Err(Error::invalid_input(format!(
                "unknown option `{unknown}` for Compute Engine instances (known: {})",
                OPTIONS.join(", ")
            )));
        }
        let name = request.name();
        check_name("instance", name)?;
        let zone = match request.location_id() {
            Some(zone) => zone,
            None => self.default_zone()?,
        };
        check_name("zone", zone)?;
        if request.size().is_empty() || request.image().is_empty() {
            return Err(Error::invalid_input(
                "a Compute Engine instance needs a machine type and an image",
            ));
        }
        let machine_type = if request.size().contains('/') {
            request.size().to_owned()
        } else {
            format!("zones/{zone}/machineTypes/{}", request.size())
        };
        for (key, value) in request.tags() {
            check_label(key, value)?;
        }
        let user = options
            .get("ssh_user")
            .map_or(DEFAULT_SSH_USER, String::as_str);
        check_user(user)?;
        let mut metadata: Vec<Value> = Vec::new();
        match request.auth_value() {
            Some(NodeAuth::SshKey(key)) => {
                metadata
                    .push(json!({"key": "ssh-keys", "value": format!("{user}:{}", key.trim())}));
            }
            Some(NodeAuth::Password(_)) => {
                return Err(Error::invalid_input(
                    "Compute Engine sets no passwords on instances: give an SSH key \
                     (NodeAuth::SshKey or an imported key pair)",
                ));
            }
            Some(_) => {
                return Err(Error::invalid_input(
                    "Compute Engine takes SSH keys only (NodeAuth::SshKey)",
                ));
            }
            None => {}
        }
        if let Some(key_pair) = request.key_pair_name() {
            // Project-wide keys reach every instance; the one named must be there.
            self.get_project_key(key_pair).await?;
        }
        if let Some(script) = request.user_data_value() {
            metadata.push(json!({"key": "startup-script", "value": script}));
        }
        let mut boot = json!({"sourceImage": self.source_image(request.image()).await?});
        if let Some(size) = options.get("disk_size_gb") {
            let gb: u64 = size.parse().map_err(|_| {
                Error::invalid_input(format!(
                    "disk_size_gb `{}` is not a number",
                    cloud_core::error::quote(size)
                ))
            })?;
            boot["diskSizeGb"] = json!(gb.to_string());
        }
        if let Some(kind) = options.get("disk_type") {
            boot["diskType"] = json!(format!("zones/{zone}/diskTypes/{kind}"));
        }
        let network = request
            .networks()
            .first()
            .or(options.get("network"))
            .map_or("default", String::as_str);
        let network = if network.contains('/') {
            network.to_owned()
        } else {
            format!("global/networks/{network}")
        };
        let mut interface = json!({"network": network});
        if let Some(subnet) = options.get("subnetwork") {
            interface["subnetwork"] = json!(subnet);
        }
        let external = match options.get("external_ip").map(String::as_str) {
            None | Some("true") => true,
            Some("false") => false,
            Some(other) => {
                return Err(Error::invalid_input(format!(
                    "external_ip is true or false, not `{}`",
                    cloud_core::error::quote(other)
                )));
            }
        };
        if external {
            interface["accessConfigs"] =
                json!([{"type": "ONE_TO_ONE_NAT", "name": "External NAT"}]);
        }
        let mut body = json!({
            "name": name,
            "machineType": machine_type,
            "disks": [{"boot": true, "autoDelete": true, "initializeParams": boot}],
            "networkInterfaces": [interface],
            "metadata": {"items": metadata},
            "labels": request.tags(),
        });
        if !request.security_groups().is_empty() {
            body["tags"] = json!({"items": request.security_groups()});
        }
        if let Some(account) = options.get("service_account") {
            body["serviceAccounts"] = json!([{
                "email": account,
                "scopes": ["https://www.googleapis.com/auth/cloud-platform"],
            }]);
        }
        if let Some(description) = options.get("description") {
            body["description"] = json!(description);
        }
        if options.get("preemptible").map(String::as_str) == Some("true") {
            body["scheduling"] = json!({"preemptible": true, "automaticRestart": false,
                                        "onHostMaintenance": "TERMINATE"});
        }
        let id = format!("{zone}/{name}");
        let token = request.idempotency_token_value().map(request_id);
        let query: Vec<(&str, &str)> = token
            .as_deref()
            .map(|t| ("requestId", t))
            .into_iter()
            .collect();
        let url = self.url(&["zones", zone, "instances"], &query).await?;
        let about = About::creating(ResourceKind::Node, &id);
        if token.is_some() {
            // A repeat of this insert is answered with the first one's operation.
            self.change_once(url, &body, about).await?;
        } else {
            self.change(Method::POST, url, Some(&body), about).await?;
        }
        self.instance(&id).await
    }

    /// `DELETE` (no action) or `POST .../{action}` on instance `id`,
    /// waited for.
    pub(crate) async fn instance_change(&self, id: &str, action: Option<&str>) -> Result<()> {
        let (zone, name) = self.zonal("instance", id)?;
        let about = About::reading(ResourceKind::Node, id);
        let (method, url) = match action {
            Some(action) => (
                Method::POST,
                self.url(&["zones", zone, "instances", name, action], &[])
                    .await?,
            ),
            None => (
                Method::DELETE,
                self.url(&["zones", zone, "instances", name], &[]).await?,
            ),
        };
        self.change(method, url, None, about).await.map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_stable_uuids() {
        let id = request_id("retry-me");
        assert_eq!(id, request_id("retry-me"));
        assert_ne!(id, request_id("another"));
        let groups: Vec<usize> = id.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12]);
    }

    #[test]
    fn labels_and_users_are_checked() {
        assert!(check_label("role", "web").is_ok());
        assert!(check_label("Role", "web").is_err());
        assert!(check_label("role", "Web Server").is_err());
        assert!(check_user("cloud").is_ok());
        assert!(check_user("Root").is_err());
        assert!(check_user(&"u".repeat(33)).is_err());
    }
}
