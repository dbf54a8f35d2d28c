//! Amazon Web Services for `cloud`: EC2 as compute, S3 as object storage,
//! classic Elastic Load Balancing as load balancers, and Route 53 as DNS.
//!
//! One [`Aws`] value holds the resolved credentials, region and endpoints
//! and hands out the four drivers, which share its connection pool.
//! Credentials are found where the AWS CLI finds them: explicit
//! configuration, the `AWS_*` environment variables, web identity (EKS),
//! profiles (keys, assumed roles, SSO, `credential_process`), container
//! credentials (ECS, EKS Pod Identity) and EC2 instance metadata; temporary
//! ones are renewed before they expire. They never appear in `Debug`
//! output, logs or errors.
//! A custom endpoint serves S3-compatible stores (MinIO, Ceph, R2, Spaces)
//! and local servers, with path-style addressing.
//!
//! ```no_run
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> cloud_core::Result<()> {
//! use cloud_aws::AwsBuilder;
//! use cloud_core::{Storage, UploadOptions};
//!
//! let aws = AwsBuilder::new().region("eu-west-1").build()?; // credentials from the environment
//! let storage = Storage::new(aws.s3()?);
//! storage.upload_bytes("my-bucket", "hello.txt", "hello", &UploadOptions::new()).await?;
//! # Ok(()) }
//! ```

// Helpers shared by the services are unused in builds with some services off.
#![cfg_attr(
    not(all(feature = "s3", feature = "ec2", feature = "elb", feature = "route53")),
    allow(dead_code, unused_imports)
)]

mod config;
mod credential;
#[cfg(feature = "ec2")]
pub mod ec2;
#[cfg(feature = "elb")]
pub mod elb;
mod error;
mod query;
#[cfg(feature = "route53")]
pub mod route53;
#[cfg(feature = "s3")]
pub mod s3;
mod signer;
mod xml;

use cloud_core::{Api, Capabilities, ExtraOperation, ProviderDescription};

pub use config::{Aws, AwsBuilder, CONFIG_OPTIONS, MultipartConfig};
pub use credential::{AwsCredentialProvider, AwsCredentials, DEFAULT_REGION, Environment};
#[cfg(feature = "ec2")]
pub use ec2::Ec2Compute;
#[cfg(feature = "elb")]
pub use elb::ElbLoadBalancers;
/// The former name of [`ElbLoadBalancers`].
#[cfg(feature = "elb")]
#[deprecated(
    since = "0.1.0",
    note = "renamed `ElbLoadBalancers`, like every load-balancer driver"
)]
pub type ElbLoadBalancer = ElbLoadBalancers;
#[cfg(feature = "route53")]
pub use route53::Route53Dns;
#[cfg(feature = "s3")]
pub use s3::S3Storage;

/// The registry's entry: the services compiled in (features `s3`, `ec2`,
/// `elb`, `route53`), each built from the same configuration.
pub const ENTRY: cloud_core::provider::Provider = {
    let entry = cloud_core::provider::Provider::new(DESCRIPTION);
    #[cfg(feature = "ec2")]
    let entry = entry.with_compute(|c| Ok(cloud_core::Compute::new(aws(c)?.ec2()?)));
    #[cfg(feature = "s3")]
    let entry = entry.with_storage(|c| Ok(cloud_core::Storage::new(aws(c)?.s3()?)));
    #[cfg(feature = "elb")]
    let entry = entry.with_load_balancers(|c| Ok(cloud_core::LoadBalancers::new(aws(c)?.elb()?)));
    #[cfg(feature = "route53")]
    let entry = entry.with_dns(|c| Ok(cloud_core::Dns::new(aws(c)?.route53()?)));
    entry
};

fn aws(config: &cloud_core::ProviderConfig) -> cloud_core::Result<Aws> {
    AwsBuilder::from_config(config)?.build()
}

/// What each service offers, `None` where its feature is off.
#[cfg(feature = "ec2")]
const COMPUTE: Option<Capabilities> = Some(ec2::CAPABILITIES);
#[cfg(not(feature = "ec2"))]
const COMPUTE: Option<Capabilities> = None;
#[cfg(feature = "s3")]
const STORAGE: Option<Capabilities> = Some(s3::CAPABILITIES);
#[cfg(not(feature = "s3"))]
const STORAGE: Option<Capabilities> = None;
#[cfg(feature = "elb")]
const LOAD_BALANCER: Option<Capabilities> = Some(elb::CAPABILITIES);
#[cfg(not(feature = "elb"))]
const LOAD_BALANCER: Option<Capabilities> = None;
#[cfg(feature = "route53")]
const DNS: Option<Capabilities> = Some(route53::CAPABILITIES);
#[cfg(not(feature = "route53"))]
const DNS: Option<Capabilities> = None;

/// The provider name in the registry.
pub const PROVIDER: &str = "aws";

/// What this provider offers, for the registry and the provider matrix.
pub const DESCRIPTION: ProviderDescription = ProviderDescription {
    name: PROVIDER,
    title: "Amazon Web Services: EC2, S3 (and S3-compatible stores), classic ELB, Route 53",
    feature: "aws",
    compute: COMPUTE,
    storage: STORAGE,
    load_balancer: LOAD_BALANCER,
    dns: DNS,
    extras: &[
        ExtraOperation {
            api: Api::Compute,
            name: "ex_list_nodes_filtered",
            description: "Nodes matching EC2 filters",
        },
        ExtraOperation {
            api: Api::Compute,
            name: "ex_list_security_groups",
            description: "List security groups",
        },
        ExtraOperation {
            api: Api::Compute,
            name: "ex_create_security_group",
            description: "Create a security group",
        },
        ExtraOperation {
            api: Api::Compute,
            name: "ex_authorize_security_group_ingress",
            description: "Open ports in a security group",
        },
        ExtraOperation {
            api: Api::Compute,
            name: "ex_delete_security_group",
            description: "Delete a security group",
        },
        ExtraOperation {
            api: Api::Compute,
            name: "ex_list_elastic_ips",
            description: "List elastic IPs",
        },
        ExtraOperation {
            api: Api::Compute,
            name: "ex_allocate_elastic_ip",
            description: "Allocate an elastic IP",
        },
        ExtraOperation {
            api: Api::Compute,
            name: "ex_associate_elastic_ip",
            description: "Associate an elastic IP with a node",
        },
        ExtraOperation {
            api: Api::Compute,
            name: "ex_disassociate_elastic_ip",
            description: "Remove an elastic IP association",
        },
        ExtraOperation {
            api: Api::Compute,
            name: "ex_release_elastic_ip",
            description: "Release an elastic IP",
        },
        ExtraOperation {
            api: Api::Compute,
            name: "ex_create_tags",
            description: "Tag any EC2 resource",
        },
        ExtraOperation {
            api: Api::Compute,
            name: "ex_delete_tags",
            description: "Remove tags from any EC2 resource",
        },
        ExtraOperation {
            api: Api::Storage,
            name: "ex_list_multipart_uploads",
            description: "Multipart uploads in progress (find orphans)",
        },
        ExtraOperation {
            api: Api::Storage,
            name: "ex_abort_multipart_upload",
            description: "Abort a multipart upload",
        },
        ExtraOperation {
            api: Api::Storage,
            name: "ex_delete_objects",
            description: "Delete up to 1000 objects in one request",
        },
        ExtraOperation {
            api: Api::Storage,
            name: "ex_bucket_region",
            description: "The region a bucket lives in",
        },
        ExtraOperation {
            api: Api::LoadBalancer,
            name: "ex_member_health",
            description: "Health of each member instance",
        },
        ExtraOperation {
            api: Api::LoadBalancer,
            name: "ex_create_listener",
            description: "Add a listener",
        },
        ExtraOperation {
            api: Api::LoadBalancer,
            name: "ex_delete_listener",
            description: "Remove a listener",
        },
    ],
    options: CONFIG_OPTIONS,
};
