//! The shared DNS suite on exchanges recorded from a real PowerDNS server
//! (`fixtures/powerdns/api/`), always, offline.
#![allow(clippy::unwrap_used)]

use crate::support;

mod powerdns {
    cloud_testkit::dns_suite!(|case: &'static str| async move {
        Some(super::support::dns_fixture(super::support::replay(case)))
    });
}

/// Answers no server gives on demand, scripted: a `PATCH` that failed
/// with a 5xx is sent again (it states the whole set, so repeating it is
/// safe), and a record created without a TTL gets 3600 s.
#[test]
fn a_failed_set_write_is_retried() {
    use std::sync::Arc;

    use cloud_core::{Dns, RecordSpec, RecordType};
    use cloud_testkit::canned::{Canned, CannedTransport};

    cloud_testkit::run(async {
        let transport = Arc::new(CannedTransport::new());
        let zone =
            r#"{"id": "example.com.", "name": "example.com.", "kind": "Native", "rrsets": []}"#;
        // The handle reads the name's records (CNAME rules), then the set.
        transport.push(Canned::new(200, zone));
        transport.push(Canned::new(200, zone));
        transport.push(Canned::new(
            500,
            "GSQLBackend unable to replace RRSet: database is locked",
        ));
        transport.push(Canned::new(204, ""));
        let dns = Dns::new(
            support::builder("http://scripted.invalid")
                .transport(transport.clone())
                .build()
                .unwrap(),
        );
        let record = dns
            .create_record(
                "example.com",
                &RecordSpec::new("www", RecordType::A, "192.0.2.1"),
            )
            .await
            .unwrap();
        assert_eq!(record.ttl, Some(3600));
        // A relative target is sent, and handed back, fully qualified.
        transport.push(Canned::new(200, zone));
        transport.push(Canned::new(200, zone));
        transport.push(Canned::new(204, ""));
        let mx = dns
            .create_record(
                "example.com",
                &RecordSpec::new("", RecordType::MX, "10 mail"),
            )
            .await
            .unwrap();
        assert_eq!(mx.data, "10 mail.example.com.");
        assert_eq!(mx.id, "MX:@:10 mail.example.com.");
        let sent = transport.requests();
        assert_eq!(sent.len(), 7, "{sent:?}");
        assert!(
            sent[2].starts_with("PATCH ") && sent[3] == sent[2],
            "{sent:?}"
        );
    });
}
