// The LiveDNS extras and Gandi-specific behaviour, shared by the live and
// replay suites (each defines `driver(case)`).

use cloud_core::{CreateZone, Dns, Error, ErrorKind, RecordSpec, RecordType};

/// The zone a case works in (LiveDNS cannot delete it: it is reused, and
/// its records removed first).
async fn zone_for(dns: &Dns, case: &str) -> String {
    let domain = format!("{case}.cloud-extras.example");
    match dns.create_zone(&CreateZone::new(&domain).ttl(3600)).await {
        Ok(zone) => zone.id,
        Err(e) if matches!(e.kind(), ErrorKind::AlreadyExists { .. }) => {
            for record in dns.list_records_vec(&domain).await.unwrap() {
                dns.delete_record(&domain, &record.id).await.unwrap();
            }
            domain
        }
        Err(e) => panic!("creating {domain}: {e}"),
    }
}

#[test]
fn snapshots_keep_the_records_of_their_moment() {
    cloud_testkit::run(async {
        let Some(gandi) = driver("snapshots") else { return };
        let dns = Dns::new(gandi.clone());
        let zone = zone_for(&dns, "snapshots").await;
        let www = RecordSpec::new("www", RecordType::A, "192.0.2.10").ttl(300);
        dns.create_record(&zone, &www).await.unwrap();
        let snap = gandi
            .ex_create_snapshot(&zone, Some("before-change"))
            .await
            .unwrap();
        assert_eq!(snap.name.as_deref(), Some("before-change"));
        assert_eq!(
            snap.records.iter().map(|r| r.spec()).collect::<Vec<_>>(),
            vec![www.clone()]
        );
        dns.create_record(&zone, &RecordSpec::new("www", RecordType::A, "192.0.2.11").ttl(300))
            .await
            .unwrap();
        let listed = gandi.ex_list_snapshots(&zone).await.unwrap();
        assert!(listed.iter().any(|s| s.id == snap.id), "{listed:?}");
        let again = gandi.ex_get_snapshot(&zone, &snap.id).await.unwrap();
        assert_eq!(again.records.len(), 1, "the snapshot did not change");
        gandi.ex_delete_snapshot(&zone, &snap.id).await.unwrap();
        let err = gandi.ex_get_snapshot(&zone, &snap.id).await.unwrap_err();
        assert!(err.is_not_found(), "{err}");
        let err: Error = gandi.ex_delete_snapshot(&zone, &snap.id).await.unwrap_err();
        assert!(err.is_not_found(), "{err}");
    });
}

#[test]
fn automatic_snapshots_and_name_servers() {
    cloud_testkit::run(async {
        let Some(gandi) = driver("automatic_snapshots") else { return };
        let dns = Dns::new(gandi.clone());
        let zone = zone_for(&dns, "automatic").await;
        gandi.ex_set_automatic_snapshots(&zone, true).await.unwrap();
        let read = dns.get_zone(&zone).await.unwrap();
        assert_eq!(read.extra.get("automatic_snapshots"), Some(&serde_json::json!(true)));
        gandi.ex_set_automatic_snapshots(&zone, false).await.unwrap();
        let servers = gandi.ex_nameservers(&zone).await.unwrap();
        assert!(!servers.is_empty() && servers.iter().all(|s| s.contains('.')), "{servers:?}");
        let err = gandi.ex_nameservers("missing.cloud-extras.example").await.unwrap_err();
        assert!(err.is_not_found(), "{err}");
    });
}

#[test]
fn zones_cannot_be_deleted_and_validation_errors_are_typed() {
    cloud_testkit::run(async {
        let Some(gandi) = driver("gandi_errors") else { return };
        let dns = Dns::new(gandi);
        let zone = zone_for(&dns, "errors").await;
        let err = dns.delete_zone(&zone).await.unwrap_err();
        assert!(err.is_unsupported(), "{err}");
        // Below LiveDNS's smallest TTL: refused by the server, typed.
        let err = dns
            .create_record(&zone, &RecordSpec::new("low", RecordType::A, "192.0.2.1").ttl(60))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::InvalidInput, "{err}");
        assert!(err.to_string().contains("rrset_ttl"), "{err}");
        let err = dns
            .create_zone(&CreateZone::new("x.example").option("colour", "blue"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::InvalidInput, "{err}");
    });
}
