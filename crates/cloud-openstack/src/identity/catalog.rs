//! The service catalog: which URL serves which service, by type, name,
//! region and interface.

use cloud_core::Url;
use cloud_core::http::json::null_as_default;
use cloud_core::{Error, ErrorKind, Result};
use serde::Deserialize;
use serde_json::Value;

/// Which of a service's URLs to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Interface {
    /// Reachable from anywhere (the default).
    #[default]
    Public,
    /// Reachable from inside the cloud's network.
    Internal,
    /// The administrative endpoint.
    Admin,
}

impl Interface {
    /// Reads `public`, `internal` or `admin` (also `publicURL`...).
    pub fn parse(text: &str) -> Result<Self> {
        match text.trim().to_ascii_lowercase().trim_end_matches("url") {
            "public" => Ok(Interface::Public),
            "internal" => Ok(Interface::Internal),
            "admin" => Ok(Interface::Admin),
            _ => Err(Error::invalid_input(format!(
                "`{text}` is not an interface (public, internal, admin)"
            ))),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Interface::Public => "public",
            Interface::Internal => "internal",
            Interface::Admin => "admin",
        }
    }
}

/// One URL of a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The region, if the catalog says.
    pub region: Option<String>,
    /// Public, internal or admin.
    pub interface: Interface,
    /// The URL.
    pub url: String,
}

/// One service of the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// The service type (`compute`, `object-store`, `rax:load-balancer`...).
    pub service_type: String,
    /// The service name (`nova`, `cloudFiles`...).
    pub name: String,
    /// Its URLs.
    pub endpoints: Vec<Endpoint>,
}

/// The catalog a token came with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalog {
    /// Every service.
    pub services: Vec<Service>,
}

/// A service of a Keystone v3 catalog.
#[derive(Debug, Deserialize)]
pub(crate) struct ServiceV3 {
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    endpoints: Vec<EndpointV3>,
}

#[derive(Debug, Deserialize)]
struct EndpointV3 {
    #[serde(default)]
    region_id: Option<String>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    interface: Option<String>,
    #[serde(default)]
    url: Option<String>,
}

/// A service of a Keystone v2.0 (or Rackspace) catalog.
#[derive(Debug, Deserialize)]
pub(crate) struct ServiceV2 {
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    endpoints: Vec<EndpointV2>,
}

#[derive(Debug, Deserialize)]
struct EndpointV2 {
    #[serde(default)]
    region: Option<String>,
    #[serde(default, rename = "publicURL")]
    public: Option<String>,
    #[serde(default, rename = "internalURL")]
    internal: Option<String>,
    #[serde(default, rename = "adminURL")]
    admin: Option<String>,
}

/// `value` as a catalog's wire type; malformed names the field.
fn wire<T: serde::de::DeserializeOwned>(value: &Value, version: &str) -> Result<T> {
    cloud_core::http::json::decode(
        crate::PROVIDER_OPENSTACK,
        "identity",
        &format!("the {version} service catalog"),
        value,
    )
}

impl Catalog {
    /// Reads a Keystone v3 `token.catalog`; an endpoint without a URL or
    /// with an interface other than public, internal or admin is left out.
    pub fn from_v3(catalog: &Value) -> Result<Self> {
        Ok(Self::v3(wire(catalog, "v3")?))
    }

    /// Reads a Keystone v2.0 `access.serviceCatalog`.
    pub fn from_v2(catalog: &Value) -> Result<Self> {
        Ok(Self::v2(wire(catalog, "v2.0")?))
    }

    pub(crate) fn v3(services: Vec<ServiceV3>) -> Self {
        let services = services
            .into_iter()
            .map(|s| Service {
                service_type: s.kind.unwrap_or_default(),
                name: s.name.unwrap_or_default(),
                endpoints: s
                    .endpoints
                    .into_iter()
                    .filter_map(|e| {
                        Some(Endpoint {
                            region: e.region_id.or(e.region),
                            interface: Interface::parse(e.interface.as_deref()?).ok()?,
                            url: e.url?,
                        })
                    })
                    .collect(),
            })
            .collect();
        Catalog { services }
    }

    pub(crate) fn v2(services: Vec<ServiceV2>) -> Self {
        let services = services
            .into_iter()
            .map(|s| {
                let mut endpoints = Vec::new();
                for e in s.endpoints {
                    for (url, interface) in [
                        (e.public, Interface::Public),
                        (e.internal, Interface::Internal),
                        (e.admin, Interface::Admin),
                    ] {
                        if let Some(url) = url {
                            endpoints.push(Endpoint {
                                region: e.region.clone(),
                                interface,
                                url,
                            });
                        }
                    }
                }
                Service {
                    service_type: s.kind.unwrap_or_default(),
                    name: s.name.unwrap_or_default(),
                    endpoints,
                }
            })
            .collect();
        Catalog { services }
    }

    /// The URL of the first service of one of `types` (in order), preferring
    /// a service named one of `names`, in `region` (or the first region
    /// listed), for `interface`.
    pub fn find(
        &self,
        types: &[&str],
        names: &[&str],
        region: Option<&str>,
        interface: Interface,
    ) -> Result<Url> {
        for service_type in types {
            let mut candidates: Vec<&Service> = self
                .services
                .iter()
                .filter(|s| s.service_type == *service_type)
                .collect();
            if candidates.is_empty() {
                continue;
            }
            candidates.sort_by_key(|s| {
                names
                    .iter()
                    .position(|n| *n == s.name)
                    .unwrap_or(usize::MAX)
            });
            // As keystoneauth chooses: an endpoint of the requested region
            // first, whatever its position; one without a region (a legacy
            // catalog entry) only when no endpoint is in that region.
            let of_interface = || {
                candidates
                    .iter()
                    .flat_map(|s| s.endpoints.iter())
                    .filter(|e| e.interface == interface)
            };
            let chosen = match region {
                None => of_interface().next(),
                Some(r) => of_interface()
                    .find(|e| {
                        e.region
                            .as_deref()
                            .is_some_and(|er| er.eq_ignore_ascii_case(r))
                    })
                    .or_else(|| of_interface().find(|e| e.region.is_none())),
            };
            if let Some(e) = chosen {
                tracing::debug!(
                    service_type,
                    url = %e.url,
                    endpoint_region = e.region.as_deref().unwrap_or("(none)"),
                    requested_region = region.unwrap_or("(any)"),
                    "chose catalog endpoint"
                );
                return Url::parse(&e.url).map_err(|err| {
                    Error::malformed(
                        crate::PROVIDER_OPENSTACK,
                        format!(
                            "catalog URL `{}` is invalid: {err}",
                            cloud_core::error::quote(&e.url)
                        ),
                    )
                });
            }
            let regions: Vec<String> = self
                .services
                .iter()
                .filter(|s| s.service_type == *service_type)
                .flat_map(|s| s.endpoints.iter().filter_map(|e| e.region.clone()))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            return Err(Error::new(
                ErrorKind::Provider,
                format!(
                    "the catalog has no {} `{service_type}` endpoint{} (regions offering it: {})",
                    interface.name(),
                    region
                        .map(|r| format!(" in region {r}"))
                        .unwrap_or_default(),
                    if regions.is_empty() {
                        "none".to_owned()
                    } else {
                        regions.join(", ")
                    }
                ),
            )
            .with_code("EndpointNotFound"));
        }
        Err(Error::new(
            ErrorKind::Provider,
            format!("the catalog offers no {} service", types.join(" or ")),
        )
        .with_code("EndpointNotFound"))
    }

    /// The region of the first endpoint of `types`, when the user named none.
    pub fn first_region(&self, types: &[&str]) -> Option<String> {
        types.iter().find_map(|t| {
            self.services
                .iter()
                .filter(|s| s.service_type == *t)
                .flat_map(|s| s.endpoints.iter())
                .find_map(|e| e.region.clone())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v2() -> Catalog {
        Catalog::from_v2(&serde_json::json!([
            {"type": "compute", "name": "cloudServersBehavior", "endpoints": [{"region": "ORD", "publicURL": "https://behaviour/ord"}]},
            {"type": "compute", "name": "cloudServersOpenStack", "endpoints": [
                {"region": "DFW", "publicURL": "https://dfw.servers/v2/1", "internalURL": "https://snet-dfw/v2/1"},
                {"region": "ORD", "publicURL": "https://ord.servers/v2/1"}
            ]},
            {"type": "object-store", "name": "cloudFiles", "endpoints": [{"region": "ORD", "publicURL": "https://storage/v1/MossoCloudFS_1", "internalURL": "https://snet-storage/v1/MossoCloudFS_1"}]}
        ])).unwrap()
    }

    #[test]
    fn picks_by_type_name_region_and_interface() {
        let c = v2();
        let url = c
            .find(
                &["compute"],
                &["cloudServersOpenStack"],
                Some("ORD"),
                Interface::Public,
            )
            .unwrap();
        assert_eq!(url.as_str(), "https://ord.servers/v2/1");
        let url = c
            .find(
                &["compute"],
                &["cloudServersOpenStack"],
                Some("dfw"),
                Interface::Internal,
            )
            .unwrap();
        assert_eq!(url.as_str(), "https://snet-dfw/v2/1");
        let err = c
            .find(&["compute"], &[], Some("SYD"), Interface::Public)
            .unwrap_err();
        assert!(
            err.to_string().contains("regions offering it: DFW, ORD"),
            "{err}"
        );
        assert!(c.find(&["volume"], &[], None, Interface::Public).is_err());
        assert_eq!(c.first_region(&["object-store"]).as_deref(), Some("ORD"));
    }

    #[test]
    fn v3_catalogs() {
        let c = Catalog::from_v3(&serde_json::json!([
            {"type": "identity", "name": "keystone", "endpoints": [
                {"interface": "public", "region_id": "RegionOne", "region": "RegionOne", "url": "http://127.0.0.1:5000/v3"},
                {"interface": "admin", "region_id": "RegionOne", "url": "http://127.0.0.1:35357/v3"}
            ]}
        ])).unwrap();
        assert_eq!(
            c.find(&["identity"], &[], Some("RegionOne"), Interface::Admin)
                .unwrap()
                .as_str(),
            "http://127.0.0.1:35357/v3"
        );
        assert!(Interface::parse("publicURL").is_ok() && Interface::parse("sideways").is_err());
    }

    #[test]
    fn the_requested_region_beats_a_legacy_entry_without_one() {
        let c = Catalog::from_v3(&serde_json::json!([
            {"type": "object-store", "name": "swift", "endpoints": [
                {"interface": "public", "url": "http://legacy.example/v1/AUTH_p"},
                {"interface": "public", "region_id": "RegionOne", "url": "http://one.example/v1/AUTH_p"},
                {"interface": "public", "region_id": "RegionTwo", "url": "http://two.example/v1/AUTH_p"}
            ]}
        ])).unwrap();
        let find = |region| {
            c.find(&["object-store"], &[], region, Interface::Public)
                .unwrap()
                .to_string()
        };
        assert_eq!(find(Some("RegionTwo")), "http://two.example/v1/AUTH_p");
        assert_eq!(find(Some("regionone")), "http://one.example/v1/AUTH_p");
        // No endpoint in the region: the region-less one stands in.
        assert_eq!(find(Some("RegionNine")), "http://legacy.example/v1/AUTH_p");
        assert_eq!(find(None), "http://legacy.example/v1/AUTH_p");
    }
}
