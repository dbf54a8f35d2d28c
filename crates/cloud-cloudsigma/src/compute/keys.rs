//! Key pairs: CloudSigma names them by uuid, the portable API by name, so
//! a name is looked up in the listing.

use cloud_core::http::Method;
use cloud_core::{Error, KeyPair, ResourceKind, Result};
use serde_json::{Value, json};

use super::CloudSigmaCompute;
use super::parse;
use crate::PROVIDER;
use cloud_core::http::rest::About;

use super::parse::created;

impl CloudSigmaCompute {
    /// The key pair named `name` (the first, should names repeat).
    pub(super) async fn key_named(&self, name: &str) -> Result<KeyPair> {
        let mut token: Option<String> = None;
        loop {
            let (objects, next) = self.page(&["keypairs"], 100, token.as_deref()).await?;
            if let Some(key) = parse::key_pair_named(objects, name)? {
                return Ok(key);
            }
            match next {
                Some(n) => token = Some(n),
                None => {
                    return Err(
                        Error::not_found(ResourceKind::KeyPair, name).with_provider(PROVIDER)
                    );
                }
            }
        }
    }

    /// Imports `public_key` as `name`, or has CloudSigma generate a pair
    /// (the private half is in the answer, once).
    pub(super) async fn new_key_pair(
        &self,
        name: &str,
        public_key: Option<&str>,
    ) -> Result<KeyPair> {
        match self.key_named(name).await {
            Ok(_) => {
                return Err(
                    Error::already_exists(ResourceKind::KeyPair, name).with_provider(PROVIDER)
                );
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e),
        }
        let mut key = json!({ "name": name });
        if let Some(public) = public_key {
            key["public_key"] = json!(public.trim());
        }
        let body = self
            .send(
                Method::POST,
                self.client.url(&["keypairs"], &[]),
                Some(&json!({ "objects": [key] })),
                Some(About::reading(ResourceKind::KeyPair, name)),
            )
            .await?;
        let mut pair = parse::key_pair(created(body, "key pair")?)?;
        if public_key.is_some() {
            // An imported pair has no private half, whatever is echoed.
            pair.private_key = None;
        }
        Ok(pair)
    }

    /// Deletes the key pair named `name`.
    pub(super) async fn remove_key_pair(&self, name: &str) -> Result<()> {
        let key = self.key_named(name).await?;
        let uuid = key
            .extra
            .get("uuid")
            .and_then(Value::as_str)
            .ok_or_else(|| Error::malformed(PROVIDER, "CloudSigma: a key pair without `uuid`"))?;
        self.send(
            Method::DELETE,
            self.client.url(&["keypairs", uuid], &[]),
            None,
            Some(About::reading(ResourceKind::KeyPair, name)),
        )
        .await?;
        Ok(())
    }
}
