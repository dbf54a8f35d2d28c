//! The fault suite on S3 (moto and s3s-fs) and EC2 (moto): every call
//! through a proxy that damages the real server's answers.
#![allow(clippy::unwrap_used)]

use crate::support;

use std::time::Duration;

use cloud_core::http::Timeouts;
use cloud_core::{Compute, Storage};
use cloud_testkit::conformance::faults::{ComputeFaultFixture, StorageFaultFixture, settings};
use cloud_testkit::fault_proxy::{Fault, Rule, Seen};
use support::Server;

fn part_upload(fault: Fault) -> Rule {
    Rule::new(fault).method("PUT").query("partNumber=")
}

async fn storage(server: Server, case: &str) -> Option<StorageFaultFixture> {
    let (aws, proxy) = support::through_proxy(server, case, settings::timeouts()).await?;
    let s3 = aws.s3().unwrap();
    let counted = s3.clone();
    Some(StorageFaultFixture {
        storage: Storage::new(s3),
        proxy,
        namespace: format!("ct-fault-{}", server.name()),
        multipart_bytes: if server == Server::S3s {
            11 * 1024 * 1024
        } else {
            300 * 1024
        },
        part_upload,
        leftovers: Box::new(move |bucket| {
            let s3 = counted.clone();
            Box::pin(async move { support::open_uploads(server, &s3, &bucket).await })
        }),
        reauthenticates: false,
    })
}

mod moto {
    use super::*;
    cloud_testkit::storage_fault_suite!(|case: &'static str| storage(Server::Moto, case));
}

mod s3s {
    use super::*;
    cloud_testkit::storage_fault_suite!(|case: &'static str| storage(Server::S3s, case));
}

fn ec2_action(action: &'static str) -> impl Fn(Fault) -> Rule {
    move |fault| Rule::new(fault).query(&format!("Action={action}&"))
}

fn client_token(seen: &Seen) -> Option<String> {
    seen.query
        .split('&')
        .find_map(|p| p.strip_prefix("ClientToken="))
        .map(str::to_owned)
}

mod ec2 {
    use super::*;
    cloud_testkit::compute_fault_suite!(|case: &'static str| async move {
        // moto answers DescribeInstanceTypes with 5 MB of XML, slowly; this
        // suite does not test timeouts, so it gives moto time.
        let slow = Timeouts::new().request(Duration::from_secs(60));
        let (aws, proxy) = support::through_proxy(Server::Moto, case, slow).await?;
        Some(ComputeFaultFixture {
            compute: Compute::new(aws.ec2().unwrap()),
            proxy,
            size: "t2.micro".into(),
            image: support::MOTO_IMAGE.into(),
            create_node: |f| ec2_action("RunInstances")(f),
            create_key_pair: |f| ec2_action("CreateKeyPair")(f),
            delete_key_pair: |f| ec2_action("DeleteKeyPair")(f),
            list_nodes: |f| ec2_action("DescribeInstances")(f),
            idempotency_token: client_token,
        })
    });
}
