//! The fault suite on Swift: every storage call through a proxy that
//! damages the real server's answers (tempauth tokens, SLO segments).
#![allow(clippy::unwrap_used)]

use crate::support;

use cloud_core::Storage;
use cloud_testkit::conformance::faults::StorageFaultFixture;
use cloud_testkit::fault_proxy::{Fault, Rule};
use support::Server;

fn segment_upload(fault: Fault) -> Rule {
    Rule::new(fault).method("PUT").path("_segments/")
}

cloud_testkit::storage_fault_suite!(|case: &'static str| async move {
    let (cloud, proxy) = support::through_proxy(Server::Swift, case).await?;
    let swift = cloud.swift();
    let counted = Storage::new(swift.clone());
    Some(StorageFaultFixture {
        storage: Storage::new(swift),
        proxy,
        namespace: "ct-fault".into(),
        multipart_bytes: 300 * 1024,
        part_upload: segment_upload,
        leftovers: Box::new(move |container| {
            let storage = counted.clone();
            Box::pin(async move {
                match storage
                    .list_objects_vec(&format!("{container}_segments"), None)
                    .await
                {
                    Ok(objects) => objects.len(),
                    Err(e) if e.is_not_found() => 0,
                    Err(e) => panic!("listing segments: {e}"),
                }
            })
        }),
        reauthenticates: true,
    })
});
