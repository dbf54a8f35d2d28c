//! The shared compute suite, and `compute_live`'s own cases, on exchanges
//! recorded from Compute Engine on the Google reference emulator
//! (`fixtures/google/compute/`), always, offline.

use crate::support::reference::{COMPUTE, compute_fixture, replay};

mod compute_engine {
    cloud_testkit::compute_suite!(|case: &'static str| async move {
        let google = super::replay(&super::COMPUTE, case);
        Some(super::compute_fixture(&google))
    });
}

#[test]
fn operation_failures_are_typed() {
    cloud_testkit::run(crate::compute_live::operation_failure(replay(
        &COMPUTE,
        "operation_failure",
    )));
}

#[test]
fn an_ssh_key_reaches_the_instance() {
    cloud_testkit::run(crate::compute_live::ssh_key(replay(&COMPUTE, "ssh_key")));
}

#[test]
fn an_idempotency_token_makes_one_instance() {
    let google =
        crate::support::reference::replay_ignoring(&COMPUTE, "idempotent_insert", "requestId");
    cloud_testkit::run(crate::compute_live::idempotent_insert(google, "replayed"));
}

/// A key import racing another metadata change: Compute Engine refuses the
/// stale fingerprint (412), the metadata is read again and the change made
/// on top of the other one, which stays.
#[test]
fn a_stale_metadata_fingerprint_is_read_again() {
    use std::sync::Arc;

    use cloud_core::{Compute, Environment};
    use cloud_testkit::canned::{Canned, CannedTransport};

    const KEY: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f me@laptop";
    cloud_testkit::run(async {
        let transport = Arc::new(CannedTransport::new());
        let project = |fingerprint: &str, keys: &str| {
            serde_json::json!({"kind": "compute#project", "name": "p",
                "commonInstanceMetadata": {"fingerprint": fingerprint,
                    "items": [{"key": "ssh-keys", "value": keys}]}})
            .to_string()
        };
        let stale = r#"{"error": {"code": 412, "message": "Supplied fingerprint does not match current metadata fingerprint.",
            "errors": [{"domain": "global", "reason": "conditionNotMet", "message": "x"}]}}"#;
        let done = r#"{"kind": "compute#operation", "name": "operation-1", "status": "DONE"}"#;
        let both = format!("bob:{KEY}\nalice:{KEY}");
        transport.push(Canned::new(200, project("f1", "")));
        transport.push(Canned::new(412, stale));
        transport.push(Canned::new(200, project("f2", &format!("bob:{KEY}"))));
        transport.push(Canned::new(200, done));
        transport.push(Canned::new(200, project("f3", &both)));
        let google = cloud_google::GoogleBuilder::new()
            .environment(Environment::from_vars(Vec::<(String, String)>::new()))
            .anonymous()
            .project("p")
            .endpoint("http://scripted.invalid")
            .retry(cloud_testkit::recordings::quick_retries())
            .transport(transport.clone())
            .build()
            .unwrap();
        let key = Compute::new(google.compute())
            .import_key_pair("alice", KEY)
            .await
            .unwrap();
        assert_eq!(key.name, "alice");
        let posts: Vec<String> = transport
            .requests()
            .into_iter()
            .filter(|r| r.starts_with("POST"))
            .collect();
        assert_eq!(posts.len(), 2, "{posts:?}");
    });
}
