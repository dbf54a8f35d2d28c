//! What Keystone answers a token request with, as serde wire types: v3's
//! `token` (its id is in the `X-Subject-Token` header) and v2.0's `access`
//! (Rackspace's too). Only what the session uses is read.

use cloud_core::http::json::null_as_default;
use serde::Deserialize;

use super::catalog::{ServiceV2, ServiceV3};

/// `POST /v3/auth/tokens`.
#[derive(Debug, Deserialize)]
pub(crate) struct TokenV3 {
    pub(crate) token: WireTokenV3,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireTokenV3 {
    #[serde(default)]
    pub(crate) expires_at: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub(crate) catalog: Vec<ServiceV3>,
    #[serde(default)]
    pub(crate) user: Option<Owner>,
    #[serde(default)]
    pub(crate) project: Option<Owner>,
}

/// A user, project or tenant: only its id is read.
#[derive(Debug, Deserialize)]
pub(crate) struct Owner {
    #[serde(default)]
    pub(crate) id: Option<String>,
}

/// `POST /v2.0/tokens`.
#[derive(Debug, Deserialize)]
pub(crate) struct AccessV2 {
    pub(crate) access: WireAccess,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireAccess {
    pub(crate) token: WireTokenV2,
    #[serde(
        default,
        rename = "serviceCatalog",
        deserialize_with = "null_as_default"
    )]
    pub(crate) service_catalog: Vec<ServiceV2>,
    #[serde(default)]
    pub(crate) user: Option<UserV2>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireTokenV2 {
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) expires: Option<String>,
    #[serde(default)]
    pub(crate) tenant: Option<Owner>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct UserV2 {
    #[serde(default)]
    pub(crate) id: Option<String>,
    #[serde(default, rename = "RAX-AUTH:defaultRegion")]
    pub(crate) default_region: Option<String>,
}
