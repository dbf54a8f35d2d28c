//! The shared DNS suite against Cloud DNS on the Google reference emulator
//! (skipped when it is not running; `cargo xtask test` starts it), signed
//! in through the emulator's token endpoint, every change waited for.

use cloud_core::dns::rrset::RecordSetStore;
use cloud_core::{CreateZone, Dns, ErrorKind, RecordSpec, RecordType};

use crate::support::reference::{self, DNS};

mod cloud_dns {
    cloud_testkit::dns_suite!(|case: &'static str| async move {
        super::reference::live(&super::DNS, case).map(|g| super::reference::dns_fixture(&g))
    });
}

/// Requests without a token the emulator issued are refused as Google
/// refuses them: `InvalidCredentials`, the token never in the error.
#[test]
fn an_unknown_token_is_refused() {
    cloud_testkit::run(async {
        let Some(url) = reference::live_url(&DNS) else {
            return;
        };
        let http = cloud_core::http::HttpClient::builder("google")
            .allow_http(true)
            .build()
            .unwrap();
        let request = cloud_core::http::HttpRequest::new(
            cloud_core::http::Method::GET,
            cloud_core::Url::parse(&format!("{url}/dns/v1/projects/cloud-test/managedZones"))
                .unwrap(),
        )
        .header("authorization", "Bearer ya29.not-issued-here")
        .unwrap();
        let response = http.send(request).await.unwrap();
        assert_eq!(response.status().as_u16(), 401);
    });
}

/// A set changed by someone else between its read and the write is not
/// overwritten: the change deletes the set as it was read, which Cloud DNS
/// no longer holds, so it refuses the change whole (`PreconditionFailed`)
/// and the other writer's value stays. Replayed by `dns_replay`.
#[test]
fn a_stale_write_is_refused() {
    cloud_testkit::run(async {
        if let Some(google) = reference::live(&DNS, "stale_write") {
            stale_write(google).await;
        }
    });
}

pub(crate) async fn stale_write(google: cloud_google::Google) {
    let (driver, dns) = (google.dns(), Dns::new(google.dns()));
    let _ = dns.delete_zone("stale-cloud-conformance-example").await;
    let zone = dns
        .create_zone(&CreateZone::new("stale.cloud-conformance.example"))
        .await
        .unwrap();
    assert_eq!(zone.id, "stale-cloud-conformance-example");
    let www = |data: &str| RecordSpec::new("www", RecordType::A, data).ttl(60);
    dns.create_record(&zone.id, &www("192.0.2.1"))
        .await
        .unwrap();
    let stale = driver
        .read_set(&zone.id, "www", RecordType::A)
        .await
        .unwrap()
        .unwrap();
    // Someone else adds a value.
    dns.create_record(&zone.id, &www("192.0.2.2"))
        .await
        .unwrap();
    let mut mine = stale.clone();
    mine.values.push("192.0.2.3".into());
    let err = driver
        .write_set(&zone.id, &mine, Some(&stale))
        .await
        .unwrap_err();
    assert_eq!(*err.kind(), ErrorKind::PreconditionFailed, "{err}");
    assert!(err.to_string().contains("conditionNotMet"), "{err}");
    let mut listed: Vec<String> = dns
        .list_records_vec(&zone.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.record_type == RecordType::A)
        .map(|r| r.data)
        .collect();
    listed.sort();
    assert_eq!(listed, ["192.0.2.1", "192.0.2.2"]);
    dns.delete_zone(&zone.id).await.unwrap();
}
