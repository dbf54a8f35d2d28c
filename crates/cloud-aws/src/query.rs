//! The AWS Query protocol (EC2, Elastic Load Balancing): form-encoded POSTs
//! of `Action=...&Version=...&Param.N=...`, answered in XML.

use cloud_core::Url;
use cloud_core::http::{Body, HttpClient, HttpRequest, Method};
use cloud_core::{Error, ResourceKind, Result};

use crate::error::{Service, response_error};

/// The parameters of one Query call, in the order given.
#[derive(Debug, Default, Clone)]
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    pub(crate) fn new() -> Self {
        Params(Vec::new())
    }

    /// Adds `name=value`.
    pub(crate) fn add(&mut self, name: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.0.push((name.into(), value.into()));
        self
    }

    /// Adds `prefix.1=a&prefix.2=b...` (1-based, as the Query protocol numbers lists).
    pub(crate) fn list<I, S>(&mut self, prefix: &str, values: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        for (i, v) in values.into_iter().enumerate() {
            self.add(format!("{prefix}.{}", i + 1), v);
        }
        self
    }

    fn encode(&self, action: &str, version: &str) -> String {
        let fixed = [("Action", action), ("Version", version)];
        let pairs = self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        cloud_core::url::form_urlencode(fixed.into_iter().chain(pairs))
    }
}

/// A Query-protocol endpoint.
#[derive(Debug, Clone)]
pub(crate) struct QueryClient {
    pub(crate) http: HttpClient,
    url: Url,
    version: &'static str,
    service: Service,
}

impl QueryClient {
    pub(crate) fn new(http: HttpClient, url: Url, version: &'static str, service: Service) -> Self {
        QueryClient {
            http,
            url,
            version,
            service,
        }
    }

    /// Calls `action`; returns the XML body of a successful answer. `idempotent`
    /// says whether a lost answer may be retried (reads, and writes guarded by
    /// a client token); `resource` names what a not-found error is about.
    pub(crate) async fn call(
        &self,
        action: &str,
        params: &Params,
        idempotent: bool,
        resource: Option<(ResourceKind, &str)>,
    ) -> Result<String> {
        let body = params.encode(action, self.version);
        let request = HttpRequest::new(Method::POST, self.url.clone())
            .header(
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8",
            )?
            .body(Body::from_bytes(body))
            .idempotent(idempotent);
        let response = self.http.send(request).await?;
        let (status, headers, body) = response.into_parts();
        let bytes = body.bytes().await?;
        if !status.is_success() {
            return Err(response_error(
                self.service,
                status,
                &headers,
                &bytes,
                resource,
            ));
        }
        String::from_utf8(bytes.to_vec()).map_err(|_| {
            Error::malformed(
                crate::PROVIDER,
                format!(
                    "{} {action} answered with invalid UTF-8",
                    self.service.name()
                ),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_numbered_from_one_and_values_encoded() {
        let mut p = Params::new();
        p.list("InstanceId", ["i-1", "i-2"])
            .add("TagSpecification.1.Tag.1.Value", "a b&c");
        assert_eq!(
            p.encode("DescribeInstances", "2016-11-15"),
            "Action=DescribeInstances&Version=2016-11-15&InstanceId.1=i-1&InstanceId.2=i-2&TagSpecification.1.Tag.1.Value=a+b%26c"
        );
    }
}
