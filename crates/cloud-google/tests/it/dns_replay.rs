//! The shared DNS suite on exchanges recorded from Cloud DNS on the Google
//! reference emulator (`fixtures/google/dns/`), always, offline.

mod cloud_dns {
    cloud_testkit::dns_suite!(|case: &'static str| async move {
        let google = crate::support::reference::replay(&crate::support::reference::DNS, case);
        Some(crate::support::reference::dns_fixture(&google))
    });
}

/// The refused stale write of `dns_live`, replayed.
#[test]
fn a_stale_write_is_refused() {
    cloud_testkit::run(crate::dns_live::stale_write(
        crate::support::reference::replay(&crate::support::reference::DNS, "stale_write"),
    ));
}

/// Google's 403 `rateLimitExceeded` is throttling: the change, a `POST`,
/// is sent again after a backoff (Google did nothing with it), and the
/// record is written once.
#[test]
fn a_rate_refused_change_is_sent_again() {
    use std::sync::Arc;

    use cloud_core::{Dns, Environment, RecordSpec, RecordType};
    use cloud_testkit::canned::{Canned, CannedTransport};

    cloud_testkit::run(async {
        let transport = Arc::new(CannedTransport::new());
        let zone = r#"{"kind": "dns#managedZone", "name": "example-com", "dnsName": "example.com.", "id": "1"}"#;
        let none = r#"{"kind": "dns#resourceRecordSetsListResponse", "rrsets": []}"#;
        let throttled = r#"{"error": {"code": 403, "message": "Rate Limit Exceeded",
            "errors": [{"domain": "usageLimits", "reason": "rateLimitExceeded", "message": "Rate Limit Exceeded"}]}}"#;
        let change = r#"{"kind": "dns#change", "id": "7", "status": "done",
            "additions": [{"name": "www.example.com.", "type": "A", "ttl": 300, "rrdatas": ["192.0.2.1"]}]}"#;
        transport.push(Canned::new(200, zone));
        transport.push(Canned::new(200, none));
        transport.push(Canned::new(200, none));
        transport.push(Canned::new(403, throttled));
        transport.push(Canned::new(200, change));
        let google = cloud_google::GoogleBuilder::new()
            .environment(Environment::from_vars(Vec::<(String, String)>::new()))
            .anonymous()
            .project("p")
            .endpoint("http://scripted.invalid")
            .retry(cloud_testkit::recordings::quick_retries())
            .transport(transport.clone())
            .build()
            .unwrap();
        let record = Dns::new(google.dns())
            .create_record(
                "example-com",
                &RecordSpec::new("www", RecordType::A, "192.0.2.1"),
            )
            .await
            .unwrap();
        assert_eq!(record.ttl, Some(300));
        let posts = transport
            .requests()
            .iter()
            .filter(|r| r.starts_with("POST"))
            .count();
        assert_eq!(posts, 2, "{:?}", transport.requests());
    });
}
